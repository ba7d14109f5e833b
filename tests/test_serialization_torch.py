"""PyTorch's checkpoint format both ways: torch.save -> mytorch.load and mytorch.save -> torch.load(weights_only=True),
with every dtype, views of one storage, Parameters, nested structures, optimizer state; the restricted unpickler
refusing what is not weights; truncated and bit-flipped archives."""
from __future__ import annotations

import argparse
import io
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import mytorch
from helpers import TORCH_DTYPES

DTYPES = list(TORCH_DTYPES)




def raw(t) -> bytes:
    """A tensor's values as bytes, from either framework (bfloat16 widened exactly to float32; torch's complex32,
    which NumPy lacks, as its float16 parts: the same bytes)."""
    t = t.detach()
    if isinstance(t, torch.Tensor):
        t = torch.view_as_real(t) if t.dtype == torch.complex32 else t
        return (t.float() if t.dtype == torch.bfloat16 else t).contiguous().numpy().tobytes()
    t = mytorch.view_as_real(t) if t.dtype is mytorch.complex32 else t  # .numpy() refuses complex32, as torch's
    return (t.float() if t.dtype is mytorch.bfloat16 else t).contiguous().numpy().tobytes()


def torch_values(dtype: torch.dtype, shape) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    return (torch.randn(*shape, generator=g, dtype=torch.float64) * 50).to(dtype)


# ---- PyTorch -> mytorch --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_torch_tensors_of_every_dtype_load(dtype, tmp_path):
    tt = torch_values(TORCH_DTYPES[dtype], (3, 5))
    torch.save({"t": tt, "col": tt[:, 1], "empty": tt[:0], "scalar": tt[1, 2]}, tmp_path / "t.pt")
    out = mytorch.load(tmp_path / "t.pt")
    for k in ("t", "col", "empty", "scalar"):
        ref = {"t": tt, "col": tt[:, 1], "empty": tt[:0], "scalar": tt[1, 2]}[k]
        assert out[k].dtype is dtype and tuple(out[k].shape) == tuple(ref.shape) and raw(out[k]) == raw(ref), k


def test_torch_views_of_one_storage_stay_views(tmp_path):
    base = torch.arange(12.0).reshape(3, 4)
    torch.save({"base": base, "t": base.t(), "row": base[1], "strided": base[:, ::2]}, tmp_path / "v.pt")
    out = mytorch.load(tmp_path / "v.pt")
    assert out["t"].stride() == (1, 4) and out["strided"].stride() == (4, 2)
    out["base"][1, 2] = -1.0
    assert out["row"][2].item() == -1.0 and out["t"][2, 1].item() == -1.0 and out["strided"][1, 1].item() == -1.0


def test_torch_parameters_and_requires_grad(tmp_path):
    p, frozen, leaf = torch.nn.Parameter(torch.randn(2)), torch.nn.Parameter(torch.ones(2), False), torch.ones(3)
    torch.save({"p": p, "frozen": frozen, "leaf": leaf.requires_grad_(), "alias": p.detach()}, tmp_path / "p.pt")
    out = mytorch.load(tmp_path / "p.pt")
    assert isinstance(out["p"], mytorch.nn.Parameter) and out["p"].requires_grad
    assert isinstance(out["frozen"], mytorch.nn.Parameter) and not out["frozen"].requires_grad
    assert type(out["leaf"]) is mytorch.Tensor and out["leaf"].requires_grad and out["leaf"].is_leaf
    with mytorch.no_grad():
        out["p"].add_(1)
    assert raw(out["alias"]) == raw(out["p"])  # a Parameter and its detached alias share a storage
    (out["leaf"] * 3).sum().backward()
    assert out["leaf"].grad.tolist() == [3.0, 3.0, 3.0]


def test_torch_state_dict_with_metadata_and_nested_structure(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    ckpt = {"model": model.state_dict(), "epoch": 3, "lr": 0.5, "name": "run", "betas": (0.9, 0.99),
            "flags": {True, False}, "blob": b"\x00\xff", "c": 1 + 2j, "dtype": torch.bfloat16,
            "device": torch.device("cpu"), "size": torch.Size([2, 3]), "none": None, "big": 2 ** 70,
            "nested": [{"a": [torch.ones(2)]}, (torch.zeros(1),)]}
    torch.save(ckpt, tmp_path / "c.pt")
    out = mytorch.load(tmp_path / "c.pt")
    sd = out["model"]
    assert type(sd) is OrderedDict and list(sd) == list(model.state_dict())
    assert sd._metadata == model.state_dict()._metadata
    assert all(raw(sd[k]) == raw(v) for k, v in model.state_dict().items())
    assert sd["1.num_batches_tracked"].dtype is mytorch.int64
    for k in ("epoch", "lr", "name", "betas", "flags", "blob", "c", "none", "big"):
        assert out[k] == ckpt[k] and type(out[k]) is type(ckpt[k]), k
    assert out["dtype"] is mytorch.bfloat16 and out["device"] == mytorch.device("cpu")
    assert out["size"] == (2, 3) and type(out["size"]) is mytorch.Size
    assert out["nested"][0]["a"][0].tolist() == [1.0, 1.0] and type(out["nested"][1]) is tuple
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    ours = mytorch.nn.Sequential(mytorch.nn.Linear(3, 4), mytorch.nn.BatchNorm1d(4), mytorch.nn.Linear(4, 2))
    ours.load_state_dict(sd)
    theirs.load_state_dict(model.state_dict())
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(ours.eval()(mytorch.tensor(x)).detach().numpy(),
                               theirs.eval()(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6)


def test_a_file_object_and_map_location(tmp_path):
    buf = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buf)
    buf.seek(0)
    assert mytorch.load(buf, map_location="cpu")["w"].tolist() == [1.0, 1.0]


def test_a_gpu_checkpoint_needs_map_location(tmp_path):
    torch.save({"w": torch.ones(2)}, tmp_path / "cpu.pt")
    with zipfile.ZipFile(tmp_path / "cpu.pt") as src, zipfile.ZipFile(tmp_path / "gpu.pt", "w") as dst:
        for info in src.infolist():  # what torch.save writes for a tensor on the first GPU
            data = src.read(info)
            dst.writestr(info.filename, data.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0"))
    with pytest.raises(RuntimeError, match=r"deserialize object on cuda:0.*map_location=mytorch.device\('cpu'\)"):
        mytorch.load(tmp_path / "gpu.pt")
    for where in ("cpu", {"cuda:0": "cpu"}, lambda storage, location: storage):
        assert mytorch.load(tmp_path / "gpu.pt", map_location=where)["w"].tolist() == [1.0, 1.0]


# ---- mytorch -> PyTorch --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_mytorch_tensors_of_every_dtype_load_in_torch(dtype, tmp_path):
    t = mytorch.tensor(torch_values(TORCH_DTYPES[dtype], (4, 3)).float().numpy()).to(dtype)
    mytorch.save({"t": t, "col": t[:, 1], "empty": t[:0], "scalar": t[2, 1]}, tmp_path / "m.pt")
    out = torch.load(tmp_path / "m.pt", weights_only=True)
    for k, ref in {"t": t, "col": t[:, 1], "empty": t[:0], "scalar": t[2, 1]}.items():
        assert out[k].dtype == TORCH_DTYPES[dtype] and tuple(out[k].shape) == tuple(ref.shape), k
        assert raw(out[k]) == raw(ref), k
    assert out["col"].untyped_storage().data_ptr() == out["t"].untyped_storage().data_ptr()


def test_mytorch_views_and_parameters_load_in_torch(tmp_path):
    base = mytorch.arange(24.0).reshape(4, 6)
    p = mytorch.nn.Parameter(mytorch.randn(3))
    mytorch.save({"tail": base[2:], "t": base.t(), "flipped": base.flip(0), "expanded": base[:1].expand(3, 6),
                  "p": p, "frozen": mytorch.nn.Parameter(mytorch.ones(1), requires_grad=False),
                  "leaf": mytorch.ones(2, requires_grad=True)}, tmp_path / "v.pt")
    out = torch.load(tmp_path / "v.pt", weights_only=True)
    ref = torch.arange(24.0).reshape(4, 6)
    for k, v in {"tail": ref[2:], "t": ref.t(), "flipped": ref.flip(0), "expanded": ref[:1].expand(3, 6)}.items():
        assert torch.equal(out[k], v), k
    assert out["tail"].storage_offset() == 12 and out["tail"].untyped_storage().nbytes() == 24 * 4
    out["t"][0, 3] = -1  # base[3, 0]: inside the saved span, shared with "tail"
    assert out["tail"][1, 0] == -1
    assert isinstance(out["p"], torch.nn.Parameter) and out["p"].requires_grad and raw(out["p"]) == raw(p)
    assert isinstance(out["frozen"], torch.nn.Parameter) and not out["frozen"].requires_grad
    assert out["leaf"].requires_grad and out["leaf"].is_leaf
    mytorch.save(base[3], tmp_path / "row.pt")  # a storage is saved as far as its saved tensors reach
    row = torch.load(tmp_path / "row.pt", weights_only=True)
    assert row.storage_offset() == 0 and row.untyped_storage().nbytes() == 6 * 4 and row.tolist() == ref[3].tolist()


def test_views_of_one_storage_as_two_dtypes_are_refused_as_pytorch_refuses_them(tmp_path):
    x = mytorch.arange(4.0)
    with pytest.raises(RuntimeError, match="view the same data as different types"):
        mytorch.save({"x": x, "bits": x.view(mytorch.int32)}, tmp_path / "x.pt")
    with pytest.raises(RuntimeError, match="view the same data as different types"):
        y = torch.arange(4.0)
        torch.save({"x": y, "bits": y.view(torch.int32)}, tmp_path / "t.pt")
    assert not (tmp_path / "x.pt").exists()
    mytorch.save({"bits": x.view(mytorch.int32)}, tmp_path / "x.pt")  # one dtype per storage is fine
    assert torch.load(tmp_path / "x.pt")["bits"].tolist() == torch.arange(4.0).view(torch.int32).tolist()


def test_the_archive_is_laid_out_as_pytorch_lays_it_out(tmp_path, monkeypatch):
    mytorch.save({"a": mytorch.ones(3), "b": mytorch.zeros(2, dtype=mytorch.int64)}, tmp_path / "model.v2.pt")
    z = zipfile.ZipFile(tmp_path / "model.v2.pt")
    assert z.namelist() == ["model.v2/data.pkl", "model.v2/.format_version", "model.v2/.storage_alignment",
                            "model.v2/byteorder", "model.v2/data/0", "model.v2/data/1", "model.v2/version",
                            "model.v2/.data/serialization_id"]
    assert z.read("model.v2/version") == b"3\n" and z.read("model.v2/byteorder") == b"little"
    for info in z.infolist():  # every record's bytes start at a multiple of 64, as PyTorch writes them
        local = (tmp_path / "model.v2.pt").read_bytes()[info.header_offset:info.header_offset + 30]
        start = info.header_offset + 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30],
                                                                                                  "little")
        assert start % 64 == 0, info.filename
    # PyTorch computes record offsets itself when it memory-maps a file; its debug mode checks them
    from torch.utils.serialization import config
    monkeypatch.setenv("TORCH_SERIALIZATION_DEBUG", "1")
    monkeypatch.setattr(config.load, "calculate_storage_offsets", True)
    out = torch.load(tmp_path / "model.v2.pt", weights_only=True, mmap=True)
    assert out["a"].tolist() == [1.0, 1.0, 1.0] and out["b"].dtype == torch.int64


def test_the_mytorch_model_state_dict_loads_into_torch(tmp_path):
    ours = mytorch.nn.Sequential(mytorch.nn.Linear(5, 8), mytorch.nn.ReLU(), mytorch.nn.Linear(8, 3))
    mytorch.save(ours.state_dict(), tmp_path / "m.pt")
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    theirs.load_state_dict(torch.load(tmp_path / "m.pt", weights_only=True))
    x = np.random.default_rng(1).standard_normal((4, 5)).astype(np.float32)
    np.testing.assert_allclose(ours(mytorch.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)


def test_optimizer_trained_in_torch_continues_in_mytorch_as_in_torch(tmp_path):
    """Three Adam steps in PyTorch, saved; mytorch loads model and optimizer and takes three more steps, which
    equal PyTorch's own next three steps."""
    torch.manual_seed(0)
    x = torch.randn(8, 5)
    theirs = torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.Tanh(), torch.nn.Linear(6, 1))
    opt = torch.optim.Adam(theirs.parameters(), lr=0.05, weight_decay=0.01)

    def step(model, optimizer, inp):
        optimizer.zero_grad()
        loss = model(inp).pow(2).mean()
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(3):
        step(theirs, opt, x)
    torch.save({"model": theirs.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "ckpt.pt")
    torch_losses = [step(theirs, opt, x) for _ in range(3)]

    ckpt = mytorch.load(tmp_path / "ckpt.pt")
    ours = mytorch.nn.Sequential(mytorch.nn.Linear(5, 6), mytorch.nn.Tanh(), mytorch.nn.Linear(6, 1))
    ours.load_state_dict(ckpt["model"])
    our_opt = mytorch.optim.Adam(ours.parameters(), lr=0.05, weight_decay=0.01)
    our_opt.load_state_dict(ckpt["optimizer"])
    our_losses = [step(ours, our_opt, mytorch.tensor(x.numpy())) for _ in range(3)]
    np.testing.assert_allclose(our_losses, torch_losses, rtol=1e-5)
    for a, b in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-5, atol=1e-6)
    # and back: mytorch's optimizer state loads into PyTorch's optimizer
    mytorch.save({"optimizer": our_opt.state_dict()}, tmp_path / "ours.pt")
    opt.load_state_dict(torch.load(tmp_path / "ours.pt", weights_only=True)["optimizer"])


# ---- weights_only=False and the allow-list ------------------------------------------------------------

class Net(mytorch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = mytorch.nn.Linear(3, 2)
        self.config = argparse.Namespace(width=2)

    def forward(self, x):
        return self.fc(x)


def test_a_whole_model_saves_and_loads_with_weights_only_false(tmp_path):
    model = Net()
    mytorch.save(model, tmp_path / "model.pt")
    with pytest.raises(pickle.UnpicklingError, match=r"Net.*weights_only=False.*add_safe_globals"):
        mytorch.load(tmp_path / "model.pt")
    loaded = mytorch.load(tmp_path / "model.pt", weights_only=False)
    assert type(loaded) is Net and loaded.config.width == 2
    x = mytorch.randn(4, 3)
    assert raw(loaded(x)) == raw(model(x))


def test_arbitrary_objects_with_weights_only_false(tmp_path):
    obj = {"array": np.arange(3.0), "args": argparse.Namespace(lr=0.1), "w": mytorch.ones(2)}
    mytorch.save(obj, tmp_path / "o.pt")
    out = mytorch.load(tmp_path / "o.pt", weights_only=False)
    assert out["array"].tolist() == [0.0, 1.0, 2.0] and out["args"].lr == 0.1 and out["w"].tolist() == [1.0, 1.0]


def test_safe_globals_allow_a_class(tmp_path):
    torch.save({"args": argparse.Namespace(lr=0.1, layers=[1, 2])}, tmp_path / "a.pt")
    with pytest.raises(pickle.UnpicklingError, match=r"argparse\.Namespace"):
        mytorch.load(tmp_path / "a.pt")
    with mytorch.serialization.safe_globals([argparse.Namespace]):
        assert mytorch.load(tmp_path / "a.pt")["args"] == argparse.Namespace(lr=0.1, layers=[1, 2])
        assert argparse.Namespace in mytorch.serialization.get_safe_globals()
    assert argparse.Namespace not in mytorch.serialization.get_safe_globals()
    mytorch.serialization.add_safe_globals([argparse.Namespace])
    try:
        assert mytorch.load(tmp_path / "a.pt")["args"].lr == 0.1
    finally:
        mytorch.serialization.clear_safe_globals()
    assert mytorch.serialization.get_safe_globals() == []


class Boom:
    """Unpickling calls os.system: it must never run under weights_only=True."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize("saver", ["torch", "pickle_in_archive"])
def test_a_malicious_pickle_is_refused_without_running(saver, tmp_path):
    marker = tmp_path / "ran"
    if saver == "torch":
        torch.save({"w": torch.ones(1), "x": Boom(str(marker))}, tmp_path / "evil.pt")
    else:  # an archive mytorch wrote, with its data.pkl swapped for a hostile one
        mytorch.save({"w": mytorch.ones(1)}, tmp_path / "good.pt")
        with zipfile.ZipFile(tmp_path / "good.pt") as src, zipfile.ZipFile(tmp_path / "evil.pt", "w") as dst:
            for info in src.infolist():
                data = src.read(info)
                dst.writestr(info.filename, pickle.dumps(Boom(str(marker)), protocol=2)
                             if info.filename.endswith("data.pkl") else data)
    with pytest.raises(pickle.UnpicklingError, match=r"evil\.pt.*(posix|os)\.system.*weights_only=False"):
        mytorch.load(tmp_path / "evil.pt")
    assert not marker.exists()


@pytest.mark.parametrize("payload, match", [
    (b"\x80\x02cbuiltins\neval\nX\x04\x00\x00\x001+1q\x00\x85R.", r"builtins\.eval"),
    (b"\x80\x02ctorch._utils\n_rebuild_qtensor\n.", r"torch\._utils\._rebuild_qtensor.*mytorch cannot"),
    (b"\x80\x02ccollections\nOrderedDict\n)R}X\x09\x00\x00\x00__class__NsbK\x01.", None),  # attributes only
    (b"\x80\x02]K\x01a(K\x02K\x03u.", r"sets items of a list"),
    (b"\x80\x02ccollections\nOrderedDict\n}b.", r"sets the state of a type"),
    (b"\x80\x02h\x05.", r"memo entry 5"),
    (b"\x80\x02X\x01\x00\x00\x00aQ.", r"persistent id must name a storage"),
    (b"\x80\x02c__builtin__\nset\nK\x01\x85R.", r"rebuilding with set failed"),
])
def test_the_restricted_unpickler_refuses_what_is_not_weights(payload, match, tmp_path):
    mytorch.save(1, tmp_path / "f.pt")
    with zipfile.ZipFile(tmp_path / "f.pt") as src, zipfile.ZipFile(tmp_path / "x.pt", "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, payload if info.filename.endswith("data.pkl") else src.read(info))
    if match is None:
        assert mytorch.load(tmp_path / "x.pt") == 1  # BUILD on an OrderedDict sets plain attributes, nothing else
        return
    with pytest.raises(pickle.UnpicklingError, match=match):
        mytorch.load(tmp_path / "x.pt")


def test_a_tensor_reaching_outside_its_storage_is_refused(tmp_path):
    mytorch.save({"w": mytorch.ones(4)}, tmp_path / "w.pt")
    with zipfile.ZipFile(tmp_path / "w.pt") as src, zipfile.ZipFile(tmp_path / "x.pt", "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("data.pkl"):  # size (4,) -> (9,): past the storage's 4 elements
                data = data.replace(b"K\x04\x85", b"K\x09\x85", 1)
            dst.writestr(info.filename, data)
    with pytest.raises(pickle.UnpicklingError, match="outside its storage of 4 elements"):
        mytorch.load(tmp_path / "x.pt")


# ---- damaged archives ----------------------------------------------------------------------------------

@pytest.fixture
def archive(tmp_path):
    path = tmp_path / "good.pt"
    obj = {"model": OrderedDict([("w", mytorch.randn(16, 16)), ("b", mytorch.randn(16))]), "epoch": 1}
    mytorch.save(obj, path)
    return path, obj


def test_every_truncation_is_named(archive):
    path, _ = archive
    data = path.read_bytes()
    for cut in list(range(0, len(data), 97)) + [len(data) - 1]:
        path.write_bytes(data[:cut])
        with pytest.raises(RuntimeError, match=f"{path.name} (is .*bytes long|is truncated or corrupted)"):
            mytorch.load(path)


def test_every_bit_flip_is_detected_or_harmless(archive):
    """A flipped bit anywhere either raises naming the file or hits bytes no reader uses (padding, times) and
    changes nothing; it never loads wrong values."""
    path, obj = archive
    data = path.read_bytes()
    harmless = 0
    for i in range(0, len(data), 7):
        flipped = bytearray(data)
        flipped[i] ^= 1 << (i % 8)
        path.write_bytes(bytes(flipped))
        try:
            out = mytorch.load(path)
        except (RuntimeError, pickle.UnpicklingError) as e:
            assert path.name in str(e), (i, e)
            continue
        harmless += 1
        assert out["epoch"] == 1 and all(raw(out["model"][k]) == raw(v) for k, v in obj["model"].items()), i
    assert harmless < len(data) // 7 // 2
