"""mytorch.load of PyTorch's legacy checkpoint format (torch.save before 1.6, here written by
``torch.save(..., _use_new_zipfile_serialization=False)``): every dtype, views of one storage, Parameters, state
dicts, read by the restricted unpickler unless weights_only=False, and damaged files named."""
from __future__ import annotations

import argparse
import io
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import mytorch
from helpers import TORCH_DTYPES
from test_serialization_torch import Boom, raw, torch_values


def _save_legacy(obj, path) -> None:
    torch.save(obj, path, _use_new_zipfile_serialization=False)




@pytest.mark.parametrize("dtype", list(TORCH_DTYPES), ids=str)
def test_tensors_of_every_dtype_and_their_views(dtype, tmp_path):
    tt = torch_values(TORCH_DTYPES[dtype], (3, 5))
    ref = {"t": tt, "col": tt[:, 1], "empty": tt[:0], "scalar": tt[1, 2], "t_T": tt.t()}
    _save_legacy(ref, tmp_path / "t.pt")
    out = mytorch.load(tmp_path / "t.pt")
    for k, r in ref.items():
        assert out[k].dtype is dtype and tuple(out[k].shape) == tuple(r.shape) and raw(out[k]) == raw(r), k
    assert out["t_T"].stride() == (1, 5)
    if dtype.is_floating_point:
        out["t"][1, 1] = 7.0  # one storage: the views see the write
        assert out["col"][1].item() == 7.0 and out["t_T"][1, 1].item() == 7.0


def test_state_dict_parameters_and_python_values_as_torch_loads_them(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
    p = torch.nn.Parameter(torch.randn(2))
    ckpt = {"model": model.state_dict(), "p": p, "frozen": torch.nn.Parameter(torch.ones(2), False),
            "epoch": 3, "betas": (0.9, 0.99), "name": "run", "dtype": torch.float16, "size": torch.Size([2, 3]),
            "nested": [{"a": [torch.arange(4)]}]}
    _save_legacy(ckpt, tmp_path / "c.pt")
    reference = torch.load(tmp_path / "c.pt", weights_only=True)
    out = mytorch.load(tmp_path / "c.pt")  # weights_only=True by default
    sd = out["model"]
    assert type(sd) is OrderedDict and list(sd) == list(reference["model"])
    assert sd._metadata == reference["model"]._metadata
    assert all(raw(sd[k]) == raw(v) for k, v in reference["model"].items())
    assert isinstance(out["p"], mytorch.nn.Parameter) and out["p"].requires_grad and raw(out["p"]) == raw(p)
    assert isinstance(out["frozen"], mytorch.nn.Parameter) and not out["frozen"].requires_grad
    for k in ("epoch", "betas", "name"):
        assert out[k] == reference[k]
    assert out["dtype"] is mytorch.float16 and out["size"] == (2, 3)
    assert out["nested"][0]["a"][0].tolist() == [0, 1, 2, 3]
    ours = mytorch.nn.Sequential(mytorch.nn.Linear(3, 4), mytorch.nn.BatchNorm1d(4))
    ours.load_state_dict(sd)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    np.testing.assert_allclose(ours.eval()(mytorch.tensor(x)).detach().numpy(),
                               model.eval()(torch.tensor(x)).detach().numpy(), rtol=1e-6, atol=1e-6)


def test_a_file_object_and_map_location(tmp_path):
    buf = io.BytesIO()
    _save_legacy({"w": torch.ones(2)}, buf)
    buf.seek(0)
    assert mytorch.load(buf, map_location="cpu")["w"].tolist() == [1.0, 1.0]


def test_code_in_the_pickle_never_runs_with_weights_only(tmp_path):
    marker = tmp_path / "ran"
    _save_legacy({"w": torch.ones(1), "x": Boom(str(marker))}, tmp_path / "evil.pt")
    with pytest.raises(pickle.UnpicklingError, match=r"evil\.pt.*(posix|os)\.system.*weights_only=False"):
        mytorch.load(tmp_path / "evil.pt")
    assert not marker.exists()
    _save_legacy({"w": torch.ones(2), "args": argparse.Namespace(lr=0.1)}, tmp_path / "ns.pt")
    with pytest.raises(pickle.UnpicklingError, match=r"argparse\.Namespace"):
        mytorch.load(tmp_path / "ns.pt")
    out = mytorch.load(tmp_path / "ns.pt", weights_only=False)  # the user's explicit choice
    assert out["args"].lr == 0.1 and out["w"].tolist() == [1.0, 1.0]


def test_damaged_files_are_named(tmp_path):
    _save_legacy({"w": torch.arange(6.0), "b": torch.ones(3, dtype=torch.int64)}, tmp_path / "ok.pt")
    data = (tmp_path / "ok.pt").read_bytes()
    for cut in (len(data) - 5, len(data) - 30, 200):
        (tmp_path / "cut.pt").write_bytes(data[:cut])
        with pytest.raises((RuntimeError, pickle.UnpicklingError), match="cut.pt"):
            mytorch.load(tmp_path / "cut.pt")
    bumped = bytearray(data)
    bumped[18] ^= 0x01  # the protocol version 1001 (pickled after the 15-byte magic number) becomes 1000
    (tmp_path / "version.pt").write_bytes(bytes(bumped))
    with pytest.raises(RuntimeError, match=r"version\.pt has the protocol version"):
        mytorch.load(tmp_path / "version.pt")
