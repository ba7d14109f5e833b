"""The backend contract: the primitive set every device implements.

Everything above this layer (ops, autograd, nn) is composed from these
primitives, so a new device is a finite job: implement this class and the
whole test suite runs against it (tests are parametrized by backend).

Arrays are opaque to the upper layers except for three attributes every
backend array exposes: ``.shape`` (tuple of ints), ``.ndim`` and ``.strides``
(in bytes). Primitives never promote types: the ops layer casts operands to
the result dtype first, so a primitive sees operands of one dtype (Python
numbers may appear as the second operand of a binary op).

What every backend must also honour (the NumPy backend is the reference):

- Results are arrays, never scalars: a 0-d result is a 0-d array the caller
  can write into. Operands may be views of any strides (zero strides from
  `expand` included); a primitive reads them as they are, without assuming
  contiguity, and returns a new array unless its docstring says "in place"
  or "view".
- Errors are raised by the primitive that detects them, with the exception
  type and message PyTorch gives (the ops layer does not re-check): index
  bounds in `gather`, `scatter`, `index`, `index_put` and `cross_entropy`
  (see their docstrings), integer division by zero in `floor_divide` and
  `remainder` (``RuntimeError("ZeroDivisionError: ...")``), integers to
  negative integer powers in `pow` (RuntimeError). Floating point never
  raises: log(0) = -inf, 0/0 = nan, overflow = inf, silently. Checking
  runs where the data is, so a device backend never copies indices to the
  host to validate them (it reads back only the offending value, when
  there is one, to name it).
- Complex dtypes (complex64, complex128: (real, imag) pairs of float32 /
  float64, the layout `bitcast` exposes) are storage like any other dtype:
  allocate, cast (complex to real keeps the real part; real to complex has
  imaginary part 0), copy, assign, views, where, concatenate, gather/scatter,
  index/index_put, nonzero, pad, cumsum/cumprod. Of the math, they take the
  unary ops neg, exp, exp2, expm1, log, log2, log10, log1p, sqrt, rsqrt, the
  trigonometric and hyperbolic ops and their inverses, sigmoid, reciprocal,
  `abs` (which gives the real dtype), isnan/isinf/isfinite/logical_not; the
  binary ops add, sub, mul, div, pow, eq, ne; the reductions sum, prod, any,
  all; and matmul. The rest need an order or rounding that complex numbers
  lack; the ops layer raises PyTorch's error before calling them, and a
  backend need not take complex operands there (the C++ one raises
  NotImplementedError).
- `from_host` accepts nested Python lists/tuples of numbers and bools,
  Python scalars, and NumPy arrays (any of the dtypes in
  `mytorch._dtype`, bfloat16 as ml_dtypes'); with ``dt`` None the dtype is
  inferred as NumPy does (the ops layer passes one whenever it matters).
  It always copies; `share_host` shares.
- Storage: an array is a view of a storage with an element offset
  (`storage_offset`) and strides. `Tensor.data_ptr` is `data_ptr` (the
  address of the first element); views of one storage must report
  addresses and offsets consistent with each other, because the upper
  layers identify aliasing and rebuild views (``as_strided``) from them.
"""
from __future__ import annotations

from typing import Any, Sequence

from .._dtype import dtype
from . import _composite

Array = Any
Shape = tuple[int, ...]

# elementwise unary primitives, all ``f(a) -> array`` of a's dtype
UNARY_OPS = (
    "neg", "abs", "sign", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
    "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
    "sigmoid", "erf", "floor", "ceil", "round", "trunc", "reciprocal",
    "isnan", "isinf", "isfinite", "logical_not", "bitwise_not", "signbit",
)
# elementwise binary primitives with NumPy-style broadcasting, ``f(a, b) -> array``
BINARY_OPS = (
    "add", "sub", "mul", "div", "floor_divide", "remainder", "fmod", "pow", "atan2",
    "maximum", "minimum", "eq", "ne", "lt", "le", "gt", "ge",
    "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
)
# elementwise special functions on floating operands, results of the first operand's dtype (torch.special
# and its top-level aliases); binary ones broadcast. Their math and algorithms: the NumPy backend's
# _np_special.py (the error-function family), _np_gamma.py, _np_bessel.py, _np_bessel_second.py and _np_airy.py.
SPECIAL_UNARY_OPS = (
    "erfc", "erfcx", "erfinv", "ndtri", "log_ndtr", "lgamma", "digamma", "i0", "i0e", "i1", "i1e",
    "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0", "modified_bessel_k1",
    "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "airy_ai",
)
SPECIAL_BINARY_OPS = ("zeta", "igamma", "igammac")
# reductions ``f(a, axes: tuple[int, ...] | None, keepdim: bool) -> array``
REDUCE_OPS = ("sum", "prod", "amax", "amin", "any", "all")
# optional fused primitives: each has a composite default below, built from the primitives above
FUSED_PRIMITIVES = (
    "matmul_add", "softmax", "log_softmax", "softmax_backward", "log_softmax_backward", "gelu", "gelu_backward",
    "layer_norm", "layer_norm_backward", "rms_norm", "rms_norm_backward", "rotary_embedding",
    "batch_norm", "batch_norm_backward",
    "cross_entropy", "cross_entropy_backward", "ctc_loss", "ctc_loss_backward",
    "scaled_dot_product_attention", "scaled_dot_product_attention_backward", "lstm_cell", "lstm_cell_backward",
    "gru_cell", "gru_cell_backward", "max_pool", "max_pool_backward", "sgd_update", "adam_update", "rmsprop_update", "adagrad_update",
)

LINALG_PRIMITIVES = ("lu_factor", "solve_triangular", "cholesky", "qr", "eigh", "eig", "svd", "ldl_factor",
                     "ldl_solve")
CONV_PRIMITIVES = ("conv", "conv_backward_input", "conv_backward_weight", "im2col", "col2im")


def bind_kernels(cls: type, module: Any, names: Sequence[str]) -> None:
    """Make each of `names` a primitive of the backend class `cls`: `module`'s function of that name, called as
    it is (static, so no Python frame stands between an op and its kernel)."""
    for name in names:
        setattr(cls, name, staticmethod(getattr(module, name)))


class Backend:
    """Abstract device backend. Subclasses implement every primitive below that raises
    NotImplementedError, plus one method per name in UNARY_OPS, BINARY_OPS, SPECIAL_UNARY_OPS,
    SPECIAL_BINARY_OPS and REDUCE_OPS;
    the fused primitives and optimizer updates have composite defaults and are optional."""

    name: str = "abstract"
    device_type: str = "cpu"

    # ---- storage -------------------------------------------------------
    def from_host(self, obj: Any, dt: dtype | None) -> Array:
        """A new array from nested Python sequences/numbers or a host array."""
        raise NotImplementedError

    def share_host(self, host_array: Any) -> Array:
        """An array sharing memory with a host (NumPy) array: ``from_numpy``."""
        raise NotImplementedError

    def to_host(self, a: Array) -> Any:
        """A host NumPy array with a's values (may share memory on CPU)."""
        raise NotImplementedError

    def data_ptr(self, a: Array) -> int:
        """The address of a's first element. The default reads it from `to_host`, which is right only where
        that shares a's memory (CPU backends); a device backend returns its own pointer."""
        return self.to_host(a).__array_interface__["data"][0]

    def set_num_threads(self, n: int) -> None:
        """Let the kernels use n threads. The default does nothing: a backend without a thread pool of its
        own (the NumPy backend: OpenBLAS sizes its pool from OPENBLAS_NUM_THREADS when it loads) ignores it."""

    def get_num_threads(self) -> int:
        """Threads the kernels may use (1 for a backend without a thread pool of its own)."""
        return 1

    def dtype_of(self, a: Array) -> dtype:
        raise NotImplementedError

    def empty(self, shape: Shape, dt: dtype) -> Array:
        raise NotImplementedError

    def full(self, shape: Shape, value: Any, dt: dtype) -> Array:
        raise NotImplementedError

    def arange(self, start: float, end: float, step: float, dt: dtype) -> Array:
        raise NotImplementedError

    def cast(self, a: Array, dt: dtype) -> Array:
        """a converted to dtype dt (a copy; returns a itself when dt already matches)."""
        raise NotImplementedError

    def copy(self, a: Array) -> Array:
        """A contiguous copy of a."""
        raise NotImplementedError

    def assign(self, dst: Array, src: Array | Any) -> None:
        """Write src (broadcast to dst's shape) into dst's memory."""
        raise NotImplementedError

    def add_(self, dst: Array, src: Array) -> None:
        """dst += src in dst's memory (src has dst's shape and dtype): how ``.grad`` accumulates. The default
        adds out of place and copies back; a backend with an in-place kernel saves the new array and a pass."""
        self.assign(dst, self.add(dst, src))

    def owns_memory(self, a: Array) -> bool:
        """Whether a is a contiguous array over memory of its own that no other array, view or host
        buffer uses. The autograd engine then adopts a fresh gradient as ``.grad`` instead of copying it
        (the caller checks that no Python object but its own refers to a). The default, False, is always
        safe: the engine copies."""
        return False

    def is_contiguous(self, a: Array) -> bool:
        raise NotImplementedError

    def storage_offset(self, a: Array) -> int:
        """Offset in elements of a's first element from the start of its storage."""
        raise NotImplementedError

    # ---- movement: metadata only -----------------------------------------
    def view(self, a: Array, shape: Shape) -> Array | None:
        """a with a new shape sharing memory, or None when the strides don't allow it."""
        raise NotImplementedError

    def permute(self, a: Array, dims: Sequence[int]) -> Array:
        raise NotImplementedError

    def expand(self, a: Array, shape: Shape) -> Array:
        """Broadcast a to shape with zero strides (no copy)."""
        raise NotImplementedError

    def as_strided(self, a: Array, shape: Shape, strides: Sequence[int], offset: int) -> Array:
        """A view of a's storage with element strides and offset relative to a's first element."""
        raise NotImplementedError

    def bitcast(self, a: Array, dt: dtype) -> Array:
        """A view of a's bytes as elements of dt: the last dim scales by a's itemsize / dt's, the other dims
        keep their byte strides (a complex array seen with a trailing dim of 1 becomes its (real, imag) parts). The caller has checked (`Tensor.view(dtype)`) that when the sizes differ a
        has a dim, its last dim is contiguous and divides evenly, and its other strides and offset do too."""
        raise NotImplementedError

    def basic_index(self, a: Array, key: tuple) -> Array:
        """A view for a key of ints, slices (any step), None and Ellipsis."""
        raise NotImplementedError

    def flip(self, a: Array, axes: tuple[int, ...]) -> Array:
        raise NotImplementedError

    # ---- indexing (copies) -------------------------------------------------
    # `index` and `index_put` follow NumPy's advanced-indexing rules: the key is a tuple of ints, slices,
    # None, Ellipsis and integer (int64/int32) or bool arrays. An integer array indexes one dim, a bool
    # array as many dims as it has (its True positions, row-major); all index arrays broadcast together.
    # The result dims of the index arrays replace the dims they index when those are adjacent in the key,
    # and go first when a slice, None or Ellipsis separates them (x[:, i, :, j] with i, j of shape (n,)
    # has shape (n, x.shape[0], x.shape[2])). The ops layer has already split off PyTorch's int-first
    # selections, so a key mixing Python ints with index arrays follows these rules as well. Integer
    # indices may be negative (from the end); anything outside [-size, size) of the dim it indexes raises
    # ``IndexError(f"index {i} is out of bounds for dimension {dim} with size {size}")``, naming the
    # smallest index when one is below the range, else the largest.
    def index(self, a: Array, key: tuple) -> Array:
        """Advanced indexing a[key] (a copy): key mixes slices, None, Ellipsis and integer/bool arrays."""
        raise NotImplementedError

    def index_put(self, a: Array, key: tuple, v: Array | Any, accumulate: bool) -> None:
        """In place: a[key] = v broadcast to the indexed shape (ValueError when it does not broadcast); with
        repeated indices the last write wins, or with accumulate all of them are summed (a[key] += v)."""
        raise NotImplementedError

    def gather(self, a: Array, axis: int, index: Array) -> Array:
        """out[i, j] = a[index[i, j], j] (axis 0; likewise along any axis) for index (int64) of a's ndim
        and shape, out of index's shape. Indices outside [0, a.shape[axis]) raise ``RuntimeError(
        f"gather(): index {i} is out of bounds for dimension {axis} with size {size}")`` (i as in `index`)."""
        raise NotImplementedError

    def scatter(self, a: Array, axis: int, index: Array, src: Array | Any, reduce: str | None) -> None:
        """In place: a[index[i, j], j] = src[i, j] (axis 0; likewise along any axis) for the positions of
        index (src may be larger: its leading block is read; or a number). reduce None replaces (repeated
        targets: one of the writes wins), "add" adds and "multiply" multiplies, each repeat combining in
        turn. Bounds as `gather`, with the message starting ``"scatter(): "``."""
        raise NotImplementedError

    def where(self, cond: Array, a: Array | Any, b: Array | Any) -> Array:
        raise NotImplementedError

    def nonzero(self, a: Array) -> Array:
        """Indices of nonzero elements, shape (n, a.ndim), int64."""
        raise NotImplementedError

    # ---- reductions and scans -------------------------------------------
    def argmax(self, a: Array, axis: int | None, keepdim: bool) -> Array:
        raise NotImplementedError

    def argmin(self, a: Array, axis: int | None, keepdim: bool) -> Array:
        raise NotImplementedError

    def cumsum(self, a: Array, axis: int) -> Array:
        raise NotImplementedError

    def cumprod(self, a: Array, axis: int) -> Array:
        raise NotImplementedError

    def sort(self, a: Array, axis: int, descending: bool) -> tuple[Array, Array]:
        """Stable sort: (values, int64 indices)."""
        raise NotImplementedError

    def unique(self, a: Array, return_inverse: bool, return_counts: bool) -> tuple[Array, ...]:
        raise NotImplementedError

    # ---- products ----------------------------------------------------------
    def matmul(self, a: Array, b: Array) -> Array:
        """Batched matrix product with broadcast batch dims (BLAS where possible)."""
        raise NotImplementedError

    # ---- linear algebra -------------------------------------------------------
    # The factorizations of LAPACK that torch.linalg is built on, for float32/float64/complex64/complex128
    # arrays of shape (*batch, m, n): each factors every matrix of the batch on its own (^H below is the
    # conjugate transpose, ^T for real arrays). They never raise for the values
    # they meet: a singular or indefinite matrix is reported through `info` (the ops layer turns it into
    # PyTorch's error), and division by a zero pivot gives inf/nan silently. The ops layer differentiates
    # every one of them (mytorch/ops/lu.py, qr.py, eigh.py, svd.py, cholesky.py, triangular.py).
    def lu_factor(self, a: Array) -> tuple[Array, Array, Array]:
        """LU with partial pivoting (getrf): (LU, pivots, info) with P A = L U for a (*, m, n), k = min(m, n).
        LU (*, m, n) packs L (unit lower triangular, its diagonal not stored) below the diagonal and U on
        and above it. pivots (*, k) int32, 1-based as LAPACK's: step j swapped rows j and pivots[j] - 1,
        the row of largest |x| (|Re x| + |Im x| for complex x, as LAPACK's) on or below the diagonal.
        info (*) int32: 0, or i when U[i-1, i-1] is exactly zero (the first such i; the factorization is
        completed anyway)."""
        raise NotImplementedError

    def solve_triangular(self, a: Array, b: Array, upper: bool, unitriangular: bool) -> Array:
        """X with A X = B for A (*, n, n) triangular and B (*, n, k) of A's batch dims (the ops layer expands
        them): only A's upper (or lower) triangle is read, and its diagonal is taken as ones when
        unitriangular (trtrs)."""
        raise NotImplementedError

    def cholesky(self, a: Array) -> tuple[Array, Array]:
        """(L, info) with A = L L^H, L lower triangular (zeros above the diagonal, a real diagonal), for
        Hermitian positive-definite A (*, n, n) of which only the lower triangle is read (potrf). info (*)
        int32: 0, or the order i of the first leading minor that is not positive definite (L is then
        unspecified)."""
        raise NotImplementedError

    def qr(self, a: Array, complete: bool) -> tuple[Array, Array]:
        """Householder QR (geqrf + orgqr): (Q, R) with A = Q R for a (*, m, n), k = min(m, n); Q has
        orthonormal columns, R is upper triangular with a real diagonal (LAPACK's reflectors
        H = I - tau v v^H, v[0] = 1, which map a column x to beta e_1, beta = -sign(Re x_0) ||x||).
        Reduced: Q (*, m, k), R (*, k, n); complete: Q (*, m, m), R (*, m, n)."""
        raise NotImplementedError

    def eigh(self, a: Array, upper: bool) -> tuple[Array, Array]:
        """(w, V) with A = V diag(w) V^H for Hermitian A (*, n, n) of which only the upper (or lower)
        triangle is read: w (*, n) real (A's real dtype), ascending, V (*, n, n) unitary (syevd/heevd)."""
        raise NotImplementedError

    def eig(self, a: Array) -> tuple[Array, Array]:
        """(w, V) with A V = V diag(w) for a general A (*, n, n): w (*, n) and V (*, n, n) complex (complex64
        for float32/complex64 input, complex128 otherwise), each column of V of unit norm with its largest
        component real (geev). A matrix with inf or nan is not factored (the ops layer refuses it)."""
        raise NotImplementedError

    def ldl_factor(self, a: Array, hermitian: bool) -> tuple[Array, Array, Array]:
        """Bunch-Kaufman P A P^T = L D L^T (L^H when hermitian) of symmetric A (*, n, n), only the lower
        triangle read (sytrf / hetrf, lower): (LD, pivots, info). LD (*, n, n): L's multipliers below the
        diagonal and D's 1x1 and 2x2 blocks on and just below it, zeros above; pivots (*, n) int32, LAPACK's
        (1-based; negative on both rows of a 2x2 block); info (*) int32: 0, or the first zero column of D."""
        raise NotImplementedError

    def ldl_solve(self, ld: Array, pivots: Array, b: Array, hermitian: bool) -> Array:
        """X with A X = B from `ldl_factor`'s (LD, pivots), B (*, n, k) of LD's batch dims (sytrs / hetrs)."""
        raise NotImplementedError

    def svd(self, a: Array, full_matrices: bool, compute_uv: bool) -> tuple[Array | None, Array, Array | None]:
        """(U, S, Vh) with A = U diag(S) Vh for a (*, m, n), k = min(m, n): S (*, k) real, descending and
        non-negative; U (*, m, k) and Vh (*, k, n) with orthonormal columns / rows, or (*, m, m) and (*, n, n)
        with full_matrices; (None, S, None) when not compute_uv (gesdd)."""
        raise NotImplementedError

    def concatenate(self, arrays: Sequence[Array], axis: int) -> Array:
        raise NotImplementedError

    def pad(self, a: Array, pads: Sequence[tuple[int, int]], mode: str, value: float) -> Array:
        """Pad each axis by (before, after); mode is constant, reflect or replicate."""
        raise NotImplementedError

    # ---- Fourier transform ---------------------------------------------------
    def fft(self, a: Array, axis: int, inverse: bool, scale: float) -> Array:
        """The discrete Fourier transform of a along axis, n = a.shape[axis]:
            out_k = scale * sum_j a_j e^(-2 pi i jk / n)      (e^(+2 pi i jk / n) when ``inverse``),
        for complex a (complex64 or complex128), or float32 / float64 a read as complex with zero imaginary
        parts; a new complex array of a's shape and precision, accurate to a few roundings of its dtype times
        log n for every n (an O(n log n) algorithm at any length, prime ones included). The real-input and
        Hermitian transforms of torch.fft are composed from it in ops/fft.py; the norm is the caller's ``scale``."""
        raise NotImplementedError

    # ---- convolution and sliding windows ------------------------------------
    # Arrays are (N, C, *spatial) with any number of spatial dims. Per spatial dim, with stride s,
    # dilation d and padding (before, after): output position o of kernel offset i reads input position
    # o * s + i * d - before; out = (size + before + after - d * (k - 1) - 1) // s + 1. `after` may be
    # negative (the last inputs, which no window reaches, are cropped: a transposed convolution's
    # output_padding >= stride asks for that). The three conv
    # primitives are those of cuDNN (forward, backward data, backward filter); each is bilinear, and the
    # ops layer differentiates every one of them with the other two.
    def conv(self, x: Array, w: Array, stride: Shape, padding: Sequence[tuple[int, int]], dilation: Shape,
             groups: int) -> Array:
        """Cross-correlation:  y[n, o, p] = sum_{c, i} w[o, c, i] * x[n, g(o) * C/groups + c, p * s + i * d - pad]
        for w of shape (O, C/groups, *kernel) (g(o): the group of output channel o); zero padding."""
        raise NotImplementedError

    def conv_backward_input(self, g: Array, w: Array, spatial: Shape, stride: Shape,
                            padding: Sequence[tuple[int, int]], dilation: Shape, groups: int) -> Array:
        """The adjoint of `conv` in x (= transposed convolution): dx of shape (N, C, *spatial) with
        <conv(x, w), g> = <x, dx> for every x. Output positions past the last window get zero."""
        raise NotImplementedError

    def conv_backward_weight(self, x: Array, g: Array, kernel: Shape, stride: Shape,
                             padding: Sequence[tuple[int, int]], dilation: Shape, groups: int) -> Array:
        """The adjoint of `conv` in w: dw of shape (O, C/groups, *kernel) with <conv(x, w), g> = <w, dw>."""
        raise NotImplementedError

    def im2col(self, x: Array, kernel: Shape, stride: Shape, padding: Sequence[tuple[int, int]],
               dilation: Shape, value: float) -> Array:
        """Sliding windows: cols[n, c, *i, *o] = x[n, c, *(o * s + i * d - pad)], `value` where that
        position is padding; shape (N, C, *kernel, *out), a new contiguous array."""
        raise NotImplementedError

    def col2im(self, cols: Array, spatial: Shape, stride: Shape, padding: Sequence[tuple[int, int]],
               dilation: Shape) -> Array:
        """The adjoint of `im2col` (padding dropped): x[n, c, *(o * s + i * d - pad)] += cols[n, c, *i, *o]
        for cols of shape (N, C, *kernel, *out); returns x of shape (N, C, *spatial)."""
        raise NotImplementedError

    def max_pool(self, x: Array, kernel: Shape, stride: Shape, padding: Sequence[tuple[int, int]],
                 dilation: Shape) -> tuple[Array, Array]:
        """(y, indices) of max pooling x (N, C, *spatial) over the windows of `im2col` (padding never wins):
            y[n, c, o] = max_i x[n, c, o * s + i * d - pad],
        indices[n, c, o] (int64) = the flat position within the (n, c) plane the maximum was read from: the
        first one on ties, a NaN when there is one (NaN is the maximum). Both (N, C, *out)."""
        return _composite.max_pool(self, x, kernel, stride, padding, dilation)

    def max_pool_backward(self, g: Array, indices: Array, spatial: Shape, kernel: Shape, stride: Shape,
                          padding: Sequence[tuple[int, int]], dilation: Shape) -> Array:
        """dx (N, C, *spatial) for the upstream gradient g (N, C, *out) of `max_pool`: each output's gradient
        added at the position it was read from, dx[n, c, indices[n, c, o]] += g[n, c, o]."""
        return _composite.max_pool_backward(self, g, indices, spatial, kernel, stride, padding, dilation)

    # ---- randomness --------------------------------------------------------
    # The cpu streams are PyTorch's: after manual_seed(s) every primitive below draws the numbers PyTorch's
    # CPU generator draws (backends/_np_random.py states the algorithms). Elements are drawn one after
    # another in the order of the returned (contiguous) array; a strided destination is filled in its
    # memory order by the ops layer.
    def rng(self, seed: int) -> Any:
        """A new random state seeded with seed (mt19937 takes its low 32 bits; the state keeps all 64)."""
        raise NotImplementedError

    def rng_state(self, rng: Any) -> bytes:
        """rng's full state as PyTorch's CPU generator state (torch.get_rng_state()'s 5056 bytes): the
        seed (8 bytes little-endian first), the mt19937 words and position, the cached normal samples."""
        raise NotImplementedError

    def set_rng_state(self, rng: Any, state: bytes) -> None:
        """Restore a state in `rng_state`'s format into rng (RuntimeError for a wrong size or invalid state)."""
        raise NotImplementedError

    def uniform(self, rng: Any, shape: Shape, low: float, high: float, dt: dtype) -> Array:
        """Values in [low, high): one 32-bit draw per element (float64: 64 bits); for [0, 1) never 1."""
        raise NotImplementedError

    def normal(self, rng: Any, shape: Shape, mean: float, std: float, dt: dtype, fill: bool = True) -> Array:
        """N(mean, std^2) samples; fill=True as PyTorch fills a contiguous tensor (blocks of 16 from 16
        elements on), False as it fills a strided one (element by element, with a cached second sample)."""
        raise NotImplementedError

    def exponential(self, rng: Any, shape: Shape, lambd: float, dt: dtype) -> Array:
        """Exp(lambd) samples, -log(1 - u) / lambd from one float64 uniform u each, rounded to dt."""
        raise NotImplementedError

    def randint(self, rng: Any, shape: Shape, low: int, high: int, dt: dtype) -> Array:
        """Integers in [low, high) (up to the whole int64 range), cast to dt."""
        raise NotImplementedError

    def permutation(self, rng: Any, n: int) -> Array:
        """A random permutation of 0 .. n-1, int64 (torch.randperm's shuffle)."""
        raise NotImplementedError

    # ---- fused primitives ----------------------------------------------------------
    # Optional kernels for the hot paths of training. Each states its math; the default body (in
    # `_composite`) composes it from the primitives above, so a backend without its own kernel still
    # runs every op, and one that has it gets the speed. The ops layer casts first: every float
    # operand of one call has one floating dtype (float16, bfloat16, float32 or float64), integer
    # targets are int64, and results have the operands' dtype. Operands may be non-contiguous (views)
    # and, where a docstring says so, broadcast (zero strides). A backward primitive gets exactly what
    # its forward returned, and returns None for a gradient whose ``output_mask`` entry is False.

    def matmul_add(self, a: Array, b: Array, c: Array) -> Array:
        """matmul(a, b) + c, c broadcast to the product (nn.Linear's x W^T + bias: a kernel can add c as it writes
        each tile of the product, sparing a pass over the result)."""
        return _composite.matmul_add(self, a, b, c)

    def softmax(self, x: Array, axis: int) -> Array:
        """y_i = e^(x_i - m) / sum_j e^(x_j - m) along axis, m = max_j x_j (no overflow for any x).
        An axis of size 0 gives an empty copy."""
        return _composite.softmax(self, x, axis)

    def log_softmax(self, x: Array, axis: int) -> Array:
        """y_i = x_i - m - log sum_j e^(x_j - m) along axis, m = max_j x_j."""
        return _composite.log_softmax(self, x, axis)

    def softmax_backward(self, y: Array, g: Array, axis: int) -> Array:
        """dx_i = y_i (g_i - sum_j g_j y_j) along axis, from the output y and the upstream gradient g."""
        return _composite.softmax_backward(self, y, g, axis)

    def log_softmax_backward(self, y: Array, g: Array, axis: int) -> Array:
        """dx_i = g_i - e^(y_i) sum_j g_j along axis, from the output y and the upstream gradient g."""
        return _composite.log_softmax_backward(self, y, g, axis)

    def gelu(self, x: Array, approximate: str) -> Array:
        """approximate="none": y = x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2;
        approximate="tanh": y = x (1 + tanh u) / 2, u = sqrt(2/pi) (x + 0.044715 x^3)."""
        return _composite.gelu(self, x, approximate)

    def gelu_backward(self, g: Array, x: Array, approximate: str) -> Array:
        """dx = g dy/dx:  "none": dy/dx = Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi);
        "tanh": dy/dx = (1 + tanh u) / 2 + x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2) / 2."""
        return _composite.gelu_backward(self, g, x, approximate)

    def layer_norm(self, x: Array, normalized_ndim: int, weight: Array | None, bias: Array | None,
                   eps: float) -> tuple[Array, Array, Array]:
        """(y, mean, rstd) over the trailing k = normalized_ndim dims (n elements per row):
        mean = sum x / n,  rstd = 1 / sqrt(sum (x - mean)^2 / n + eps),  y = (x - mean) rstd weight + bias.
        weight and bias (or None) have shape x.shape[-k:]; mean and rstd have x's shape with the
        trailing k dims of size 1, and are what `layer_norm_backward` reads instead of recomputing."""
        return _composite.layer_norm(self, x, normalized_ndim, weight, bias, eps)

    def layer_norm_backward(self, g: Array, x: Array, weight: Array | None, mean: Array, rstd: Array,
                            normalized_ndim: int, output_mask: tuple[bool, bool, bool]
                            ) -> tuple[Array | None, Array | None, Array | None]:
        """(dx, dweight, dbias); with x_hat = (x - mean) rstd, gh = g weight (g without weight) and row means:
        dx = rstd (gh - mean(gh) - x_hat mean(gh x_hat)),  dweight = sum_rows g x_hat,  dbias = sum_rows g
        (dweight None without weight)."""
        return _composite.layer_norm_backward(self, g, x, weight, mean, rstd, normalized_ndim, output_mask)

    def batch_norm(self, x: Array, weight: Array | None, bias: Array | None, eps: float
                   ) -> tuple[Array, Array, Array]:
        """(y, mean, rstd) of training-mode batch norm of x (N, C, *spatial), the statistics per channel over the
        N x spatial elements: mean = sum x / M, rstd = 1 / sqrt(sum (x - mean)^2 / M + eps),
        y = (x - mean) rstd weight + bias. weight and bias (or None) hold C elements; mean and rstd have shape
        (1, C, 1, ...)."""
        return _composite.batch_norm(self, x, weight, bias, eps)

    def batch_norm_backward(self, g: Array, x: Array, weight: Array | None, mean: Array, rstd: Array,
                            output_mask: tuple[bool, bool, bool]
                            ) -> tuple[Array | None, Array | None, Array | None]:
        """(dx, dweight, dbias) of `batch_norm`; with x_hat = (x - mean) rstd and <.> a channel's mean:
        dx = weight rstd (g - <g> - x_hat <g x_hat>),  dweight = sum g x_hat (weight's shape),
        dbias = sum g (shape (1, C, 1, ...))."""
        return _composite.batch_norm_backward(self, g, x, weight, mean, rstd, output_mask)

    def rms_norm(self, x: Array, normalized_ndim: int, weight: Array | None, eps: float) -> tuple[Array, Array]:
        """(y, rstd) over the trailing k = normalized_ndim dims: rstd = 1 / sqrt(mean(x^2) + eps),
        y = x rstd weight; weight (or None) has shape x.shape[-k:], rstd x's shape with those dims 1."""
        return _composite.rms_norm(self, x, normalized_ndim, weight, eps)

    def rms_norm_backward(self, g: Array, x: Array, weight: Array | None, rstd: Array, normalized_ndim: int,
                          output_mask: tuple[bool, bool]) -> tuple[Array | None, Array | None]:
        """(dx, dweight); with x_hat = x rstd and gh = g weight:
        dx = rstd (gh - x_hat mean(gh x_hat)),  dweight = sum_rows g x_hat."""
        return _composite.rms_norm_backward(self, g, x, weight, rstd, normalized_ndim, output_mask)

    def rotary_embedding(self, x: Array, cos: Array, sin: Array, interleaved: bool) -> Array:
        """x (..., D) with the pairs of its first 2h features (h = cos.shape[-1]) rotated:
        (a_i, b_i) -> (a_i cos_i - b_i sin_i, b_i cos_i + a_i sin_i), pair i = (x_i, x_{i+h}), or (x_2i, x_2i+1)
        when interleaved; cos and sin (of x's dtype) broadcast to x's leading dims + (h,); features from 2h on are
        copied. Its own backward: dx = rotary_embedding(g, cos, -sin)."""
        return _composite.rotary_embedding(self, x, cos, sin, interleaved)

    def cross_entropy(self, x: Array, target: Array, weight: Array | None, ignore_index: int,
                      label_smoothing: float, log_softmax: bool) -> tuple[Array, ...]:
        """(loss, w_t, row_max, log_sum, probs) per sample for logits x (N, C, *d), classes on axis 1, and int64
        targets (N, *d).
        With lp = log_softmax(x) along axis 1 (x itself when not ``log_softmax``: NLL), class weights w
        (C,) (1 when None), smoothing e and w_t = w[t] (0 where t == ignore_index):
            loss = -(1 - e) w_t lp_t - (e / C) sum_c w_c lp_c     (0 where ignored; e is 0 for NLL)
        row_max = max_c x_c and log_sum = log sum_c e^(x_c - row_max) (N, *d) let the backward recompute
        lp exactly (None for NLL); their sum, the log-sum-exp, would lose lp's low bits for large logits.
        probs: p = softmax(x) (N, C, *d) where the backend has it at hand (sparing the backward an exp),
        else None. Raises
        ``IndexError("Target {t} is out of bounds.")`` for the first target (row-major) that is neither
        in [0, C) nor ignore_index."""
        return _composite.cross_entropy(self, x, target, weight, ignore_index, label_smoothing, log_softmax)

    def cross_entropy_backward(self, g: Array, x: Array, target: Array, weight: Array | None,
                               row_max: Array | None, log_sum: Array | None, probs: Array | None,
                               ignore_index: int, label_smoothing: float, log_softmax: bool) -> Array:
        """dx (N, C, *d) for the upstream gradient g of the per-sample loss (target's shape, or a 0-d array
        that broadcasts to it), targets already checked by `cross_entropy`. With p = probs, or e^(x - row_max -
        log_sum) when probs is None, and
        Q = (1 - e) w_t + (e / C) sum_c w_c (0 where ignored):
            dx_c = g (p_c Q - (1 - e) w_t [c = t] - (e / C) w_c [t not ignored])     (NLL: -g w_t [c = t])"""
        return _composite.cross_entropy_backward(self, g, x, target, weight, row_max, log_sum, probs, ignore_index,
                                                 label_smoothing, log_softmax)

    def ctc_loss(self, log_probs: Array, targets: Array, input_lengths: Array, target_lengths: Array,
                 blank: int) -> tuple[Array, Array]:
        """(nll (N,), log_alpha (T, N, 2 S + 1)) of the CTC loss for log_probs (T, N, C) and int64 targets, padded
        (N, S) or concatenated (sum of target_lengths,) with S the longest; int64 lengths (N,), already checked.
        With l' the extended target (blanks around and between the labels; L_n = 2 S_n + 1 states):
            alpha_0(0) = lp_0(blank), alpha_0(1) = lp_0(l'_1), alpha_0(s > 1) = -inf
            alpha_t(s) = lp_t(l'_s) + logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), [l'_s != l'_{s-2}] alpha_{t-1}(s-2))
            nll = -logsumexp(alpha_{T_n-1}(L_n - 1), alpha_{T_n-1}(L_n - 2))    (0 or inf when T_n = 0)
        log_alpha holds alpha_t(s) for t < T_n, s < L_n (other entries are unspecified), for the backward.
        Every backend takes PyTorch's order of operations (csrc/fused/ctc_loss.cpp states it), so float32
        rounds as PyTorch's kernel does."""
        return _composite.ctc_loss(self, log_probs, targets, input_lengths, target_lengths, blank)

    def ctc_loss_backward(self, g: Array, log_probs: Array, targets: Array, input_lengths: Array,
                          target_lengths: Array, nll: Array, log_alpha: Array, blank: int,
                          zero_infinity: bool) -> Array:
        """d nll / d log_probs (T, N, C), taken through the log-softmax as PyTorch's is, times g (N,); with beta
        the same recursion run backwards from frame T_n - 1 (both include frame t's own lp):
            grad_t(c) = (e^lp_t(c) - e^(log sum_{s: l'_s = c} e^(alpha_t(s) + beta_t(s)) + nll - lp_t(c))) g
        0 for t >= T_n; NaN for a sample with nll inf, or 0 under ``zero_infinity``."""
        return _composite.ctc_loss_backward(self, g, log_probs, targets, input_lengths, target_lengths, nll,
                                            log_alpha, blank, zero_infinity)

    def scaled_dot_product_attention(self, q: Array, k: Array, v: Array, mask: Array | None, keep: Array | None,
                                     scale: float, is_causal: bool, safe: bool, need_weights: bool
                                     ) -> tuple[Array, Array, Array | None]:
        """(out, lse, probs) of attention for q (B, Hq, L, E), k (B, Hkv, S, E), v (B, Hkv, S, Ev), Hkv
        dividing Hq (grouped-query attention: query head h reads key/value head h // (Hq / Hkv)):
            S = q k^T scale + M,  P = softmax(S) along the keys,  out = (P * keep) v
        M: mask broadcastable to (B, Hq, L, S), bool (False gives -inf) or additive of q's dtype, or None;
        is_causal also puts -inf where key j > query i. keep: dropout multipliers (B, Hq, L, S) or None.
        lse = log sum_j e^(S_j) (B, Hq, L). A row whose scores are all -inf gives P = 0, out = 0 and
        lse = -inf when ``safe``, NaN otherwise (a plain softmax). probs: P (B, Hq, L, S) when need_weights;
        otherwise P or None as the backend prefers (None spares a flash-style kernel materializing it; the
        backward then recomputes P = e^(S - lse))."""
        return _composite.scaled_dot_product_attention(self, q, k, v, mask, keep, scale, is_causal, safe)

    def scaled_dot_product_attention_backward(
            self, g: Array | None, g_weights: Array | None, q: Array, k: Array, v: Array, out: Array, lse: Array,
            probs: Array | None, mask: Array | None, keep: Array | None, scale: float, is_causal: bool, safe: bool,
            output_mask: tuple[bool, bool, bool, bool]) -> tuple[Array | None, ...]:
        """(dq, dk, dv, dS) from the upstream gradients g of out and g_weights of A = P * keep (either may be
        None, not both) and the forward's out, lse and probs:
            dA = g v^T + g_weights,  dP = dA * keep,  dS = P * (dP - sum_keys(dP * P))
            dq = dS k scale,  dk = dS^T q scale,  dv = A^T g    (dk, dv summed over each query-head group)
        dS (B, Hq, L, S) is the mask's gradient (output_mask[3]). sum_keys(dP * P) = rowsum(g * out) when
        keep is None and g_weights is None: a kernel needs no P there."""
        return _composite.scaled_dot_product_attention_backward(self, g, g_weights, q, k, v, out, lse, probs, mask,
                                                                keep, scale, is_causal, safe, output_mask)

    def lstm_cell(self, gates: Array, c: Array) -> tuple[Array, Array, Array]:
        """(h, c_new, workspace) of one LSTM step from the gate pre-activations gates (B, 4H) (x W_ih^T +
        b_ih + h W_hh^T + b_hh, in PyTorch's order i, f, g, o) and the cell c (B, H):
            i, f, o = sigmoid(.),  g = tanh(.),  c_new = f c + i g,  h = o tanh(c_new);
        workspace (B, 4H) = (i, f, g, o) after activation, for `lstm_cell_backward`."""
        return _composite.lstm_cell(self, gates, c)

    def lstm_cell_backward(self, dh: Array, dc: Array, c: Array, c_new: Array, workspace: Array
                           ) -> tuple[Array, Array]:
        """(dgates, dc_prev) from dh, dc (upstream gradients of h and c_new):
            dc' = dc + dh o (1 - tanh^2 c_new);  dc_prev = dc' f
            dgates = (dc' g i (1 - i), dc' c f (1 - f), dc' i (1 - g^2), dh tanh(c_new) o (1 - o))."""
        return _composite.lstm_cell_backward(self, dh, dc, c, c_new, workspace)

    def gru_cell(self, gx: Array, gh: Array, h: Array) -> tuple[Array, Array]:
        """(h_new, workspace) of one GRU step from the input projection gx = x W_ih^T + b_ih (B, 3H), the
        hidden projection gh = h W_hh^T + b_hh (B, 3H) (gates in PyTorch's order r, z, n) and h (B, H):
            r = sigmoid(gx_r + gh_r),  z = sigmoid(gx_z + gh_z),  n = tanh(gx_n + r gh_n),
            h_new = (1 - z) n + z h;   workspace (B, 4H) = (r, z, n, gh_n)."""
        return _composite.gru_cell(self, gx, gh, h)

    def gru_cell_backward(self, dh: Array, h: Array, workspace: Array) -> tuple[Array, Array, Array]:
        """(dgx, dgh, dh_direct) from dh (the upstream gradient of h_new), with dn = dh (1 - z)(1 - n^2):
            dgx = (dn gh_n r (1 - r), dh (h - n) z (1 - z), dn),  dgh = dgx with its n block times r,
            dh_direct = dh z  (the caller adds dgh W_hh for the full gradient of h)."""
        return _composite.gru_cell_backward(self, dh, h, workspace)

    # ---- fused optimizer updates ---------------------------------------------
    # Optional kernels: each updates param and its state buffers in place, in one call per parameter.
    # The bodies below compose them from the primitives above (a temporary per step), so a backend
    # without its own kernel still runs every optimizer; the NumPy backend overrides them with
    # allocation-free versions. Operation order follows PyTorch's, so results match it to rounding.
    # Shared prologue of all four:  g = (-grad if maximize else grad) + weight_decay * param.

    def sgd_update(self, param: Array, grad: Array, momentum_buffer: Array | None, *, lr: float,
                   momentum: float, dampening: float, nesterov: bool, weight_decay: float, maximize: bool,
                   init_buffer: bool) -> None:
        """SGD:  b = g (first step, ``init_buffer``) or momentum * b + (1 - dampening) * g;
        d = g + momentum * b (nesterov) or b (no buffer: d = g);  param -= lr * d."""
        g = _effective_grad(self, param, grad, weight_decay, maximize)
        if momentum_buffer is not None:
            if init_buffer:
                self.assign(momentum_buffer, g)
            else:
                self.assign(momentum_buffer, self.add(self.mul(momentum_buffer, momentum),
                                                      self.mul(g, 1 - dampening)))
            g = self.add(g, self.mul(momentum_buffer, momentum)) if nesterov else momentum_buffer
        self.assign(param, self.add(param, self.mul(g, -lr)))

    def adam_update(self, param: Array, grad: Array, exp_avg: Array, exp_avg_sq: Array,
                    max_exp_avg_sq: Array | None, *, beta1: float, beta2: float, eps: float, weight_decay: float,
                    param_scale: float, step_size: float, bias_correction2_sqrt: float, maximize: bool) -> None:
        """Adam / AdamW:  param *= param_scale (AdamW's decoupled decay 1 - lr * wd; Adam passes 1 and
        puts its decay in ``weight_decay``);  m = lerp(m, g, 1 - beta1);  v = beta2 * v + (1 - beta2) * g * g;
        v_max = max(v_max, v) (amsgrad, when ``max_exp_avg_sq`` is given, used in place of v);
        param -= step_size * m / (sqrt(v) / bias_correction2_sqrt + eps)."""
        if param_scale != 1:
            self.assign(param, self.mul(param, param_scale))
        g = _effective_grad(self, param, grad, weight_decay, maximize)
        self.assign(exp_avg, _lerp(self, exp_avg, g, 1 - beta1))
        self.assign(exp_avg_sq, self.add(self.mul(exp_avg_sq, beta2), self.mul(self.mul(g, 1 - beta2), g)))
        v = exp_avg_sq
        if max_exp_avg_sq is not None:
            self.assign(max_exp_avg_sq, self.maximum(max_exp_avg_sq, exp_avg_sq))
            v = max_exp_avg_sq
        denom = self.add(self.div(self.sqrt(v), bias_correction2_sqrt), eps)
        self.assign(param, self.add(param, self.mul(self.div(exp_avg, denom), -step_size)))

    def rmsprop_update(self, param: Array, grad: Array, square_avg: Array, grad_avg: Array | None,
                       momentum_buffer: Array | None, *, lr: float, alpha: float, eps: float, weight_decay: float,
                       momentum: float, maximize: bool) -> None:
        """RMSprop:  s = alpha * s + (1 - alpha) * g * g;  centered (``grad_avg`` given): a = lerp(a, g, 1 - alpha),
        avg = sqrt(s - a * a) + eps, else avg = sqrt(s) + eps;  with ``momentum_buffer``:
        b = momentum * b + g / avg, param -= lr * b;  else param -= lr * g / avg."""
        g = _effective_grad(self, param, grad, weight_decay, maximize)
        self.assign(square_avg, self.add(self.mul(square_avg, alpha), self.mul(self.mul(g, 1 - alpha), g)))
        if grad_avg is not None:
            self.assign(grad_avg, _lerp(self, grad_avg, g, 1 - alpha))
            avg = self.sqrt(self.sub(square_avg, self.mul(grad_avg, grad_avg)))
        else:
            avg = self.sqrt(square_avg)
        step = self.div(g, self.add(avg, eps))
        if momentum_buffer is not None:
            self.assign(momentum_buffer, self.add(self.mul(momentum_buffer, momentum), step))
            step = momentum_buffer
        self.assign(param, self.add(param, self.mul(step, -lr)))

    def adagrad_update(self, param: Array, grad: Array, state_sum: Array, *, clr: float, eps: float,
                       weight_decay: float, maximize: bool) -> None:
        """Adagrad:  s = s + g * g;  param -= clr * g / (sqrt(s) + eps)  (clr: the decayed learning rate)."""
        g = _effective_grad(self, param, grad, weight_decay, maximize)
        self.assign(state_sum, self.add(state_sum, self.mul(g, g)))
        step = self.div(g, self.add(self.sqrt(state_sum), eps))
        self.assign(param, self.add(param, self.mul(step, -clr)))


def _effective_grad(be: Backend, param: Array, grad: Array, weight_decay: float, maximize: bool) -> Array:
    """The gradient an optimizer steps along: (-grad if maximize else grad) + weight_decay * param."""
    g = be.neg(grad) if maximize else grad
    return be.add(g, be.mul(param, weight_decay)) if weight_decay != 0 else g


def _lerp(be: Backend, a: Array, b: Array, w: float) -> Array:
    """a + w * (b - a), as PyTorch rounds it: from the nearer end, b - (b - a) * (1 - w) when w >= 0.5."""
    if w < 0.5:
        return be.add(a, be.mul(be.sub(b, a), w))
    return be.sub(b, be.mul(be.sub(b, a), 1 - w))
