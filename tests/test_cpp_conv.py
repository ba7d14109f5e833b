"""The C++ backend's convolution primitives equal the NumPy backend's (csrc/conv).

Each case runs the five primitives (conv, conv_backward_input, conv_backward_weight, im2col, col2im)
on both backends with the same random inputs: 1-D/2-D/3-D, strides, asymmetric padding, dilation,
groups, non-contiguous inputs, and half types (looser tolerance: the C++ kernels sum in float32 and
round once).
"""
import math

import ml_dtypes
import numpy as np
import pytest

from cpp_compare import backend  # noqa: F401 (fixture: one run, the module compares the backends itself)
from mytorch import backends

pytestmark = pytest.mark.skipif("cpp" not in backends.available_backends(),
                                reason="the C++ backend was not built (no C++ compiler on this machine)")

R = np.random.default_rng(0)

# (x shape, weight shape, stride, padding pairs, dilation, groups)
CASES = [
    ((2, 3, 11), (4, 3, 3), (1,), ((0, 0),), (1,), 1),
    ((2, 4, 13), (6, 2, 3), (2,), ((2, 1),), (2,), 2),
    ((3, 1, 9, 9), (6, 1, 5, 5), (1, 1), ((0, 0), (0, 0)), (1, 1), 1),
    ((2, 3, 8, 7), (4, 3, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),
    ((2, 4, 10, 9), (6, 2, 3, 2), (2, 3), ((1, 2), (0, 3)), (1, 2), 2),
    ((1, 6, 7, 7), (6, 1, 3, 3), (1, 2), ((2, 0), (1, 1)), (2, 1), 6),   # depthwise
    ((2, 2, 5, 6, 7), (3, 2, 2, 3, 2), (1, 2, 1), ((1, 0), (0, 1), (2, 2)), (2, 1, 1), 1),
    ((2, 3, 9, 9), (2, 3, 3, 3), (2, 2), ((0, -1), (0, 0)), (1, 1), 1),  # negative after-padding crops
    # deep enough for direct.cpp's backward in w, with edge tiles in every direction: one image (direct.cpp on
    # one thread, im2col + GEMM on more), groups with stride, dilation and asymmetric padding, 1-d
    ((1, 16, 12, 13), (20, 16, 3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),
    ((3, 8, 15, 9), (12, 4, 3, 3), (2, 2), ((1, 0), (2, 1)), (2, 1), 2),
    ((2, 10, 40), (14, 10, 5), (3,), ((2, 2),), (1,), 1),
    # direct.cpp's input gradient by stride phase (2 or more images, so it runs on 2 threads too): odd sizes,
    # stride 3 with dilation 2 and groups, a 1x1 stride 2 (GEMM + col2im), stride past the kernel (phases with
    # no taps), padding wider than the kernel's reach, 1-d stride 2 with dilation 3
    ((2, 5, 11, 9), (7, 5, 3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1), 1),
    ((3, 6, 13, 10), (9, 2, 3, 4), (3, 2), ((2, 0), (1, 3)), (2, 3), 3),
    ((2, 4, 9, 8), (6, 4, 1, 1), (2, 2), ((0, 0), (0, 0)), (1, 1), 1),
    ((2, 2, 10, 11), (3, 2, 2, 2), (3, 3), ((0, 0), (1, 1)), (1, 1), 1),
    ((2, 3, 6, 7), (4, 3, 3, 3), (1, 2), ((3, 3), (2, 4)), (1, 1), 1),
    ((2, 3, 17), (5, 3, 4), (2,), ((4, 1),), (3,), 1),
]
IDS = [f"{len(c[0]) - 2}d-{i}" for i, c in enumerate(CASES)]


@pytest.fixture(scope="module")
def cpp():
    return backends.backend("cpp")


@pytest.fixture(scope="module")
def ref():
    return backends.backend("numpy")


def out_size(x_shape, w_shape, stride, padding, dilation):
    return tuple((n + b + a - d * (k - 1) - 1) // s + 1
                 for n, k, s, (b, a), d in zip(x_shape[2:], w_shape[2:], stride, padding, dilation))


def noncontiguous(a):
    """a's values in a view with a reversed channel stride and a gap in the last dim."""
    wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
    wide[..., ::2] = a[:, ::-1]
    return wide[..., ::2][:, ::-1]


def run(be, name, *args):
    return np.asarray(be.to_host(getattr(be, name)(*args)), dtype=np.float64)


def on(be, a, contiguous=True):
    a = np.ascontiguousarray(a)
    return be.share_host(a if contiguous else noncontiguous(a))


def convs(be, x, w, g, geometry, groups, contiguous=True):
    stride, padding, dilation = geometry
    spatial, kernel = x.shape[2:], w.shape[2:]
    return [run(be, "conv", on(be, x, contiguous), on(be, w, contiguous), stride, padding, dilation, groups),
            run(be, "conv_backward_input", on(be, g, contiguous), on(be, w, contiguous), spatial, stride, padding,
                dilation, groups),
            run(be, "conv_backward_weight", on(be, x, contiguous), on(be, g, contiguous), kernel, stride, padding,
                dilation, groups)]


def windows(be, x, kernel, geometry, value, contiguous=True):
    stride, padding, dilation = geometry
    cols = run(be, "im2col", on(be, x, contiguous), kernel, stride, padding, dilation, value)
    back = run(be, "col2im", on(be, cols.astype(x.dtype), contiguous), x.shape[2:], stride, padding, dilation)
    return [cols, back]


def assert_all_close(got, want, tol):
    for a, b in zip(got, want):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * max(1.0, float(np.abs(b).max(initial=0))))


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("contiguous", [True, False], ids=["contiguous", "strided"])
def test_matches_numpy(cpp, ref, case, dtype, tol, contiguous):
    x_shape, w_shape, stride, padding, dilation, groups = case
    geometry = (stride, padding, dilation)
    x = R.standard_normal(x_shape).astype(dtype)
    w = R.standard_normal(w_shape).astype(dtype)
    g = R.standard_normal(x_shape[:1] + w_shape[:1] + out_size(x_shape, w_shape, *geometry)).astype(dtype)
    assert_all_close(convs(cpp, x, w, g, geometry, groups, contiguous), convs(ref, x, w, g, geometry, groups), tol)
    assert_all_close(windows(cpp, x, w_shape[2:], geometry, 0.0, contiguous),
                     windows(ref, x, w_shape[2:], geometry, 0.0), tol)


@pytest.mark.parametrize("case", CASES[1::2], ids=IDS[1::2])
@pytest.mark.parametrize("dtype", [np.float16, ml_dtypes.bfloat16])
def test_half_types(cpp, ref, case, dtype):
    """Half inputs: compared with the float32 result of the NumPy backend on the same (rounded) values."""
    x_shape, w_shape, stride, padding, dilation, groups = case
    geometry = (stride, padding, dilation)
    x = R.standard_normal(x_shape).astype(dtype)
    w = R.standard_normal(w_shape).astype(dtype)
    g = R.standard_normal(x_shape[:1] + w_shape[:1] + out_size(x_shape, w_shape, *geometry)).astype(dtype)
    got = convs(cpp, x, w, g, geometry, groups)
    want = convs(ref, *(a.astype(np.float32) for a in (x, w, g)), geometry, groups)
    assert_all_close(got, want, 2e-2)
    assert_all_close(windows(cpp, x, w_shape[2:], geometry, 0.0), windows(ref, x, w_shape[2:], geometry, 0.0), 2e-2)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.float16, np.float32])
def test_im2col_pooling_padding(cpp, ref, dtype):
    """Pooling pads with the dtype's lowest value (-inf for floats), in every dtype."""
    x = R.integers(0, 100, (2, 3, 7, 6)).astype(dtype)
    lowest = -math.inf if np.issubdtype(dtype, np.floating) else int(np.iinfo(dtype).min)
    geometry = ((2, 2), ((1, 1), (1, 0)), (1, 1))
    got = run(cpp, "im2col", on(cpp, x, False), (3, 2), *geometry, lowest)
    want = run(ref, "im2col", on(ref, x), (3, 2), *geometry, lowest)
    np.testing.assert_array_equal(got, want)
    back = [run(be, "col2im", on(be, got.astype(dtype) if lowest != -math.inf else np.nan_to_num(got).astype(dtype)),
                x.shape[2:], *geometry) for be in (cpp, ref)]
    np.testing.assert_array_equal(*back)


def test_integer_conv(cpp, ref):
    x = R.integers(-5, 5, (2, 4, 6, 6))
    w = R.integers(-5, 5, (4, 2, 3, 3))
    g = R.integers(-5, 5, (2, 4, 4, 4))
    geometry = ((1, 1), ((0, 0), (0, 0)), (1, 1))
    for a, b in zip(convs(cpp, x, w, g, geometry, 2), convs(ref, x, w, g, geometry, 2)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("call,match", [
    (lambda be, x, w: be.conv(x, w, (1, 1), ((0, 0), (0, 0)), (1, 1), 2), "groups"),
    (lambda be, x, w: be.conv(x, w, (1,), ((0, 0),), (1,), 1), "one length"),
    (lambda be, x, w: be.conv(x, w, (0, 1), ((0, 0), (0, 0)), (1, 1), 1), ">= 1"),
    (lambda be, x, w: be.conv(x, w, (1, 1), ((0, 0), (0, 0)), (9, 9), 1), "larger than the padded input"),
    (lambda be, x, w: be.conv_backward_input(on(be, np.zeros((2, 4, 5, 5), np.float32)), w, (5, 5), (1, 1),
                                             ((0, 0), (0, 0)), (1, 1), 1), "does not match"),
])
def test_errors(cpp, call, match):
    x = on(cpp, R.standard_normal((2, 3, 5, 5)).astype(np.float32))
    w = on(cpp, R.standard_normal((4, 3, 3, 3)).astype(np.float32))
    with pytest.raises(ValueError, match=match):
        call(cpp, x, w)


def test_dtype_mismatch(cpp):
    x = on(cpp, R.standard_normal((2, 3, 5, 5)).astype(np.float32))
    w = on(cpp, R.standard_normal((4, 3, 3, 3)))
    with pytest.raises(TypeError, match="conv"):
        cpp.conv(x, w, (1, 1), ((0, 0), (0, 0)), (1, 1), 1)
