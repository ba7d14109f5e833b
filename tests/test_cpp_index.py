"""The C++ indexing, joining and scan primitives (csrc/index/) equal the NumPy backend's: every dtype,
strided, broadcast and offset inputs, zero-size arrays, and the errors the contract names."""
import numpy as np
import pytest

import mytorch._dtype as D
from mytorch import backends

from cpp_compare import DTYPES, backend, be, both, raises_same, same, skip_without_cpp, views  # noqa: F401 (fixtures)

pytestmark = skip_without_cpp


def values(shape, dt, seed=0):
    """NumPy values of dtype dt (small integers, so every dtype holds them exactly; some NaN for floats)."""
    from mytorch.backends.numpy_backend import TO_NP
    r = np.random.default_rng(seed)
    x = r.integers(-5, 6, size=shape).astype(np.float64)
    if dt.is_floating_point and x.size:
        x.flat[r.integers(0, x.size, size=max(1, x.size // 7))] = np.nan
    if dt in (D.uint8,):
        x = np.abs(x)
    return (x != 0) if dt is D.bool_ else np.nan_to_num(x, nan=0).astype(TO_NP[dt]) if not dt.is_floating_point \
        else x.astype(TO_NP[dt])


@pytest.mark.parametrize("dt", DTYPES)
def test_concatenate(be, dt):
    npb, cpp = be
    for shapes, axis in [([(2, 3), (4, 3)], 0), ([(3, 2), (3, 5), (3, 0)], 1), ([(2, 3, 4)] * 3, -1), ([(0, 3)], 0)]:
        hosts = [values(s, dt, i) for i, s in enumerate(shapes)]
        pairs = [both(be, h) for h in hosts]
        same(npb.concatenate([p[0] for p in pairs], axis), cpp.concatenate([p[1] for p in pairs], axis))
    # strided and broadcast inputs beside contiguous ones
    a, b = both(be, values((6, 6), dt))
    for view in views((6, 6)):
        same(npb.concatenate([view(npb, a), a, view(npb, a)], 0), cpp.concatenate([view(cpp, b), b, view(cpp, b)], 0))
    same(npb.concatenate([npb.permute(a, (1, 0)), a[:, :4]], 1),
         cpp.concatenate([cpp.permute(b, (1, 0)), cpp.basic_index(b, (slice(None), slice(0, 4)))], 1))


def test_concatenate_errors(be):
    npb, cpp = be
    a, b = both(be, values((2, 3), D.float32))
    c, d = both(be, values((2, 4), D.float32))
    with pytest.raises(ValueError):
        cpp.concatenate([b, d], 0)
    with pytest.raises(ValueError):
        cpp.concatenate([cpp.view(b, (6,)), b], 0)
    with pytest.raises(ValueError):
        cpp.concatenate([], 0)


@pytest.mark.parametrize("dt", DTYPES)
def test_gather_scatter(be, dt):
    npb, cpp = be
    r = np.random.default_rng(1)
    host = values((5, 6), dt)
    for axis in (0, 1, -1):
        size = host.shape[axis]
        index = r.integers(0, size, size=(4, 3) if axis == 0 else (5, 4))
        a_np, a_cpp = both(be, host)
        i_np, i_cpp = both(be, index)
        # the ops layer reads the indexed block of a when index is smaller outside the axis
        block = tuple(slice(None) if d == axis % 2 else slice(0, n) for d, n in enumerate(index.shape))
        same(npb.gather(npb.basic_index(a_np, block), axis, i_np), cpp.gather(a_cpp, axis, i_cpp))
        same(npb.gather(npb.basic_index(a_np, block), axis, i_np),
             cpp.gather(a_cpp, axis, cpp.cast(i_cpp, D.int32)))
        src = values((6, 7), dt, 3)
        for reduce in (None, "add", "multiply"):
            for s in (src, 2):
                t_np, t_cpp = both(be, host)
                s_np, s_cpp = both(be, src) if s is src else (s, s)
                if reduce is None:  # repeated targets: "one of the writes wins", so only unique ones compared
                    index_u = np.argsort(r.random(host.shape), axis=axis)[tuple(slice(0, n) for n in index.shape)]
                    i_np, i_cpp = both(be, index_u)
                npb.scatter(t_np, axis, i_np, s_np, reduce)
                cpp.scatter(t_cpp, axis, i_cpp, s_cpp, reduce)
                same(t_np, t_cpp)


def test_gather_scatter_strided_and_broadcast(be):
    npb, cpp = be
    a_np, a_cpp = both(be, values((6, 8), D.float32))
    idx = np.random.default_rng(2).integers(0, 4, size=(8, 8))
    i_np, i_cpp = both(be, idx)
    # a transposed and offset, index transposed (strides), and a broadcast index
    same(npb.gather(npb.basic_index(a_np, (slice(None), slice(1, 7))).T, 1, i_np.T[:6]),
         cpp.gather(cpp.permute(cpp.basic_index(a_cpp, (slice(None), slice(1, 7))), (1, 0)), 1,
                    cpp.basic_index(cpp.permute(i_cpp, (1, 0)), (slice(0, 6),))))
    same(npb.gather(a_np[:5], 0, np.broadcast_to(idx[:1, :8], (5, 8))),
         cpp.gather(a_cpp, 0, cpp.expand(cpp.basic_index(i_cpp, (slice(0, 1), slice(0, 8))), (5, 8))))
    # scatter into a strided view, with a 0-d src and zero-size index
    t_np, t_cpp = both(be, values((6, 8), D.float64))
    k = np.random.default_rng(3).integers(0, 3, size=(6, 4))
    npb.scatter(t_np[:, ::2], 1, k, 7.5, "add")
    cpp.scatter(cpp.basic_index(t_cpp, (slice(None), slice(None, None, 2))), 1, both(be, k)[1], 7.5, "add")
    same(t_np, t_cpp)
    e_np, e_cpp = both(be, np.zeros((0, 8), np.int64))
    same(npb.gather(a_np[:0], 0, e_np), cpp.gather(cpp.basic_index(a_cpp, (slice(0, 0),)), 0, e_cpp))


def test_gather_scatter_errors(be):
    npb, cpp = be
    a_np, a_cpp = both(be, values((3, 4), D.float32))
    for bad in ([[0, 5, 1, 2]], [[0, -2, 7, 1]], [[-1, 0, 1, 2]]):
        i_np, i_cpp = both(be, np.array(bad))
        raises_same(lambda: npb.gather(a_np, 0, i_np), lambda: cpp.gather(a_cpp, 0, i_cpp))
        raises_same(lambda: npb.scatter(a_np, 0, i_np, 1.0, "add"), lambda: cpp.scatter(a_cpp, 0, i_cpp, 1.0, "add"))
        raises_same(lambda: npb.gather(a_np, 1, i_np.T.copy()), lambda: cpp.gather(a_cpp, 1, cpp.copy(
            cpp.permute(i_cpp, (1, 0)))))
    same(a_np, a_cpp)  # a failed scatter wrote nothing


@pytest.mark.parametrize("dt", DTYPES)
def test_arg_reduce_and_scan(be, dt):
    npb, cpp = be
    host = values((5, 6, 3), dt, 4)
    a_np, a_cpp = both(be, host)
    for view in views(host.shape):
        x_np, x_cpp = view(npb, a_np), view(cpp, a_cpp)
        for axis in (None, 0, 1, -1):
            for keepdim in (False, True):
                same(npb.argmax(x_np, axis, keepdim), cpp.argmax(x_cpp, axis, keepdim))
                same(npb.argmin(x_np, axis, keepdim), cpp.argmin(x_cpp, axis, keepdim))
        for axis in (0, 1, 2, -1):
            same(npb.cumsum(x_np, axis), cpp.cumsum(x_cpp, axis))
            same(npb.cumprod(x_np, axis), cpp.cumprod(x_cpp, axis))
    z_np, z_cpp = both(be, values((0, 3), dt))
    same(npb.cumsum(z_np, 0), cpp.cumsum(z_cpp, 0))
    same(npb.argmax(z_np, 1, False), cpp.argmax(z_cpp, 1, False))
    raises_same(lambda: npb.argmax(z_np, 0, False), lambda: cpp.argmax(z_cpp, 0, False))


def test_argmax_nan_first_occurrence(be):
    npb, cpp = be
    a_np, a_cpp = both(be, np.array([[1.0, np.nan, 3.0, np.nan], [2.0, 5.0, 5.0, -1.0], [np.nan, 0, 9, 9]]))
    for axis in (None, 0, 1):
        same(npb.argmax(a_np, axis, False), cpp.argmax(a_cpp, axis, False))
        same(npb.argmin(a_np, axis, False), cpp.argmin(a_cpp, axis, False))


@pytest.mark.parametrize("dt", [dt for dt in DTYPES if dt is not D.bool_])
def test_arange(be, dt):
    npb, cpp = be
    cases = [(0, 10, 1), (0, 10, 3), (9, 1, -2), (0.5, 3, 1), (0, 5, 1.5), (3, 3, 1), (3, 0, 1)]
    if dt is not D.uint8:
        cases += [(5, -5, -2), (-2.5, 3, 1)]
    if dt.is_floating_point:  # fractional steps whose float32 and float64 roundings differ
        cases += [(0, 1, 0.1), (-1, 1, 0.3), (0.1, 2.9, 0.7), (1e-3, 1, 1 / 3), (100, 101, 0.01), (0, 2048, 0.75)]
    for start, end, step in cases:
        same(npb.arange(start, end, step, dt), cpp.arange(start, end, step, dt))


def test_arange_bool_and_errors(be):
    npb, cpp = be
    same(npb.arange(0, 2, 1, D.bool_), cpp.arange(0, 2, 1, D.bool_))
    raises_same(lambda: npb.arange(0, 3, 1, D.bool_), lambda: cpp.arange(0, 3, 1, D.bool_))


@pytest.mark.parametrize("dt", DTYPES)
def test_pad(be, dt):
    npb, cpp = be
    host = values((4, 5), dt, 5)
    a_np, a_cpp = both(be, host)
    for view in views(host.shape):
        x_np, x_cpp = view(npb, a_np), view(cpp, a_cpp)
        for pads in ([(1, 2), (0, 3)], [(0, 0), (2, 2)], [(3, 3), (3, 3)], [(7, 9), (11, 6)]):
            for mode in ("constant", "reflect", "replicate", "circular"):
                same(npb.pad(x_np, pads, mode, 1), cpp.pad(x_cpp, pads, mode, 1))


def test_pad_zero_size_and_value(be):
    npb, cpp = be
    a_np, a_cpp = both(be, values((0, 3), D.float32))
    same(npb.pad(a_np, [(1, 1), (2, 0)], "constant", 2.5), cpp.pad(a_cpp, [(1, 1), (2, 0)], "constant", 2.5))
    b_np, b_cpp = both(be, values((2, 3), D.int32))
    same(npb.pad(b_np, [(1, 1), (2, 0)], "constant", -3), cpp.pad(b_cpp, [(1, 1), (2, 0)], "constant", -3))


@pytest.mark.parametrize("dt", DTYPES)
def test_nonzero(be, dt):
    npb, cpp = be
    host = values((4, 5, 3), dt, 6)
    a_np, a_cpp = both(be, host)
    for view in views(host.shape):
        same(npb.nonzero(view(npb, a_np)), cpp.nonzero(view(cpp, a_cpp)))
    for shape in ((0, 3), (), (7,)):
        z_np, z_cpp = both(be, values(shape, dt, 7))
        same(npb.nonzero(z_np), cpp.nonzero(z_cpp))


def test_natives_replace_the_fallback():
    from mytorch.backends.cpp_backend import CppBackend
    host = CppBackend.host_primitives()
    for name in ("concatenate", "gather", "scatter", "argmax", "argmin", "cumsum", "cumprod", "arange", "pad",
                 "nonzero"):
        assert name not in host
