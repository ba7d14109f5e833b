"""PyTorch's own operator database (OpInfo) run against mytorch: the op surface measured.

`torch.testing._internal.common_methods_invocations.op_db` lists ~700 ops, each with sample
inputs per dtype. For every op whose name (or one of its aliases) mytorch has, in its namespace
(``linalg.det`` is ``mytorch.linalg.det``, ``nn.functional.relu`` is ``mytorch.nn.functional.relu``)
or as a Tensor method, each float32 / float64 / int64 / bool / complex64 / complex128 sample runs on both
frameworks with the same inputs. A sample passes when the outputs agree in shape, dtype and value (`torch.testing.assert_close`
with PyTorch's default tolerances for the dtype, or the loosest `toleranceOverride` PyTorch's own OpInfo
tests grant the op for that dtype) and, for float and complex samples of ops PyTorch
differentiates, the input gradients under one random upstream gradient agree too (complex gradients by
PyTorch's convention, dL/dx + i dL/dy). Values of random
ops (`RANDOM_OPS`) are not compared, only shapes and dtypes. Samples PyTorch itself rejects are not
counted.

Speed: samples are capped at `SAMPLES_PER_DTYPE` per (op, dtype) (`COMPLEX_SAMPLES_PER_DTYPE` for the
complex dtypes), the first ones OpInfo yields,
with torch's generator seeded per op, so the set is the same on every run; they are generated once
and shared by both backends, and every sample runs on both backends.

The test fails when fewer samples pass than `PASSING_SAMPLES` says for the backend (raise it as ops
land, never lower it), and when the ops mytorch lacks differ from `KNOWN_MISSING` (remove a name when
its op lands). Run with ``-s`` to see the summary table and the first failure of each failing op.
"""
from __future__ import annotations

import functools
import math
import warnings

import numpy as np
import torch
from helpers import TORCH_DTYPES

import mytorch

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from torch.testing._internal.common_device_type import toleranceOverride
    from torch.testing._internal.common_methods_invocations import op_db

DTYPES = (torch.float32, torch.float64, torch.int64, torch.bool, torch.complex64, torch.complex128)
SAMPLES_PER_DTYPE = 3
COMPLEX_SAMPLES_PER_DTYPE = 2

# Samples passing on each backend, measured; raise as ops land, never lower.
PASSING_SAMPLES = {"numpy": 5618, "cpp": 5616}

RANDOM_OPS = {"bernoulli", "multinomial", "normal", "rand", "randn", "randint", "randperm", "rand_like", "randint_like", "randn_like", "uniform",
              "nn.functional.dropout", "nn.functional.dropout2d", "nn.functional.dropout3d",
              "nn.functional.alpha_dropout", "nn.functional.feature_alpha_dropout", "nn.functional.rrelu",
              "empty", "empty_like", "empty_strided", "new_empty", "new_empty_strided", "empty_permuted",
              "cauchy", "exponential", "geometric", "log_normal"}

# Ops whose index output PyTorch leaves unordered among equal values (its sorts are not stable unless asked):
# that output compares by the values it selects. name -> (its position among the outputs, the sample's dim).
def _dim_arg(position: int):
    return lambda args, kwargs: kwargs.get("dim", args[position] if len(args) > position else -1)


TIE_ORDER = {"sort": (1, _dim_arg(0)), "argsort": (0, _dim_arg(0)), "topk": (1, _dim_arg(1)),
             "kthvalue": (1, _dim_arg(1))}

KNOWN_MISSING: set[str] = {
    "__rdiv__", "_chunk_cat", "_native_batch_norm_legit", "_segment_reduce", "_softmax_backward_data",
    "_unsafe_masked_index", "_unsafe_masked_index_put_accumulate",
    "as_strided_scatter", "bitwise_left_shift", "bitwise_right_shift",
    "chalf",
    "constant_pad_nd", "corrcoef", "cov",
    "empty_permuted", "empty_strided",
    "frexp", "gcd",
    "grid_sampler_2d", "grid_sampler_3d", "hash_tensor", "histogram",
    "histogramdd", "index_reduce", "lcm", "linalg.eig",
    "linalg.eigvals", "linalg.ldl_factor", "linalg.ldl_factor_ex", "linalg.ldl_solve",
    "masked.amax", "masked.amin", "masked.argmax", "masked.argmin", "masked.cumprod",
    "masked.cumsum", "masked.log_softmax", "masked.logaddexp", "masked.logsumexp", "masked.mean", "masked.median",
    "masked.norm", "masked.normalize", "masked.prod", "masked.softmax", "masked.softmin", "masked.std",
    "masked.sum", "masked.var", "nanmedian", "nanquantile", "native_batch_norm",
    "native_group_norm", "native_layer_norm", "new_empty_strided", "nextafter", "nonzero_static",
    "ormqr", "pca_lowrank", "positive", "put", "quantile", "renorm",
    "resize_", "resize_as_", "resolve_neg", "rot90", "scalar_tensor", "scatter_reduce",
    "signal.windows.bartlett", "signal.windows.blackman", "signal.windows.cosine",
    "signal.windows.exponential", "signal.windows.gaussian", "signal.windows.general_cosine",
    "signal.windows.general_hamming", "signal.windows.hamming", "signal.windows.hann", "signal.windows.kaiser",
    "signal.windows.nuttall", "sparse.mm", "sparse.sampled_addmm", "special.airy_ai",
    "special.bessel_y0", "special.bessel_y1", "special.chebyshev_polynomial_t", "special.chebyshev_polynomial_u",
    "special.chebyshev_polynomial_v", "special.chebyshev_polynomial_w", "special.hermite_polynomial_h",
    "special.hermite_polynomial_he", "special.laguerre_polynomial_l", "special.legendre_polynomial_p",
    "special.modified_bessel_i0", "special.modified_bessel_i1", "special.modified_bessel_k0",
    "special.modified_bessel_k1", "special.scaled_modified_bessel_k0", "special.scaled_modified_bessel_k1",
    "special.shifted_chebyshev_polynomial_t", "special.shifted_chebyshev_polynomial_u",
    "special.shifted_chebyshev_polynomial_v", "special.shifted_chebyshev_polynomial_w",
    "special.spherical_bessel_j0",
    "sum_to_size", "svd_lowrank", "to_sparse", "torch.ops.aten._safe_softmax.default",
    "tril_indices", "triu_indices", "unfold", "unfold_copy", "unravel_index",
    "unsafe_chunk", "unsafe_split"
}

_TO_MYTORCH_DTYPE = {t: m for m, t in TORCH_DTYPES.items()}


def _resolve(root, name: str):
    """The attribute at dotted path `name` under `root` (a module), else None."""
    obj = root
    for part in name.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _callable(T, op) -> object | None:
    """The function (or, failing that, the Tensor method) for op in framework T, by name or alias."""
    names = [op.name] + [a.name for a in op.aliases]
    for name in names:
        fn = _resolve(T, name)
        if callable(fn) and not isinstance(fn, type):
            return fn
    for name in names:
        if "." not in name and callable(getattr(T.Tensor, name, None)):
            return getattr(T.Tensor, name)
    return None


def _key(op) -> str:
    return op.name + (f".{op.variant_test_name}" if op.variant_test_name else "")


@functools.lru_cache(maxsize=None)
def _applicable_ops() -> tuple:
    """The OpInfo entries with a torch callable by name that support one of DTYPES on the CPU."""
    ops = []
    for op in op_db:
        if _callable(torch, op) is not None and any(d in op.supported_dtypes("cpu") for d in DTYPES):
            ops.append(op)
    return tuple(ops)


_SAMPLES: dict[str, tuple] = {}


def _samples(op) -> tuple:
    """(dtype, sample) pairs: the first SAMPLES_PER_DTYPE of each supported dtype, seeded per op;
    made once, for the first backend, and shared by the others."""
    if _key(op) in _SAMPLES:
        return _SAMPLES[_key(op)]
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for dtype in DTYPES:
            if dtype not in op.supported_dtypes("cpu"):
                continue
            torch.manual_seed(0)
            grad = op.supports_autograd and (dtype.is_floating_point or dtype.is_complex)
            cap = COMPLEX_SAMPLES_PER_DTYPE if dtype.is_complex else SAMPLES_PER_DTYPE
            try:
                for i, s in enumerate(op.sample_inputs("cpu", dtype, requires_grad=grad)):
                    if i == cap:
                        break
                    out.append((dtype, s))
            except Exception:  # noqa: BLE001 - a sample generator PyTorch's own build cannot run
                continue
    _SAMPLES[_key(op)] = tuple(out)
    return _SAMPLES[_key(op)]


DEFAULT_TOLERANCE = {torch.float32: (1e-5, 1.3e-6), torch.float64: (1e-7, 1e-7),  # assert_close's (atol, rtol)
                     torch.complex64: (1e-5, 1.3e-6), torch.complex128: (1e-7, 1e-7)}


def _tolerance(op, dtype) -> dict:
    """assert_close's atol and rtol for op's outputs from dtype samples: the defaults, loosened to the
    largest toleranceOverride among op's OpInfo decorators."""
    if dtype not in DEFAULT_TOLERANCE:
        return {}
    atol, rtol = DEFAULT_TOLERANCE[dtype]
    for info in op.decorators:
        for d in getattr(info, "decorators", [info]):
            if isinstance(d, toleranceOverride) and dtype in d.d:
                atol, rtol = max(atol, d.d[dtype].atol), max(rtol, d.d[dtype].rtol)
    return {"atol": atol, "rtol": rtol}


def _convert(x, T, leaves: list):
    """A sample argument for framework T: tensors become fresh leaves (gradient where the sample asks)."""
    if isinstance(x, torch.Tensor):
        if T is torch:
            t = x.detach().clone().requires_grad_(x.requires_grad)
        else:
            t = mytorch.tensor(x.detach().numpy().copy())
            if x.requires_grad:
                t.requires_grad_(True)
        if x.requires_grad:
            leaves.append(t)
        return t
    if isinstance(x, (list, tuple)) and not isinstance(x, torch.Size):
        return type(x)(_convert(y, T, leaves) for y in x)
    if isinstance(x, dict):
        return {k: _convert(v, T, leaves) for k, v in x.items()}
    if T is mytorch and isinstance(x, torch.dtype):
        return _TO_MYTORCH_DTYPE.get(x, x)
    if T is mytorch and isinstance(x, torch.Size):
        return tuple(x)
    if T is mytorch and isinstance(x, torch.device):
        return str(x)
    return x


def _flat(out) -> list:
    if isinstance(out, (list, tuple)) and not isinstance(out, (torch.Size, mytorch.Size)):
        return [y for x in out for y in _flat(x)]
    return [out]


def _as_torch(x) -> torch.Tensor:
    """A mytorch tensor's values in torch (bfloat16 through float32: torch cannot read ml_dtypes arrays)."""
    if x.dtype is mytorch.bfloat16:
        return torch.from_numpy(x.detach().float().numpy()).to(torch.bfloat16)
    return torch.from_numpy(np.array(x.detach().numpy()))


def _compare(actual: list, expected: list, values: bool, tolerance: dict) -> None:
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
            tol = tolerance if e.dtype.is_floating_point or e.dtype.is_complex else {}
            torch.testing.assert_close(_as_torch(a), e.detach(), equal_nan=True, check_stride=False, **tol)


def _values_at_indices(op, sample, m_out: list, t_out: list) -> None:
    """The index output of a TIE_ORDER op replaced, on both sides, by the input values it selects (in torch,
    from the sample's input), so that equal values in another order compare equal."""
    position, dim_of = TIE_ORDER[op.name]
    x = sample.input.detach()
    dim = dim_of(sample.args, sample.kwargs)

    def select(idx: torch.Tensor) -> torch.Tensor:
        if x.ndim == 0:
            return x.expand(idx.shape).clone()
        full = idx if idx.ndim == x.ndim else idx.unsqueeze(dim)
        return torch.take_along_dim(x, full, dim).reshape(idx.shape)

    m_out[position] = mytorch.tensor(select(_as_torch(m_out[position])).numpy())
    t_out[position] = select(t_out[position])


def _run_sample(op, m_fn, t_fn, dtype, sample, seed: int) -> bool | None:
    """True/False: the sample passes/fails on mytorch; None: PyTorch rejects it (not counted)."""
    t_leaves, m_leaves = [], []
    t_args = _convert((sample.input, *sample.args), torch, t_leaves)
    t_kwargs = _convert(sample.kwargs, torch, t_leaves)
    m_args = _convert((sample.input, *sample.args), mytorch, m_leaves)
    m_kwargs = _convert(sample.kwargs, mytorch, m_leaves)
    try:
        t_out = _flat(t_fn(*t_args, **t_kwargs))
    except Exception:  # noqa: BLE001 - torch's own refusal
        return None
    m_out = _flat(m_fn(*m_args, **m_kwargs))
    tolerance = _tolerance(op, dtype)
    if op.name in TIE_ORDER:
        _values_at_indices(op, sample, m_out, t_out)
    _compare(m_out, t_out, op.name not in RANDOM_OPS, tolerance)
    diff = [i for i, e in enumerate(t_out) if isinstance(e, torch.Tensor) and e.requires_grad
            and (e.dtype.is_floating_point or e.dtype.is_complex)]
    if not ((dtype.is_floating_point or dtype.is_complex) and op.supports_autograd and diff and t_leaves) \
            or op.name in RANDOM_OPS:
        return True
    rng = np.random.default_rng(seed)
    ups = [rng.standard_normal(tuple(t_out[i].shape)) + 1j * rng.standard_normal(tuple(t_out[i].shape))
           if t_out[i].dtype.is_complex else rng.standard_normal(tuple(t_out[i].shape)) for i in diff]
    t_grads = torch.autograd.grad([t_out[i] for i in diff], t_leaves,
                                  [torch.tensor(u, dtype=t_out[i].dtype) for u, i in zip(ups, diff)],
                                  allow_unused=True)
    m_grads = mytorch.autograd.grad([m_out[i] for i in diff], m_leaves,
                                    [mytorch.tensor(u).to(m_out[i].dtype) for u, i in zip(ups, diff)],
                                    allow_unused=True)
    for k, (mg, tg) in enumerate(zip(m_grads, t_grads)):
        if tg is None:
            assert mg is None or not mg.detach().numpy().any(), f"input {k}: torch has no gradient, mytorch does"
        else:
            assert mg is not None, f"input {k}: mytorch produced no gradient"
            _compare([mg], [tg], True, tolerance)
    return True


def _measure() -> tuple[dict, list[str]]:
    """Per op key: (samples passing, samples counted, first failure); and the op names mytorch lacks."""
    results, missing = {}, []
    for op in _applicable_ops():
        m_fn = _callable(mytorch, op)
        if m_fn is None:
            missing.append(op.name)
            continue
        t_fn = _callable(torch, op)
        passed, counted, first = 0, 0, None
        for seed, (dtype, sample) in enumerate(_samples(op)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    ok = _run_sample(op, m_fn, t_fn, dtype, sample, seed)
                except Exception as e:  # noqa: BLE001 - any mytorch failure fails the sample
                    ok = False
                    first = first or f"{dtype}: {type(e).__name__}: {str(e).splitlines()[0][:150] if str(e) else ''}"
            if ok is None:
                continue
            counted += 1
            passed += ok
        results[_key(op)] = (passed, counted, first)
    return results, sorted(set(missing))


def test_opinfo_pass_rate(backend):
    results, missing = _measure()
    ops_present = len(results)
    ops_passing = sum(1 for p, c, _ in results.values() if p == c)
    samples_passing = sum(p for p, _, _ in results.values())
    samples = sum(c for _, c, _ in results.values())
    print(f"\nOpInfo on the {backend} backend ({SAMPLES_PER_DTYPE} samples per op and dtype)")
    print(f"{'ops applicable':>18} {'present':>8} {'missing':>8} {'fully passing':>14} {'samples passing':>16}")
    print(f"{len(_applicable_ops()):>18} {ops_present:>8} {len(_applicable_ops()) - ops_present:>8} "
          f"{ops_passing:>14} {samples_passing:>10} / {samples}")
    print(f"  (ops count OpInfo entries, variants included; {len(missing)} distinct names are missing)")
    for key, (p, c, first) in sorted(results.items()):
        if p != c:
            print(f"  {key}: {p}/{c}  {first or ''}")
    assert set(missing) == KNOWN_MISSING, (
        f"now present, remove from KNOWN_MISSING: {sorted(KNOWN_MISSING - set(missing))}; "
        f"newly missing: {sorted(set(missing) - KNOWN_MISSING)}")
    assert samples_passing >= PASSING_SAMPLES[backend], (
        f"{samples_passing} samples pass on {backend}, fewer than the {PASSING_SAMPLES[backend]} measured before")
    if samples_passing > PASSING_SAMPLES[backend]:
        print(f"  more samples pass than PASSING_SAMPLES[{backend!r}] = {PASSING_SAMPLES[backend]}: raise it")
