"""The compiled fused kernels (csrc/fused/) beyond the composite comparison of test_fused_primitives:
the vectorised float32 erf against the C library over a dense grid and its special values, softmax
along strided axes, and the half types (computed in float32, rounded once)."""
import math

import numpy as np
import pytest

from mytorch import backends

if "cpp" not in backends.available_backends():
    pytest.skip("the C++ backend (mytorch.backends._C) is not built", allow_module_level=True)

from mytorch.backends import _C  # noqa: E402
from mytorch.backends.cpp_backend import CppBackend, from_numpy, to_numpy  # noqa: E402
from mytorch.backends.numpy_backend import NumpyBackend  # noqa: E402
from cpp_compare import backend  # noqa: E402, F401 (fixture: one run, the module compares the backends itself)

CPP, NP = CppBackend(), NumpyBackend()


def cpp_erf(x: np.ndarray) -> np.ndarray:
    return to_numpy(_C.fast_erf(from_numpy(x))).copy()


def test_erf_within_two_ulp_of_libm_on_dense_grid():
    x = np.concatenate([np.linspace(-6, 6, 1_200_001), np.geomspace(1e-38, 6, 20_001)]).astype(np.float32)
    x = np.concatenate([x, -x])
    want = np.array([math.erf(float(v)) for v in x])  # double erf: the exact value to float rounding
    got = cpp_erf(x).astype(np.float64)
    ulp = np.spacing(np.abs(want).astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(got - want) / ulp) <= 2.0


def test_erf_special_values():
    x = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 4.0, 30.0, -1e30, 1e-45], np.float32)
    got = cpp_erf(x)
    np.testing.assert_array_equal(got[[0, 1, 5, 6, 7]], [1, -1, 1, 1, -1])
    assert np.isnan(got[2])
    assert got[3] == 0 and not np.signbit(got[3]) and got[4] == 0 and np.signbit(got[4])
    assert got[8] == np.float32(1e-45 * 2 / math.sqrt(math.pi))


def test_erf_takes_only_float32():
    with pytest.raises(TypeError):
        _C.fast_erf(from_numpy(np.zeros(3, np.float64)))


def test_exact_gelu_float32_to_float_rounding():
    """Phi is computed as E Q / 2 or 1 - E Q / 2 (csrc/fused/gelu.cpp): within 3 ulp for x >= 0, and
    within 2 ulp plus an absolute 4e-8 |x| (the erfc fit's and the evaluation's absolute error, scaled
    by x; 1.4e-8 measured at -O3, about 2e-8 in the -O1 sanitizer build, which rounds differently)
    everywhere, the far negative tail included, where 1/2 + erf(x / sqrt 2) / 2 would cancel."""
    x = np.linspace(-12, 12, 480_001).astype(np.float32)
    xd = x.astype(np.float64)
    cdf = 0.5 * np.array([math.erfc(-v / math.sqrt(2)) for v in xd])
    y, slope = xd * cdf, cdf + xd * np.exp(-xd * xd / 2) / math.sqrt(2 * math.pi)
    got_y = to_numpy(CPP.gelu(from_numpy(x), "none")).astype(np.float64)
    got_slope = to_numpy(CPP.gelu_backward(from_numpy(np.ones_like(x)), from_numpy(x), "none")).astype(np.float64)
    ulp = lambda v: np.spacing(np.abs(v).astype(np.float32)).astype(np.float64)  # noqa: E731
    assert np.max((np.abs(got_y - y) / ulp(y))[x >= 0]) <= 3
    assert np.all(np.abs(got_y - y) <= 2 * ulp(y) + 4e-8 * np.maximum(np.abs(xd), 1))
    assert np.max((np.abs(got_slope - slope) / ulp(slope))[x >= 0]) <= 2
    assert np.all(np.abs(got_slope - slope) <= 2 * ulp(slope) + 6e-8)


def test_softmax_kernels_reject_integers():
    with pytest.raises(TypeError):
        _C.softmax(from_numpy(np.zeros((2, 3), np.int64)), 1)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_strided_axes_match_numpy(rng, name, axis):
    x = (rng.standard_normal((5, 33, 7)) * 4).astype(np.float32)
    views = [x, x.transpose(2, 0, 1).copy().transpose(1, 2, 0), x[:, ::-1]]  # contiguous, permuted, flipped
    g = rng.standard_normal(x.shape).astype(np.float32)
    for v in views:
        got = to_numpy(getattr(CPP, name)(from_numpy(v), axis))
        want = getattr(NP, name)(v, axis)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
        back = name + "_backward"
        got = to_numpy(getattr(CPP, back)(from_numpy(want), from_numpy(g), axis))
        np.testing.assert_allclose(got, getattr(NP, back)(want, g, axis), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_column_blocks_match_numpy(rng, name, dtype):
    """A non-last axis is normalised in blocks of up to 64 adjacent columns: 150 inner columns are two
    full blocks and a partial one; a NaN spoils only its own column."""
    x = (rng.standard_normal((3, 9, 150)) * 4).astype(dtype)
    x[1, 4, 70] = np.nan
    g = rng.standard_normal(x.shape).astype(dtype)
    tol = dict(rtol=2e-3, atol=2e-3) if dtype == "float16" else dict(rtol=1e-5, atol=1e-6)
    for axis in (0, 1):
        want = getattr(NP, name)(x.astype(np.float64), axis)
        got = to_numpy(getattr(CPP, name)(from_numpy(x), axis)).astype(np.float64)
        np.testing.assert_allclose(got, want, **tol)
        assert np.isnan(got[1, :, 70]).all() == (axis == 1) and np.isnan(got).sum() == x.shape[axis]
        y = got.astype(dtype)
        back = name + "_backward"
        want = getattr(NP, back)(y.astype(np.float64), g.astype(np.float64), axis)
        got = to_numpy(getattr(CPP, back)(from_numpy(y), from_numpy(g), axis)).astype(np.float64)
        np.testing.assert_allclose(got, want, **tol)


def test_softmax_masked_rows():
    x = np.array([[0.0, -np.inf, 1.0], [-np.inf, -np.inf, 5.0], [1e30, -1e30, 0.0]], np.float32)
    got = to_numpy(CPP.softmax(from_numpy(x), 1))
    np.testing.assert_allclose(got, NP.softmax(x, 1), rtol=1e-6, atol=0)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_types_computed_in_float32(rng, dtype):
    import ml_dtypes
    dt = np.float16 if dtype == "float16" else ml_dtypes.bfloat16
    x = rng.standard_normal((6, 40)).astype(dt)
    x32 = x.astype(np.float32)
    to32 = lambda a: np.asarray(to_numpy(a)).astype(np.float32)  # noqa: E731
    tol = dict(rtol=1e-2, atol=1e-2) if dtype == "bfloat16" else dict(rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(to32(CPP.softmax(from_numpy(x), 1)), NP.softmax(x32, 1), **tol)
    np.testing.assert_allclose(to32(CPP.gelu(from_numpy(x), "none")), NP.gelu(x32, "none"), **tol)
    np.testing.assert_allclose(to32(CPP.gelu(from_numpy(x), "tanh")), NP.gelu(x32, "tanh"), **tol)
    y, mean, rstd = CPP.layer_norm(from_numpy(x), 1, None, None, 1e-5)
    want = NP.layer_norm(x32, 1, None, None, 1e-5)
    np.testing.assert_allclose(to32(y), want[0], **tol)
    assert to_numpy(mean).shape == (6, 1) and to_numpy(y).dtype == x.dtype


def test_gelu_float32_matches_float64(rng):
    x = np.concatenate([rng.standard_normal(10_000) * 4, [-np.inf, np.inf, 0.0]])
    for approximate in ("none", "tanh"):
        want = NP.gelu(x, approximate)
        got = to_numpy(CPP.gelu(from_numpy(x.astype(np.float32)), approximate))
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-7)
        g = np.ones_like(x)
        want = NP.gelu_backward(g, x, approximate)
        got = to_numpy(CPP.gelu_backward(from_numpy(g.astype(np.float32)), from_numpy(x.astype(np.float32)),
                                         approximate))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_rnn_cells_half_types_computed_in_float32(rng, dtype):
    """The LSTM and GRU cells (csrc/fused/rnn_cell.cpp) read half types into float32 and round each output
    once: they agree with the composite run in float32 on the same inputs to the half type's rounding."""
    import ml_dtypes
    dt = np.float16 if dtype == "float16" else ml_dtypes.bfloat16
    tol = dict(rtol=2e-2, atol=2e-2) if dtype == "bfloat16" else dict(rtol=3e-3, atol=3e-3)
    B, H = 5, 19
    half = lambda *shape: (rng.standard_normal(shape) * 2).astype(dt)  # noqa: E731
    to32 = lambda a: np.asarray(to_numpy(a)).astype(np.float32)  # noqa: E731
    gates, c, dh, dc = half(B, 4 * H), half(B, H), half(B, H), half(B, H)
    got = CPP.lstm_cell(from_numpy(gates), from_numpy(c))
    want = NP.lstm_cell(gates.astype(np.float32), c.astype(np.float32))
    for a, b in zip(got, want):
        np.testing.assert_allclose(to32(a), b, **tol)
    c_new, ws = np.asarray(to_numpy(got[1])), np.asarray(to_numpy(got[2]))
    got = CPP.lstm_cell_backward(*(from_numpy(a) for a in (dh, dc, c, c_new, ws)))
    want = NP.lstm_cell_backward(*(a.astype(np.float32) for a in (dh, dc, c, c_new, ws)))
    for a, b in zip(got, want):
        np.testing.assert_allclose(to32(a), b, **tol)
    gx, gh, h = half(B, 3 * H), half(B, 3 * H), half(B, H)
    got = CPP.gru_cell(from_numpy(gx), from_numpy(gh), from_numpy(h))
    want = NP.gru_cell(gx.astype(np.float32), gh.astype(np.float32), h.astype(np.float32))
    for a, b in zip(got, want):
        np.testing.assert_allclose(to32(a), b, **tol)
    ws = np.asarray(to_numpy(got[1]))
    got = CPP.gru_cell_backward(from_numpy(dh), from_numpy(h), from_numpy(ws))
    want = NP.gru_cell_backward(dh.astype(np.float32), h.astype(np.float32), ws.astype(np.float32))
    for a, b in zip(got, want):
        np.testing.assert_allclose(to32(a), b, **tol)


def test_rnn_cells_check_shapes():
    z = lambda *shape: from_numpy(np.zeros(shape, np.float32))  # noqa: E731
    with pytest.raises(ValueError, match="lstm_cell"):
        _C.lstm_cell(z(2, 10), z(2, 3))  # 4H = 10 is no multiple of 4
    with pytest.raises(ValueError, match="lstm_cell_backward"):
        _C.lstm_cell_backward(z(2, 3), z(2, 3), z(3, 3), z(2, 3), z(2, 12))
    with pytest.raises(ValueError, match="gru_cell"):
        _C.gru_cell(z(2, 9), z(2, 9), z(2, 4))
    with pytest.raises(TypeError):
        _C.gru_cell_backward(*(from_numpy(np.zeros(s, np.int32)) for s in ((2, 3), (2, 3), (2, 12))))
