"""Run the same code on mytorch and on PyTorch, and compare values and gradients.

A test writes its computation once as ``fn(T, *inputs)`` where ``T`` is the
framework module (``mytorch`` or ``torch``): the APIs are the same, so the same
lambda runs on both. Inputs are NumPy arrays; `layout` turns each into a
non-contiguous tensor (transposed, sliced, expanded) built the same way in
both frameworks, and gradients are compared on the leaves behind those views
with a random upstream gradient.
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch

import mytorch

LAYOUTS = ("contiguous", "transposed", "sliced", "expanded")

TORCH_DTYPES = {
    mytorch.float16: torch.float16, mytorch.bfloat16: torch.bfloat16, mytorch.float32: torch.float32,
    mytorch.float64: torch.float64, mytorch.int8: torch.int8, mytorch.int16: torch.int16,
    mytorch.int32: torch.int32, mytorch.int64: torch.int64, mytorch.uint8: torch.uint8, mytorch.bool: torch.bool,
    mytorch.complex64: torch.complex64, mytorch.complex128: torch.complex128, mytorch.uint16: torch.uint16,
    mytorch.uint32: torch.uint32, mytorch.uint64: torch.uint64, mytorch.complex32: torch.complex32,
}


def to_numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().resolve_conj()  # torch's conj() is a lazy view NumPy can't read
        if x.dtype in (torch.bfloat16, torch.complex32):  # NumPy has neither
            x = x.float() if x.dtype == torch.bfloat16 else x.cfloat()
        return x.numpy()
    if isinstance(x, mytorch.Tensor):
        if x.dtype is mytorch.complex32:
            return x.detach().cfloat().numpy()
        a = x.detach().numpy()
        return a.astype(np.float32) if x.dtype is mytorch.bfloat16 else a
    return np.asarray(x)


def _wide(a: np.ndarray) -> np.ndarray:
    """a in the widest type of its kind, to compare: complex128 for complex arrays, else float64."""
    return a.astype(np.complex128 if np.iscomplexobj(a) else np.float64)


def _upstream(rng: np.random.Generator, like: np.ndarray) -> np.ndarray:
    """A random upstream gradient shaped and typed like `like` (complex parts both random)."""
    g = rng.standard_normal(like.shape)
    if np.iscomplexobj(like):
        g = g + 1j * rng.standard_normal(like.shape)
    return g.astype(like.dtype)


def leaf(T, a: np.ndarray, layout: str, requires_grad: bool):
    """(leaf tensor, view used as the op input) for one array in one framework."""
    if layout == "transposed" and a.ndim >= 2:
        base = T.tensor(np.ascontiguousarray(np.swapaxes(a, -1, -2)))
        make = lambda b: b.transpose(-1, -2)  # noqa: E731
    elif layout == "sliced" and a.ndim >= 1:
        base = T.tensor(np.repeat(a, 2, axis=-1))
        make = lambda b: b[..., ::2]  # noqa: E731
    elif layout == "expanded" and a.ndim >= 1 and a.shape[0] > 1:
        base = T.tensor(a[:1].copy())
        make = lambda b: b.expand(*a.shape)  # noqa: E731
    else:
        base = T.tensor(a)
        make = lambda b: b  # noqa: E731
    if requires_grad:
        base.requires_grad_(True)
    return base, make(base)


def _outputs(out) -> list:
    if isinstance(out, (tuple, list)):
        return [o for o in out]
    return [out]


def check(fn: Callable, *arrays: np.ndarray, layout: str = "contiguous", grad: bool = True,
          atol: float = 1e-5, rtol: float = 1e-4, grad_atol: float | None = None, seed: int = 0,
          check_dtype: bool = True) -> None:
    """Assert fn(mytorch, ...) equals fn(torch, ...) in values, dtypes, shapes and input gradients."""
    floating = [np.issubdtype(a.dtype, np.inexact) for a in arrays]
    results = {}
    for T in (mytorch, torch):
        pairs = [leaf(T, a, layout, grad and f) for a, f in zip(arrays, floating)]
        out = fn(T, *[v for _, v in pairs])
        results[T] = (pairs, _outputs(out))
    (m_pairs, m_out), (t_pairs, t_out) = results[mytorch], results[torch]
    assert len(m_out) == len(t_out)
    for mo, to in zip(m_out, t_out):
        if not isinstance(to, torch.Tensor):
            assert mo == to, (mo, to)
            continue
        assert tuple(mo.shape) == tuple(to.shape), f"shape {tuple(mo.shape)} != torch {tuple(to.shape)}"
        if check_dtype:
            assert TORCH_DTYPES[mo.dtype] == to.dtype, f"dtype {mo.dtype} != torch {to.dtype}"
        np.testing.assert_allclose(_wide(to_numpy(mo)), _wide(to_numpy(to)), atol=atol, rtol=rtol, equal_nan=True)
    if not grad or not any(floating):
        return
    diff = [(mo, to) for mo, to in zip(m_out, t_out)
            if isinstance(to, torch.Tensor) and to.requires_grad]
    if not diff:
        return
    rng = np.random.default_rng(seed)
    m_leaves = [b for (b, _), f in zip(m_pairs, floating) if f]
    t_leaves = [b for (b, _), f in zip(t_pairs, floating) if f]
    gs = [_upstream(rng, to_numpy(to)) for _, to in diff]
    m_grads = mytorch.autograd.grad([mo for mo, _ in diff], m_leaves,
                                    [mytorch.tensor(g).to(mo.dtype) for g, (mo, _) in zip(gs, diff)],
                                    allow_unused=True)
    t_grads = torch.autograd.grad([to for _, to in diff], t_leaves,
                                  [torch.tensor(g).to(to.dtype) for g, (_, to) in zip(gs, diff)],
                                  allow_unused=True)
    for i, (mg, tg) in enumerate(zip(m_grads, t_grads)):
        if tg is None:
            assert mg is None or not np.any(to_numpy(mg)), f"input {i}: torch has no gradient, mytorch does"
            continue
        assert mg is not None, f"input {i}: mytorch produced no gradient"
        assert tuple(mg.shape) == tuple(tg.shape)
        np.testing.assert_allclose(_wide(to_numpy(mg)), _wide(to_numpy(tg)), atol=grad_atol if grad_atol is not None else atol, rtol=rtol,
                                   err_msg=f"gradient of input {i}")


def gradcheck(fn: Callable, *arrays: np.ndarray, **kwargs) -> None:
    """mytorch.autograd.gradcheck on float64 (complex128) copies of `arrays`."""
    inputs = [mytorch.tensor(_wide(a), requires_grad=True) for a in arrays]
    assert mytorch.autograd.gradcheck(lambda *xs: fn(mytorch, *xs), inputs, **kwargs)


def raises_like(fn: Callable, *arrays: np.ndarray, match: Sequence[str] = ()) -> Exception:
    """Assert mytorch raises the same exception type as torch; return mytorch's exception."""
    errors = {}
    for T in (torch, mytorch):
        try:
            fn(T, *[T.tensor(a) for a in arrays])
        except Exception as e:  # noqa: BLE001 - we compare the types
            errors[T] = e
        else:
            errors[T] = None
    assert errors[torch] is not None, "torch did not raise"
    assert errors[mytorch] is not None, f"mytorch did not raise (torch raised {errors[torch]!r})"
    assert type(errors[mytorch]) is type(errors[torch]), (
        f"mytorch raised {type(errors[mytorch]).__name__}: {errors[mytorch]}; "
        f"torch raised {type(errors[torch]).__name__}: {errors[torch]}")
    for m in match:
        assert m in str(errors[mytorch]), f"{m!r} not in message: {errors[mytorch]}"
    return errors[mytorch]


def same(fn: Callable, atol: float = 1e-5, rtol: float = 1e-5) -> None:
    """fn(T) returns a (nested) tuple/list of tensors and plain values; mytorch's must equal torch's."""
    def flat(r) -> list:
        if isinstance(r, (tuple, list)):
            return [y for x in r for y in flat(x)]
        if isinstance(r, (mytorch.Tensor, torch.Tensor)):
            return [_wide(to_numpy(r))]
        return [r]
    m, t = flat(fn(mytorch)), flat(fn(torch))
    assert len(m) == len(t), (m, t)
    for i, (a, b) in enumerate(zip(m, t)):
        if isinstance(b, np.ndarray) or isinstance(a, np.ndarray):
            assert isinstance(a, np.ndarray) and isinstance(b, np.ndarray), f"result {i}: {a!r} != torch {b!r}"
            assert a.shape == b.shape, f"result {i}: shape {a.shape} != torch {b.shape}"
            np.testing.assert_allclose(a, b, atol=atol, rtol=rtol, err_msg=f"result {i}")
        else:
            assert a == b, f"result {i}: {a!r} != torch {b!r}"
