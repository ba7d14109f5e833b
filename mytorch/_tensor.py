"""The Tensor: a backend array plus autograd metadata.

Data lives in ``_data``, an array of the tensor's backend (a strided view of
its storage). Autograd metadata: ``_requires_grad``, ``_grad_fn`` (the graph
node that made it, None for leaves), ``_output_nr`` (which output of that
node it is) and ``_version_counter`` (shared with every view of the same
storage, bumped by in-place ops, so saved tensors can detect modification).

This file holds what a tensor *is*. What it can *do* -- the differentiable
ops -- lives in ``mytorch/ops/``, which attaches methods such as
``Tensor.exp`` when it is imported.
"""
from __future__ import annotations

import copy

import weakref
from typing import Any, Callable

from . import _dtype as D
from ._device import device


class Size(tuple):
    """A tensor's shape: a tuple of ints that prints as ``mytorch.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"mytorch.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r


class Tensor:
    """An n-dimensional array with autograd metadata: a backend array (shape, strides, offset over a storage, dtype)
    plus requires_grad, .grad and the grad_fn node that made it.

    Ops reach it as methods (attached by mytorch.ops) and as mytorch functions; a view shares its base's storage
    and version counter.
    """
    __slots__ = ("_data", "_backend", "_requires_grad", "_grad", "_grad_fn", "_output_nr",
                 "_version_counter", "_base", "_retains_grad", "_hooks", "_acc_ref",
                 "__weakref__", "__dict__")

    # ---- construction -----------------------------------------------------
    def __new__(cls, *args, **kwargs):
        if cls is Tensor:  # legacy ``Tensor(data)`` / ``Tensor(2, 3)`` / ``Tensor()`` construction
            from .ops.creation import _legacy_tensor
            return _legacy_tensor(*args, **kwargs)
        return object.__new__(cls)

    @classmethod
    def _make(cls, data, backend, requires_grad: bool = False, base: "Tensor | None" = None) -> "Tensor":
        t = object.__new__(cls)
        t._data = data
        t._backend = backend
        t._requires_grad = requires_grad
        t._grad = None
        t._grad_fn = None
        t._output_nr = 0
        t._version_counter = base._version_counter if base is not None else [0]
        t._base = base
        t._retains_grad = False
        t._hooks = None
        t._acc_ref = None
        return t

    def _wrap(self, data) -> "Tensor":
        """A new tensor on this tensor's backend holding `data`."""
        return Tensor._make(data, self._backend)

    def _view_of(self, data) -> "Tensor":
        """A tensor sharing this tensor's storage and version counter."""
        return Tensor._make(data, self._backend, base=self._base if self._base is not None else self)

    # ---- metadata ---------------------------------------------------------
    @property
    def shape(self) -> Size:
        """The size of each dim, as a Size."""
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        """The shape as a Size, or the size of dim `dim`."""
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim, "size")]

    @property
    def ndim(self) -> int:
        """The number of dims."""
        return self._data.ndim

    def dim(self) -> int:
        """The number of dims."""
        return self._data.ndim

    ndimension = dim

    def numel(self) -> int:
        """The number of elements: the product of the shape."""
        n = 1
        for s in self._data.shape:
            n *= s
        return n

    nelement = numel

    @property
    def dtype(self) -> D.dtype:
        """The element type."""
        return self._backend.dtype_of(self._data)

    @property
    def device(self) -> device:
        """The device the tensor lives on."""
        return device(self._backend.device_type)

    @property
    def is_cuda(self) -> bool:
        """True for a CUDA tensor."""
        return self._backend.device_type == "cuda"

    @property
    def is_cpu(self) -> bool:
        """True for a CPU tensor."""
        return self._backend.device_type == "cpu"

    @property
    def is_mps(self) -> bool:
        """True for an MPS tensor."""
        return self._backend.device_type == "mps"

    @property
    def is_xpu(self) -> bool:
        """True for an XPU tensor."""
        return self._backend.device_type == "xpu"

    @property
    def is_meta(self) -> bool:
        """True for a meta tensor (shape and dtype without data)."""
        return self._backend.device_type == "meta"

    @property
    def layout(self) -> str:
        """The memory layout: "strided" (a sparse tensor is a subclass, `ops.sparse.SparseCooTensor`)."""
        return "strided"

    is_sparse = False  # True on the sparse COO subclass (`ops/sparse.py`)
    is_sparse_csr = False  # True on the CSR one

    def element_size(self) -> int:
        """Bytes per element."""
        return self.dtype.itemsize

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        """Bytes the elements take: numel() * itemsize."""
        return self.numel() * self.dtype.itemsize

    def is_floating_point(self) -> bool:
        """True when the dtype is a floating point type."""
        return self.dtype.is_floating_point

    def stride(self, dim: int | None = None):
        """The strides in elements (the step in memory per index of each dim), or that of dim `dim`."""
        isz = self.dtype.itemsize
        strides = tuple(s // isz for s in self._data.strides)
        return strides if dim is None else strides[self._wrap_dim(dim, "stride")]

    def storage_offset(self) -> int:
        """The index in elements of this tensor's first element within its storage."""
        return self._backend.storage_offset(self._data)

    def is_contiguous(self, memory_format: Any = None) -> bool:
        """True when the elements lie in row-major order without gaps."""
        return self._backend.is_contiguous(self._data)

    def data_ptr(self) -> int:
        """The address of the first element."""
        return self._backend.data_ptr(self._data)

    def _is_view(self) -> bool:
        return self._base is not None

    def _wrap_dim(self, dim: int, op: str, ndim: int | None = None) -> int:
        """Map a possibly negative dim into range, raising PyTorch's IndexError."""
        n = self._data.ndim if ndim is None else ndim
        lo, hi = (-1, 0) if n == 0 else (-n, n - 1)
        if not isinstance(dim, int) or isinstance(dim, bool):
            raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
        if dim < lo or dim > hi:
            raise IndexError(f"{op}(): Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
        return dim % n if n else 0

    # ---- autograd metadata -------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """Whether autograd records ops on this tensor; settable on leaves."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self._grad_fn is not None and not value:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                               "computed variable in a subgraph that doesn't require differentiation use "
                               "var_no_grad = var.detach().")
        if value and not self.dtype._differentiable:
            raise RuntimeError(f"only Tensors of floating point and complex dtype can require gradients (got "
                               f"{self.dtype})")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Set requires_grad in place and return the tensor."""
        self.requires_grad = requires_grad
        return self

    @property
    def grad(self) -> "Tensor | None":
        """The gradient accumulated by backward; assignable (None, or a tensor of this shape, dtype and device)."""
        return self._grad

    @grad.setter
    def grad(self, value: "Tensor | None") -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of "
                                   f"size '{list(self.shape)}'. Please ensure that the gradient and the tensor are "
                                   "the same size")
            if value.dtype is not self.dtype:
                raise RuntimeError(f"attempting to assign a gradient with dtype '{value.dtype}' to a tensor with "
                                   f"dtype '{self.dtype}'. Please ensure that the gradient and the tensor have the "
                                   "same dtype")
            if value._backend.device_type != self._backend.device_type:
                raise RuntimeError(f"attempting to assign a gradient on device '{value.device}' to a tensor on "
                                   f"device '{self.device}'. Please ensure that the gradient and the tensor are on "
                                   "the same device")
        self._grad = value

    @property
    def grad_fn(self):
        """The backward node of the op that made this tensor (None for a leaf)."""
        fn = self._grad_fn
        if fn is not None and self._base is not None and fn._view_version != self._version_counter[0]:
            from .autograd.function import _refresh_view  # the base changed in place: re-derive this view's node
            fn = _refresh_view(self)
        return fn

    @property
    def is_leaf(self) -> bool:
        """True when no recorded op made this tensor (grad_fn is None): its .grad is accumulated."""
        return self._grad_fn is None

    @property
    def _version(self) -> int:
        return self._version_counter[0]

    def _bump_version(self) -> None:
        self._version_counter[0] += 1

    @property
    def retains_grad(self) -> bool:
        """True when retain_grad() asked a non-leaf to keep its .grad."""
        return self._retains_grad

    @property
    def data(self) -> "Tensor":
        """This tensor's values outside autograd (a detached alias that shares storage)."""
        return Tensor._make(self._data, self._backend)

    @data.setter
    def data(self, other: "Tensor") -> None:
        self._data = other._data
        self._backend = other._backend

    def detach(self) -> "Tensor":
        """A tensor sharing storage and version counter with this one, cut from the graph."""
        t = Tensor._make(self._data, self._backend)
        t._version_counter = self._version_counter
        return t

    def detach_(self) -> "Tensor":
        """Cut this tensor from the graph in place (it becomes a leaf that does not require grad)."""
        self._grad_fn = None
        self._requires_grad = False
        return self

    def register_hook(self, hook: Callable[["Tensor"], "Tensor | None"]):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        else:
            hooks = self._grad_fn._tensor_hooks(self._output_nr)
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[["Tensor"], None]):
        """Call ``hook(self)`` after backward has accumulated a gradient into this leaf's ``.grad``."""
        if self._grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        hooks = self.__dict__.setdefault("_post_accumulate_grad_hooks", [])
        hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for a non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        ref = weakref.ref(self)

        def keep(grad):
            t = ref()
            if t is not None:
                t.grad = grad.detach().clone() if t.grad is None else t.grad + grad.detach()
        self._grad_fn._retain_hook(self._output_nr, keep)

    def backward(self, gradient: "Tensor | None" = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) * gradient into ``.grad`` of every leaf that requires grad."""
        from .autograd.engine import backward
        backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph,
                 inputs=inputs)

    # ---- Python protocol ----------------------------------------------------
    def __hash__(self) -> int:
        return id(self)

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar (item() of a "
                               f"tensor of shape {list(self.shape)})")
        return self._host_values().reshape(()).item()

    def _scalar(self, op: str):
        if self.numel() != 1:
            raise ValueError(f"{op}: only one element tensors can be converted to Python scalars (got shape "
                             f"{list(self.shape)})")
        return self.item()

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous "
                               f"(shape {list(self.shape)})")
        return bool(self.item())

    def __float__(self) -> float:
        return float(self._scalar("float()"))

    def __int__(self) -> int:
        return int(self._scalar("int()"))

    def __index__(self) -> int:
        if self.dtype._category > 1 or self.numel() != 1:
            raise TypeError(f"only integer tensors of a single element can be converted to an index (got a "
                            f"{self.dtype} tensor of shape {list(self.shape)})")
        return int(self.item())

    def tolist(self):
        """The values as nested Python lists (a number for a 0-d tensor)."""
        return self._host_values().tolist()

    def _host_values(self):
        # complex32's host array holds (real, imag) float16 records: its values are read through complex64
        data = self._backend.cast(self._data, D.complex64) if self.dtype is D.complex32 else self._data
        return self._backend.to_host(data)

    def numpy(self, force: bool = False):
        """The values as a NumPy array sharing memory (CPU tensors)."""
        if self._requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self.dtype is D.complex32:  # NumPy has no complex32 (the host array holds float16 pairs), as PyTorch says
            raise TypeError("Got unsupported ScalarType ComplexHalf")
        return self._backend.to_host(self._data)

    def __dlpack__(self, *, stream: Any = None, max_version: tuple[int, int] | None = None,
                   dl_device: tuple[int, int] | None = None, copy: bool | None = None) -> Any:
        """A DLPack capsule viewing this tensor's memory (`mytorch.utils.dlpack`)."""
        from .utils.dlpack import tensor_dlpack
        return tensor_dlpack(self, stream, max_version, dl_device, copy)

    def __dlpack_device__(self) -> tuple[int, int]:
        """(DLPack device type, index): (kDLCPU = 1, 0) for cpu tensors."""
        return (1, 0)

    def __array__(self, dtype=None, copy=None):
        a = self._backend.to_host(self._data)
        return a if dtype is None else a.astype(dtype)

    def __repr__(self) -> str:
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    def __deepcopy__(self, memo: dict) -> "Tensor":
        """A copy of a leaf with its own storage, keeping requires_grad, ``.grad`` and attributes set on it."""
        if id(self) in memo:
            return memo[id(self)]
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.")
        from .autograd.grad_mode import no_grad
        with no_grad():
            new = self.clone()
        new._requires_grad = self._requires_grad
        memo[id(self)] = new
        if self._grad is not None:
            new._grad = copy.deepcopy(self._grad, memo)
        if self.__dict__:
            new.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return new

    def __reduce_ex__(self, protocol):
        # tensors travel between DataLoader worker processes as host arrays
        from .ops.creation import _from_host_array
        return (_from_host_array, (self._backend.to_host(self._data).copy(), self._requires_grad))


class _RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def is_tensor(obj: Any) -> bool:
    """True when `obj` is a Tensor."""
    return isinstance(obj, Tensor)


def _reset_grads(tensors, set_to_none: bool) -> None:
    """Reset ``.grad`` of each tensor: to None, or detached and zeroed in place (``zero_grad`` of modules and
    optimizers)."""
    for p in tensors:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            if p.grad.grad_fn is not None:
                p.grad.detach_()
            else:
                p.grad.requires_grad_(False)
            p.grad.zero_()
