"""``out=``: every function PyTorch's OpInfo marks `supports_out` that mytorch has takes it, writes its result into
the given tensors (resizing them as PyTorch does) and returns them; dtype and autograd errors as PyTorch's."""
import functools
import warnings

import numpy as np
import pytest
import torch
from torch_db import as_torch, convert, first_samples, flat, seed_torch

import mytorch
import mytorch.nn.functional
from mytorch.ops import out as out_lists

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from torch.testing._internal.common_methods_invocations import op_db

NAMESPACES = {"": (mytorch, out_lists.TORCH_OUT), "linalg.": (mytorch.linalg, out_lists.LINALG_OUT),
              "special.": (mytorch.special, out_lists.SPECIAL_OUT), "fft.": (mytorch.fft, out_lists.FFT_OUT),
              "nn.functional.": (mytorch.nn.functional, out_lists.FUNCTIONAL_OUT)}
# factories and samplers take out's dtype when given out=, a different rule (tested below); `equal` returns a bool
FACTORIES = set(out_lists.FACTORY_OUT) | set(out_lists.SAMPLER_OUT)
NOT_WRAPPED = FACTORIES | {"equal", "_chunk_cat", "_native_batch_norm_legit", "native_batch_norm"}
RANDOM = {"nn.functional.dropout"}


def _split(name: str):
    for prefix in sorted(NAMESPACES, key=len, reverse=True):
        if prefix and name.startswith(prefix):
            return prefix, name[len(prefix):]
    return "", name


def _mytorch_fn(op_name: str):
    prefix, short = _split(op_name)
    module, _ = NAMESPACES[prefix]
    return getattr(module, short, None) if "." not in short else None


@functools.lru_cache(maxsize=None)
def _out_ops() -> tuple:
    """(OpInfo entry, its first float32 sample) for every entry with out= that mytorch has."""
    chosen = []
    for op in op_db:
        if not op.supports_out or _split(op.name)[1] in NOT_WRAPPED or _mytorch_fn(op.name) is None:
            continue
        if torch.float32 not in op.supported_dtypes("cpu") or op.variant_test_name:
            continue
        seed_torch(0)
        chosen += [(op, sample) for sample in first_samples(op, torch.float32, False, 1)]
    return tuple(chosen)


def test_every_opinfo_out_op_mytorch_has_is_wrapped():
    missing = []
    for op in op_db:
        prefix, short = _split(op.name)
        if op.supports_out and short not in NOT_WRAPPED and _mytorch_fn(op.name) is not None \
                and short not in NAMESPACES[prefix][1]:
            missing.append(op.name)
    assert not missing, missing
    factories_with_out = {_split(op.name)[1] for op in op_db if op.supports_out and not _split(op.name)[0]}
    assert factories_with_out & FACTORIES == FACTORIES - {"rand", "randint", "randperm", "range"}  # not in OpInfo


def _empty_like_structure(result, T):
    """out= arguments shaped like nothing (resized by the op), of each result's dtype."""
    if isinstance(result, (tuple, list)):
        return tuple(_empty_like_structure(r, T) for r in result)
    return T.empty(0, dtype=result.dtype)


def test_out_matches_torch_on_opinfo_samples():
    """Each op's first float32 sample, with out= tensors of no elements: the values equal the plain call's, and
    the call returns the out tensors themselves."""
    failures, checked = [], 0
    for op, sample in _out_ops():
        leaves: list = []
        args = [convert(a, mytorch, leaves) for a in (sample.input, *sample.args)]
        kwargs = {k: convert(v, mytorch, leaves) for k, v in sample.kwargs.items()}
        fn = _mytorch_fn(op.name)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                plain = fn(*args, **kwargs)
        except Exception:  # a sample one side rejects: the OpInfo suite covers it
            continue
        if not all(isinstance(x, mytorch.Tensor) for x in flat(plain)):
            continue
        out = _empty_like_structure(plain, mytorch)
        try:
            got = fn(*args, out=out, **kwargs)
            assert all(g is o for g, o in zip(flat(got), flat(out))), "did not return out"
            if op.name not in RANDOM:  # the plain call's values (whose agreement with torch's OpInfo checks)
                for g, p in zip(flat(got), flat(plain)):
                    torch.testing.assert_close(as_torch(g), as_torch(p), rtol=0, atol=0, equal_nan=True)
        except Exception as e:  # collect them all, then report
            failures.append(f"{op.name}: {type(e).__name__}: {str(e)[:200]}")
        checked += 1
    assert not failures, f"{len(failures)} of {checked}:\n" + "\n".join(failures)
    assert checked > 250, checked


def test_out_dtype_shape_and_autograd_rules():
    x = mytorch.tensor([1.5, -2.0])
    wider = mytorch.empty(2, dtype=mytorch.float64)
    assert mytorch.add(x, 1, out=wider) is wider and wider.tolist() == [2.5, -1.0]
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        mytorch.add(x, 1, out=mytorch.empty(2, dtype=mytorch.int64))
    small = mytorch.zeros(3)
    with pytest.warns(UserWarning, match=r"resized since it had shape \[3\].*required output shape \[2\]"):
        mytorch.mul(x, 2, out=small)
    assert small.tolist() == [3.0, -4.0]
    base = mytorch.zeros(2, 2)
    mytorch.sub(x, 1, out=base[0])  # a view: the write lands in its base
    assert base.tolist() == [[0.5, -3.0], [0.0, 0.0]]
    with pytest.raises(RuntimeError, match=r"mul\(\): functions with out=\.\.\. arguments don't support automatic"):
        mytorch.mul(mytorch.ones(2, requires_grad=True), 2, out=mytorch.empty(2))
    with mytorch.no_grad():
        mytorch.mul(mytorch.ones(2, requires_grad=True), 2, out=small)
    with pytest.raises(TypeError, match="must be a tuple of 2 Tensors"):
        mytorch.max(mytorch.ones(2, 3), 1, out=mytorch.empty(0))
    values, indices = mytorch.empty(0), mytorch.empty(0, dtype=mytorch.int64)
    result = mytorch.sort(mytorch.tensor([3.0, 1.0, 2.0]), out=(values, indices))
    assert result.values is values and indices.tolist() == [1, 2, 0]
    np.testing.assert_array_equal(values.numpy(), [1.0, 2.0, 3.0])


def _empty(T, n=0, dtype=None):
    return T.empty(n, dtype=getattr(T, dtype) if dtype else None)


def _gen(T):
    return T.Generator().manual_seed(0)


def _requires_grad_after(T):
    out = T.empty(0)
    T.zeros(2, requires_grad=True, out=out)
    return T.tensor([float(out.requires_grad)])


def _into_view(T):
    base = T.zeros(2, 3)
    T.arange(3, out=base[0])
    return base


FACTORY_CASES = {  # out's dtype and device, resized silently (arange warns), the numbers of a plain call
    "zeros int32": lambda T: T.zeros(2, 3, out=_empty(T, 0, "int32")),
    "zeros resize": lambda T: T.zeros(2, 3, out=_empty(T, 5)),
    "zeros dtype conflict": lambda T: T.zeros(2, dtype=T.float64, out=_empty(T)),
    "zeros requires_grad": _requires_grad_after,
    "ones int64": lambda T: T.ones(2, out=_empty(T, 0, "int64")),
    "full int64 1.5": lambda T: T.full((2,), 1.5, out=_empty(T, 0, "int64")),
    "full dtype conflict": lambda T: T.full((2,), 7, dtype=T.int32, out=_empty(T)),
    "full bool": lambda T: T.full((2,), True, out=_empty(T, 0, "bool")),
    "arange float": lambda T: T.arange(5, out=_empty(T)),
    "arange resize": lambda T: T.arange(5, out=_empty(T, 3)),
    "arange int64 float bounds": lambda T: T.arange(0.5, 3.5, out=_empty(T, 0, "int64")),
    "arange dtype conflict": lambda T: T.arange(5, dtype=T.int64, out=_empty(T)),
    "arange into a view": _into_view,
    "range": lambda T: T.range(0, 4, out=_empty(T, 0, "int64")),
    "range resize": lambda T: T.range(0, 1, 0.3, out=_empty(T, 7)),
    "range plain": lambda T: T.range(4, 0, -1),
    "range of halves": lambda T: T.range(1, 4, 0.5, dtype=T.float64),
    "range int64 float end": lambda T: T.range(0, 2.5, dtype=T.int64),
    "range zero step": lambda T: T.range(0, 4, 0),
    "range wrong sign": lambda T: T.range(4, 0, 1),
    "linspace int64": lambda T: T.linspace(-1, 10, 5, out=_empty(T, 0, "int64")),
    "linspace resize": lambda T: T.linspace(0, 10, 5, out=_empty(T, 2)),
    "logspace float64": lambda T: T.logspace(0, 2, 3, out=_empty(T, 0, "float64")),
    "logspace int64": lambda T: T.logspace(0, 2, 3, base=2, out=_empty(T, 0, "int64")),
    "eye int64": lambda T: T.eye(2, 3, out=_empty(T, 0, "int64")),
    "eye resize": lambda T: T.eye(2, out=_empty(T, 7)),
    "rand float64": lambda T: T.rand(3, generator=_gen(T), out=_empty(T, 0, "float64")),
    "rand resize": lambda T: T.rand(3, generator=_gen(T), out=_empty(T, 5)),
    "randn float64": lambda T: T.randn(3, generator=_gen(T), out=_empty(T, 0, "float64")),
    "randn dtype conflict": lambda T: T.randn(3, dtype=T.float64, out=_empty(T)),
    "randint float32": lambda T: T.randint(10, (3,), generator=_gen(T), out=_empty(T)),
    "randint int32": lambda T: T.randint(10, (3,), generator=_gen(T), out=_empty(T, 0, "int32")),
    "randint bool": lambda T: T.randint(2, (3,), generator=_gen(T), out=_empty(T, 0, "bool")),
    "randperm int32": lambda T: T.randperm(4, generator=_gen(T), out=_empty(T, 0, "int32")),
    "randperm float32": lambda T: T.randperm(4, generator=_gen(T), out=_empty(T)),
    "normal floats": lambda T: T.normal(0.0, 1.0, (3,), generator=_gen(T), out=_empty(T, 0, "float64")),
    "normal floats resize": lambda T: T.normal(0.0, 1.0, (3,), generator=_gen(T), out=_empty(T, 5)),
    "normal tensors": lambda T: T.normal(T.zeros(3), T.ones(3), generator=_gen(T), out=_empty(T, 0, "float64")),
    "normal tensors resize": lambda T: T.normal(T.zeros(3), T.ones(3), generator=_gen(T), out=_empty(T, 5)),
    "normal requires grad": lambda T: T.normal(T.zeros(3, requires_grad=True), 1.0, out=_empty(T)),
    "bernoulli": lambda T: T.bernoulli(T.full((5,), 0.5), generator=_gen(T), out=_empty(T)),
    "bernoulli float64 resize": lambda T: T.bernoulli(T.full((5,), 0.5), generator=_gen(T),
                                                      out=_empty(T, 7, "float64")),
    "bernoulli int64": lambda T: T.bernoulli(T.full((5,), 0.5), generator=_gen(T), out=_empty(T, 0, "int64")),
    "bernoulli requires grad": lambda T: T.bernoulli(T.full((2,), 0.5, requires_grad=True), out=_empty(T)),
    "multinomial resize": lambda T: T.multinomial(T.ones(3), 2, generator=_gen(T), out=_empty(T, 5, "int64")),
    "multinomial int32": lambda T: T.multinomial(T.ones(3), 2, out=_empty(T, 0, "int32")),
    "out requires grad": lambda T: T.ones(2, out=T.zeros(2, requires_grad=True)),
    "out not a tensor": lambda T: T.zeros(2, out=3),
    "add out requires grad": lambda T: T.add(T.ones(2), 1, out=T.zeros(2, requires_grad=True)),
}


def _run(T, case):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = case(T)
            result = (str(out.dtype).split(".")[-1], tuple(out.shape), out.tolist())
        except Exception as e:
            result = (type(e).__name__, str(e))
    return result, [str(w.message).split(" (Triggered internally")[0] for w in caught]


@pytest.mark.parametrize("name", FACTORY_CASES)
def test_factory_out_matches_torch(name):
    """dtype, shape, values (random ones from the same seed), warnings and errors all as PyTorch's."""
    assert _run(mytorch, FACTORY_CASES[name]) == _run(torch, FACTORY_CASES[name])


def _overlap_scenarios(sample, result):
    """(argument position, mode) pairs to try: out's first tensor partly overlapping ("partial") or being ("same")
    each tensor argument of its dtype (position 0: the input)."""
    out0 = flat(result)[0]
    for k, a in enumerate((sample.input, *sample.args)):
        if isinstance(a, torch.Tensor) and a.layout == torch.strided and a.dtype == out0.dtype and a.numel() > 1:
            yield k, "partial"
            if a.shape == out0.shape:
                yield k, "same"


def _overlapping_call(T, fn, sample, result, position, mode) -> str:
    """Run fn with out= sharing memory with argument `position` as `mode` says; its error, or "no error"."""
    leaves: list = []
    args = [convert(a, T, leaves) for a in (sample.input, *sample.args)]
    kwargs = {k: convert(v, T, leaves) for k, v in sample.kwargs.items()}
    results = flat(result)
    dtype = args[position].dtype
    if mode == "same":
        out0 = args[position]
    else:
        n0, na = results[0].numel(), args[position].numel()
        buf = T.zeros(n0 + na, dtype=dtype)
        out0 = buf[:n0].view(tuple(results[0].shape))
        args[position] = buf[n0 - 1:n0 - 1 + na].view(tuple(args[position].shape)).copy_(args[position])
    rest = [T.empty(0, dtype=args[0].dtype if r.dtype == results[0].dtype else convert(r.dtype, T, []))
            for r in results[1:]]
    out = out0 if isinstance(result, torch.Tensor) else type(result)([out0, *rest]) if isinstance(
        result, list) else (out0, *rest)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(*args, out=out, **kwargs)
        return "no error"
    except Exception as e:
        return f"{type(e).__name__}: {e}"


def test_out_overlap_errors_match_torch_on_opinfo_samples():
    """Each op's first float32 sample with out= partly overlapping, or being, each argument of its dtype: torch's
    overlap error exactly where torch raises it (ops/out.py's OVERLAP_CHECKED and OVERLAP_BY_ARGUMENT)."""
    failures, checked = [], 0
    for op, sample in _out_ops():
        if not isinstance(sample.input, torch.Tensor) or op.name in RANDOM:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = op.op(sample.input, *sample.args, **sample.kwargs)
                _mytorch_fn(op.name)(*[convert(a, mytorch, []) for a in (sample.input, *sample.args)],
                                     **{k: convert(v, mytorch, []) for k, v in sample.kwargs.items()})
        except Exception:  # a sample one side rejects: the OpInfo suite covers it
            continue
        parts = [result] if isinstance(result, torch.Tensor) else list(result)
        if not all(isinstance(x, torch.Tensor) for x in parts) or not parts[0].numel():  # histogramdd's edges
            continue
        for position, mode in _overlap_scenarios(sample, result):
            expected = _overlapping_call(torch, op.op, sample, result, position, mode)
            got = _overlapping_call(mytorch, _mytorch_fn(op.name), sample, result, position, mode)
            if got != expected:
                failures.append(f"{op.name} argument {position} {mode}: torch {expected!r}, mytorch {got!r}")
            checked += 1
    assert not failures, f"{len(failures)} of {checked}:\n" + "\n".join(failures)
    assert checked > 300, checked


BEYOND_OPINFO = {  # torch 2.13 takes out= here though OpInfo does not mark it: name -> call on T
    "sum": lambda T, x, out: T.sum(x, 1, out=out), "prod": lambda T, x, out: T.prod(x, 0, keepdim=True, out=out),
    "median": lambda T, x, out: T.median(x, 1, out=out), "nanmedian": lambda T, x, out: T.nanmedian(x, 0, out=out),
    "clip": lambda T, x, out: T.clip(x, 2, 4, out=out), "divide": lambda T, x, out: T.divide(x, 2, out=out),
    "multiply": lambda T, x, out: T.multiply(x, x, out=out), "subtract": lambda T, x, out: T.subtract(x, 1, out=out),
    "negative": lambda T, x, out: T.negative(x, out=out), "fix": lambda T, x, out: T.fix(x / -4, out=out),
    "greater": lambda T, x, out: T.greater(x, 3, out=out), "not_equal": lambda T, x, out: T.not_equal(x, 3, out=out),
    "concat": lambda T, x, out: T.concat([x, x], out=out), "row_stack": lambda T, x, out: T.row_stack([x, x], out=out),
    "ger": lambda T, x, out: T.ger(x[0], x[1], out=out),
    "matrix_power": lambda T, x, out: T.matrix_power(x[:, :2], 3, out=out),
}


@pytest.mark.parametrize("name", BEYOND_OPINFO)
def test_out_beyond_opinfo_matches_torch(name):
    results = []
    for T in (torch, mytorch):
        x = T.arange(1.0, 7.0).reshape(2, 3)
        out = (T.empty(0), T.empty(0, dtype=T.int64)) if "median" in name else \
            T.empty(0, dtype=T.bool) if name in ("greater", "not_equal") else T.empty(0)
        got = BEYOND_OPINFO[name](T, x, out)
        assert all(g is o for g, o in zip(flat(got), flat(out)))
        results.append([g.tolist() for g in flat(got)])
    assert results[1] == results[0]

