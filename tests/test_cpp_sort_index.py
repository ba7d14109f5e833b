"""The C++ sort, unique, advanced indexing (csrc/sort/) and from_host equal the NumPy backend's: every
dtype, strided and offset inputs, zero-size arrays, NaNs and ties, each native key form and some that
take the host fallback, and the errors the contract names."""
import numpy as np
import pytest

import mytorch._dtype as D
from mytorch import backends

from cpp_compare import DTYPES, backend, be, both, same, skip_without_cpp, views  # noqa: F401 (fixtures)

pytestmark = skip_without_cpp


def values(shape, dt, seed=0, low=-5, high=6):
    """NumPy values of dtype dt: small integers (many ties), some NaN (and infinities) for floats."""
    from mytorch.backends.numpy_backend import TO_NP
    r = np.random.default_rng(seed)
    x = r.integers(low, high, size=shape).astype(np.float64)
    if dt.is_floating_point and x.size:
        x.flat[r.integers(0, x.size, size=max(1, x.size // 7))] = np.nan
        x.flat[r.integers(0, x.size)] = -np.inf
    if dt is D.uint8:
        x = np.abs(x)
    if dt is D.bool_:
        return x > 0
    return x.astype(TO_NP[dt]) if dt.is_floating_point else np.nan_to_num(x, nan=0).astype(TO_NP[dt])


@pytest.mark.parametrize("dt", DTYPES, ids=str)
def test_sort_matches_numpy(be, dt):
    npb, cpp = be
    for shape in ((5, 9), (4, 3, 6), (7,), (0, 4), (3, 0), (1, 1)):
        a_np, a_cpp = both(be, values(shape, dt, 1))
        for view in views(shape):
            x_np, x_cpp = view(npb, a_np), view(cpp, a_cpp)
            for axis in range(-len(shape), len(shape)):
                for descending in (False, True):
                    v_np, i_np = npb.sort(x_np, axis, descending)
                    v_cpp, i_cpp = cpp.sort(x_cpp, axis, descending)
                    same(v_np, v_cpp)
                    same(i_np, i_cpp)


def test_sort_zero_dim(be):
    """NumPy's take_along_axis has no axis to take along; ours returns the element at position 0."""
    values, indices = be[1].sort(be[1].from_host(2.5, None), 0, True)
    assert be[1].to_host(values) == 2.5 and be[1].to_host(indices) == 0 and indices.shape == ()


def test_sort_long_rows_in_parallel(be):
    npb, cpp = be
    a_np, a_cpp = both(be, values((64, 1000), D.float32, 2, -50, 50))
    for axis in (0, 1):
        for descending in (False, True):
            for r_np, r_cpp in zip(npb.sort(a_np, axis, descending), cpp.sort(a_cpp, axis, descending)):
                same(r_np, r_cpp)


def test_sort_axis_error(be):
    with pytest.raises(IndexError):
        be[1].sort(be[1].from_host([[1, 2]], None), 2, False)


@pytest.mark.parametrize("dt", DTYPES, ids=str)
def test_unique_matches_numpy(be, dt):
    npb, cpp = be
    for shape in ((6, 7), (13,), (0,), ()):
        host = values(shape, dt, 3)
        if dt is D.bfloat16:
            # NumPy does not see ml_dtypes' bfloat16 as a float and keeps every NaN apart; ours are one value
            host[np.isnan(host.astype(np.float32))] = 1
        a_np, a_cpp = both(be, host)
        for view in views(shape):
            x_np, x_cpp = view(npb, a_np), view(cpp, a_cpp)
            for inverse in (False, True):
                for counts in (False, True):
                    r_np, r_cpp = npb.unique(x_np, inverse, counts), cpp.unique(x_cpp, inverse, counts)
                    if not (inverse or counts):
                        same(r_np, r_cpp)
                        continue
                    assert type(r_cpp) is tuple and len(r_cpp) == len(r_np)
                    for e, g in zip(r_np, r_cpp):
                        same(np.asarray(e).astype(np.int64) if e.dtype == np.intp else e, g)


def test_from_host_is_aligned_and_copied(be):
    npb, cpp = be
    for obj, dt in (([[1.5, 2], [3, 4]], None), ([1, 2, 3], D.int16), (True, None), ([], D.float32),
                    (np.arange(6.0).reshape(2, 3)[:, ::2], D.bfloat16), (3, D.int64)):
        got = cpp.from_host(obj, dt)
        same(npb.from_host(obj, dt), got)
        assert cpp.data_ptr(got) % 64 == 0
    host = np.zeros(3, np.float32)
    got = cpp.from_host(host, None)
    host[0] = 1
    assert cpp.to_host(got)[0] == 0
    with pytest.raises(TypeError):
        cpp.from_host(np.zeros(2, "datetime64[s]"), None)


def _index_arrays(be, idx):
    npb, cpp = be
    return npb.from_host(idx, None), cpp.share_host(np.array(idx))


# keys made of items: "i" the integer array, "m" the mask, ":" a whole slice, "..." Ellipsis
NATIVE_INT_KEYS = [("i",), (":", "i"), ("...", "i"), ("i", "..."), (":", "i", ":"), ("...", "i", ":"), (":", ":", "i")]


def _key(items, arr):
    return tuple(arr if k in ("i", "m") else Ellipsis if k == "..." else slice(None) for k in items)


@pytest.mark.parametrize("dt", DTYPES, ids=str)
def test_index_with_an_integer_array(be, dt):
    npb, cpp = be
    a_np, a_cpp = both(be, values((5, 4, 6), dt, 4))
    # the smallest indexed dim has 2 elements (the strided view's first)
    for idx in (np.array([0, -1, 1, 1, -2]), np.array([[1, 0], [-2, 1]], np.int32), np.array([], np.int64),
                np.array(1)):
        i_np, i_cpp = _index_arrays(be, idx)
        for view in views((5, 4, 6)):
            x_np, x_cpp = view(npb, a_np), view(cpp, a_cpp)
            for items in NATIVE_INT_KEYS:
                same(npb.index(x_np, _key(items, i_np)), cpp.index(x_cpp, _key(items, i_cpp)))


def test_index_with_a_mask(be):
    npb, cpp = be
    for dt in (D.float32, D.int64, D.bfloat16, D.bool_):
        a_np, a_cpp = both(be, values((4, 3, 5), dt, 5))
        for view in views((4, 3, 5)):
            x_np, x_cpp = view(npb, a_np), view(cpp, a_cpp)
            shape = x_np.shape
            for mask_shape, items in (((shape[0],), ("m",)), (shape[:2], ("m",)), (shape, ("m",)),
                                      (shape[1:2], (":", "m")), (shape[1:], ("...", "m")), (shape[:1], ("m", "..."))):
                mask = np.random.default_rng(len(items)).random(mask_shape) > 0.4
                for m in (mask, np.zeros(mask_shape, bool), mask.T.copy().T):
                    m_np, m_cpp = _index_arrays(be, m)
                    same(npb.index(x_np, _key(items, m_np)), cpp.index(x_cpp, _key(items, m_cpp)))


def test_index_keys_that_take_the_fallback(be):
    """Several arrays, ints or non-whole slices beside an array, None, int8 indices: NumPy's rules."""
    npb, cpp = be
    a_np, a_cpp = both(be, values((5, 4, 6), D.float32, 6))
    i_np, i_cpp = _index_arrays(be, np.array([3, 0, -1]))
    j_np, j_cpp = _index_arrays(be, np.array([1, 2, 0]))
    k_np, k_cpp = _index_arrays(be, np.array([1, 2], np.int8))
    for key in (lambda i, j, k: (i, j), lambda i, j, k: (slice(None), i, j), lambda i, j, k: (i, slice(None), j),
                lambda i, j, k: (1, i), lambda i, j, k: (slice(1, 4), i), lambda i, j, k: (None, i),
                lambda i, j, k: (k,), lambda i, j, k: (i, None, slice(None))):
        same(npb.index(a_np, key(i_np, j_np, k_np)), cpp.index(a_cpp, key(i_cpp, j_cpp, k_cpp)))


def test_index_errors(be):
    npb, cpp = be
    a_np, a_cpp = both(be, values((5, 4), D.float32, 7))
    for idx, items, message in (([0, 7, -9], ("i",), "index -9 is out of bounds for dimension 0 with size 5"),
                                ([0, 4], (":", "i"), "index 4 is out of bounds for dimension 1 with size 4"),
                                ([-5, -6], ("...", "i"), "index -6 is out of bounds for dimension 1 with size 4")):
        i_np, i_cpp = _index_arrays(be, np.array(idx))
        for b, x, i in ((npb, a_np, i_np), (cpp, a_cpp, i_cpp)):
            with pytest.raises(IndexError, match=message):
                b.index(x, _key(items, i))
            with pytest.raises(IndexError, match=message):
                b.index_put(b.copy(x), _key(items, i), 1.0, False)
    empty_np, empty_cpp = both(be, np.zeros((0, 3), np.float32))
    i_np, i_cpp = _index_arrays(be, np.array([0]))
    for b, x, i in ((npb, empty_np, i_np), (cpp, empty_cpp, i_cpp)):
        with pytest.raises(IndexError, match="index 0 is out of bounds for dimension 0 with size 0"):
            b.index(x, (i,))


@pytest.mark.parametrize("dt", DTYPES, ids=str)
def test_index_put_with_an_integer_array(be, dt):
    npb, cpp = be
    for idx in (np.array([0, -1, 2, 2, -3, 2]), np.array([[1, 0], [-2, 1]], np.int32), np.array([], np.int64)):
        i_np, i_cpp = _index_arrays(be, idx)
        for items in (("i",), (":", "i"), ("...", "i", ":")):
            for accumulate in (False, True):
                a_np, a_cpp = both(be, values((5, 4, 3), dt, 8))
                x_np, x_cpp = npb.basic_index(a_np, (slice(None),)), cpp.basic_index(a_cpp, (slice(None),))
                out_shape = npb.index(x_np, _key(items, i_np)).shape
                for v_shape in (out_shape, out_shape[-1:], ()):
                    v_np, v_cpp = both(be, values(v_shape, dt, 9))
                    npb.index_put(x_np, _key(items, i_np), v_np, accumulate)
                    cpp.index_put(x_cpp, _key(items, i_cpp), v_cpp, accumulate)
                    same(x_np, x_cpp)
                npb.index_put(x_np, _key(items, i_np), 2, accumulate)
                cpp.index_put(x_cpp, _key(items, i_cpp), 2, accumulate)
                same(x_np, x_cpp)


def test_index_put_into_strided_views_and_masks(be):
    npb, cpp = be
    for accumulate in (False, True):
        a_np, a_cpp = both(be, values((6, 4, 5), D.float64, 10))
        x_np = npb.permute(npb.basic_index(a_np, (slice(1, None, 2),)), (2, 1, 0))  # (5, 4, 3), offset
        x_cpp = cpp.permute(cpp.basic_index(a_cpp, (slice(1, None, 2),)), (2, 1, 0))
        i_np, i_cpp = _index_arrays(be, np.array([3, 3, -1, 0, 3]))
        v_np, v_cpp = both(be, values((5, 1, 3), D.float64, 11))
        npb.index_put(x_np, (i_np,), v_np, accumulate)
        cpp.index_put(x_cpp, (i_cpp,), v_cpp, accumulate)
        same(a_np, a_cpp)
        mask = np.random.default_rng(12).random((5, 4)) > 0.5
        m_np, m_cpp = _index_arrays(be, mask)
        v_np, v_cpp = both(be, values((3,), D.float64, 13))
        npb.index_put(x_np, (m_np,), v_np, accumulate)
        cpp.index_put(x_cpp, (m_cpp,), v_cpp, accumulate)
        same(a_np, a_cpp)
        m_np, m_cpp = _index_arrays(be, mask[0, :3])
        npb.index_put(x_np, (slice(None), slice(None), m_np), -1.5, accumulate)
        cpp.index_put(x_cpp, (slice(None), slice(None), m_cpp), -1.5, accumulate)
        same(a_np, a_cpp)


def test_index_put_accumulates_repeats_across_threads(be):
    """An embedding backward: many repeated rows, summed in key order whatever the thread count."""
    npb, cpp = be
    idx = np.random.default_rng(14).integers(0, 50, size=(16, 128))
    i_np, i_cpp = _index_arrays(be, idx)
    g_np, g_cpp = both(be, np.random.default_rng(15).standard_normal((16, 128, 64)).astype(np.float32))
    out_np, out_cpp = npb.full((50, 64), 0.0, D.float32), cpp.full((50, 64), 0.0, D.float32)
    npb.index_put(out_np, (i_np,), g_np, True)
    cpp.index_put(out_cpp, (i_cpp,), g_cpp, True)
    same(out_np, out_cpp)


def test_index_put_fallback_and_shape_errors(be):
    npb, cpp = be
    i_np, i_cpp = _index_arrays(be, np.array([0, 2]))
    j_np, j_cpp = _index_arrays(be, np.array([1, 1]))
    for accumulate in (False, True):
        a_np, a_cpp = both(be, values((3, 4), D.float32, 16))
        npb.index_put(a_np, (i_np, j_np), 5.0, accumulate)
        cpp.index_put(a_cpp, (i_cpp, j_cpp), 5.0, accumulate)
        npb.index_put(a_np, (slice(1, 3), i_np), 7.0, accumulate)
        cpp.index_put(a_cpp, (slice(1, 3), i_cpp), 7.0, accumulate)
        same(a_np, a_cpp)
        v_np, v_cpp = both(be, np.ones((3,), np.float32))
        for b, x, i, v in ((npb, a_np, i_np, v_np), (cpp, a_cpp, i_cpp, v_cpp)):
            with pytest.raises(ValueError):
                b.index_put(x, (i,), v, accumulate)


def test_natives_replace_the_fallback():
    from mytorch.backends.cpp_backend import CppBackend
    host = CppBackend.host_primitives()
    for name in ("sort", "unique", "index", "index_put", "from_host"):
        assert name not in host
