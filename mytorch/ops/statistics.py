"""Statistical reductions and scans: prod, var/std, logsumexp, norms, cumulative sums/products/extremes
and the NaN-ignoring sums. (median, an order statistic, lives with the sorting ops.)

Reductions follow `reduction.py` (``dim`` None / int / tuple, ``keepdim``); their gradients are spread
back over the reduced dims with `_expand_back`. Scans run along one dim and keep the input's shape.
"""
from __future__ import annotations

import math
from collections import namedtuple

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from .binary import where
from .reduction import _axes, _count, _expand_back, amax, amin, values_indices
from ._autocast import FP32, autocast_policy
from ._opmath import opmath
from ._util import conj, reject_complex32

aminmax_result = namedtuple("aminmax", ["min", "max"])


def _reduced_shape(shape: tuple, axes: tuple | None, keepdim: bool) -> tuple:
    if keepdim:
        return tuple(1 if axes is None or i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if axes is not None and i not in axes)


def _line(be, n: int, dim: int, ndim: int):
    """arange(n) shaped to broadcast along `dim` of an ndim-dim array (int64)."""
    return be.view(be.arange(0, n, 1, D.int64), tuple(n if i == dim else 1 for i in range(ndim)))


def _floating_only(x: Tensor, message: str) -> None:
    if not (x.dtype.is_floating_point or x.dtype.is_complex):
        raise RuntimeError(message.format(dtype=x.dtype.scalar_name))


# ---- prod and the cumulative sum/product ---------------------------------------------------------

def _accumulate_dtype(x: Tensor, dtype: D.dtype | None) -> D.dtype:
    """sum/prod/cumsum/cumprod promote bool and integer inputs to int64 (PyTorch's rule)."""
    if dtype is not None:
        return dtype
    return x.dtype if x.dtype._differentiable else D.int64


class Cumsum(Function):
    """y_i = sum_{j<=i} x_j along dim (or the reverse sum y_i = sum_{j>=i} x_j);
    dL/dx_k = sum_{i>=k} g_i, the sum in the other direction."""

    _grad_name = "CumsumBackward0"

    @staticmethod
    def forward(ctx, x, dim, dt, reverse):
        be = x._backend
        data = be.cast(x._data, dt)
        ctx.meta = (dim, reverse)
        if x.ndim == 0:
            return Tensor._make(be.copy(data), be)
        if reverse:
            return Tensor._make(be.copy(be.flip(be.cumsum(be.flip(data, (dim,)), dim), (dim,))), be)
        return Tensor._make(be.cumsum(data, dim), be)

    @staticmethod
    def backward(ctx, g):
        dim, reverse = ctx.meta
        return Cumsum.apply(g, dim, g.dtype, not reverse), None, None, None


def _reverse_cumsum(x: Tensor, dim: int) -> Tensor:
    return Cumsum.apply(x, dim, x.dtype, True)


@opmath
def cumsum(input: Tensor, dim: int, *, dtype: D.dtype | None = None) -> Tensor:
    """Running sum along `dim`; bool and integer inputs accumulate in int64."""
    reject_complex32(input.dtype, "cumsum_out_cpu")
    return Cumsum.apply(input, input._wrap_dim(dim, "cumsum"), _accumulate_dtype(input, dtype), False)


def _cumprod_grad(x: Tensor, y: Tensor, g: Tensor, dim: int) -> Tensor:
    """dL/dx_k = sum_{i>=k} g_i prod_{j<=i, j!=k} x_j  for y = cumprod(x) along dim.

    Without zeros the product is y_i / x_k, so dx = reverse_cumsum(g * y) / x. A zero at
    position z makes every y_i (i >= z) vanish: positions before z keep that formula (the
    vanished terms add nothing), positions after z get 0, and z itself gets
    sum_{i>=z} g_i cumprod(x with x_z := 1)_i.  That is exact to first order; a second
    derivative also needs the terms that vanished, so under create_graph the O(n^2) form
    c[k, i] = cumprod_i(x with x_k := 1) is used instead, exact to every order.
    """
    zero = x == 0
    if not bool(zero.any()):
        return _reverse_cumsum(g * y, dim) / x
    if x.ndim == 0:
        return g
    be = x._backend
    n = x.shape[dim]
    if is_grad_enabled():
        k = _line(be, n, 0, 2)
        i = be.view(be.arange(0, n, 1, D.int64), (1, n))
        eye, upper = Tensor._make(be.eq(k, i), be), Tensor._make(be.le(k, i), be)
        rows = where(eye, 1.0, x.movedim(dim, -1).unsqueeze(-2)).cumprod(-1)  # rows[.., k, i]
        terms = where(upper, rows * g.movedim(dim, -1).unsqueeze(-2), 0.0)
        return terms.sum(-1).movedim(-1, dim)
    seen = zero.to(D.int64).cumsum(dim)
    before, first = seen == 0, zero & (seen == 1)
    left = _reverse_cumsum(g * y, dim) / where(before, x, 1.0)
    at_zero = where(before, 0.0, g * where(first, 1.0, x).cumprod(dim)).sum(dim, keepdim=True)
    return where(before, left, where(first, at_zero, 0.0))


class Cumprod(Function):
    """y_i = prod_{j<=i} x_j along dim;  dL/dx_k = sum_{i>=k} g_i prod_{j<=i, j!=k} x_j."""

    _grad_name = "CumprodBackward0"

    @staticmethod
    def forward(ctx, x, dim, dt):
        be = x._backend
        data = be.cast(x._data, dt)
        y = Tensor._make(be.cumprod(data, dim) if x.ndim else be.copy(data), be)
        ctx.dim = dim
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        if ctx._widen:  # a half-precision backward in float32: y again from x, unrounded
            y = Tensor._make(x._backend.cumprod(x._data, ctx.dim), x._backend) if x.ndim else x
        # complex: sum_i g_i conj(dy_i/dx_k) = conj(sum_i conj(g_i) dy_i/dx_k)
        return conj(_cumprod_grad(x, y, conj(g), ctx.dim)), None, None


def cumprod(input: Tensor, dim: int, *, dtype: D.dtype | None = None) -> Tensor:
    """Running product along `dim`; bool and integer inputs accumulate in int64."""
    reject_complex32(input.dtype, "cumprod_out_cpu")
    return Cumprod.apply(input, input._wrap_dim(dim, "cumprod"), _accumulate_dtype(input, dtype))


class Prod(Function):
    """y = prod_i x_i over one dim (or all elements);  dy/dx_k = prod_{i != k} x_i
    (= y / x_k without zeros; with zeros, the gradient of the last running product); complex: conjugated."""

    _grad_name = "ProdBackward1"

    @staticmethod
    def forward(ctx, x, dim, keepdim, dt):
        be = x._backend
        data = be.cast(x._data, dt)
        ctx.meta = (dim, keepdim)
        y = Tensor._make(be.prod(data, None if dim is None or not x.ndim else (dim,), keepdim), be)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        dim, keepdim = ctx.meta
        axes = None if dim is None else (dim,)
        g = _expand_back(g, x.shape, axes, keepdim)
        if not bool((x == 0).any()):
            return g * conj(_expand_back(y, x.shape, axes, keepdim) / x), None, None, None
        line, d = (x.reshape(-1), 0) if dim is None else (x, dim)
        n = line.shape[d] if line.ndim else 1
        last = Tensor._make(x._backend.eq(_line(x._backend, n, d, line.ndim), n - 1), x._backend)
        others = _cumprod_grad(line, line.cumprod(d), last.to(line.dtype), d)
        return g * conj(others.reshape(x.shape)), None, None, None


@autocast_policy(FP32)
def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype: D.dtype | None = None) -> Tensor:
    """Product of all elements, or along one dim; bool and integer inputs multiply in int64."""
    if dim is not None:
        dim = input._wrap_dim(dim, "prod")
    return Prod.apply(input, dim, keepdim, _accumulate_dtype(input, dtype))


# ---- variance and standard deviation ----------------------------------------------------------

def _var_data(x: Tensor, axes: tuple | None, correction: float, keepdim: bool):
    """(sum_i (x_i - mean)^2 / max(0, n - correction) as a backend array, the divisor)."""
    be = x._backend
    data = x._data
    n = _count(x.shape, axes)
    dev = be.sub(data, be.div(be.sum(data, axes, True), n))
    dof = max(0, n - correction)
    return be.div(be.sum(be.mul(dev, dev), axes, keepdim), dof), dof


def _var_grad(g: Tensor, x: Tensor, axes: tuple | None, keepdim: bool, dof: float) -> Tensor:
    """dv/dx_i = 2 (x_i - mean) / dof."""
    return _expand_back(g, x.shape, axes, keepdim) * (x - x.mean(axes, keepdim=True)) * 2 / dof


class Var(Function):
    """v = sum_i (x_i - mean)^2 / max(0, n - correction);  dv/dx_i = 2 (x_i - mean) / (n - correction)."""

    _grad_name = "VarBackward0"

    @staticmethod
    def forward(ctx, x, axes, correction, keepdim):
        v, dof = _var_data(x, axes, correction, keepdim)
        ctx.meta = (axes, keepdim, dof)
        ctx.save_for_backward(x)
        return Tensor._make(v, x._backend)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _var_grad(g, x, *ctx.meta), None, None, None


class Std(Function):
    """s = sqrt(var(x));  ds/dx_i = (x_i - mean) / (dof * s), taken as 0 where s = 0 (constant input)."""

    _grad_name = "StdBackward0"

    @staticmethod
    def forward(ctx, x, axes, correction, keepdim):
        v, dof = _var_data(x, axes, correction, keepdim)
        s = Tensor._make(x._backend.sqrt(v), x._backend)
        ctx.meta = (axes, keepdim, dof)
        ctx.save_for_backward(x, s)
        return s

    @staticmethod
    def backward(ctx, g):
        x, s = ctx.saved_tensors
        flat = s == 0
        g_var = where(flat, 0.0, g / (2 * where(flat, 1.0, s)))
        return _var_grad(g_var, x, *ctx.meta), None, None, None


def _variance(fn: type[Function], name: str, input: Tensor, dim, unbiased, keepdim: bool, correction) -> Tensor:
    if isinstance(dim, bool):  # the legacy form var(input, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise RuntimeError(f"{name}(): cannot specify both unbiased={unbiased} and correction={correction}")
    _floating_only(input, "std and var only support floating point and complex dtypes (got {dtype})")
    if input.dtype.is_complex:  # |z - mean|^2 = (x - mean_x)^2 + (y - mean_y)^2: the parts' variances add
        v = sum(_variance(Var, name, part, dim, unbiased, keepdim, correction) for part in (input.real, input.imag))
        return v.sqrt() if fn is Std else v
    if correction is None:
        correction = 0 if unbiased is False else 1
    return fn.apply(input, _axes(input, dim, name), correction, keepdim)


def var(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> Tensor:
    """sum_i (x_i - mean)^2 / max(0, N - correction) over `dim`; correction=1 (Bessel) by default,
    ``unbiased=False`` means correction=0."""
    return _variance(Var, "var", input, dim, unbiased, keepdim, correction)


def std(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> Tensor:
    """sqrt(var(input, ...)), same arguments as `var`."""
    return _variance(Std, "std", input, dim, unbiased, keepdim, correction)


@opmath  # the two outputs' gradients add in float32, rounded once
def var_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None) -> tuple[Tensor, Tensor]:
    """(var(input, ...), mean(input, dim, keepdim))."""
    v = var(input, dim, unbiased, keepdim, correction=correction)
    return v, input.mean(None if isinstance(dim, bool) else dim, keepdim)


@opmath  # the two outputs' gradients add in float32, rounded once
def std_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None) -> tuple[Tensor, Tensor]:
    """(std(input, ...), mean(input, dim, keepdim))."""
    s = std(input, dim, unbiased, keepdim, correction=correction)
    return s, input.mean(None if isinstance(dim, bool) else dim, keepdim)


# ---- logsumexp ------------------------------------------------------------------------------------

class LogSumExp(Function):
    """y = log sum_i e^{x_i}, computed as m + log sum_i e^{x_i - m} with m = max_i x_i (so e^. never
    overflows; m is taken as 0 when infinite, so all -inf gives -inf);  dy/dx_i = e^{x_i - y} (softmax)."""

    _grad_name = "LogsumexpBackward0"

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        be = x._backend
        data = x._data
        if not (x.dtype.is_floating_point or x.dtype.is_complex):
            data = be.cast(data, D.get_default_dtype())
        out_shape = _reduced_shape(x.shape, axes, keepdim)
        if x.numel() == 0:
            y = be.full(out_shape, -math.inf, be.dtype_of(data))
        else:
            # complex: shifting by the largest real part bounds every |e^(x - m)| by 1 just the same
            m = be.amax(x.real._data if x.dtype.is_complex else data, axes, True)
            m = be.cast(be.where(be.isfinite(m), m, 0), be.dtype_of(data))
            y = be.view(be.add(be.log(be.sum(be.exp(be.sub(data, m)), axes, True)), m), out_shape)
        out = Tensor._make(y, be)
        ctx.meta = (axes, keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        axes, keepdim = ctx.meta
        return (_expand_back(g, x.shape, axes, keepdim)
                * conj((x - _expand_back(y, x.shape, axes, keepdim)).exp())), None, None


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(input), dim)), without overflow for large inputs."""
    return LogSumExp.apply(input, _axes(input, dim, "logsumexp"), keepdim)


# ---- norms ------------------------------------------------------------------------------------------

class VectorNorm(Function):
    """||x||_p = (sum_i |x_i|^p)^(1/p); p = inf: max_i |x_i|, p = -inf: min_i |x_i|, p = 0: #{x_i != 0}.

    d||x||_p/dx_i = sgn(x_i) |x_i|^(p-1) / ||x||_p^(p-1)  (x_i / ||x|| for p = 2, sgn(x_i) for p = 1; sgn(x) =
    x / |x|, so for complex x this is the conjugate-Wirtinger gradient of the real norm);
    for p = +-inf, sign(x_i) shared evenly by the |x_i| equal to the norm; 0 for p = 0. As in
    PyTorch the gradient is 0 where the norm is 0 (and where x_i = 0 for p < 1).
    """

    _grad_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, p, axes, keepdim):
        be = x._backend
        a = be.abs(x._data)
        if p == 2:
            y = be.sqrt(be.sum(be.mul(a, a), axes, keepdim))
        elif p == 1:
            y = be.sum(a, axes, keepdim)
        elif math.isinf(p):
            if _count(x.shape, axes) == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the {p} norm on an empty tensor because "
                                   "the operation does not have an identity")
            y = (be.amax if p > 0 else be.amin)(a, axes, keepdim)
        elif p == 0:
            y = be.sum(be.cast(be.ne(a, 0), be.dtype_of(a)), axes, keepdim)
        else:
            y = be.pow(be.sum(be.pow(a, p), axes, keepdim), 1.0 / p)
        out = Tensor._make(y, be)
        ctx.meta = (p, axes, keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        p, axes, keepdim = ctx.meta
        g = _expand_back(g, x.shape, axes, keepdim)
        y = _expand_back(y, x.shape, axes, keepdim)
        if p == 0:  # the count of nonzeros is flat: a zero gradient (not None), as PyTorch's
            return x.new_zeros(x.shape), None, None, None
        if p == 1:
            return g * x.sgn(), None, None, None
        if math.isinf(p):
            hit = (x.abs() == y).to(g.dtype)
            return g * x.sgn() * hit / hit.sum(axes, keepdim=True), None, None, None
        nonzero = y != 0
        y_safe = where(nonzero, y, 1.0)
        if p == 2:
            scale = x / y_safe
        else:
            x_zero = x == 0
            scale = where(x_zero, 0.0, x.sgn() * where(x_zero, 1.0, x.abs()) ** (p - 1)) / y_safe ** (p - 1)
        return where(nonzero, g * scale, 0.0), None, None, None


@opmath
def vector_norm(input: Tensor, ord: float = 2, dim=None, keepdim: bool = False, *,
                dtype: D.dtype | None = None) -> Tensor:
    """The p-norm of the vector(s) formed by the `dim` dims (all dims when None); ``linalg.vector_norm``."""
    _floating_only(input, "linalg.vector_norm: Expected a floating point or complex tensor as input. Got {dtype}")
    if dtype is not None:
        input = input.to(dtype)
    return VectorNorm.apply(input, float(ord), _axes(input, dim, "linalg.vector_norm"), keepdim)


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype: D.dtype | None = None) -> Tensor:
    """Vector p-norm over `dim` (all dims when None); p is a number, inf, -inf, "fro" (= 2 over at most
    two dims) or "nuc" (the nuclear norm of the matrices in the two dims `dim`, the last two by default)."""
    if isinstance(p, str):
        if p == "nuc":
            from .norms import matrix_norm  # norms.py is built on vector_norm, defined here
            return matrix_norm(input, "nuc", (-2, -1) if dim is None else dim, keepdim, dtype=dtype)
        if p != "fro":
            raise RuntimeError(f"norm(): p must be a number, inf, -inf, 'fro' or 'nuc', got {p!r}")
        if isinstance(dim, (tuple, list)) and len(dim) > 2:
            raise RuntimeError(f"norm(): p='fro' is the matrix norm over at most 2 dims, got dim={list(dim)}")
        p = 2
    return vector_norm(input, 2 if p is None else p, dim, keepdim, dtype=dtype)


# ---- running max/min ------------------------------------------------------------------------------

def _cum_extreme(name: str, input: Tensor, dim: int):
    """(values, indices): the running max (min) along dim and where it was last reached.

    A Hillis-Steele scan: after the step with shift s, position i holds the extreme of the
    window (i - 2s, i]. Combining an earlier window with a later one, the later wins when its
    value is >= (<=) the earlier one or is NaN (NaN propagates, as in PyTorch).
    """
    d = input._wrap_dim(dim, name)
    be = input._backend
    x = input if input.ndim else input.reshape(1)
    data, n = x._data, x.shape[d]
    later_wins = be.ge if name == "cummax" else be.le
    idx = be.copy(be.expand(_line(be, n, d, x.ndim), x.shape))
    vals = data
    s = 1
    while s < n:
        head = (slice(None),) * d + (slice(0, s),)
        early, late = (slice(None),) * d + (slice(0, n - s),), (slice(None),) * d + (slice(s, n),)
        lv, ev = be.basic_index(vals, late), be.basic_index(vals, early)
        wins = later_wins(lv, ev)
        if x.dtype.is_floating_point:
            wins = be.logical_or(wins, be.isnan(lv))
        vals = be.concatenate([be.basic_index(vals, head), be.where(wins, lv, ev)], d)
        idx = be.concatenate([be.basic_index(idx, head),
                              be.where(wins, be.basic_index(idx, late), be.basic_index(idx, early))], d)
        s *= 2
    indices = Tensor._make(be.view(be.copy(idx), input.shape), be)
    return values_indices[name](x.gather(d, Tensor._make(idx, be)).reshape(input.shape), indices)


def cummax(input: Tensor, dim: int):
    """(values, indices): values_i = max_{j<=i} x_j along dim; the gradient goes to x at indices_i."""
    return _cum_extreme("cummax", input, dim)


def cummin(input: Tensor, dim: int):
    """(values, indices): values_i = min_{j<=i} x_j along dim; the gradient goes to x at indices_i."""
    return _cum_extreme("cummin", input, dim)


# ---- NaN-ignoring sums and min/max together --------------------------------------------------------

class NanSum(Function):
    """y = sum_i x_i over the non-NaN x_i;  dy/dx_i = 1 where x_i is not NaN, else 0."""

    _grad_name = "NansumBackward0"

    @staticmethod
    def forward(ctx, x, axes, keepdim, dt):
        be = x._backend
        data = be.cast(x._data, dt)
        if dt.is_floating_point:
            data = be.where(be.isnan(data), 0, data)
        ctx.meta = (axes, keepdim)
        ctx.save_for_backward(x)
        return Tensor._make(be.sum(data, axes, keepdim), be)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        axes, keepdim = ctx.meta
        # a product, not a select: an all-NaN slice's infinite gradient (from nanmean's 1/0) stays NaN
        return _expand_back(g, x.shape, axes, keepdim) * x.isnan().logical_not(), None, None, None


def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype: D.dtype | None = None) -> Tensor:
    """Sum over `dim` treating NaN as 0;  bool and integer inputs sum in int64."""
    return NanSum.apply(input, _axes(input, dim, "nansum"), keepdim, _accumulate_dtype(input, dtype))


def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype: D.dtype | None = None) -> Tensor:
    """Mean over `dim` of the non-NaN elements: nansum / count(not NaN)."""
    _floating_only(input, "nanmean(): expected input to have floating point or complex dtype but got {dtype}")
    count = input.isnan().logical_not().sum(dim, keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / count


def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False):
    """(min, max) over `dim` (all elements when None), each with amin/amax's gradient."""
    axes = () if dim is None else input._wrap_dim(dim, "aminmax")
    if _count(input.shape, _axes(input, axes, "aminmax")) == 0:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                           f"identity (input shape {list(input.shape)}, dim {dim})")
    return aminmax_result(amin(input, axes, keepdim), amax(input, axes, keepdim))


def _cumulative_inplace(fn):
    def op_(self: Tensor, dim: int, *, dtype: D.dtype | None = None) -> Tensor:
        from .inplace import inplace
        return inplace(self, lambda t: fn(t, dim, dtype=dtype), name=fn.__name__ + "_")
    op_.__name__ = fn.__name__ + "_"
    op_.__doc__ = f"In-place {fn.__name__} along `dim`: self = {fn.__name__}(self, dim)."
    return op_


__all__ = ["prod", "cumsum", "cumprod", "var", "std", "var_mean", "std_mean", "logsumexp", "norm", "cummax",
           "cummin", "nansum", "nanmean", "aminmax"]
METHODS = {name: globals()[name] for name in __all__ if name not in ("var_mean", "std_mean")}
METHODS.update({"cumsum_": _cumulative_inplace(cumsum), "cumprod_": _cumulative_inplace(cumprod)})
