"""Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, and their lazy forms (LazyConv1d,
..., whose in_channels come from the first input)."""
from __future__ import annotations

from typing import Any, Sequence

from ..._tensor import Tensor
from ...ops.conv import expand_param
from ...ops.creation import empty
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter, UninitializedParameter
from .lazy import LazyModuleMixin

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "LazyConv1d",
           "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(value: Any, nd: int, name: str) -> tuple:
    t = expand_param(value, nd)
    if t is None:
        raise ValueError(f"{name} must be an int or a sequence of {nd} ints, but got {value!r}")
    return t


class _ConvNd(Module):
    """Parameters, PyTorch's default init and repr, shared by the convolutions.

    weight: (out_channels, in_channels / groups, *kernel_size), or (in_channels, out_channels / groups,
    *kernel_size) when transposed;  bias: (out_channels,). Init as PyTorch: weight ~ kaiming_uniform(a=sqrt(5)),
    i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = weight.size(1) * prod(kernel_size), and bias from
    the same range.
    """

    _nd: int
    transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 output_padding: Any = 0, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        nd = self._nd
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {list(_PADDING_MODES)}, but got padding_mode="
                             f"'{padding_mode}'")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(kernel_size, nd, "kernel_size")
        self.stride = _tuple(stride, nd, "stride")
        self.dilation = _tuple(dilation, nd, "dilation")
        self.output_padding = _tuple(output_padding, nd, "output_padding")
        self.padding_mode = padding_mode
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
            totals = [d * (k - 1) if padding == "same" else 0 for k, d in zip(self.kernel_size, self.dilation)]
            pairs = [(t // 2, t - t // 2) for t in totals]
        else:
            self.padding = _tuple(padding, nd, "padding")
            pairs = [(p, p) for p in self.padding]
        # F.pad's order (last dim first) for the non-zero padding modes, as PyTorch names it
        self._reversed_padding_repeated_twice = [p for pair in reversed(pairs) for p in pair]
        shape = ((in_channels, out_channels // groups) if self.transposed
                 else (out_channels, in_channels // groups)) + self.kernel_size
        self.weight = Parameter(empty(shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        init._layer_default_(self.weight, self.bias)

    def extra_repr(self) -> str:
        nd = self._nd
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 dilation: Any = 1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, 0, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        conv = (F.conv1d, F.conv2d, F.conv3d)[self._nd - 1]
        if self.padding_mode == "zeros":
            return conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)
        padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
        return conv(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class Conv1d(_Conv):
    """y = conv1d(x, weight, bias) over inputs (N, C_in, L) or (C_in, L); weight (C_out, C_in / groups, k).
    padding: int, 'valid' or 'same'; padding_mode 'zeros', 'reflect', 'replicate' or 'circular'."""

    _nd = 1


class Conv2d(_Conv):
    """y = conv2d(x, weight, bias) over inputs (N, C_in, H, W) or (C_in, H, W); weight
    (C_out, C_in / groups, kh, kw). padding: int, pair, 'valid' or 'same'; padding_mode 'zeros', 'reflect',
    'replicate' or 'circular'."""

    _nd = 2


class Conv3d(_Conv):
    """y = conv3d(x, weight, bias) over inputs (N, C_in, D, H, W) or (C_in, D, H, W); weight
    (C_out, C_in / groups, kd, kh, kw). padding: int, triple, 'valid' or 'same'; padding_mode 'zeros',
    'reflect', 'replicate' or 'circular'."""

    _nd = 3


class _ConvTranspose(_ConvNd):
    transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 output_padding: Any = 0, groups: int = 1, bias: bool = True, dilation: Any = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        if isinstance(padding, str):
            raise ValueError(f"{type(self).__name__}: padding must be an int or a tuple of ints, not {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, device, dtype)

    def _output_padding(self, input: Tensor, output_size: Sequence[int] | None) -> tuple:
        """output_padding that makes the output `output_size` (its last nd entries), checked against the
        range of sizes this layer can produce for this input."""
        if output_size is None:
            return self.output_padding
        nd = self._nd
        sizes = list(output_size)[-nd:] if len(output_size) in (nd, input.ndim) else None
        if sizes is None:
            raise ValueError(f"ConvTranspose{nd}D: for {input.ndim}D input, output_size must have {nd} or "
                             f"{input.ndim} elements (got {len(output_size)})")
        extra = []
        for n, want, k, s, p, d in zip(input.shape[-nd:], sizes, self.kernel_size, self.stride, self.padding,
                                       self.dilation):
            smallest = (n - 1) * s - 2 * p + d * (k - 1) + 1
            if not smallest <= want < smallest + s:
                raise ValueError(f"requested an output size of {sizes}, but valid sizes range from {smallest} to "
                                 f"{smallest + s - 1} (for an input of {list(input.shape[-nd:])})")
            extra.append(want - smallest)
        return tuple(extra)

    def forward(self, input: Tensor, output_size: Sequence[int] | None = None) -> Tensor:
        conv_t = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[self._nd - 1]
        return conv_t(input, self.weight, self.bias, self.stride, self.padding,
                      self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """y = conv_transpose1d(x, weight, bias): conv1d's adjoint in its input; weight (C_in, C_out / groups, k).
    forward(input, output_size=None) picks output_padding to reach output_size."""

    _nd = 1


class ConvTranspose2d(_ConvTranspose):
    """y = conv_transpose2d(x, weight, bias): conv2d's adjoint in its input; weight
    (C_in, C_out / groups, kh, kw). forward(input, output_size=None) picks output_padding to reach output_size."""

    _nd = 2


class ConvTranspose3d(_ConvTranspose):
    """y = conv_transpose3d(x, weight, bias): conv3d's adjoint in its input; weight
    (C_in, C_out / groups, kd, kh, kw). forward(input, output_size=None) picks output_padding to reach
    output_size."""

    _nd = 3


class _LazyConvMixin(LazyModuleMixin):
    """A convolution built with in_channels = 0 and UninitializedParameters; the first input's channel count
    (dim 1, or dim 0 unbatched) fixes in_channels, the weight's and bias's shapes, and PyTorch's init."""

    def __init__(self, out_channels: int, *args: Any, bias: bool = True, device: Any = None, dtype: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(0, 0, *args, bias=False, device=device, dtype=dtype, **kwargs)
        self.out_channels = out_channels
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        if not self.has_uninitialized_params():
            return
        nd = self._nd
        if input.ndim not in (nd + 1, nd + 2):
            raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                               f"{type(self).__name__}, but got input of size: {input.shape}")
        self.in_channels = input.shape[input.ndim - nd - 1]
        if self.in_channels % self.groups:
            raise ValueError("in_channels must be divisible by groups")
        channels = ((self.in_channels, self.out_channels // self.groups) if self.transposed
                    else (self.out_channels, self.in_channels // self.groups))
        self.weight.materialize(channels + self.kernel_size)
        if self.bias is not None:
            self.bias.materialize((self.out_channels,))
        self.reset_parameters()


def _lazy(eager: type) -> type:
    """The lazy form of a convolution class: built without in_channels, and becoming `eager` on first use."""
    lazy = type(f"Lazy{eager.__name__}", (_LazyConvMixin, eager),
                {"cls_to_become": eager, "__module__": __name__,
                 "__doc__": f"{eager.__name__} whose in_channels is read from the first input: "
                            f"Lazy{eager.__name__}(out_channels, kernel_size, ...), the rest as {eager.__name__}."})
    return lazy


LazyConv1d, LazyConv2d, LazyConv3d = _lazy(Conv1d), _lazy(Conv2d), _lazy(Conv3d)
LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d = (_lazy(ConvTranspose1d), _lazy(ConvTranspose2d),
                                                                 _lazy(ConvTranspose3d))
