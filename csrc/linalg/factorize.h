// Matrix factorizations and the triangular solve: the contract's linear-algebra primitives
// (mytorch/backends/base.py, "linear algebra"). Each works on a batch (*, m, n) of float32/float64/
// complex64/complex128 matrices, one matrix at a time on a contiguous copy, the batch spread over threads. They are the
// textbook unblocked algorithms (LAPACK's getf2, potf2, geqr2 + org2r, trsm, sytd2 + steqr,
// gebal + gehd2 + lahqr + trevc for the general eigenproblem, sytf2 + sytrs; gebd2 + bdsqr for the
// SVD, with a QR first for a tall matrix; that QR's reflectors, and those that form U and V, go 32 at a time
// through GEMM), written row-major so that every inner loop runs along a contiguous row and vectorises:
// short, readable, and quick at the sizes models use (a blocked, GEMM-based version would win only for
// matrices in the hundreds).
#pragma once
#include <optional>
#include <tuple>

#include "core/array.h"

namespace mytorch {

// LU with partial pivoting, P A = L U: (LU packed, pivots int32 1-based, info int32).
std::tuple<Array, Array, Array> lu_factor(const Array& a);

// X with A X = B, A (*, n, n) triangular (only its upper or lower triangle read; diagonal taken as ones
// when unitriangular), B (*, n, k) with A's batch dims.
Array solve_triangular(const Array& a, const Array& b, bool upper, bool unitriangular);

// A = L L^H from A's lower triangle: (L, info int32: the order of the first non-positive-definite minor).
std::tuple<Array, Array> cholesky(const Array& a);

// Householder QR: (Q, R), reduced (Q m x k, R k x n) or complete (Q m x m, R m x n), k = min(m, n).
std::tuple<Array, Array> qr(const Array& a, bool complete);

// (w, V) with A = V diag(w) V^H for Hermitian A (*, n, n), only its upper (or lower) triangle read: w (*, n)
// real and ascending, V unitary; nan for a matrix holding inf or nan.
std::tuple<Array, Array> eigh(const Array& a, bool upper);

// (w, V) with A V = V diag(w) for a general A (*, n, n): w (*, n) and V (*, n, n) complex (complex64 for float32
// and complex64 A), in LAPACK's order and normalization (geev); RuntimeError for inf or nan, or no convergence.
std::tuple<Array, Array> eig(const Array& a);

// Bunch-Kaufman P A P^T = L D L^T (L^H when hermitian) from A's lower triangle (sytrf / hetrf): (LD, pivots int32
// in LAPACK's convention, info int32: the first zero column of D + 1, or 0).
std::tuple<Array, Array, Array> ldl_factor(const Array& a, bool hermitian);

// X with A X = B from ldl_factor's (LD, pivots), B (*, n, k) of LD's batch dims (sytrs / hetrs).
Array ldl_solve(const Array& ld, const Array& pivots, const Array& b, bool hermitian);

// (U, S, Vh) with A = U diag(S) Vh for A (*, m, n), k = min(m, n): S (*, k) real, descending; U (*, m, k) and
// Vh (*, k, n), or (*, m, m) and (*, n, n) with full_matrices; no U and Vh without compute_uv.
std::tuple<std::optional<Array>, Array, std::optional<Array>> svd(const Array& a, bool full_matrices,
                                                                  bool compute_uv);

}  // namespace mytorch
