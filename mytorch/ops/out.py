"""PyTorch's ``out=`` argument: ``torch.add(a, b, out=c)`` writes the result into c and returns c.

The op computes its result as usual; then, for each output tensor (a tuple ``out`` for ops with several results,
``max(x, dim)``'s values and indices):
- its dtype must hold the result's: a result may be cast to a wider kind (bool -> integer -> floating -> complex)
  but not a narrower one ("result type Float can't be cast to the desired output type Long");
- a shape that differs is resized to the result's (with PyTorch's deprecation warning when the tensor had
  elements), so ``out=torch.empty(0)`` works for any result;
- the write happens in place (views of ``out`` see it), and ``out`` itself is returned.
``out=`` takes no part in autograd: with grad mode on, an argument that requires grad is an error, as in PyTorch.
`with_out` adds the argument to a namespace function; `add_out_argument` does so for a namespace's listed names.

Factories (``zeros(2, 3, out=t)``, ``arange``, ``rand``, ...) follow another rule, `factory_with_out`: the result
is made in out's dtype and on its device (a `dtype=` that differs is an error), the same numbers a plain call with
that dtype makes (a random one draws the same values from the same generator state), and out is resized silently
(arange warns in its own words).
"""
from __future__ import annotations

import functools
import inspect
import warnings
from typing import Any, Callable

from .. import _dtype as D
from .._device import device as Device
from .._tensor import Tensor
from ..autograd.grad_mode import _GradState, no_grad
from .inplace import write_result
from .overlap import check_no_overlap, check_no_partial_overlap

# (out tensor, the result's shape) -> the warning to give when resizing an out that has elements, or None
ResizeWarning = Callable[[Tensor, tuple], "str | None"]


def _deprecated_resize(out: Tensor, shape: tuple) -> str:
    return (f"An output with one or more elements was resized since it had shape {list(out.shape)}, which does not "
            f"match the required output shape {list(shape)}. This behavior is deprecated, and in a future PyTorch "
            "release outputs will not be resized unless they have zero elements. You can explicitly reuse an out "
            "tensor t by resizing it, inplace, to zero elements with t.resize_(0).")


def _arange_resize(out: Tensor, shape: tuple) -> str:
    return (f"The number of elements in the out tensor of shape {list(out.shape)} is {out.numel()} which does not "
            f"match the computed number of elements {shape[0]}. Note that this may occur as a result of rounding "
            f"error. The out tensor will be resized to a tensor of shape ({shape[0]},).")


def _requires_grad(values: Any) -> bool:
    for v in values:
        if isinstance(v, Tensor) and v._requires_grad:
            return True
        if isinstance(v, (list, tuple)) and _requires_grad(v):
            return True
    return False


def _check_out(out: Any, op: str) -> None:
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")


def _write(result: Tensor, out: Any, op: str, resize_warning: ResizeWarning | None) -> Tensor:
    _check_out(out, op)
    shape = tuple(result.shape)
    if tuple(out.shape) != shape:
        if out.numel() and resize_warning is not None:
            warnings.warn(resize_warning(out, shape), UserWarning, stacklevel=4)  # the caller of op(..., out=)
        out.resize_(shape)
    write_result(out, result, f"{op}()")
    out._version_counter[0] += 1
    return out


def write_out(result: Any, out: Any, op: str, resize_warning: ResizeWarning | None = _deprecated_resize) -> Any:
    """Write `result` (a tensor, or a tuple of them) into `out` (the same structure) and return `out`."""
    if isinstance(result, Tensor):
        return _write(result, out, op, resize_warning)
    if not isinstance(out, (tuple, list)) or len(out) != len(result):
        raise TypeError(f"{op}(): argument 'out' must be a tuple of {len(result)} Tensors, not "
                        f"{type(out).__name__}")
    written = [write_out(r, o, op, resize_warning) for r, o in zip(result, out)]  # histogramdd's bin edges: a list
    return type(result)(*written) if hasattr(result, "_fields") else type(result)(written)


def _check_grad(values: tuple, op: str) -> None:
    if _GradState.enabled and _requires_grad(values):
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic differentiation, "
                           "but one of the arguments requires grad.")


def with_out(fn: Callable, name: str | None = None) -> Callable:
    """fn with PyTorch's keyword-only ``out=`` argument (see the module docstring)."""
    op = name or fn.__name__
    check_overlap = _overlap_check(fn, op)

    @functools.wraps(fn)
    def op_with_out(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        if out is None:
            return fn(*args, **kwargs)
        _check_grad(args + tuple(kwargs.values()) + (out,), op)
        if check_overlap is not None:
            check_overlap(out, args, kwargs)
        with no_grad():
            return write_out(fn(*args, **kwargs), out, op)

    return op_with_out


def factory_with_out(fn: Callable, name: str | None = None, resize_warning: ResizeWarning | None = None) -> Callable:
    """Factory fn (taking dtype= and device=) with ``out=``: made in out's dtype on out's device, then written
    into out, resized with `resize_warning` (none by default); `requires_grad=True` then marks out. Given tensor
    arguments (``normal(mean, std)``), PyTorch treats it as an op: the resize warning and error names are an op's."""
    op = name or fn.__name__

    @functools.wraps(fn)
    def factory(*args: Any, out: Any = None, dtype: D.dtype | None = None, device: Any = None,
                requires_grad: bool = False, **kwargs: Any) -> Any:
        if out is None:
            return fn(*args, dtype=dtype, device=device, requires_grad=requires_grad, **kwargs)
        _check_out(out, op)
        if dtype is not None and dtype is not out.dtype:
            raise RuntimeError(f"dtype {dtype.scalar_name} does not match dtype of out parameter "
                               f"({out.dtype.scalar_name})")
        if device is not None and Device(device).type != out.device.type:
            raise RuntimeError(f"device type {Device(device).type} does not match device type of out parameter "
                               f"({out.device.type})")
        inputs = args + tuple(kwargs.values())
        is_op = any(isinstance(a, Tensor) for a in inputs)
        _check_grad(inputs + (out,), op if is_op else f"aten::{op}")
        with no_grad():
            write_out(fn(*args, dtype=out.dtype, device=out.device, **kwargs), out, op,
                      _deprecated_resize if is_op else resize_warning)
        return out.requires_grad_(True) if requires_grad else out

    return factory


def sampler_with_out(fn: Callable, name: str | None = None, out_dtype: D.dtype | None = None) -> Callable:
    """A sampler from a tensor of probabilities (bernoulli, multinomial) with ``out=``: PyTorch's draws straight
    into out, so the sample is cast to out's dtype (a narrower one too) and out resized silently; `out_dtype`,
    when given, is the only dtype out may have."""
    op = name or fn.__name__

    @functools.wraps(fn)
    def sampler(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        if out is None:
            return fn(*args, **kwargs)
        _check_out(out, op)
        if out_dtype is not None and out.dtype is not out_dtype:
            raise RuntimeError(f"{op} expects {out_dtype.scalar_name} tensor out, got: {out.dtype.scalar_name}")
        _check_grad(args + tuple(kwargs.values()) + (out,), op)
        with no_grad():
            return write_out(fn(*args, **kwargs).to(out.dtype), out, op, None)

    return sampler


# The ops whose out= PyTorch checks against every tensor argument as it checks in-place ops (ops/overlap.py):
# ``torch.add(x[:-1], 1, out=x[1:])`` raises. Found by running each out= op of torch 2.13 on its OpInfo samples
# with out partly overlapping each argument in turn; mm, bmm, matmul, the reductions (sum, mean, std, amax, ...),
# cummax/cummin, bucketize, searchsorted, mvlgamma, logsigmoid, special.ndtr and the linalg and fft functions do
# not check.
OVERLAP_CHECKED = frozenset((
    "abs", "acos", "acosh", "add", "addcdiv", "addcmul", "addr", "airy_ai", "angle", "asin", "asinh",
    "atan", "atan2", "atanh", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "bitwise_and",
    "bitwise_left_shift", "bitwise_not", "bitwise_or", "bitwise_right_shift", "bitwise_xor", "ceil",
    "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w", "clamp",
    "clamp_max", "clamp_min", "conj_physical", "copysign", "cos", "cosh", "cumprod", "cumsum", "deg2rad", "digamma",
    "div", "entr", "eq", "erf", "erfc", "erfcx", "erfinv", "exp", "exp2", "expm1", "float_power", "floor",
    "floor_divide", "fmax", "fmin", "fmod", "frac", "frexp", "gcd", "ge", "gelu", "gt", "hardshrink", "heaviside",
    "hermite_polynomial_h", "hermite_polynomial_he", "hypot", "i0", "i0e", "i1", "i1e", "igamma", "igammac",
    "kron", "kthvalue", "laguerre_polynomial_l", "lcm", "ldexp", "le", "legendre_polynomial_p", "lerp", "lgamma",
    "log", "log10", "log1p", "log2", "log_ndtr", "logaddexp", "logaddexp2", "logcumsumexp", "logical_and",
    "logical_not", "logical_or", "logical_xor", "logit", "lt", "maximum", "median", "minimum", "mode",
    "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "msort", "mul",
    "nan_to_num", "nanmedian", "ndtri", "ne", "neg", "nextafter", "nonzero", "normalize", "outer", "polygamma",
    "pow", "rad2deg", "reciprocal", "remainder", "renorm", "round", "rsqrt", "scaled_modified_bessel_k0",
    "scaled_modified_bessel_k1", "sgn", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
    "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "sigmoid", "sign", "sin", "sinc", "sinh",
    "softplus", "softshrink", "sort", "spherical_bessel_j0", "split_with_sizes_copy", "sqrt", "square", "sub",
    "tan", "tanh", "topk", "true_divide", "trunc", "where", "xlog1py", "xlogy", "zeta",
))

# The ops whose out= PyTorch checks against some arguments only, by parameter name: check_no_partial_overlap, or
# check_no_overlap, which refuses out being that very argument as well (``torch.index_select(x, 0, i, out=x)``);
# a list argument (cat's tensors) is checked tensor by tensor. ``torch.addmm(m, a, b, out=a)`` is allowed.
_PARTIAL, _ANY = check_no_partial_overlap, check_no_overlap
_INDEXED_WRITE = {"input": _PARTIAL, "index": _ANY, "source": _ANY, "src": _ANY}
_JOIN = {"tensors": _ANY}
OVERLAP_BY_ARGUMENT: dict[str, dict[str, Callable[[Tensor, Any], None]]] = {
    "addmm": {"input": _PARTIAL}, "addmv": {"input": _PARTIAL}, "addbmm": {"input": _PARTIAL},
    "baddbmm": {"input": _PARTIAL}, "linear": {"bias": _PARTIAL}, "diff": {"input": _PARTIAL},
    "triangular_solve": {"b": _PARTIAL}, "solve_triangular": {"B": _PARTIAL},
    "cross": {"input": _ANY, "other": _ANY}, "gather": {"input": _ANY, "index": _PARTIAL},
    "take_along_dim": {"input": _ANY, "indices": _PARTIAL}, "index_select": {"input": _ANY, "index": _ANY},
    "take": {"input": _ANY, "index": _ANY}, "masked_select": {"input": _ANY, "mask": _ANY},
    "index_add": _INDEXED_WRITE, "index_copy": _INDEXED_WRITE, "index_reduce": _INDEXED_WRITE,
    "scatter": _INDEXED_WRITE, "scatter_add": _INDEXED_WRITE, "scatter_reduce": _INDEXED_WRITE,
    "cat": _JOIN, "stack": _JOIN, "hstack": _JOIN, "vstack": _JOIN, "dstack": _JOIN, "column_stack": _JOIN,
    "max": {"input": _PARTIAL, "dim": _PARTIAL}, "min": {"input": _PARTIAL, "dim": _PARTIAL},  # max(a, b) too
    "aminmax": {"input": _PARTIAL},
}
# ops checked only when given this argument: max(x, dim) and max(a, b) are, the whole reduction max(x) is not
CHECKED_ONLY_WITH = {"max": "dim", "min": "dim", "aminmax": "dim"}
# ops whose every result is checked (max(x, dim)'s indices too); the others' first only (sort's values)
EVERY_RESULT = frozenset(("max", "min", "aminmax", "mode", "topk", "median", "nanmedian"))
# aliases, checked as the op they name
ALIASES = {"clip": "clamp", "concat": "cat", "concatenate": "cat", "divide": "div", "fix": "trunc", "greater": "gt",
           "greater_equal": "ge", "less": "lt", "less_equal": "le", "multiply": "mul", "negative": "neg",
           "not_equal": "ne", "subtract": "sub", "row_stack": "vstack", "ger": "outer"}


def _written(out: Any, op: str) -> tuple:
    """The out tensors PyTorch compares with the inputs: each of a list (split_with_sizes_copy's), of a tuple the
    first (sort's values, not its indices) or, for EVERY_RESULT, each."""
    items = (out,) if isinstance(out, Tensor) else out if isinstance(out, list) or op in EVERY_RESULT else \
        out[:1] if isinstance(out, tuple) else ()
    return tuple(t for t in items if isinstance(t, Tensor))


def _overlap_check(fn: Callable, op: str) -> Callable[[Any, tuple, dict], None] | None:
    """A function (out, args, kwargs) that raises PyTorch's overlap error for op's out=, or None for an op that
    PyTorch does not check."""
    op = ALIASES.get(op, op)
    if op in OVERLAP_CHECKED:
        def check_every_argument(out: Any, args: tuple, kwargs: dict) -> None:
            for written in _written(out, op):
                for a in args + tuple(kwargs.values()):
                    check_no_partial_overlap(written, a)
        return check_every_argument
    rules = OVERLAP_BY_ARGUMENT.get(op)
    if rules is None:
        return None
    signature = inspect.signature(fn)

    def check_named_arguments(out: Any, args: tuple, kwargs: dict) -> None:
        try:
            bound = signature.bind_partial(*args, **kwargs).arguments
        except TypeError:
            return  # the call itself reports the bad arguments
        if op in CHECKED_ONLY_WITH and bound.get(CHECKED_ONLY_WITH[op]) is None:
            return
        for written in _written(out, op):
            for name, check in rules.items():
                value = bound.get(name)
                for a in value if isinstance(value, (list, tuple)) else (value,):
                    check(written, a)
    return check_named_arguments


# The functions of each namespace that take out=: those PyTorch's OpInfo database marks `supports_out` (mytorch's
# tests check this list against it), the deprecated top-level linear algebra (torch.inverse, torch.lu, ...), and
# what torch 2.13 also takes it for (the aliases clip, divide, multiply, ..., and sum, prod, median, nanmedian). The
# factories (zeros, arange, randn, ...) are in FACTORY_OUT: with out= they take out's dtype, not the default one.
TORCH_OUT = (
    "abs", "acos", "acosh", "add", "addbmm", "addcdiv", "addcmul", "addmm", "addmv", "addr", "alias_copy", "all",
    "amax", "amin", "aminmax", "angle", "any", "argmax", "argmin", "as_strided_copy", "asin", "asinh", "atan",
    "atan2", "atanh", "baddbmm", "bitwise_and", "bitwise_left_shift", "bitwise_not", "bitwise_or",
    "bitwise_right_shift", "bitwise_xor", "bmm", "bucketize", "cat", "ceil", "cholesky", "cholesky_inverse",
    "cholesky_solve", "clamp", "clamp_max", "clamp_min", "clip", "column_stack", "complex", "concat", "concatenate",
    "conj_physical", "copysign", "cos", "cosh", "cross", "cummax", "cummin", "cumprod", "cumsum", "deg2rad", "diag",
    "diagonal_copy", "diff", "digamma", "div", "divide", "dot", "dstack", "eq", "erf", "erfc", "erfinv", "exp",
    "exp2", "expand_copy", "expm1", "fix", "float_power", "floor", "floor_divide", "fmax", "fmin", "fmod", "frac",
    "frexp", "gather", "gcd", "ge", "geqrf", "ger", "greater", "greater_equal", "gt", "hash_tensor", "heaviside",
    "histc", "histogram", "histogramdd", "hstack", "hypot", "i0", "igamma", "igammac", "index_add", "index_copy",
    "index_reduce", "index_select", "inner", "inverse", "isin", "isneginf", "isposinf", "kron", "kthvalue", "lcm",
    "ldexp", "le", "lerp", "less", "less_equal", "lgamma", "log", "log10", "log1p", "log2", "log_softmax",
    "logaddexp", "logaddexp2", "logcumsumexp", "logical_and", "logical_not", "logical_or", "logical_xor", "logit",
    "logsumexp", "lt", "lu", "lu_solve", "lu_unpack", "masked_select", "matmul", "matrix_power", "max", "maximum",
    "mean", "median", "min", "minimum", "mm", "mode", "msort", "mul", "multiply", "mv", "mvlgamma", "nan_to_num",
    "nanmean", "nanmedian", "nanquantile", "nansum", "narrow_copy", "ne", "neg", "negative", "nextafter", "nonzero",
    "norm", "not_equal", "ormqr", "outer", "permute_copy", "polar", "polygamma", "pow", "prod", "qr", "quantile",
    "rad2deg", "reciprocal", "remainder", "renorm", "round", "row_stack", "rsqrt", "scatter", "scatter_add",
    "scatter_reduce", "searchsorted", "sgn", "sigmoid", "sign", "signbit", "sin", "sinc", "sinh", "slice_scatter",
    "slogdet", "softmax", "sort", "split_with_sizes_copy", "sqrt", "square", "squeeze_copy", "stack", "std", "sub",
    "subtract", "sum", "svd", "t_copy", "take", "take_along_dim", "tan", "tanh", "tensordot", "topk",
    "transpose_copy", "triangular_solve", "tril", "triu", "true_divide", "trunc", "unbind_copy", "unfold_copy",
    "unsqueeze_copy", "var", "vdot", "view_copy", "vstack", "where", "xlogy",
)
LINALG_OUT = (
    "cholesky", "cholesky_ex", "cond", "cross", "det", "eig", "eigh", "eigvals", "eigvalsh", "householder_product",
    "inv", "inv_ex", "ldl_factor", "ldl_factor_ex", "ldl_solve", "lstsq", "lu", "lu_factor", "lu_factor_ex",
    "lu_solve", "matrix_norm", "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve",
    "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv", "tensorsolve", "vecdot", "vector_norm",
)
SPECIAL_OUT = (
    "airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "chebyshev_polynomial_t",
    "chebyshev_polynomial_u", "chebyshev_polynomial_v", "chebyshev_polynomial_w", "entr", "erfcx",
    "hermite_polynomial_h", "hermite_polynomial_he", "i0e", "i1", "i1e", "laguerre_polynomial_l",
    "legendre_polynomial_p", "log_ndtr", "modified_bessel_i0", "modified_bessel_i1", "modified_bessel_k0",
    "modified_bessel_k1", "ndtr", "ndtri", "polygamma", "scaled_modified_bessel_k0", "scaled_modified_bessel_k1",
    "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
    "shifted_chebyshev_polynomial_w", "spherical_bessel_j0", "xlog1py", "zeta",
)
FFT_OUT = (
    "fft", "fft2", "fftn", "hfft", "hfft2", "hfftn", "ifft", "ifft2", "ifftn", "ihfft", "ihfft2", "ihfftn", "irfft",
    "irfft2", "irfftn", "rfft", "rfft2", "rfftn",
)
FUNCTIONAL_OUT = (
    "avg_pool2d", "avg_pool3d", "gelu", "hardshrink", "linear", "logsigmoid", "normalize", "softplus", "softshrink",
)


# factories, by the warning they give when resizing an out that has elements (arange's own, or none)
FACTORY_OUT: dict[str, ResizeWarning | None] = {
    "zeros": None, "ones": None, "empty": None, "full": None, "arange": _arange_resize, "range": None, "linspace": None,
    "logspace": None, "eye": None, "rand": None, "randn": None, "randint": None, "randperm": None, "normal": None,
}
SAMPLER_OUT: dict[str, D.dtype | None] = {"bernoulli": None, "multinomial": D.int64}


def add_out_argument(namespace: dict, names: tuple[str, ...]) -> None:
    """Give each listed function of a module's namespace (its ``globals()``) the ``out=`` argument."""
    for name in names:
        namespace[name] = with_out(namespace[name], name)


def add_factory_out_argument(namespace: dict) -> None:
    """Give the factories and samplers of torch's namespace (its ``globals()``) their ``out=`` argument."""
    for name, resize_warning in FACTORY_OUT.items():
        namespace[name] = factory_with_out(namespace[name], name, resize_warning)
    for name, out_dtype in SAMPLER_OUT.items():
        namespace[name] = sampler_with_out(namespace[name], name, out_dtype)
