"""PyTorch's OpInfo database on the dtypes test_opinfo.py leaves out: float16, bfloat16 (autocast, half-precision
inference), int32, int16, int8 and uint8.

The harness is test_opinfo's (the same ops, sample runner, tolerances and exceptions): a sample passes when mytorch's
outputs agree with PyTorch's in shape, dtype and value (PyTorch's default tolerances for the dtype, loosened by the
op's `toleranceOverride` for it) and, for float16 / bfloat16 samples of ops PyTorch differentiates, the input gradients
under one random upstream gradient agree too. Samples PyTorch itself rejects are not counted.

Speed: `SAMPLES_PER_DTYPE` samples per (op, dtype), the first ones OpInfo yields, generated once and shared by both
backends. The test fails when fewer samples pass than `PASSING_SAMPLES` says for the backend (raise it as ops are
fixed, never lower it) and when an (op, dtype) outside `KNOWN_FAILING` has a failing sample. Run with ``-s`` to see
the counts per dtype and the first failure of each failing op.
"""
from __future__ import annotations

import functools
import warnings

import test_opinfo as opinfo
import torch
from torch_db import first_samples, seed_torch, tally

import mytorch

DTYPES = (torch.float16, torch.bfloat16, torch.int32, torch.int16, torch.int8, torch.uint8)
SAMPLES_PER_DTYPE = 2

# Samples passing on each backend, measured (numpy / cpp): float16 991 / 991 of 998, bfloat16 995 / 995 of 1001, int32
# 838 / 838 of 838, int16 834 / 834 of 834, int8 834 / 834 of 834, uint8 838 / 838 of 844. Raise as ops are fixed,
# never lower.
PASSING_SAMPLES = {"numpy": 5330, "cpp": 5330}

# (op key, dtype) pairs with a failing sample on either backend, measured at this commit (the first failure of each
# is printed with -s). Remove a pair when it passes on both backends.
KNOWN_FAILING = {
    # torch's own half-precision matrix exponential overflows to inf/nan; mytorch's (in float64) is finite
    "matrix_exp bfloat16", "matrix_exp float16",
    # torch's tan backward overflows 1 + tan(x)^2 to inf in float16 near pi/2; mytorch's, in float32, is finite
    "tan float16",
    # uint8 bilinear / bicubic resampling: torch has a uint8 kernel of its own, whose rounding mytorch's float path
    # does not reproduce (not investigated further)
    "nn.functional.interpolate.bicubic uint8", "nn.functional.interpolate.bilinear uint8",
    "nn.functional.upsample_bilinear uint8",
    # gradients of sorts, probably among ties (common in half precision), where the gradient follows the order of equal
    # values and torch's sort is not stable
    "msort bfloat16", "msort float16", "sort bfloat16", "sort float16", "topk bfloat16",
    # group norm's input gradient on both backends (its failure prints no distance from the exact answer)
    "native_group_norm bfloat16", "native_group_norm float16",
}

# Where mytorch's float16 / bfloat16 result does not match torch's within the dtype's tolerance, it passes when it
# is no farther from torch's op in double precision than torch's is (torch_db.no_farther), the rule PyTorch's own
# reference tests apply to low precision (test_ops.py's _ref_test_helper): mytorch computing a backward or a
# reduction in float32 and rounding once can be nearer the exact answer than torch's half-precision steps.
REFERENCE = {torch.float16: opinfo._in_double, torch.bfloat16: opinfo._in_double}


@functools.lru_cache(maxsize=None)
def _applicable_ops() -> tuple:
    """The OpInfo entries mytorch has (by name, alias or Tensor method) that support one of DTYPES on the CPU."""
    return tuple(op for op in opinfo.op_db
                 if opinfo._callable(torch, op) is not None and opinfo._callable(mytorch, op) is not None
                 and any(d in op.supported_dtypes("cpu") for d in DTYPES))


_SAMPLES: dict[tuple, tuple] = {}


def _samples(op, dtype) -> tuple:
    """(dtype, sample) pairs: the first SAMPLES_PER_DTYPE samples of op in dtype, seeded as test_opinfo's; made
    once, for the first backend, and shared by the other."""
    if (opinfo._key(op), dtype) not in _SAMPLES:
        seed_torch(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                samples = first_samples(op, dtype, op.supports_autograd and dtype.is_floating_point,
                                        SAMPLES_PER_DTYPE)
            except Exception:  # noqa: BLE001 - a sample generator PyTorch's own build cannot run
                samples = []
        _SAMPLES[opinfo._key(op), dtype] = tuple((dtype, s) for s in samples)
    return _SAMPLES[opinfo._key(op), dtype]


def _measure() -> dict:
    """Per (op key, dtype): (samples passing, samples counted, first failure)."""
    results = {}
    for op in _applicable_ops():
        for dtype in DTYPES:
            if dtype in op.supported_dtypes("cpu"):
                run = functools.partial(opinfo._run_sample, op, opinfo._callable(mytorch, op),
                                        opinfo._callable(torch, op), reference=REFERENCE.get(dtype))
                results[opinfo._key(op), dtype] = tally(_samples(op, dtype), run)
    return results


def test_opinfo_lowp_pass_rate(backend):
    results = _measure()
    print(f"\nOpInfo on the {backend} backend, low-precision and narrow integer dtypes "
          f"({SAMPLES_PER_DTYPE} samples per op and dtype)")
    print(f"{'dtype':>10} {'ops':>5} {'fully passing':>14} {'samples passing':>16}")
    for dtype in DTYPES:
        rows = [v for (_, d), v in results.items() if d == dtype]
        print(f"{str(dtype).removeprefix('torch.'):>10} {len(rows):>5} {sum(p == c for p, c, _ in rows):>14} "
              f"{sum(p for p, _, _ in rows):>10} / {sum(c for _, c, _ in rows)}")
    passing = sum(p for p, _, _ in results.values())
    print(f"{'all':>10} {'':>5} {'':>14} {passing:>10} / {sum(c for _, c, _ in results.values())}")
    for (key, dtype), (p, c, first) in sorted(results.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        if p != c:
            print(f"  {key} {str(dtype).removeprefix('torch.')}: {p}/{c}  {first or ''}")
    failing = {f"{key} {str(dtype).removeprefix('torch.')}" for (key, dtype), (p, c, _) in results.items() if p != c}
    assert failing <= KNOWN_FAILING, f"failing, not in KNOWN_FAILING: {sorted(failing - KNOWN_FAILING)}"
    assert passing >= PASSING_SAMPLES[backend], (
        f"{passing} samples pass on {backend}, fewer than the {PASSING_SAMPLES[backend]} measured before")
    if passing > PASSING_SAMPLES[backend]:
        print(f"  more samples pass than PASSING_SAMPLES[{backend!r}] = {PASSING_SAMPLES[backend]}: raise it")
