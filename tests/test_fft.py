"""torch.fft against PyTorch: every transform at prime, power-of-two and composite lengths, every norm, n / s
trimming and padding, real and complex inputs (integers promoted), non-contiguous inputs; outputs and
gradients under a random upstream gradient; gradcheck in float64 / complex128; the helpers and the errors."""
import numpy as np
import pytest
import torch

import mytorch

from helpers import check, gradcheck, raises_like, same

NORMS = [None, "backward", "ortho", "forward"]
LENGTHS = [7, 16, 12, 30, 1]          # prime, power of two, composites, and a single point
COMPLEX_1D = ["fft", "ifft", "irfft", "hfft"]       # transforms taking complex input
REAL_1D = ["fft", "ifft", "rfft", "ihfft"]          # transforms taking real input
ND = ["fftn", "ifftn", "fft2", "ifft2", "rfftn", "rfft2", "irfftn", "irfft2", "hfftn", "hfft2", "ihfftn", "ihfft2"]
REAL_ND = {"rfftn", "rfft2", "ihfftn", "ihfft2"}


def complex_array(rng, shape):
    return rng.standard_normal(shape) + 1j * rng.standard_normal(shape)


@pytest.mark.parametrize("name", sorted(set(COMPLEX_1D + REAL_1D)))
def test_1d_against_torch(rng, name):
    for n in LENGTHS:
        inputs = []
        if name in REAL_1D:
            inputs.append(rng.standard_normal((3, n)))
        if name in COMPLEX_1D:
            inputs.append(complex_array(rng, (3, n)))
        size = 1 if n == 1 and name in ("irfft", "hfft") else None   # their default, 2 (n - 1), would be 0
        for x in inputs:
            for norm in NORMS:
                check(lambda T, t: getattr(T.fft, name)(t, n=size, norm=norm), x, atol=1e-9, rtol=1e-9)


@pytest.mark.parametrize("name", sorted(set(COMPLEX_1D + REAL_1D)))
def test_1d_n_dim_and_layouts(rng, name):
    """n trims or zero-pads (odd and even output sizes for the real-output transforms), along a middle dim,
    on transposed, sliced and expanded inputs."""
    x = rng.standard_normal((5, 6, 4)) if name in REAL_1D else complex_array(rng, (5, 6, 4))
    for layout in ("contiguous", "transposed", "sliced", "expanded"):
        for n, dim in [(None, 1), (4, 1), (9, 1), (11, -1), (3, 0)]:
            check(lambda T, t: getattr(T.fft, name)(t, n=n, dim=dim, norm="ortho"), x, layout=layout,
                  atol=1e-9, rtol=1e-9)


@pytest.mark.parametrize("name", ND)
def test_nd_against_torch(rng, name):
    x = rng.standard_normal((3, 5, 6)) if name in REAL_ND else complex_array(rng, (3, 5, 6))
    two = name.endswith("2")
    cases = [{}, {"norm": "ortho"}, {"norm": "forward"}, {"s": (4, 7)}, {"s": (-1, 5), "dim": (0, 2)},
             {"dim": (2, 0)} if not two else {"dim": (0, 1)}]
    if not two:
        cases.append({"s": (2, 3, 9)})
    for kwargs in cases:
        check(lambda T, t: getattr(T.fft, name)(t, **kwargs), x, layout="transposed", atol=1e-9, rtol=1e-9)


def test_float32_and_promotion(rng):
    """float32 and complex64 results; integer and bool inputs promote through the default dtype."""
    x = rng.standard_normal((4, 30)).astype(np.float32)
    for name in ("fft", "rfft", "ihfft", "fftn"):
        check(lambda T, t: getattr(T.fft, name)(t), x, atol=1e-4, rtol=1e-4)
    z = complex_array(rng, (4, 17)).astype(np.complex64)
    for name in ("ifft", "irfft", "hfft", "irfftn"):
        check(lambda T, t: getattr(T.fft, name)(t), z, atol=1e-4, rtol=1e-4)
    ints = rng.integers(-5, 5, (3, 8))
    for name in ("fft", "rfft", "ifftn", "ihfft", "irfft"):
        check(lambda T, t: getattr(T.fft, name)(t), ints, atol=1e-5, rtol=1e-5)
    check(lambda T, t: T.fft.fft(t), ints > 0, atol=1e-5, rtol=1e-5)


def test_large_lengths(rng):
    """A Bluestein length, a long power of two and a smooth composite, in float64, within 1e-6 of PyTorch."""
    for n in (1031, 4096, 2310):
        check(lambda T, t: T.fft.fft(t), complex_array(rng, (2, n)), atol=1e-6, rtol=1e-9)
        check(lambda T, t: T.fft.irfft(t, n=n), complex_array(rng, (2, n // 2 + 1)), atol=1e-6, rtol=1e-9)


@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fftn", "rfftn", "irfftn",
                                  "hfftn", "ihfftn"])
def test_gradcheck(rng, name):
    real = name in REAL_1D and name not in COMPLEX_1D or name in REAL_ND
    x = rng.standard_normal((2, 5)) if real else complex_array(rng, (2, 5))
    for kwargs in ({}, {"norm": "ortho"}) + (({"n": 6},) if not name.endswith("n") else ({"s": (3, 4)},)):
        gradcheck(lambda T, t: getattr(T.fft, name)(t, **kwargs), x)
    if name in ("fft", "irfft"):   # both inputs kinds, and the gradient's own gradient
        x = complex_array(rng, (2, 5)) if name == "fft" else x
        t = mytorch.tensor(x, requires_grad=True)
        assert mytorch.autograd.gradgradcheck(lambda u: getattr(mytorch.fft, name)(u, norm="ortho"), [t])


def test_helpers(rng):
    for n, d in [(1, 1.0), (6, 1.0), (7, 0.1), (10, 2.5)]:
        same(lambda T: (T.fft.fftfreq(n, d), T.fft.rfftfreq(n, d), T.fft.fftfreq(n, d, dtype=T.float64)),
             atol=1e-7, rtol=1e-7)
    for x in (rng.standard_normal((4, 7)), rng.integers(0, 9, (5,)), complex_array(rng, (3, 4))):
        for dim in (None, 0, -1, (0, -1)):
            if dim is not None and x.ndim == 1 and dim != 0:
                continue
            same(lambda T: (T.fft.fftshift(T.tensor(x), dim), T.fft.ifftshift(T.tensor(x), dim)), atol=0, rtol=0)
    same(lambda T: T.fft.ifftshift(T.fft.fftshift(T.arange(9))), atol=0, rtol=0)
    assert mytorch.fft.fftfreq(4, requires_grad=True).requires_grad


def test_errors(rng):
    x, z = rng.standard_normal((3, 4)), complex_array(rng, (3, 4)).astype(np.complex64)
    raises_like(lambda T, t: T.fft.fft(t, n=0), x, match=["Invalid number of data points (0) specified"])
    raises_like(lambda T, t: T.fft.fft(t, norm="foo"), x, match=['Invalid normalization mode: "foo"'])
    raises_like(lambda T, t: T.fft.rfft(t), z, match=["rfft expects a real input tensor, but got ComplexFloat"])
    raises_like(lambda T, t: T.fft.ihfftn(t), z, match=["ihfftn expects a real input tensor"])
    raises_like(lambda T, t: T.fft.fft(t), x.astype(np.float16), match=["Unsupported dtype Half"])
    raises_like(lambda T, t: T.fft.fftn(t, dim=(0, 0)), x, match=["FFT dims must be unique"])
    raises_like(lambda T, t: T.fft.fft(t, dim=2), x)
    raises_like(lambda T, t: T.fft.fft(t), np.array(1.0), match=["no dimensions"])
    raises_like(lambda T, t: T.fft.irfft(t), np.ones(1, np.complex64), match=["Invalid number of data points (0)"])
    raises_like(lambda T, t: T.fft.fftn(t, s=(3,), dim=(0, 1)), x, match=["must have the same length"])
    raises_like(lambda T, t: T.fft.rfftn(t, dim=()), x, match=["rfftn must transform at least one axis"])
    with pytest.raises(RuntimeError, match="fftfreq requires a floating point or complex dtype"):
        mytorch.fft.fftfreq(4, dtype=mytorch.int64)


def test_empty_dims_and_torch_names(rng):
    x = rng.standard_normal((3, 4))
    check(lambda T, t: T.fft.fftn(t, dim=()), x)
    assert set(mytorch.fft.__all__) >= set(torch.fft.__all__) - {"Tensor"}
