"""mytorch.utils.data in the main process: datasets, samplers, collation and the DataLoader,
compared with torch.utils.data (outputs converted to NumPy, dtypes by name)."""
from __future__ import annotations

import collections
import math
from typing import NamedTuple

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import mytorch
import mytorch.utils.data as mdata

FRAMEWORKS = [(mytorch, mdata), (torch, tdata)]


def plain(x):
    """A framework-free picture of a (nested) batch: tensors -> (dtype name, NumPy array),
    containers keep their type (namedtuples by class name)."""
    if isinstance(x, (mytorch.Tensor, torch.Tensor)):
        return str(x.dtype).split(".")[-1], x.numpy()
    if isinstance(x, dict):
        return type(x).__name__, {k: plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x).__name__, [plain(v) for v in x]
    return x


def assert_same(a, b) -> None:
    a, b = plain(a), plain(b)

    def walk(x, y, where="batch"):
        assert type(x) is type(y), f"{where}: {x!r} vs torch {y!r}"
        if isinstance(x, np.ndarray):
            assert x.shape == y.shape and x.dtype == y.dtype, f"{where}: {x.shape} {x.dtype} vs {y.shape} {y.dtype}"
            np.testing.assert_array_equal(x, y, err_msg=where)
        elif isinstance(x, dict):
            assert list(x) == list(y), f"{where}: keys {list(x)} vs torch {list(y)}"
            for k in x:
                walk(x[k], y[k], f"{where}[{k!r}]")
        elif isinstance(x, (list, tuple)):
            assert len(x) == len(y), f"{where}: length {len(x)} vs torch {len(y)}"
            for i, (u, v) in enumerate(zip(x, y)):
                walk(u, v, f"{where}[{i}]")
        else:
            assert x == y, f"{where}: {x!r} vs torch {y!r}"
    walk(a, b)


def same_error(fn) -> Exception:
    """fn(T, data_module) raises the same exception type in mytorch as in torch."""
    errors = []
    for T, data in FRAMEWORKS:
        with pytest.raises(Exception) as info:
            fn(T, data)
        errors.append(info.value)
    assert type(errors[0]) is type(errors[1]), f"mytorch raised {errors[0]!r}, torch {errors[1]!r}"
    return errors[0]


class Point(NamedTuple):
    x: object
    y: object


def sample(T, i: int) -> dict:
    """A nested sample of every leaf kind default_collate knows."""
    return {"t": T.arange(3) * i, "f": 0.5 * i, "i": i, "b": i % 2 == 0, "s": f"s{i}",
            "np": np.full((2,), i, dtype=np.float32), "npi": np.int16(i), "npf": np.float64(i),
            "tup": (i, T.tensor([i, -i])), "lst": [1.5 * i, [i]], "pt": Point(i, float(i)),
            "od": collections.OrderedDict(a=i)}


# ---- collation ------------------------------------------------------------------------------------------------

def test_default_collate_nested_matches_torch():
    out = [data.default_collate([sample(T, i) for i in range(4)]) for T, data in FRAMEWORKS]
    assert_same(*out)
    assert out[0]["f"].dtype is mytorch.float64 and out[0]["npf"].dtype is mytorch.float64
    assert isinstance(out[0]["pt"], Point) and isinstance(out[0]["od"], collections.OrderedDict)


@pytest.mark.parametrize("batch", [
    [(1, "a"), (2, "b")], [[1, 2], [3, 4]], [True, False], [1.0, 2.5], [np.zeros((2, 3)), np.ones((2, 3))],
    [np.uint8(3), np.uint8(4)], ["x", "y"], [b"x", b"y"], [{"a": [1, 2]}, {"a": [3, 4]}],
])
def test_default_collate_leaves_match_torch(batch):
    assert_same(mdata.default_collate(batch), tdata.default_collate(batch))


def test_default_collate_tensors_stack():
    batch = [mytorch.randn(2, 3) for _ in range(4)]
    assert_same(mdata.default_collate(batch), tdata.default_collate([torch.tensor(b.numpy()) for b in batch]))


@pytest.mark.parametrize("batch", [
    [np.array(["a"]), np.array(["b"])], [[1, 2], [3]], [object(), object()], [{"a": 1}, {"b": 2}],
])
def test_default_collate_errors_match_torch(batch):
    same_error(lambda T, data: data.default_collate(batch))


def test_default_collate_unequal_tensors():
    err = same_error(lambda T, data: data.default_collate([T.zeros(2), T.zeros(3)]))
    assert "equal size" in str(err)


@pytest.mark.parametrize("value", [
    np.arange(4), np.float32(2), (np.zeros(2), [1, np.ones(1)]), {"a": np.ones(2), "b": "s"},
    Point(np.zeros(1), 3), "text", 7, [np.array(["u"])],
])
def test_default_convert_matches_torch(value):
    assert_same(mdata.default_convert(value), tdata.default_convert(value))


def test_default_convert_keeps_tensors():
    t = mytorch.ones(2)
    assert mdata.default_convert(t) is t


# ---- datasets -------------------------------------------------------------------------------------------------

def test_tensor_dataset():
    x, y = mytorch.arange(12.).reshape(6, 2), mytorch.arange(6)
    ds = mdata.TensorDataset(x, y)
    assert len(ds) == 6
    a, b = ds[4]
    assert a.tolist() == [8.0, 9.0] and b.item() == 4
    a, b = ds[1:3]
    assert a.shape == (2, 2) and b.tolist() == [1, 2]
    with pytest.raises(AssertionError, match="Size mismatch"):
        mdata.TensorDataset(x, mytorch.arange(5))


def test_subset_and_concat_match_torch():
    def build(T, data):
        a, b = data.TensorDataset(T.arange(5)), data.TensorDataset(T.arange(10, 13))
        cat = a + b
        sub = data.Subset(cat, [6, 0, 7, 2])
        return [len(cat), cat[5], cat[-1], cat[-8], len(sub), sub[0], sub[3], cat.cumulative_sizes]
    assert_same(build(mytorch, mdata), build(torch, tdata))
    same_error(lambda T, data: data.ConcatDataset([data.TensorDataset(T.arange(3))])[-4])
    same_error(lambda T, data: data.ConcatDataset([]))


def test_subset_batched_getitems():
    class Batched(mdata.Dataset):
        def __len__(self):
            return 10

        def __getitem__(self, i):
            return i

        def __getitems__(self, idx):
            return [100 + i for i in idx]

    sub = mdata.Subset(Batched(), [9, 3, 5])
    assert sub.__getitems__([0, 2]) == [109, 105] and sub[1] == 3
    assert [b.tolist() for b in mdata.DataLoader(sub, batch_size=2)] == [[109, 103], [105]]


def test_chain_dataset():
    class Stream(mdata.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n

    chain = Stream(2) + Stream(3)
    assert isinstance(chain, mdata.ChainDataset) and list(chain) == [0, 1, 0, 1, 2] and len(chain) == 5


@pytest.mark.parametrize("n, lengths", [
    (10, [3, 7]), (10, [0.3, 0.7]), (11, [0.5, 0.5]), (7, [0.2, 0.2, 0.6]), (5, [1 / 3] * 3), (100, [0.1] * 10),
])
def test_random_split_sizes_match_torch(n, lengths):
    ours = mdata.random_split(range(n), lengths, generator=mytorch.Generator().manual_seed(0))
    theirs = tdata.random_split(range(n), lengths, generator=torch.Generator().manual_seed(0))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    seen = [i for s in ours for i in s]
    assert sorted(seen) == list(range(n)), "splits are disjoint and cover the dataset"


def test_random_split_seeded():
    def split(seed):
        return [s.indices for s in mdata.random_split(range(50), [20, 30], generator=mytorch.Generator().manual_seed(seed))]
    assert split(1) == split(1) and split(1) != split(2)
    mytorch.manual_seed(3)
    a = [s.indices for s in mdata.random_split(range(50), [0.5, 0.5])]
    mytorch.manual_seed(3)
    assert a == [s.indices for s in mdata.random_split(range(50), [0.5, 0.5])]


@pytest.mark.parametrize("lengths", [[3, 3], [0.5, 0.6], [1.2, -0.2]])
def test_random_split_errors_match_torch(lengths):
    same_error(lambda T, data: data.random_split(range(10), lengths))


def test_random_split_warns_on_empty_split():
    with pytest.warns(UserWarning, match="index 2 is 0"):
        mdata.random_split(range(2), [0.5, 0.5, 0.0])


# ---- samplers -------------------------------------------------------------------------------------------------

def test_sequential_sampler():
    assert list(mdata.SequentialSampler(range(4))) == [0, 1, 2, 3] and len(mdata.SequentialSampler(range(4))) == 4


def test_random_sampler_permutation_and_seed():
    def order(seed, **kw):
        return list(mdata.RandomSampler(range(20), generator=mytorch.Generator().manual_seed(seed), **kw))
    assert sorted(order(0)) == list(range(20)) and order(0) != list(range(20))
    assert order(0) == order(0) and order(0) != order(1)
    long = order(0, num_samples=45)  # two full permutations, then 5 more
    assert len(long) == 45 and sorted(long[:20]) == sorted(long[20:40]) == list(range(20))
    short = order(0, num_samples=7)
    assert len(short) == 7 and len(set(short)) == 7


def test_random_sampler_default_generator_follows_manual_seed():
    mytorch.manual_seed(5)
    a = list(mdata.RandomSampler(range(10)))
    mytorch.manual_seed(5)
    assert list(mdata.RandomSampler(range(10))) == a


def test_random_sampler_with_replacement_is_uniform():
    n, k = 10, 20000
    draws = np.array(list(mdata.RandomSampler(range(n), replacement=True, num_samples=k,
                                              generator=mytorch.Generator().manual_seed(0))))
    assert len(draws) == k and draws.min() >= 0 and draws.max() < n
    counts = np.bincount(draws, minlength=n)
    chi2 = ((counts - k / n) ** 2 / (k / n)).sum()
    assert chi2 < 30, f"chi-square {chi2:.1f} on 9 degrees of freedom: not uniform"  # p ~ 4e-4


@pytest.mark.parametrize("kwargs", [dict(replacement=1), dict(num_samples=0), dict(num_samples=-3),
                                    dict(num_samples=2.5)])
def test_random_sampler_errors_match_torch(kwargs):
    same_error(lambda T, data: data.RandomSampler(range(5), **kwargs))


def test_subset_random_sampler():
    idx = [3, 8, 11, 20]
    s = mdata.SubsetRandomSampler(idx, generator=mytorch.Generator().manual_seed(0))
    assert sorted(s) == idx and len(s) == 4


def test_weighted_random_sampler_frequencies():
    w = [1.0, 2.0, 0.0, 7.0]
    k = 20000
    draws = list(mdata.WeightedRandomSampler(w, k, generator=mytorch.Generator().manual_seed(0)))
    freq = np.bincount(draws, minlength=4) / k
    np.testing.assert_allclose(freq, np.array(w) / sum(w), atol=0.015)
    no_repeat = list(mdata.WeightedRandomSampler(mytorch.tensor([1., 1., 5., 1., 0.]), 4, replacement=False))
    assert len(set(no_repeat)) == 4 and 4 not in no_repeat


@pytest.mark.parametrize("args", [([1.0, 2.0], 0), ([1.0, 2.0], 3, 1), ([[1.0, 2.0]], 3), ([1.0, 2.0], True)])
def test_weighted_random_sampler_errors_match_torch(args):
    same_error(lambda T, data: data.WeightedRandomSampler(*args))


@pytest.mark.parametrize("n, bs, drop", [(10, 3, False), (10, 3, True), (9, 3, True), (2, 5, True), (0, 2, False)])
def test_batch_sampler_matches_torch(n, bs, drop):
    ours, theirs = mdata.BatchSampler(range(n), bs, drop), tdata.BatchSampler(range(n), bs, drop)
    assert list(ours) == list(theirs) and len(ours) == len(theirs)


@pytest.mark.parametrize("bs, drop", [(0, False), (-1, False), (True, False), (2.0, False), (2, 1)])
def test_batch_sampler_errors_match_torch(bs, drop):
    same_error(lambda T, data: data.BatchSampler(range(4), bs, drop))


# ---- DataLoader -----------------------------------------------------------------------------------------------

def pairs(T, data, n=10):
    return data.TensorDataset(T.arange(2. * n).reshape(n, 2), T.arange(n))


@pytest.mark.parametrize("kwargs", [dict(), dict(batch_size=3), dict(batch_size=3, drop_last=True),
                                    dict(batch_size=10), dict(batch_size=None), dict(batch_size=4, drop_last=True)])
def test_loader_batches_match_torch(kwargs):
    ours = list(mdata.DataLoader(pairs(mytorch, mdata), **kwargs))
    theirs = list(tdata.DataLoader(pairs(torch, tdata), **kwargs))
    assert_same(ours, theirs)
    assert len(mdata.DataLoader(pairs(mytorch, mdata), **kwargs)) == len(theirs)


def test_loader_dict_samples_and_custom_collate():
    ds = [{"x": np.full(2, i, dtype=np.float32), "y": i} for i in range(5)]
    assert_same(list(mdata.DataLoader(ds, batch_size=2)), list(tdata.DataLoader(ds, batch_size=2)))
    out = list(mdata.DataLoader(range(5), batch_size=2, collate_fn=lambda b: sum(b)))
    assert out == [1, 5, 4]


def test_loader_shuffle_is_seeded_and_complete():
    def epoch(seed):
        g = mytorch.Generator().manual_seed(seed)
        return [b[1].tolist() for b in mdata.DataLoader(pairs(mytorch, mdata, 20), batch_size=6, shuffle=True,
                                                         generator=g)]
    a = epoch(0)
    assert sorted(i for b in a for i in b) == list(range(20)) and [len(b) for b in a] == [6, 6, 6, 2]
    assert a == epoch(0) and a != epoch(1)
    loader = mdata.DataLoader(range(20), batch_size=20, shuffle=True, generator=mytorch.Generator().manual_seed(0))
    e1, e2 = (next(iter(loader)).tolist() for _ in range(2))
    assert e1 != e2, "each epoch draws a new order from the generator"


def test_loader_sampler_and_batch_sampler():
    ds = list(range(10))
    assert [b.tolist() for b in mdata.DataLoader(ds, batch_size=2, sampler=[9, 1, 4])] == [[9, 1], [4]]
    bs = [[0, 5], [7], [1, 2, 3]]
    loader = mdata.DataLoader(ds, batch_sampler=bs)
    assert [b.tolist() for b in loader] == bs and len(loader) == 3
    assert loader.batch_size is None and loader.drop_last is False


def test_loader_without_batching_converts():
    ds = [np.arange(3), np.float32(1.5), (1, np.zeros(1))]
    assert_same(list(mdata.DataLoader(ds, batch_size=None)), list(tdata.DataLoader(ds, batch_size=None)))


class Stream:
    """An IterableDataset of 0..n-1 for either framework; shards across workers like the docs say."""

    def __init__(self, data, n):
        base = data.IterableDataset
        self.ds = type("S", (base,), {"__iter__": Stream._iter, "__len__": lambda s: s.n})()
        self.ds.n, self.ds.info = n, data.get_worker_info

    @staticmethod
    def _iter(ds):
        info = ds.info()
        return iter(range(ds.n) if info is None else range(info.id, ds.n, info.num_workers))


@pytest.mark.parametrize("kwargs", [dict(batch_size=3), dict(batch_size=3, drop_last=True), dict(batch_size=None),
                                    dict(batch_size=5)])
def test_loader_iterable_dataset_matches_torch(kwargs):
    ours = mdata.DataLoader(Stream(mdata, 13).ds, **kwargs)
    theirs = tdata.DataLoader(Stream(tdata, 13).ds, **kwargs)
    assert_same(list(ours), list(theirs))
    assert len(ours) == len(theirs)


def test_loader_len_of_stream_without_len():
    class NoLen(mdata.IterableDataset):
        def __iter__(self):
            return iter(range(3))
    with pytest.raises(TypeError):
        len(mdata.DataLoader(NoLen()))


@pytest.mark.parametrize("kwargs", [
    dict(sampler=[0, 1], shuffle=True), dict(batch_sampler=[[0]], batch_size=2), dict(batch_sampler=[[0]], shuffle=True),
    dict(batch_sampler=[[0]], sampler=[0]), dict(batch_sampler=[[0]], drop_last=True),
    dict(batch_size=None, drop_last=True), dict(num_workers=-1), dict(timeout=-1), dict(prefetch_factor=2),
    dict(persistent_workers=True), dict(multiprocessing_context="fork"), dict(batch_size=0),
    dict(num_workers=1, multiprocessing_context="nope"), dict(num_workers=1, multiprocessing_context=3),
])
def test_loader_argument_errors_match_torch(kwargs):
    same_error(lambda T, data: data.DataLoader(list(range(4)), **kwargs))


@pytest.mark.parametrize("kwargs", [dict(shuffle=True), dict(sampler=[0]), dict(batch_sampler=[[0]])])
def test_loader_iterable_dataset_argument_errors_match_torch(kwargs):
    same_error(lambda T, data: data.DataLoader(Stream(data, 3).ds, **kwargs))


@pytest.mark.parametrize("name", ["batch_size", "sampler", "dataset", "drop_last", "batch_sampler",
                                  "persistent_workers"])
def test_loader_attributes_frozen_after_init(name):
    same_error(lambda T, data: setattr(data.DataLoader(list(range(4))), name, None))
    loader = mdata.DataLoader(list(range(4)))
    loader.num_workers = 0  # others may change


def test_pin_memory_warns_without_accelerator():
    with pytest.warns(UserWarning, match="pin_memory"):
        loader = mdata.DataLoader(list(range(4)), batch_size=2, pin_memory=True)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3]]


def test_get_worker_info_is_none_in_main_process():
    assert mdata.get_worker_info() is None


def test_loader_len_rounding():
    for n, bs, drop in [(10, 3, False), (10, 3, True), (3, 5, True)]:
        loader = mdata.DataLoader(range(n), batch_size=bs, drop_last=drop)
        assert len(loader) == (n // bs if drop else math.ceil(n / bs)) == len(list(loader))
