"""mytorch.hub against torch.hub on a local repository folder (hubconf.py) and file:// checkpoints; GitHub and
other URLs refused with errors that say what to do offline."""
from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

import mytorch
import mytorch.hub as hub

HUBCONF = '''
dependencies = ["math"]
from blocks import width   # a module of the repository itself


def tiny_linear(out_features=3, bias=True):
    """A Linear layer from `width` features."""
    import {framework}
    return {framework}.nn.Linear(width, out_features, bias=bias)


def _private():
    return None


scale = 2.0  # not callable: no entrypoint
'''


def _repo(tmp_path, framework: str = "mytorch", dependencies: str = '["math"]'):
    repo = tmp_path / f"repo_{framework}"
    repo.mkdir(parents=True)
    (repo / "hubconf.py").write_text(HUBCONF.format(framework=framework).replace('["math"]', dependencies))
    (repo / "blocks.py").write_text("width = 5\n")
    return repo


def test_load_list_and_help_a_local_repository_like_torch_hub(tmp_path):
    repo, torch_repo = _repo(tmp_path), _repo(tmp_path, "torch")
    mytorch.manual_seed(0)
    layer = hub.load(str(repo), "tiny_linear", 4, source="local", bias=False)
    reference = torch.hub.load(str(torch_repo), "tiny_linear", 4, source="local", bias=False)
    assert isinstance(layer, mytorch.nn.Linear) and tuple(layer.weight.shape) == tuple(reference.weight.shape)
    assert layer.bias is None and reference.bias is None
    assert hub.list(str(repo), source="local") == ["tiny_linear"]
    assert hub.help(str(repo), "tiny_linear", source="local") == "A Linear layer from `width` features."
    assert mytorch.hub is hub  # as torch.hub after `import torch`


def test_what_torch_hub_refuses_is_refused_alike(tmp_path):
    repo, torch_repo = _repo(tmp_path), _repo(tmp_path, "torch")
    for load, where in ((hub.load, repo), (torch.hub.load, torch_repo)):
        with pytest.raises(RuntimeError, match="Cannot find callable scale in hubconf"):
            load(str(where), "scale", source="local")
        with pytest.raises(RuntimeError, match="Cannot find callable _missing in hubconf"):
            load(str(where), "_missing", source="local")
        with pytest.raises(ValueError, match="Invalid input: model should be a string of function name"):
            load(str(where), 3, source="local")
        with pytest.raises(ValueError, match='Unknown source: "pip"'):
            load(str(where), "tiny_linear", source="pip")
    for load, framework in ((hub.load, "mytorch"), (torch.hub.load, "torch")):
        needy = _repo(tmp_path / "needy", framework, dependencies='["math", "no_such_package_here"]')
        with pytest.raises(RuntimeError, match="Missing dependencies: no_such_package_here"):
            load(str(needy), "tiny_linear", source="local")


def test_github_is_not_available_offline(tmp_path):
    for call in (lambda: hub.load("pytorch/vision", "resnet18"), lambda: hub.list("pytorch/vision"),
                 lambda: hub.help("pytorch/vision", "resnet18")):
        with pytest.raises(RuntimeError, match=r"'pytorch/vision' from GitHub, which is not available offline.*"
                                               r"source='local'"):
            call()
    with pytest.raises(FileNotFoundError, match="hubconf.py does not exist"):
        hub.load(str(tmp_path), "x", source="local")


def test_get_dir_and_set_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(hub, "_hub_dir", None)
    monkeypatch.delenv("TORCH_HOME", raising=False)
    monkeypatch.setenv("MYTORCH_HOME", str(tmp_path / "home"))
    assert hub.get_dir() == str(tmp_path / "home" / "hub")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch_home"))
    assert hub.get_dir() == str(tmp_path / "torch_home" / "hub")  # what torch.hub.get_dir() says too
    assert torch.hub.get_dir() == hub.get_dir()
    hub.set_dir(tmp_path / "mine")
    assert hub.get_dir() == str(tmp_path / "mine")


def test_load_state_dict_from_a_file_url_written_by_torch(tmp_path):
    state = {"weight": torch.randn(3, 4), "step": torch.tensor(7)}
    torch.save(state, tmp_path / "src.pth")
    digest = hashlib.sha256((tmp_path / "src.pth").read_bytes()).hexdigest()
    named = tmp_path / f"tiny-{digest[:8]}.pth"
    named.write_bytes((tmp_path / "src.pth").read_bytes())
    cache = tmp_path / "cache"
    loaded = hub.load_state_dict_from_url(named.as_uri(), model_dir=str(cache), check_hash=True)
    reference = torch.hub.load_state_dict_from_url(named.as_uri(), model_dir=str(tmp_path / "torch_cache"),
                                                   check_hash=True)
    assert sorted(loaded) == sorted(reference)
    for k in state:
        np.testing.assert_array_equal(loaded[k].numpy(), reference[k].numpy())
    assert (cache / named.name).read_bytes() == named.read_bytes()
    named.unlink()  # the cached copy is used from now on
    again = hub.load_state_dict_from_url(named.as_uri(), model_dir=str(cache), file_name=named.name)
    np.testing.assert_array_equal(again["weight"].numpy(), state["weight"].numpy())


def test_file_url_errors(tmp_path):
    bad = tmp_path / "tiny-00000000.pth"
    bad.write_bytes(b"not what the hash says")
    with pytest.raises(RuntimeError, match='invalid hash value \\(expected "00000000"'):
        hub.load_state_dict_from_url(bad.as_uri(), model_dir=str(tmp_path / "c"), check_hash=True)
    assert not (tmp_path / "c" / bad.name).exists()  # nothing half-checked is left in the cache
    with pytest.raises(RuntimeError, match=r"only file:// URLs are read \(mytorch works offline\)"):
        hub.load_state_dict_from_url("https://download.pytorch.org/models/resnet18-f37072fd.pth",
                                     model_dir=str(tmp_path / "c"))
    with pytest.raises(FileNotFoundError, match="names no file"):
        hub.download_url_to_file((tmp_path / "absent.pth").as_uri(), str(tmp_path / "out.pth"))


def test_a_pytorch_hubconf_runs_under_the_torch_alias(tmp_path):
    """A PyTorch repository's hubconf.py says ``import torch``; under mytorch.as_torch() it builds mytorch's."""
    repo = _repo(tmp_path, "torch")
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(f"""
        import torch
        m = torch.hub.load({str(repo)!r}, "tiny_linear", 2, source="local")
        print(type(m).__module__.split(".")[0], tuple(m.weight.shape))
    """))
    out = subprocess.run([sys.executable, "-m", "mytorch", "run", str(script)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["mytorch", "(2,", "5)"]
