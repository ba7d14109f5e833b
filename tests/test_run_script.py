"""`mytorch run SCRIPT`: ``python SCRIPT``'s semantics, with ``import torch`` answered by mytorch."""
from __future__ import annotations

import sys
import textwrap

import pytest

from run_script_helpers import mytorch_run


def run(tmp_path, source: str, *args: str, backend: str):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    return script, mytorch_run(script, *args, backend=backend, cwd=tmp_path)


def test_main_argv_and_exit_code(tmp_path, backend):
    (tmp_path / "helper.py").write_text("VALUE = 7\n")  # the script's folder comes first on sys.path
    script, done = run(tmp_path, """
        import sys
        import torch
        import helper
        print(__name__, sys.argv[1:], helper.VALUE, torch.ones(2).sum().item())
        if __name__ == "__main__":
            sys.exit(int(sys.argv[1]))
        """, "3", "--lr", "-h", backend=backend)
    assert done.stdout.split() == ["__main__", "['3',", "'--lr',", "'-h']", "7", "2.0"], done.stderr
    assert done.returncode == 3


def test_uncaught_exception_traceback_starts_in_the_script(tmp_path, backend):
    script, done = run(tmp_path, """
        import torch
        def f():
            return torch.ones(2, 3) @ torch.ones(2, 3)
        f()
        """, backend=backend)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1] == f'  File "{script}", line 5, in <module>', done.stderr
    assert "mytorch/commands" not in done.stderr and "runpy" not in done.stderr
    assert lines[-1].startswith("RuntimeError: ") and "shapes cannot be multiplied" in lines[-1]


@pytest.mark.parametrize("line, error", [
    ("torch.vmap(model)", "AttributeError: torch.vmap is not supported yet by mytorch (used at {}, line 4)"),
    ("import torch._dynamo", "ModuleNotFoundError: torch._dynamo is not supported yet by mytorch (used at {}, line 4)"),
    ("from torch.nn import quantized",
     "torch.nn.quantized is not supported yet by mytorch"),
])
def test_missing_names_are_named_with_the_script_line(tmp_path, backend, line, error):
    script, done = run(tmp_path, f"""
        import torch
        model = torch.nn.Linear(2, 2)
        {line}
        """, backend=backend)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == error.format(script), done.stderr
    assert "torch_alias" not in done.stderr  # no frames from inside the alias


def test_probing_for_missing_names_works(tmp_path, backend):
    _, done = run(tmp_path, """
        import torch
        try:
            import torch._dynamo
        except ImportError:
            print("no dynamo")
        print(hasattr(torch, "vmap"), getattr(torch.backends, "xla", None))
        """, backend=backend)
    assert done.stdout.split() == ["no", "dynamo", "False", "None"], done.stderr


def test_pytorch_module_paths(tmp_path, backend):
    _, done = run(tmp_path, """
        import mytorch
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.nn.modules.activation import MultiheadAttention
        from torch.nn.modules.linear import NonDynamicallyQuantizableLinear
        from torch.nn.modules.loss import _Loss
        from torch.nn.modules.module import Module
        from torch.nn.modules.batchnorm import _BatchNorm
        from torch.nn.modules.normalization import LayerNorm, RMSNorm
        from torch.optim.optimizer import Optimizer
        from torch.optim.lr_scheduler import LRScheduler
        from torch.utils.data.dataloader import DataLoader
        from torch.utils.data import Dataset, TensorDataset
        from torch.nn.utils import clip_grad_norm_
        pairs = [(MultiheadAttention, mytorch.nn.MultiheadAttention), (_Loss, mytorch.nn.modules.loss._Loss),
                 (Module, mytorch.nn.Module), (Optimizer, mytorch.optim.Optimizer), (F.relu, mytorch.nn.functional.relu),
                 (DataLoader, mytorch.utils.data.DataLoader), (RMSNorm, mytorch.nn.RMSNorm), (torch.Tensor, mytorch.Tensor),
                 (nn.functional, torch.nn.functional), (torch.nn.modules.module.Module, Module)]
        assert all(a is b for a, b in pairs), pairs
        assert issubclass(NonDynamicallyQuantizableLinear, nn.Linear) and issubclass(nn.BatchNorm1d, _BatchNorm)
        torch.backends.cudnn.benchmark = True   # writes reach mytorch's flags
        torch.backends.cuda.matmul.allow_tf32 = True
        assert mytorch.backends.cudnn.benchmark and mytorch.backends.cuda.matmul.allow_tf32
        assert "Linear" in dir(nn) and torch.__version__ == mytorch.__version__
        print("ok")
        """, backend=backend)
    assert done.stdout.strip() == "ok", done.stderr


def test_torchaudio_names(tmp_path, backend):
    """``import torchaudio`` is mytorch.audio: a script's audio front end runs on mytorch too."""
    _, done = run(tmp_path, """
        import torch
        import torchaudio
        import torchaudio.functional as AF
        from torchaudio.transforms import Resample
        import mytorch
        x = torch.randn(1, 160).clamp(-1, 1)
        torchaudio.save("a.wav", x, 16000)
        waveform, rate = torchaudio.load("a.wav")
        y = Resample(16000, 8000)(waveform)
        print(tuple(y.shape), rate, AF.resample is mytorch.audio.functional.resample)
        """, backend=backend)
    assert done.stdout.split() == ["(1,", "80)", "16000", "True"], done.stderr


def test_device_selection_idioms(tmp_path, backend):
    _, done = run(tmp_path, """
        import torch
        device = "cuda" if torch.cuda.is_available() else "mps" if torch.backends.mps.is_available() else "cpu"
        acc = torch.accelerator.current_accelerator()
        torch.cuda.manual_seed_all(0); torch.cuda.empty_cache()
        x = torch.ones(2, device=device)
        print(device, acc, torch.cuda.device_count(), x.is_cuda, x.is_cpu, x.is_mps, torch.cuda.memory_allocated())
        try:
            torch.ones(2).cuda()
        except AssertionError as e:
            print(e)
        """, backend=backend)
    out = done.stdout.splitlines()
    assert out[0] == "cpu None 0 False True False 0", done.stderr
    assert out[1].startswith("Torch not compiled with CUDA enabled: mytorch has no cuda backend yet")


def test_missing_script(tmp_path, backend):
    done = mytorch_run(tmp_path / "nope.py", backend=backend)
    assert done.returncode == 2 and "can't open file" in done.stderr


def test_as_torch_refuses_after_pytorch(backend):
    import torch  # noqa: F401  (the test process has PyTorch, the oracle, loaded)
    import mytorch
    assert "torch" in sys.modules
    with pytest.raises(RuntimeError, match="PyTorch is already imported"):
        mytorch.as_torch()


def test_as_torch_from_python(tmp_path, backend):
    """The notebook route: ``mytorch.as_torch()`` first, then ``import torch`` anywhere is mytorch."""
    _, done = run(tmp_path, """
        import mytorch
        torch = mytorch.as_torch()
        import torch as again
        from torch.nn import functional as F
        assert again is torch and F.relu is mytorch.nn.functional.relu and mytorch.as_torch() is torch
        print(torch.nn.Linear(3, 1)(torch.ones(2, 3)).shape)
        """, backend=backend)
    assert done.stdout.strip() == "mytorch.Size([2, 1])", done.stderr


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_spawned_workers_import_mytorch_as_torch(tmp_path, backend, method):
    # a spawned child runs the script again as __mp_main__ before it unpickles its work: its
    # `import torch` must be answered by mytorch there too (the poisoned torch on the path proves it)
    _, done = run(tmp_path, f"""
        import torch
        from torch.utils.data import DataLoader, Dataset

        class Squares(Dataset):
            def __len__(self):
                return 8
            def __getitem__(self, i):
                return torch.tensor(float(i * i))

        if __name__ == "__main__":
            loader = DataLoader(Squares(), batch_size=4, num_workers=2, multiprocessing_context="{method}")
            print([b.tolist() for b in loader], type(torch.ones(1)).__module__.split(".")[0])
        """, backend=backend)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("]] ") == ["[[0.0, 1.0, 4.0, 9.0], [16.0, 25.0, 36.0, 49.0", "mytorch\n"]
