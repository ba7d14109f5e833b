"""DLPack: zero-copy exchange with NumPy and PyTorch in both directions, on every cpu backend.

Sharing is shown by writes, not by pointers alone: a write through one side must be read through the other.
"""
import ml_dtypes
import numpy as np
import pytest
import torch

import mytorch
from mytorch.utils import dlpack

DTYPES = [("float32", np.float32, torch.float32), ("float64", np.float64, torch.float64),
          ("float16", np.float16, torch.float16), ("int64", np.int64, torch.int64),
          ("int8", np.int8, torch.int8), ("uint8", np.uint8, torch.uint8), ("bool", np.bool_, torch.bool),
          ("bfloat16", ml_dtypes.bfloat16, torch.bfloat16)]


def _strided(np_dtype):
    """A view with an offset and non-unit, transposed strides over a 4x6 base."""
    base = (np.arange(24) % 5).astype(np_dtype).reshape(4, 6)
    return base, base[1:, 1::2].T


@pytest.mark.parametrize("name,np_dtype,torch_dtype", DTYPES, ids=[d[0] for d in DTYPES])
def test_to_torch_shares_memory(name, np_dtype, torch_dtype):
    base, view = _strided(np_dtype)
    t = mytorch.from_numpy(base)[1:, 1::2].T
    out = torch.from_dlpack(t)
    assert out.dtype == torch_dtype and tuple(out.shape) == view.shape
    assert out.stride() == t.stride() and out.data_ptr() == t.data_ptr()
    np.testing.assert_array_equal(out.view(torch.int16).numpy() if name == "bfloat16" else out.numpy(),
                                  view.view(np.int16) if name == "bfloat16" else view)
    out[0, 0] = out[1, 1]
    assert t[0, 0].item() == t[1, 1].item() == view[1, 1]
    t[2, 1] = t[0, 2]  # and back: a write through mytorch is read by torch
    assert out[2, 1].item() == out[0, 2].item()


@pytest.mark.parametrize("name,np_dtype,torch_dtype", DTYPES, ids=[d[0] for d in DTYPES])
def test_from_torch_shares_memory(name, np_dtype, torch_dtype):
    src = (torch.arange(24) % 5).to(torch_dtype).reshape(4, 6)[1:, 1::2].t()
    t = mytorch.from_dlpack(src)
    assert t.dtype == getattr(mytorch, name) and tuple(t.shape) == tuple(src.shape)
    assert t.stride() == src.stride() and t.data_ptr() == src.data_ptr()
    assert t.tolist() == src.tolist()
    t[0, 1] = t[2, 2]
    assert src[0, 1].item() == src[2, 2].item()
    src[1, 0] = src[0, 0]
    assert t[1, 0].item() == t[0, 0].item()


def test_numpy_both_directions():
    t = mytorch.arange(12.0).reshape(3, 4)[:, 1:3]
    a = np.from_dlpack(t)
    assert a.shape == (3, 2) and a.strides == (16, 4)
    a[0, 0] = -1.0
    assert t[0, 0].item() == -1.0
    src = np.arange(10, dtype=np.int32)[2::3]
    back = mytorch.from_dlpack(src)
    back[1] = 99
    assert src[1] == 99 and back.stride() == (3,) and back.storage_offset() == 0


def test_capsules_and_round_trip():
    t = mytorch.tensor([1.0, 2.0, 3.0])
    capsule = dlpack.to_dlpack(t)
    u = dlpack.from_dlpack(capsule)
    u[0] = 7.0
    assert t[0].item() == 7.0
    with pytest.raises(ValueError, match="consumed only once"):
        mytorch.from_dlpack(capsule)
    tc = torch.utils.dlpack.to_dlpack(torch.tensor([4, 5], dtype=torch.bfloat16))
    assert mytorch.from_dlpack(tc).dtype == mytorch.bfloat16
    assert mytorch.from_dlpack(mytorch.from_dlpack(t)).data_ptr() == t.data_ptr()


def test_copy_and_device_keywords():
    t = mytorch.tensor([1.0, 2.0])
    c = mytorch.from_dlpack(t, copy=True)
    c[0] = 5.0
    assert t[0].item() == 1.0
    assert torch.from_dlpack(t, copy=True).data_ptr() != t.data_ptr()
    assert t.__dlpack_device__() == tuple(torch.tensor(1.0).__dlpack_device__())
    with pytest.raises(AssertionError, match="stream should be None on cpu"):
        t.__dlpack__(stream=1)
    with pytest.raises(BufferError, match="DLPack device"):
        t.__dlpack__(dl_device=(2, 0))
    with pytest.raises(AssertionError, match="not supported when ext_tensor is already a DLPack capsule"):
        mytorch.from_dlpack(dlpack.to_dlpack(t), copy=True)


def test_requires_grad_refused():
    with pytest.raises(BufferError, match=r"Can't export tensors that require gradient, use tensor.detach\(\)"):
        torch.from_dlpack(mytorch.ones(2, requires_grad=True))


def test_read_only_arrays_as_pytorch():
    """A read-only NumPy array: DLPack 1.0 carries the flag and the array is shared, as torch.from_dlpack
    shares it; an old (unversioned) capsule cannot say read-only, so NumPy refuses to make one."""
    a = np.arange(4.0)
    a.flags.writeable = False
    t, ref = mytorch.from_dlpack(a), torch.from_dlpack(a)
    assert t.data_ptr() == ref.data_ptr() == a.ctypes.data
    with pytest.raises(BufferError, match="readonly"):
        mytorch.from_dlpack(a.__dlpack__())
    with pytest.raises(BufferError, match="readonly"):
        torch.utils.dlpack.from_dlpack(a.__dlpack__())


def test_exported_memory_outlives_the_tensor():
    t = mytorch.arange(1000, dtype=mytorch.float32) * 2
    out = torch.from_dlpack(t)
    del t
    assert out[999].item() == 1998.0
    src = torch.arange(1000, dtype=torch.float64)
    back = mytorch.from_dlpack(src)
    del src
    assert back[999].item() == 999.0
