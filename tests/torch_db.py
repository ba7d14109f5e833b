"""What the tests that run PyTorch's own test databases (OpInfo in test_opinfo.py, ModuleInfo in
test_moduleinfo.py) share: turning a sample's arguments into mytorch's, flattening outputs, and comparing
mytorch's results with PyTorch's under the database's tolerances."""
from __future__ import annotations

import math
import random
import warnings

import numpy as np
import torch
from helpers import TORCH_DTYPES

import mytorch

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from torch.testing._internal.common_device_type import toleranceOverride
    from torch.testing._internal.common_utils import SEED

TO_MYTORCH_DTYPE = {t: m for m, t in TORCH_DTYPES.items()}

DEFAULT_TOLERANCE = {torch.float16: (1e-5, 1e-3), torch.bfloat16: (1e-5, 1.6e-2),  # assert_close's (atol, rtol)
                     torch.float32: (1e-5, 1.3e-6), torch.float64: (1e-7, 1e-7),
                     torch.complex64: (1e-5, 1.3e-6), torch.complex128: (1e-7, 1e-7)}


def tolerance(info, dtype) -> dict:
    """assert_close's atol and rtol for outputs from dtype samples of an OpInfo or ModuleInfo entry: the
    defaults, loosened to the largest toleranceOverride among the entry's decorators."""
    if dtype not in DEFAULT_TOLERANCE:
        return {}
    atol, rtol = DEFAULT_TOLERANCE[dtype]
    for decorator in info.decorators:
        for d in getattr(decorator, "decorators", [decorator]):
            if isinstance(d, toleranceOverride) and dtype in d.d:
                atol, rtol = max(atol, d.d[dtype].atol), max(rtol, d.d[dtype].rtol)
    return {"atol": atol, "rtol": rtol}


def convert(x, T, leaves: list):
    """A sample argument for framework T: tensors become fresh leaves (gradient where the sample asks)."""
    if isinstance(x, torch.Tensor) and x.layout in (torch.sparse_coo, torch.sparse_csr) and T is mytorch:
        if x.layout == torch.sparse_coo:
            t = mytorch.sparse_coo_tensor(convert(x._indices(), T, []), convert(x._values().detach(), T, []),
                                          x.shape)
        else:
            t = mytorch.sparse_csr_tensor(*[convert(y.detach(), T, []) for y in (x.crow_indices(), x.col_indices(),
                                                                                 x.values())], x.shape)
        if x.requires_grad:
            leaves.append(t.requires_grad_(True))
        return t
    if isinstance(x, torch.Tensor):
        if T is torch:
            t = x.detach().clone().requires_grad_(x.requires_grad)
        else:
            t = from_torch(x.detach().resolve_conj().resolve_neg())  # torch's lazy bits applied
            if x.requires_grad:
                t.requires_grad_(True)
        if x.requires_grad:
            leaves.append(t)
        return t
    if isinstance(x, (list, tuple)) and not isinstance(x, torch.Size):
        return type(x)(convert(y, T, leaves) for y in x)
    if isinstance(x, dict):
        return {k: convert(v, T, leaves) for k, v in x.items()}
    if T is mytorch and isinstance(x, torch.dtype):
        return TO_MYTORCH_DTYPE.get(x, x)
    if T is mytorch and isinstance(x, torch.Size):
        return tuple(x)
    if T is mytorch and isinstance(x, torch.device):
        return str(x)
    if T is mytorch and isinstance(x, torch.layout):
        return getattr(mytorch, str(x).removeprefix("torch."))
    if T is mytorch and isinstance(x, torch.nn.Module):
        return _stateless_module(x)
    return x


def from_torch(x: torch.Tensor) -> mytorch.Tensor:
    """A copy of torch tensor x in mytorch (bfloat16 through float32, exactly: NumPy cannot read torch's)."""
    if x.dtype == torch.bfloat16:
        return mytorch.tensor(x.float().numpy()).to(mytorch.bfloat16)
    return mytorch.tensor(x.numpy().copy())


def _stateless_module(module: torch.nn.Module) -> mytorch.nn.Module:
    """mytorch's module of the class of `module` with its settings, for a module passed as an argument (OpInfo's
    `distance_function=PairwiseDistance()`): a default instance given the module's public attributes, which
    mytorch's modules name as PyTorch's do. Only for modules without parameters or buffers."""
    assert not [*module.parameters(), *module.buffers()], f"{type(module).__name__} has state to copy"
    m = getattr(mytorch.nn, type(module).__name__)()
    for name, value in vars(module).items():
        if not name.startswith("_"):
            setattr(m, name, value)
    return m


def flat(out) -> list:
    """The outputs of a call as one list (nested tuples and lists flattened)."""
    if isinstance(out, (list, tuple)) and not isinstance(out, (torch.Size, mytorch.Size)):
        return [y for x in out for y in flat(x)]
    return [out]


def as_torch(x) -> torch.Tensor:
    """A mytorch tensor's values in torch (bfloat16 through float32: torch cannot read ml_dtypes arrays; complex32
    through complex64, which NumPy has; a sparse COO tensor as torch's, from its indices and values)."""
    if x.is_sparse:
        return torch.sparse_coo_tensor(as_torch(x._indices()), as_torch(x._values()), tuple(x.shape),
                                       is_coalesced=x.is_coalesced())
    if x.is_sparse_csr:
        return torch.sparse_csr_tensor(as_torch(x.crow_indices()), as_torch(x.col_indices()), as_torch(x.values()),
                                       tuple(x.shape))
    if x.dtype is mytorch.bfloat16:
        return torch.from_numpy(x.detach().float().numpy()).to(torch.bfloat16)
    if x.dtype is mytorch.complex32:
        return torch.from_numpy(x.detach().cfloat().numpy()).to(torch.complex32)
    return torch.from_numpy(np.array(x.detach().numpy()))


def compare(actual: list, expected: list, values: bool, tol: dict) -> None:
    """AssertionError unless mytorch's outputs match torch's: the same count, shapes and dtypes, and (with
    `values`) the same values within `tol` (floating outputs; others exactly), NaNs in the same places."""
    assert len(actual) == len(expected), f"{len(actual)} outputs, torch has {len(expected)}"
    for a, e in zip(actual, expected):
        if not isinstance(e, torch.Tensor):
            if isinstance(a, mytorch.Tensor):
                a = a.item()
            assert a == e or (isinstance(e, float) and math.isnan(e) and math.isnan(a)), f"{a!r} != torch {e!r}"
            continue
        assert isinstance(a, mytorch.Tensor), f"got {type(a).__name__}, torch gives a Tensor"
        assert tuple(a.shape) == tuple(e.shape), f"shape {tuple(a.shape)} != torch {tuple(e.shape)}"
        assert TORCH_DTYPES.get(a.dtype) == e.dtype, f"dtype {a.dtype} != torch {e.dtype}"
        if values:
            t = tol if e.dtype.is_floating_point or e.dtype.is_complex else {}
            torch.testing.assert_close(as_torch(a), e.detach(), equal_nan=True, check_stride=False, **t)


def differentiable(outputs: list) -> list[int]:
    """Positions of torch's floating and complex outputs that carry a gradient."""
    return [i for i, e in enumerate(outputs) if isinstance(e, torch.Tensor) and e.requires_grad
            and (e.dtype.is_floating_point or e.dtype.is_complex)]


class TorchRejects(Exception):
    """PyTorch itself cannot run a sample (its backward for the dtype is missing): the sample is not counted."""


def compare_gradients(m_out: list, t_out: list, m_leaves: list, t_leaves: list, seed: int, tol: dict,
                      names: list[str] | None = None, fallback=None, exact=None) -> None:
    """AssertionError unless the gradients of the differentiable outputs under one random upstream gradient
    (the same in both frameworks, drawn from `seed`; complex for a complex output) agree for every leaf
    (complex gradients by PyTorch's convention, dL/dx + i dL/dy); `names` label the leaves. Where they do not,
    `fallback(positions, upstreams)`, when given, supplies the reference gradients instead of torch's autograd;
    `exact(positions, torch_upstreams)`, when given, more precise gradients that a leaf's gradient may be
    nearer to than torch's instead of matching torch's (`no_farther`)."""
    diff = differentiable(t_out)
    rng = np.random.default_rng(seed)
    ups = [rng.standard_normal(tuple(t_out[i].shape)) + 1j * rng.standard_normal(tuple(t_out[i].shape))
           if t_out[i].dtype.is_complex else rng.standard_normal(tuple(t_out[i].shape)) for i in diff]
    try:
        t_grads = torch.autograd.grad([t_out[i] for i in diff], t_leaves,
                                      [torch.tensor(u, dtype=t_out[i].dtype) for u, i in zip(ups, diff)],
                                      allow_unused=True)
    except (NotImplementedError, RuntimeError) as e:  # torch's backward lacks the dtype (i1's for float16)
        raise TorchRejects(str(e)) from e
    m_grads = mytorch.autograd.grad([m_out[i] for i in diff], m_leaves,
                                    [mytorch.tensor(u).to(m_out[i].dtype) for u, i in zip(ups, diff)],
                                    allow_unused=True)
    try:
        _same_gradients(m_grads, t_grads, tol, names)
    except AssertionError:
        if fallback is not None:
            reference = [g.to(t.dtype) for g, t in zip(fallback(diff, ups), t_leaves)]
            _same_gradients(m_grads, reference, tol, names)
        elif exact is not None:
            t_ups = [torch.tensor(u, dtype=t_out[i].dtype) for u, i in zip(ups, diff)]
            _same_gradients(m_grads, t_grads, tol, names, exact(diff, t_ups))
        else:
            raise


def _same_gradients(m_grads, t_grads, tol: dict, names: list[str] | None, exact=None) -> None:
    for k, (mg, tg) in enumerate(zip(m_grads, t_grads)):
        name = names[k] if names else f"input {k}"
        if tg is None:
            assert mg is None or not mg.detach().numpy().any(), f"{name}: torch has no gradient, mytorch does"
        else:
            assert mg is not None, f"{name}: mytorch produced no gradient"
            try:
                no_farther([mg], [tg], [exact[k]], tol) if exact else compare([mg], [tg], True, tol)
            except AssertionError as e:
                raise AssertionError(f"gradient of {name}: {e}") from None


def tolerances_off(actual: torch.Tensor, exact: torch.Tensor, tol: dict) -> float:
    """How many tolerances `actual` lies from `exact` at worst: max |actual - exact| / (atol + rtol |exact|) over
    the entries where exact is a finite number."""
    actual, exact = actual.to(exact.dtype), exact.detach()
    finite = exact.isfinite()
    if not finite.any():
        return 0.0
    return float(((actual - exact).abs() / (tol["atol"] + tol["rtol"] * exact.abs()))[finite].max())


def no_farther(actual: list, expected: list, exact: list, tol: dict) -> None:
    """AssertionError unless each of mytorch's outputs `actual` matches torch's `expected` (`compare`) or, where
    it does not, is no farther from `exact`, a more precise answer (torch's op in double precision, mpmath), than
    torch's is (`tolerances_off`), with its NaNs and infinities where torch has them."""
    compare(actual, expected, False, tol)
    for a, e, x in zip(actual, expected, exact):
        try:
            compare([a], [e], True, tol)
        except AssertionError as mismatch:
            a = as_torch(a).to(x.dtype)
            e = e.detach().to(x.dtype)
            assert torch.equal(a.isfinite(), e.isfinite()) and torch.equal(a[~a.isfinite()].nan_to_num(),
                                                                           e[~e.isfinite()].nan_to_num()), (
                f"{mismatch}\nand the non-finite entries differ from torch's")
            ours, torch_s = tolerances_off(a, x, tol), tolerances_off(e, x, tol)
            assert ours <= torch_s, (f"{mismatch}\nand mytorch is {ours:.3g} tolerances from the exact answer, "
                                     f"torch {torch_s:.3g}")


WIDE = {torch.float16: torch.float64, torch.bfloat16: torch.float64, torch.float32: torch.float64,
        torch.complex64: torch.complex128}


def widened(x):
    """A sample argument with its float16 / bfloat16 / float32 / complex64 tensors in double precision (leaves stay
    leaves)."""
    if isinstance(x, torch.Tensor) and x.dtype in WIDE:
        return x.detach().to(WIDE[x.dtype]).requires_grad_(x.requires_grad)
    if isinstance(x, (list, tuple)) and not isinstance(x, torch.Size):
        return type(x)(widened(y) for y in x)
    if isinstance(x, dict):
        return {k: widened(v) for k, v in x.items()}
    return x


def numerical_gradients(fn, args: tuple, kwargs: dict, leaves: list, positions: list[int], ups: list,
                        h: float = 1e-6) -> list[torch.Tensor]:
    """Central differences of L = sum_i Re(<ups_i, outputs[positions_i]>) in each leaf entry (and its imaginary
    part), the leaves being torch tensors inside args / kwargs (double precision, perturbed in place): the
    gradients in PyTorch's convention, dL/dx + i dL/dy."""
    def loss() -> float:
        out = flat(fn(*args, **kwargs))
        return sum(float((torch.as_tensor(u).conj() * out[i].detach()).real.sum()) for u, i in zip(ups, positions))

    grads = []
    with torch.no_grad():
        for leaf in leaves:
            grad = torch.zeros_like(leaf)
            flat_leaf, flat_grad = leaf.view(-1), grad.view(-1)
            for k in range(flat_leaf.numel()):
                for step in ((1.0, 1j) if leaf.dtype.is_complex else (1.0,)):
                    flat_leaf[k] += h * step
                    up = loss()
                    flat_leaf[k] -= 2 * h * step
                    down = loss()
                    flat_leaf[k] += h * step
                    flat_grad[k] += (up - down) / (2 * h) * step
            grads.append(grad)
    return grads


def seed_torch(seed: int) -> None:
    """torch.manual_seed(seed) for the CPU alone: torch.manual_seed also seeds every accelerator's generator,
    and CUDA's, not yet initialised, records a traceback on each call (~4 ms; thousands of calls per run)."""
    torch.default_generator.manual_seed(seed)


def first_samples(op, dtype, requires_grad: bool, cap: int) -> list:
    """The first `cap` samples `op.sample_inputs("cpu", dtype, requires_grad)` yields, without its iterator:
    that one walks the whole call stack twice per call to find a unittest method to name in errors (in an xdist
    worker, whose outer frames come from exec'd strings, each frame scans all of sys.modules: ~0.15 s per call,
    45.8 s of test_out.py's 46.7 s under `-n 1`) and, finding none, seeds torch, random and NumPy with
    common_utils.SEED before each sample, as done here, so the samples are the same."""
    samples, out = iter(op.sample_inputs_func(op, "cpu", dtype, requires_grad)), []
    while len(out) < cap:
        seed_torch(SEED)
        random.seed(SEED)
        np.random.seed(SEED)
        try:
            out.append(next(samples))
        except StopIteration:
            break
    return out


def tally(samples, run) -> tuple[int, int, str | None]:
    """(samples passing, samples counted, the first failure) of `run(dtype, sample, seed)` over the (dtype,
    sample) pairs, seed being the pair's position: run returns True or False, or None for a sample PyTorch
    itself rejects (not counted; so is one where run raises TorchRejects); any other exception fails the sample.
    Both frameworks' generators are seeded with it first, so a sample that draws random numbers (dropout inside
    attention, fractional max pooling) passes or fails the same way whatever ran before it in the process."""
    passed, counted, first = 0, 0, None
    for seed, (dtype, sample) in enumerate(samples):
        seed_torch(seed)
        mytorch.manual_seed(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ok = run(dtype, sample, seed)
            except TorchRejects:
                ok = None
            except Exception as e:  # noqa: BLE001 - any mytorch failure fails the sample
                ok = False
                first = first or f"{dtype}: {type(e).__name__}: {str(e).splitlines()[0][:150] if str(e) else ''}"
        if ok is not None:
            counted += 1
            passed += ok
    return passed, counted, first
