"""mytorch.save / mytorch.load: round trips in both formats (PyTorch's zip, the default, and safetensors),
sharing, atomic writes, the safetensors format's damaged files, PyTorch interop through safetensors.
PyTorch's zip format against PyTorch itself: test_serialization_torch.py."""
from __future__ import annotations

import io
import json
import math
import os
import pickle
import struct
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy
import safetensors.torch
import torch

import mytorch
from helpers import TORCH_DTYPES

DTYPES = list(TORCH_DTYPES)




FORMATS = ["torch", "safetensors"]


@pytest.fixture(params=FORMATS)
def fmt(request) -> str:
    return request.param


@pytest.fixture
def roundtrip(fmt, tmp_path):
    def save_and_load(obj, **kwargs):
        path = tmp_path / "ckpt.pt"
        mytorch.save(obj, path, format=fmt)
        return mytorch.load(path, **kwargs)
    return save_and_load


def bits(t: mytorch.Tensor) -> bytes:
    """The exact bytes of a tensor's values (bfloat16 through its float32 widening, which is exact; complex32, whose
    .numpy() raises as torch's does, as its float16 parts)."""
    t = mytorch.view_as_real(t) if t.dtype is mytorch.complex32 else t
    return (t.float() if t.dtype is mytorch.bfloat16 else t).contiguous().numpy().tobytes()


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("shape", [(), (0,), (3, 0), (2, 3, 4)])
def test_tensor_roundtrip_every_dtype(dtype, shape, roundtrip):
    src = (mytorch.randn(*shape, dtype=mytorch.float64) * 50).to(dtype)
    out = roundtrip(src)
    assert out.dtype is dtype and out.shape == src.shape and bits(out) == bits(src)


@pytest.mark.parametrize("view", ["transposed", "strided", "expanded", "offset"])
def test_non_contiguous_views_save_their_values(view, roundtrip):
    base = mytorch.arange(24, dtype=mytorch.float32).reshape(4, 6)
    t = {"transposed": base.t(), "strided": base[::2, 1::3], "expanded": base[:1].expand(3, 6),
         "offset": base[2:]}[view]
    out = roundtrip(t)
    assert out.tolist() == t.tolist()


def test_special_float_values(roundtrip):
    t = mytorch.tensor([math.nan, math.inf, -math.inf, -0.0, 1e-45])
    out = roundtrip(t)
    assert bits(out) == bits(t)


def test_state_dict_keeps_order_and_type(roundtrip):
    sd = OrderedDict((k, mytorch.randn(2)) for k in ["z.weight", "a.bias", "m.running_mean", "b"])
    out = roundtrip(sd)
    assert type(out) is OrderedDict and list(out) == list(sd)
    assert all(bits(out[k]) == bits(sd[k]) for k in sd)


def test_state_dict_file_is_a_plain_safetensors_state_dict(tmp_path):
    """Other readers see the state dict's own keys as tensor names."""
    sd = OrderedDict([("fc.weight", mytorch.randn(3, 2)), ("fc.bias", mytorch.zeros(3))])
    mytorch.save(sd, tmp_path / "m.safetensors", format="safetensors")
    theirs = safetensors.torch.load_file(tmp_path / "m.safetensors")
    assert sorted(theirs) == sorted(sd)
    np.testing.assert_array_equal(theirs["fc.weight"].numpy(), sd["fc.weight"].numpy())


def test_checkpoint_structure_and_scalar_types(roundtrip):
    ckpt = {
        "epoch": 3, "lr": 0.1, "best": float("inf"), "loss": float("nan"), "done": False, "note": "héllo ✓",
        "missing": None, "betas": (0.9, 0.999), "milestones": [1, 2], "int_keys": {0: "a", 1: {"deep": [[]]}},
        "mixed_keys": {2.5: 1, True: 2, None: 3, "s": 4}, "dtype": mytorch.bfloat16, "device": mytorch.device("cpu"),
        "empty": {}, "nested": [{"t": mytorch.ones(2)}, (mytorch.arange(3),)],
    }
    out = roundtrip(ckpt)
    assert list(out) == list(ckpt) and type(out) is dict
    for k in ("epoch", "lr", "best", "done", "note", "missing", "milestones", "int_keys", "empty", "mixed_keys"):
        assert out[k] == ckpt[k] and type(out[k]) is type(ckpt[k]), k
    assert math.isnan(out["loss"])
    assert type(out["betas"]) is tuple and out["betas"] == (0.9, 0.999)
    assert type(out["epoch"]) is int and type(out["lr"]) is float and type(out["done"]) is bool
    assert list(out["mixed_keys"]) == [2.5, True, None, "s"]
    assert out["dtype"] is mytorch.bfloat16 and out["device"] == mytorch.device("cpu")
    assert out["nested"][0]["t"].tolist() == [1.0, 1.0] and type(out["nested"][1]) is tuple
    assert out["nested"][1][0].tolist() == [0, 1, 2]


def test_requires_grad_and_parameters_are_restored(roundtrip):
    p = mytorch.nn.Parameter(mytorch.randn(2, 2))
    frozen = mytorch.nn.Parameter(mytorch.randn(2), requires_grad=False)
    leaf = mytorch.randn(3, requires_grad=True)
    out = roundtrip({"p": p, "frozen": frozen, "leaf": leaf, "plain": leaf.detach() * 2})
    assert isinstance(out["p"], mytorch.nn.Parameter) and out["p"].requires_grad and out["p"].is_leaf
    assert isinstance(out["frozen"], mytorch.nn.Parameter) and not out["frozen"].requires_grad
    assert type(out["leaf"]) is mytorch.Tensor and out["leaf"].requires_grad and out["leaf"].is_leaf
    assert not out["plain"].requires_grad
    (out["leaf"] * 2).sum().backward()
    assert out["leaf"].grad.tolist() == [2.0, 2.0, 2.0]


def test_loaded_tensors_are_writable(roundtrip):
    out = roundtrip({"w": mytorch.zeros(3)})
    out["w"].add_(1)
    assert out["w"].tolist() == [1.0, 1.0, 1.0]


def names_in(path: Path) -> list[str]:
    return sorted(safetensors.numpy.load_file(path))


def test_safetensors_stores_shared_tensors_once(tmp_path):
    w = mytorch.randn(4, 3)
    path = tmp_path / "tied.safetensors"
    # the same object twice, and two aliases of one storage (what state_dict() gives for tied weights)
    mytorch.save({"a": w, "b": w, "enc.weight": w.detach(), "dec.weight": w.detach(), "row": w[1]}, path,
                 format="safetensors")
    assert names_in(path) == ["a", "row"]
    out = mytorch.load(path)
    assert out["a"] is out["b"] is out["enc.weight"] is out["dec.weight"]
    out["a"].mul_(0)
    assert out["row"].abs().sum().item() != 0  # a different view is its own copy


def test_parameter_and_its_alias_share_storage_after_load(roundtrip):
    p = mytorch.nn.Parameter(mytorch.zeros(2))
    out = roundtrip([p, p.detach(), p])
    assert out[0] is out[2] and isinstance(out[0], mytorch.nn.Parameter) and out[1] is not out[0]
    with mytorch.no_grad():
        out[0].add_(5)
    assert out[1].tolist() == [5.0, 5.0]


def test_empty_tensors_are_kept_apart(roundtrip):
    out = roundtrip([mytorch.zeros(0), mytorch.zeros(0)])
    assert out[0] is not out[1]


def test_dotted_keys_that_collide_with_nested_paths(roundtrip):
    obj = {"a.b": mytorch.ones(1), "a": {"b": mytorch.zeros(1)}}
    out = roundtrip(obj)
    assert out["a.b"].item() == 1.0 and out["a"]["b"].item() == 0.0


def test_file_objects(fmt):
    buf = io.BytesIO()
    obj = {"w": mytorch.randn(2, 2, dtype=mytorch.float64).to(mytorch.bfloat16), "step": 7}
    mytorch.save(obj, buf, format=fmt)
    buf.seek(0)
    out = mytorch.load(buf)
    assert out["step"] == 7 and bits(out["w"]) == bits(obj["w"]) and out["w"].dtype is mytorch.bfloat16


def test_str_and_pathlike_paths(tmp_path):
    mytorch.save(mytorch.ones(1), str(tmp_path / "a.st"))
    assert mytorch.load(str(tmp_path / "a.st"), weights_only=False).tolist() == [1.0]


def test_map_location(fmt, tmp_path):
    path = tmp_path / "m.st"
    mytorch.save({"w": mytorch.ones(2)}, path, format=fmt)
    for where in ("cpu", mytorch.device("cpu"), {"cpu": "cpu"}, {"cuda:0": "cpu"}, lambda storage, loc: storage):
        assert mytorch.load(path, map_location=where)["w"].device == mytorch.device("cpu")
    with pytest.raises(TypeError, match="map_location"):
        mytorch.load(path, map_location=3)


def test_safetensors_names_what_it_cannot_save(tmp_path):
    with pytest.raises(TypeError, match=r"can't save object at model\.layers\.1"):
        mytorch.save({"model": {"layers": [1, object()]}}, tmp_path / "x.st", format="safetensors")
    with pytest.raises(TypeError, match="dict keys"):
        mytorch.save({(1, 2): 3}, tmp_path / "x.st", format="safetensors")
    cyclic: list = [1]
    cyclic.append(cyclic)
    with pytest.raises(ValueError, match="contains itself"):
        mytorch.save(cyclic, tmp_path / "x.st", format="safetensors")
    assert not list(tmp_path.iterdir())  # nothing written, no temporary left behind


def test_unpicklable_objects_write_nothing(tmp_path):
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        mytorch.save({"f": lambda x: x}, tmp_path / "x.pt")
    assert not list(tmp_path.iterdir())


def test_save_replaces_atomically_and_leaves_no_temporary(fmt, tmp_path):
    path = tmp_path / "ckpt.st"
    mytorch.save({"v": 1}, path, format=fmt)
    mytorch.save({"v": 2}, path, format=fmt)
    assert mytorch.load(path) == {"v": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.st"]


def test_a_failed_write_keeps_the_old_file(fmt, tmp_path, monkeypatch):
    path = tmp_path / "ckpt.st"
    mytorch.save({"v": mytorch.ones(2)}, path, format=fmt)

    def crash(*args, **kwargs):
        raise OSError("disk full")

    def write_half(*args, **kwargs):
        Path(args[1]).write_bytes(b"half a file")
        crash()

    monkeypatch.setattr(safetensors.numpy, "save_file", write_half)
    monkeypatch.setattr(mytorch.serialization.ZipWriter, "write_record",
                        lambda w, name, data: crash() if name.startswith("data/") else w._emit(data))
    with pytest.raises(OSError, match="disk full"):
        mytorch.save({"v": mytorch.zeros(2)}, path, format=fmt)
    monkeypatch.undo()
    assert mytorch.load(path)["v"].tolist() == [1.0, 1.0]
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.st"]


def test_writes_are_synced_before_the_rename(fmt, tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    mytorch.save({"w": mytorch.ones(3)}, tmp_path / "c.st", format=fmt)
    assert events == ["fsync", "replace", "fsync"]  # the file, the rename, then the directory


def test_new_files_follow_the_umask(fmt, tmp_path):
    old = os.umask(0o022)
    try:
        mytorch.save(mytorch.ones(1), tmp_path / "c.st", format=fmt)
    finally:
        os.umask(old)
    assert (tmp_path / "c.st").stat().st_mode & 0o777 == 0o644


@pytest.fixture
def saved(tmp_path) -> Path:
    path = tmp_path / "good.safetensors"
    mytorch.save({"model": OrderedDict([("w", mytorch.randn(16, 16)), ("b", mytorch.randn(16))]), "epoch": 1},
                 path, format="safetensors")
    return path


@pytest.mark.parametrize("keep", [0, 3, 8, 20, "header", "data"])
def test_truncated_files_raise_naming_the_file(saved, keep):
    raw = saved.read_bytes()
    header_end = 8 + struct.unpack("<Q", raw[:8])[0]
    cut = {"header": header_end - 5, "data": header_end + 100}.get(keep, keep)
    saved.write_bytes(raw[:cut])
    what = "too short for a checkpoint" if cut < 10 else "truncated or corrupted"
    with pytest.raises(RuntimeError, match=f"{saved.name}.*{what}"):
        mytorch.load(saved)


def test_flipped_tensor_bytes_fail_the_checksum(saved):
    raw = bytearray(saved.read_bytes())
    raw[-7] ^= 0x10
    saved.write_bytes(bytes(raw))
    with pytest.raises(RuntimeError, match=f"{saved.name}.*CRC-32"):
        mytorch.load(saved)


def rewrite_metadata(path: Path, edit) -> None:
    """Rewrite the file with its __mytorch__ JSON string passed through edit()."""
    arrays = safetensors.numpy.load_file(path)
    with safetensors.safe_open(path, "numpy") as f:
        meta = f.metadata()
    meta["__mytorch__"] = edit(meta["__mytorch__"])
    safetensors.numpy.save_file(arrays, path, metadata=meta)


@pytest.mark.parametrize("edit, match", [
    (lambda s: s[:-3], "unreadable __mytorch__ metadata"),
    (lambda s: s.replace('"tensor": "model.w"', '"tensor": "nope"'), "lacks"),
    (lambda s: s.replace('"odict"', '"exec"'), "unknown node type 'exec'"),
    (lambda s: s.replace('"epoch", 1', '"epoch", [1]'), "unexpected node"),
    (lambda s: s.replace('"dict": [', '"dict": 5, "x": ['), "unexpected node"),
    (lambda s: s.replace('["w", {"tensor": "model.w"}]', '["w", {"tensor": "model.w"}, 2]'), "malformed"),
    (lambda s: s.replace('"version": 1', '"version": 99'), "newer mytorch"),
])
def test_damaged_metadata_raises_naming_the_file(saved, edit, match):
    rewrite_metadata(saved, edit)
    with pytest.raises(RuntimeError, match=match) as info:
        mytorch.load(saved)
    assert saved.name in str(info.value)


def test_files_that_are_no_checkpoint_say_what_they_are(tmp_path):
    for name, content, what in [("empty", b"", "is 0 bytes long"), ("text", b"hello world, not a checkpoint at all",
                                 "is not a checkpoint .*b'hello world"),
                                ("plain.pkl", pickle.dumps({"a": 1}), "is a plain pickle, not a checkpoint")]:
        (tmp_path / name).write_bytes(content)
        with pytest.raises(RuntimeError, match=what) as info:
            mytorch.load(tmp_path / name)
        assert name in str(info.value) and "truncated or corrupted" not in str(info.value)
    with pytest.raises(FileNotFoundError, match="nowhere"):
        mytorch.load(tmp_path / "nowhere")
    with pytest.raises(IsADirectoryError, match=str(tmp_path)):
        mytorch.load(tmp_path)


def test_save_names_a_missing_parent_directory_or_a_directory_target(fmt, tmp_path):
    with pytest.raises(RuntimeError, match=f"Parent directory {tmp_path / 'no' / 'such'} does not exist"):
        mytorch.save({"v": 1}, tmp_path / "no" / "such" / "x.pt", format=fmt)
    with pytest.raises(IsADirectoryError, match=str(tmp_path)):
        mytorch.save({"v": 1}, tmp_path, format=fmt)


def test_format_is_documented_json_in_metadata(saved):
    with safetensors.safe_open(saved, "numpy") as f:
        header = json.loads(f.metadata()["__mytorch__"])
    assert header["version"] == 1
    assert header["tree"] == {"dict": [["model", {"odict": [["w", {"tensor": "model.w"}],
                                                            ["b", {"tensor": "model.b"}]]}], ["epoch", 1]]}
    assert set(header["crc32"]) == {"model.w", "model.b"}


# ---- PyTorch interop ----------------------------------------------------------------------------------

def make_mlp(T):
    T.manual_seed(0)
    return T.nn.Sequential(T.nn.Linear(5, 8), T.nn.ReLU(), T.nn.Linear(8, 3))


def test_torch_state_dict_via_safetensors_loads_into_a_mytorch_model(tmp_path):
    theirs = make_mlp(torch)
    path = tmp_path / "torch_model.safetensors"
    safetensors.torch.save_file(theirs.state_dict(), path)
    sd = mytorch.load(path)
    assert set(sd) == set(theirs.state_dict())
    ours = make_mlp(mytorch)
    ours.load_state_dict(sd)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    np.testing.assert_allclose(ours(mytorch.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)


def test_mytorch_state_dict_loads_into_a_torch_model(tmp_path):
    ours = make_mlp(mytorch)
    with mytorch.no_grad():
        for p in ours.parameters():
            p.mul_(1.5)
    path = tmp_path / "ours.safetensors"
    mytorch.save(ours.state_dict(), path, format="safetensors")
    theirs = make_mlp(torch)
    theirs.load_state_dict(safetensors.torch.load_file(path))
    x = np.random.default_rng(1).standard_normal((4, 5)).astype(np.float32)
    np.testing.assert_allclose(ours(mytorch.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("dtype", [d for d in DTYPES if d not in (mytorch.complex128, mytorch.complex32)],
                         ids=str)  # safetensors lacks them
def test_torch_safetensors_dtypes_load_exactly(dtype, tmp_path):
    tt = (torch.randn(3, 4, dtype=torch.float64) * 50).to(TORCH_DTYPES[dtype])
    safetensors.torch.save_file({"x": tt}, tmp_path / "t.st")
    out = mytorch.load(tmp_path / "t.st")["x"]
    assert out.dtype is dtype
    ref = tt.float() if tt.dtype == torch.bfloat16 else tt
    assert bits(out) == ref.numpy().tobytes()


def test_optimizer_checkpoint_resumes_exactly(fmt, tmp_path):
    def run(steps, resume_from=None):
        model = make_mlp(mytorch)
        opt = mytorch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99))
        if resume_from is not None:
            ckpt = mytorch.load(resume_from)
            model.load_state_dict(ckpt["model"])
            opt.load_state_dict(ckpt["optim"])
        x = mytorch.randn(6, 5, generator=mytorch.Generator().manual_seed(3))
        for _ in range(steps):
            opt.zero_grad()
            model(x).pow(2).mean().backward()
            opt.step()
        return model, opt

    full, _ = run(6)
    half, opt = run(3)
    mytorch.save({"model": half.state_dict(), "optim": opt.state_dict()}, tmp_path / "c.st", format=fmt)
    resumed, _ = run(3, resume_from=tmp_path / "c.st")
    for a, b in zip(full.parameters(), resumed.parameters()):
        assert bits(a.detach()) == bits(b.detach())


def test_save_file_and_load_file_as_the_safetensors_package(tmp_path):
    tensors = {"w": mytorch.randn(3, 2).t(), "h": mytorch.ones(2, dtype=mytorch.bfloat16)}
    mytorch.serialization.save_file(tensors, tmp_path / "m.safetensors", metadata={"note": "hi"})
    theirs = safetensors.torch.load_file(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(theirs["w"].numpy(), tensors["w"].numpy())
    with safetensors.safe_open(tmp_path / "m.safetensors", "numpy") as f:
        assert f.metadata() == {"note": "hi"}
    safetensors.torch.save_file({"x": torch.arange(4.0)}, tmp_path / "t.safetensors")
    assert mytorch.serialization.load_file(tmp_path / "t.safetensors")["x"].tolist() == [0.0, 1.0, 2.0, 3.0]
