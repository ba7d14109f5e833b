"""Toy 2-D classification sets, seeded: moons, circles, blobs (scikit-learn's recipes), noisy moons, spiral.

Each ``make_*`` returns ``(X, y)``: X float [n, n_features] in the default dtype, y int64 [n]. As in
scikit-learn, `random_state` is an int seed, a ``mytorch.Generator``, or None for the global generator;
``shuffle=False`` keeps the classes in order and ``noise`` is the std of Gaussian noise added to X.
The noise-free shapes equal scikit-learn's exactly (computed in float64):

    moons    outer half circle (cos t, sin t), t in linspace(0, pi, n_out), label 0;
             inner half circle (1 - cos t, 1 - sin t - 1/2), t in linspace(0, pi, n_in), label 1
    circles  (cos t, sin t), t = 2 pi k / n_out, label 0; the same scaled by `factor`, label 1
    blobs    centers uniform in `center_box`; each point center + cluster_std * N(0, I), label = center
    spiral   arm k of K: r = s, theta = 2 pi (turns s + k / K) for s in linspace(0, 1, m), point r (cos, sin)

``toy_dataset(name)`` gives the settings the optimizer atlas uses, as a TensorDataset.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

from .. import _dtype as D
from .._tensor import Tensor
from ..ops.creation import arange, linspace, tensor, zeros
from ..ops.joining import cat, stack
from ..ops.random import Generator, default_generator, rand, randn, randperm
from ..utils.data import TensorDataset

__all__ = ["make_moons", "make_circles", "make_blobs", "make_noisy_moons", "make_spiral", "toy_dataset",
           "TOY_DATASETS"]

def _generator(random_state: int | Generator | None) -> Generator:
    if random_state is None:
        return default_generator
    if isinstance(random_state, Generator):
        return random_state
    if isinstance(random_state, int) and not isinstance(random_state, bool):
        return Generator().manual_seed(random_state)
    raise TypeError(f"random_state must be an int, a mytorch.Generator or None, not {type(random_state).__name__}")


def _split(n_samples: int | Sequence[int], op: str) -> tuple[int, int]:
    """(n_out, n_in): half each (the extra one inside) or the two counts given."""
    if isinstance(n_samples, int):
        if n_samples < 0:
            raise ValueError(f"{op}: n_samples must be >= 0, got {n_samples}")
        return n_samples // 2, n_samples - n_samples // 2
    if len(n_samples) != 2:
        raise ValueError(f"{op}: n_samples must be an int or a pair (n_out, n_in), got {n_samples}")
    return int(n_samples[0]), int(n_samples[1])


def _finish(x: Tensor, y: Tensor, shuffle: bool, noise: float | None, g: Generator) -> tuple[Tensor, Tensor]:
    """Shuffle rows, add noise (in that order, as scikit-learn does), cast X to the default dtype."""
    if shuffle:
        order = randperm(len(y), generator=g)
        x, y = x[order], y[order]
    if noise:
        x = x + noise * randn(*x.shape, generator=g, dtype=D.float64)
    return x.to(D.get_default_dtype()), y


def _labels(counts: Sequence[int]) -> Tensor:
    return cat([zeros(n, dtype=D.int64) + k for k, n in enumerate(counts)])


def make_moons(n_samples: int | Sequence[int] = 100, *, shuffle: bool = True, noise: float | None = None,
               random_state: int | Generator | None = None) -> tuple[Tensor, Tensor]:
    """Two interleaving half circles (scikit-learn's ``make_moons``)."""
    n_out, n_in = _split(n_samples, "make_moons")
    t_out = linspace(0, math.pi, n_out, dtype=D.float64)
    t_in = linspace(0, math.pi, n_in, dtype=D.float64)
    x = cat([stack([t_out.cos(), t_out.sin()], 1), stack([1 - t_in.cos(), 1 - t_in.sin() - 0.5], 1)])
    return _finish(x, _labels([n_out, n_in]), shuffle, noise, _generator(random_state))


def make_noisy_moons(n_samples: int | Sequence[int] = 100, *, shuffle: bool = True, noise: float = 0.3,
                     random_state: int | Generator | None = None) -> tuple[Tensor, Tensor]:
    """Moons blurred until they overlap (noise 0.3): no boundary separates them perfectly."""
    return make_moons(n_samples, shuffle=shuffle, noise=noise, random_state=random_state)


def make_circles(n_samples: int | Sequence[int] = 100, *, shuffle: bool = True, noise: float | None = None,
                 random_state: int | Generator | None = None, factor: float = 0.8) -> tuple[Tensor, Tensor]:
    """A small circle (label 1, radius `factor`) inside a large one (label 0), scikit-learn's ``make_circles``."""
    if not 0 <= factor < 1:
        raise ValueError(f"make_circles: 'factor' has to be between 0 and 1, got {factor}")
    n_out, n_in = _split(n_samples, "make_circles")
    t_out = arange(n_out, dtype=D.float64) * (2 * math.pi / max(n_out, 1))
    t_in = arange(n_in, dtype=D.float64) * (2 * math.pi / max(n_in, 1))
    x = cat([stack([t_out.cos(), t_out.sin()], 1), stack([t_in.cos(), t_in.sin()], 1) * factor])
    return _finish(x, _labels([n_out, n_in]), shuffle, noise, _generator(random_state))


def make_blobs(n_samples: int | Sequence[int] = 100, n_features: int = 2, *,
               centers: int | Sequence | Tensor | None = None, cluster_std: float | Sequence[float] = 1.0,
               center_box: tuple[float, float] = (-10.0, 10.0), shuffle: bool = True,
               random_state: int | Generator | None = None) -> tuple[Tensor, Tensor]:
    """Isotropic Gaussian clusters (scikit-learn's ``make_blobs``): `centers` is a count (3 by default,
    drawn uniformly in `center_box`) or the centers themselves; `n_samples` a total or a count per center."""
    g = _generator(random_state)
    if isinstance(centers, (int, type(None))):
        k = len(n_samples) if not isinstance(n_samples, int) else (3 if centers is None else centers)
        if centers is not None and not isinstance(n_samples, int) and centers != k:
            raise ValueError(f"make_blobs: {k} sample counts given for {centers} centers")
        low, high = center_box
        centers = low + (high - low) * rand(k, n_features, generator=g, dtype=D.float64)
    else:
        centers = tensor(centers, dtype=D.float64)
        n_features = centers.shape[1]
    k = centers.shape[0]
    if isinstance(n_samples, int):
        counts = [n_samples // k + (i < n_samples % k) for i in range(k)]
    elif len(n_samples) == k:
        counts = [int(n) for n in n_samples]
    else:
        raise ValueError(f"make_blobs: {len(n_samples)} sample counts given for {k} centers")
    stds = [float(cluster_std)] * k if isinstance(cluster_std, (int, float)) else [float(s) for s in cluster_std]
    if len(stds) != k:
        raise ValueError(f"make_blobs: {len(stds)} cluster_std values given for {k} centers")
    x = cat([centers[i] + stds[i] * randn(n, n_features, generator=g, dtype=D.float64) for i, n in enumerate(counts)])
    return _finish(x, _labels(counts), shuffle, None, g)


def make_spiral(n_samples: int = 100, *, n_classes: int = 2, turns: float = 1.0, noise: float | None = 0.05,
                shuffle: bool = True, random_state: int | Generator | None = None) -> tuple[Tensor, Tensor]:
    """`n_classes` interleaved spiral arms, each winding `turns` times out from the center (radius 1)."""
    if n_classes < 1:
        raise ValueError(f"make_spiral: n_classes must be >= 1, got {n_classes}")
    counts = [n_samples // n_classes + (i < n_samples % n_classes) for i in range(n_classes)]
    arms = []
    for k, m in enumerate(counts):
        s = linspace(0, 1, m, dtype=D.float64)
        theta = 2 * math.pi * (turns * s + k / n_classes)
        arms.append(stack([s * theta.cos(), s * theta.sin()], 1))
    return _finish(cat(arms), _labels(counts), shuffle, noise, _generator(random_state))


# name -> (maker, the atlas's settings): 2-D inputs of order 1, 2 or 3 classes
TOY_DATASETS: dict[str, tuple[Callable, dict]] = {
    "moons": (make_moons, {"noise": 0.1}),
    "circles": (make_circles, {"noise": 0.08, "factor": 0.5}),
    "blobs": (make_blobs, {"centers": 3, "cluster_std": 1.0, "center_box": (-4.0, 4.0)}),
    "noisy_moons": (make_noisy_moons, {}),
    "spiral": (make_spiral, {"noise": 0.05}),
}


def toy_dataset(name: str, n_samples: int = 1000, random_state: int | Generator | None = 0,
                **kwargs) -> TensorDataset:
    """``TensorDataset(X, y)`` of the toy set `name` (see TOY_DATASETS; "noisy-moons" works too), with the
    atlas's settings, overridable through kwargs."""
    key = name.replace("-", "_")
    if key not in TOY_DATASETS:
        raise ValueError(f"toy_dataset: unknown toy data set {name!r}; choose from {', '.join(TOY_DATASETS)}")
    make, settings = TOY_DATASETS[key]
    x, y = make(n_samples, random_state=random_state, **{**settings, **kwargs})
    return TensorDataset(x, y)
