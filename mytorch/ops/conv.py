"""Convolution (conv1d/2d/3d) and transposed convolution, as one differentiable op.

Forward, a cross-correlation as in PyTorch: per spatial position p and kernel offset i, with stride s,
dilation d and padding pad,

    y[n, o, p] = b[o] + sum_{c, i} w[o, c, i] * x[n, c_o + c, p * s + i * d - pad]

(c_o: the first input channel of o's group; x is zero outside its bounds). y is bilinear in (x, w), so
each derivative is a convolution of the other operand with dy:

    dx = conv_transpose(dy, w)        dw = conv_weight(x, dy)        db[o] = sum_{n, p} dy[n, o, p]

A transposed convolution is conv's adjoint in x, y = conv_transpose(x, w), so its derivatives swap the
roles: dx = conv(dy, w), dw = conv_weight(dy, x). conv_weight (the weight gradient) is bilinear too: for
W = conv_weight(x, g) and an upstream gradient V of W's shape, dx = conv_transpose(g, V) and
dg = conv(x, V). For complex tensors each formula takes the conjugate of the other operand
(dx = conv_transpose(dy, conj(w)), dw = conv_weight(conj(x), dy), ...): y is bilinear, not sesquilinear, and
PyTorch's gradient is the conjugate Wirtinger derivative, dL/dx = sum conj(dy/dx) * dy.

The three are backend primitives (`Backend.conv`, `conv_backward_input`, `conv_backward_weight`), and
`Convolution` and `ConvolutionWeight` differentiate each other, so gradients of any order are convolutions too.
"""
from __future__ import annotations

from typing import Any, Sequence

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ._util import backend_of, conj
from ._autocast import LOWER_PRECISION_FP, autocast_policy

Pads = tuple[tuple[int, int], ...]


class Convolution(Function):
    """y = conv(x, w) + b, or conv_transpose(x, w) + b (``transposed``; ``spatial``: y's spatial size).

    dx = conv_transpose(dy, w) (conv(dy, w) when transposed);  dw = conv_weight(x, dy) (conv_weight(dy, x)
    when transposed);  db = dy summed over the batch and spatial dims.
    """

    _grad_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups, transposed, spatial):
        be = x._backend
        # a half-precision convolution with a bias adds it to the float32 sums and rounds once, as PyTorch's
        # does (the float32 convolution of half values is what the half one computes before rounding)
        once = b is not None and x.dtype in (D.bfloat16, D.float16)
        xd, wd, bd = (x._data, w._data, None if b is None else b._data)
        if once:
            xd, wd, bd = (be.cast(a, D.float32) for a in (xd, wd, bd))
        if transposed:
            y = be.conv_backward_input(xd, wd, spatial, stride, padding, dilation, groups)
        else:
            y = be.conv(xd, wd, stride, padding, dilation, groups)
        if b is not None:
            y = be.add(y, be.view(bd, bd.shape + (1,) * len(stride)))
        if once:
            y = be.cast(y, x.dtype)
        if ctx._recording:
            need_x, need_w = ctx.needs_input_grad[:2]
            ctx.save_for_backward(x if need_w else None, w if need_x else None)
            ctx.geometry = (stride, padding, dilation, groups)
            ctx.transposed = transposed
            ctx.x_spatial = x._data.shape[2:]
            ctx.kernel = w._data.shape[2:]
        return Tensor._make(y, be)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        geometry, transposed = ctx.geometry, ctx.transposed
        gx = gw = gb = None
        if need_x:  # the adjoint in x of a convolution is the transposed one, and vice versa
            gx = Convolution.apply(g, conj(w), None, *geometry, not transposed, ctx.x_spatial)
        if need_w:
            gw = (ConvolutionWeight.apply(g, conj(x), ctx.kernel, *geometry) if transposed
                  else ConvolutionWeight.apply(conj(x), g, ctx.kernel, *geometry))
        if need_b:
            gb = g.sum((0,) + tuple(range(2, g.ndim)))
        return gx, gw, gb, None, None, None, None, None, None


class ConvolutionWeight(Function):
    """W = conv_weight(x, g): W[o, c, i] = sum_{n, p} g[n, o, p] * x[n, c_o + c, p * s + i * d - pad],
    the weight gradient of y = conv(x, w) for dy = g.

    For an upstream gradient V (of w's shape):  dx = conv_transpose(g, V),  dg = conv(x, V).
    """

    _grad_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(ctx, x, g, kernel, stride, padding, dilation, groups):
        be = x._backend
        if ctx._recording:
            ctx.save_for_backward(x, g)
            ctx.geometry = (stride, padding, dilation, groups)
        return Tensor._make(be.conv_backward_weight(x._data, g._data, kernel, stride, padding, dilation,
                                                    groups), be)

    @staticmethod
    def backward(ctx, v):
        x, g = ctx.saved_tensors
        need_x, need_g = ctx.needs_input_grad[:2]
        gx = Convolution.apply(conj(g), v, None, *ctx.geometry, True, x.shape[2:]) if need_x else None
        gg = Convolution.apply(conj(x), v, None, *ctx.geometry, False, None) if need_g else None
        return gx, gg, None, None, None, None, None


# ---- argument checks (expand_param and check_tensor serve pooling too) -----------------------------

def expand_param(value: Any, nd: int) -> tuple | None:
    """An int or a sequence of 1 or `nd` ints as an nd-tuple (PyTorch's _single/_pair); None otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * nd
    if isinstance(value, (tuple, list)) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        if len(value) == 1:
            return tuple(value) * nd
        if len(value) == nd:
            return tuple(value)
    return None


def check_tensor(x: Any, op: str, arg: str = "input") -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{arg}' must be Tensor, not {type(x).__name__}")


# ---- conv1d/2d/3d --------------------------------------------------------------------------------------

def _conv_params(op: str, nd: int, stride: Any, dilation: Any, groups: int) -> tuple[tuple, tuple]:
    params = []
    for name, value in (("stride", stride), ("dilation", dilation)):
        t = expand_param(value, nd)
        if t is None:
            raise RuntimeError(f"{op}(): expected {name} to be a single integer value or a list of {nd} values "
                               f"to match the convolution dimensions, but got {name}={value}")
        if any(v <= 0 for v in t):
            raise RuntimeError(f"{op}(): non-positive {name} is not supported, got {name}={list(t)}")
        params.append(t)
    if not isinstance(groups, int) or groups <= 0:
        raise RuntimeError(f"{op}(): non-positive groups is not supported, got groups={groups}")
    return params[0], params[1]


def _padding(op: str, nd: int, padding: Any, kernel: Sequence[int], stride: tuple, dilation: tuple) -> Pads:
    """(before, after) per spatial dim; 'same' pads d * (k - 1) in total, the odd one after, as PyTorch."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding != "same":
            raise RuntimeError(f"{op}(): Invalid padding string: '{padding}', expected 'valid' or 'same'")
        if any(s != 1 for s in stride):
            raise RuntimeError(f"{op}(): padding='same' is not supported for strided convolutions "
                               f"(stride={list(stride)})")
        return tuple((d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation))
    p = expand_param(padding, nd)
    if p is None:
        raise RuntimeError(f"{op}(): expected padding to be a single integer value or a list of {nd} values to "
                           f"match the convolution dimensions, but got padding={padding}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"{op}(): negative padding is not supported, got padding={list(p)}")
    return tuple((v, v) for v in p)


def _check_operands(op: str, nd: int, input: Any, weight: Any, bias: Any) -> None:
    check_tensor(input, op, "input")
    check_tensor(weight, op, "weight")
    if bias is not None:
        check_tensor(bias, op, "bias")
    backend_of(input, weight, bias)
    if input.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {op}, but got input "
                           f"of size: {list(input.shape)}")
    if weight.ndim != nd + 2:
        raise RuntimeError(f"{op}(): expected a {nd + 2}-D weight (out_channels, in_channels / groups, "
                           f"*kernel_size), but got weight of size {list(weight.shape)}")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"{op}(): expected input and weight to have the same dtype, but got input "
                           f"{input.dtype} and weight {weight.dtype}")
    if bias is not None and bias.dtype is not input.dtype:
        raise RuntimeError(f"{op}(): Input type ({input.dtype}) and bias type ({bias.dtype}) should be the same")


def _check_channels(op: str, x: Tensor, weight: Tensor, bias: Tensor | None, groups: int,
                    transposed: bool) -> None:
    w = list(weight.shape)
    if w[0] % groups:
        raise RuntimeError(f"{op}(): Given groups={groups}, expected weight to be divisible by {groups} at "
                           f"dimension 0, but got weight of size {w} instead")
    c_in = w[0] if transposed else w[1] * groups
    if x.shape[1] != c_in:
        raise RuntimeError(f"{op}(): Given {'transposed=1' if transposed else f'groups={groups}'}, weight of size "
                           f"{w}, expected input{list(x.shape)} to have {c_in} channels, but got {x.shape[1]} "
                           f"channels instead")
    c_out = w[1] * groups if transposed else w[0]
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != c_out):
        raise RuntimeError(f"{op}(): Given weight of size {w}, expected bias to be 1-dimensional with {c_out} "
                           f"elements, but got bias of size {list(bias.shape)} instead")


def _conv(op: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any, padding: Any,
          dilation: Any, groups: int) -> Tensor:
    _check_operands(op, nd, input, weight, bias)
    stride, dilation = _conv_params(op, nd, stride, dilation, groups)
    kernel = tuple(weight.shape[2:])
    pads = _padding(op, nd, padding, kernel, stride, dilation)
    single = input.ndim == nd + 1
    x = input.unsqueeze(0) if single else input
    _check_channels(op, x, weight, bias, groups, False)
    padded = [n + a + b for n, (a, b) in zip(x.shape[2:], pads)]
    reach = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(p < r for p, r in zip(padded, reach)):
        raise RuntimeError(f"{op}(): Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                           f"Kernel size: ({' x '.join(map(str, reach))}). Kernel size can't be greater than "
                           f"actual input size")
    y = Convolution.apply(x, weight, bias, stride, pads, dilation, groups, False, None)
    return y.squeeze(0) if single else y


@autocast_policy(LOWER_PRECISION_FP)
def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """1-D cross-correlation of input (N, C, L) or (C, L) with weight (O, C/groups, k); see the module doc."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


@autocast_policy(LOWER_PRECISION_FP)
def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation of input (N, C, H, W) or (C, H, W) with weight (O, C/groups, kh, kw);
    padding is an int, a pair, 'valid' or 'same' (stride 1 only)."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


@autocast_policy(LOWER_PRECISION_FP)
def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1, padding: Any = 0,
           dilation: Any = 1, groups: int = 1) -> Tensor:
    """3-D cross-correlation of input (N, C, D, H, W) or (C, D, H, W) with weight (O, C/groups, kd, kh, kw);
    padding is an int, a triple, 'valid' or 'same' (stride 1 only)."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


# ---- transposed convolution ------------------------------------------------------------------------

def _adjoint_pads(pads: Pads, stride: tuple, extra: tuple) -> Pads:
    """The padding of the convolution whose adjoint in x is this transposed one.

    The output has (n - 1) s - 2 p + d (k - 1) + 1 + e positions per dim (e: output_padding); a convolution of
    that size padded (p, p) has n + e // s windows, one more per whole stride in e, but only the first n have an
    input position of the transposed convolution to pair with. Taking s * (e // s) off the after-padding leaves
    exactly those n. It may turn negative, cropping outputs that no window reaches: PyTorch allows any
    e < max(stride, dilation), so e >= s happens (e.g. stride 1, dilation 2, output_padding 1)."""
    return tuple((p, a - s * (e // s)) for (p, a), s, e in zip(pads, stride, extra))


def _conv_transpose(op: str, nd: int, input: Tensor, weight: Tensor, bias: Tensor | None, stride: Any,
                    padding: Any, output_padding: Any, groups: int, dilation: Any) -> Tensor:
    _check_operands(op, nd, input, weight, bias)
    stride, dilation = _conv_params(op, nd, stride, dilation, groups)
    if isinstance(padding, str):
        raise TypeError(f"{op}(): argument 'padding' must be tuple of ints, not str")
    pads = _padding(op, nd, padding, (), stride, dilation)
    extra = expand_param(output_padding, nd)
    if extra is None:
        raise RuntimeError(f"{op}(): expected output_padding to be a single integer value or a list of {nd} "
                           f"values, but got output_padding={output_padding}")
    if any(e < 0 or (e >= s and e >= d) for e, s, d in zip(extra, stride, dilation)):
        raise RuntimeError(f"{op}(): output padding must be smaller than either stride or dilation, but got "
                           f"output_padding={list(extra)}, stride={list(stride)}, dilation={list(dilation)}")
    single = input.ndim == nd + 1
    x = input.unsqueeze(0) if single else input
    _check_channels(op, x, weight, bias, groups, True)
    kernel = weight.shape[2:]
    spatial = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1
                    for n, s, (p, _), d, k, e in zip(x.shape[2:], stride, pads, dilation, kernel, extra))
    if any(n <= 0 for n in spatial):
        raise RuntimeError(f"{op}(): Given input size per channel: {list(x.shape[2:])}, the calculated output size "
                           f"{list(spatial)} is too small (padding={[p for p, _ in pads]})")
    pads = _adjoint_pads(pads, stride, extra)
    y = Convolution.apply(x, weight, bias, stride, pads, dilation, groups, True, spatial)
    return y.squeeze(0) if single else y


@autocast_policy(LOWER_PRECISION_FP)
def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """1-D transposed convolution (conv1d's adjoint in its input) with weight (C_in, C_out/groups, k);
    output length (L - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


@autocast_policy(LOWER_PRECISION_FP)
def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """2-D transposed convolution (conv2d's adjoint in its input) with weight (C_in, C_out/groups, kh, kw);
    output size per dim (n - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


@autocast_policy(LOWER_PRECISION_FP)
def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Any = 1,
                     padding: Any = 0, output_padding: Any = 0, groups: int = 1, dilation: Any = 1) -> Tensor:
    """3-D transposed convolution (conv3d's adjoint in its input) with weight (C_in, C_out/groups, kd, kh, kw);
    output size per dim (n - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1."""
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]
METHODS: dict = {}
