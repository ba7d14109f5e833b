"""The backend contract: the primitive set every device implements.

Everything above this layer (ops, autograd, nn) is composed from these
primitives, so a new device is a finite job: implement this class and the
whole test suite runs against it (tests are parametrized by backend).

Arrays are opaque to the upper layers except for three attributes every
backend array exposes: ``.shape`` (tuple of ints), ``.ndim`` and ``.strides``
(in bytes). Primitives never promote types: the ops layer casts operands to
the result dtype first, so a primitive sees operands of one dtype (Python
numbers may appear as the second operand of a binary op).
"""
from __future__ import annotations

from typing import Any, Sequence

from .._dtype import dtype

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
# reductions ``f(a, axes: tuple[int, ...] | None, keepdim: bool) -> array``
REDUCE_OPS = ("sum", "prod", "amax", "amin", "any", "all")


class Backend:
    """Abstract device backend. Subclasses implement every primitive below,
    plus one method per name in UNARY_OPS, BINARY_OPS and REDUCE_OPS."""

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

    def is_contiguous(self, a: Array) -> bool:
        raise NotImplementedError

    def storage_offset(self, a: Array) -> int:
        """Offset in elements of a's first element from the start of its storage."""
        raise NotImplementedError

    def same_storage(self, a: Array, b: Array) -> bool:
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

    def basic_index(self, a: Array, key: tuple) -> Array:
        """A view for a key of ints, slices (any step), None and Ellipsis."""
        raise NotImplementedError

    def flip(self, a: Array, axes: tuple[int, ...]) -> Array:
        raise NotImplementedError

    # ---- indexing (copies) -------------------------------------------------
    def index(self, a: Array, key: tuple) -> Array:
        """Advanced indexing: key mixes slices, None, Ellipsis and integer/bool arrays."""
        raise NotImplementedError

    def index_put(self, a: Array, key: tuple, v: Array | Any, accumulate: bool) -> None:
        """a[key] = v (or += with repeated indices summed when accumulate)."""
        raise NotImplementedError

    def gather(self, a: Array, axis: int, index: Array) -> Array:
        raise NotImplementedError

    def scatter(self, a: Array, axis: int, index: Array, src: Array | Any, reduce: str | None) -> None:
        """In place: a[index[i,j], j] = src[i,j] (axis 0), or += when reduce == "add"."""
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

    def concatenate(self, arrays: Sequence[Array], axis: int) -> Array:
        raise NotImplementedError

    def pad(self, a: Array, pads: Sequence[tuple[int, int]], mode: str, value: float) -> Array:
        """Pad each axis by (before, after); mode is constant, reflect or replicate."""
        raise NotImplementedError

    # ---- convolution and sliding windows ------------------------------------
    # Arrays are (N, C, *spatial) with any number of spatial dims. Per spatial dim, with stride s,
    # dilation d and padding (before, after): output position o of kernel offset i reads input position
    # o * s + i * d - before; out = (size + before + after - d * (k - 1) - 1) // s + 1. The three conv
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

    # ---- randomness --------------------------------------------------------
    def rng(self, seed: int) -> Any:
        """A new random state seeded with seed."""
        raise NotImplementedError

    def rng_state(self, rng: Any) -> bytes:
        """rng's full state as bytes (a format of this backend's own)."""
        raise NotImplementedError

    def set_rng_state(self, rng: Any, state: bytes) -> None:
        """Restore a state returned by `rng_state` into rng."""
        raise NotImplementedError

    def uniform(self, rng: Any, shape: Shape, low: float, high: float, dt: dtype) -> Array:
        """Values in [low, high); for [0, 1) never 1 after rounding to dt."""
        raise NotImplementedError

    def normal(self, rng: Any, shape: Shape, mean: float, std: float, dt: dtype) -> Array:
        raise NotImplementedError

    def randint(self, rng: Any, shape: Shape, low: int, high: int, dt: dtype) -> Array:
        raise NotImplementedError

    def permutation(self, rng: Any, n: int) -> Array:
        raise NotImplementedError

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
