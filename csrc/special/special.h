// Special functions (torch.special): the error-function family, the gamma family (with the Hurwitz zeta and the
// incomplete gamma functions), the Bessel functions of the first and second kinds and their modified forms, and the
// Airy function. Each is evaluated in float64 for every floating dtype and rounded once, by the same algorithms as
// the NumPy backend's kernels (mytorch/backends/_np_special.py, _np_gamma.py, _np_bessel.py, _np_bessel_second.py,
// _np_airy.py, whose docstrings hold the math), so that both backends agree to float64's last bits and float32
// results are the correctly rounded float64 ones.
#pragma once
#include "core/array.h"

namespace mytorch {

// The primitives, in the names of the backend contract (SPECIAL_UNARY_OPS and SPECIAL_BINARY_OPS of
// mytorch/backends/base.py).
#define MYTORCH_SPECIAL_UNARY_OPS(X)                                                                   \
  X(erfc) X(erfcx) X(erfinv) X(ndtri) X(log_ndtr) X(lgamma) X(digamma) X(i0) X(i0e) X(i1) X(i1e)       \
  X(bessel_j0) X(bessel_j1) X(bessel_y0) X(bessel_y1) X(modified_bessel_k0) X(modified_bessel_k1)      \
  X(scaled_modified_bessel_k0) X(scaled_modified_bessel_k1) X(airy_ai)
#define MYTORCH_SPECIAL_BINARY_OPS(X) X(zeta) X(igamma) X(igammac)

namespace special {
#define MYTORCH_DECLARE(name) double name(double x);
MYTORCH_SPECIAL_UNARY_OPS(MYTORCH_DECLARE)
#undef MYTORCH_DECLARE
#define MYTORCH_DECLARE(name) double name(double a, double b);
MYTORCH_SPECIAL_BINARY_OPS(MYTORCH_DECLARE)
#undef MYTORCH_DECLARE
}  // namespace special

// out = f(a) for a floating array a (float16, bfloat16, float32, float64), in a's dtype: f runs in float64 and
// its result is rounded once (the half types through float32). Any other dtype throws TypeError naming `name`.
Array special_unary(const char* name, double (*f)(double), const Array& a);

// out = f(a, b) broadcast, for a and b of one floating dtype, as special_unary.
Array special_binary(const char* name, double (*f)(double, double), const Array& a, const Array& b);

}  // namespace mytorch
