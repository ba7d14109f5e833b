"""Complete PyTorch programs (tests/programs/) run unmodified under `mytorch run` and under PyTorch:
every printed number agrees to float32 tolerance, step by step, and the losses fall.

The programs start from weights and data computed by formula (programs/deterministic.py) rather than
from the random streams, which differ between the frameworks; the stochastic ones take `--fixed-noise`
for the same reason, and `test_programs_run_on_their_own_random_streams` runs them without it.
"""
from __future__ import annotations

import functools
import math
import re
import tempfile
from pathlib import Path

import pytest

from run_script_helpers import mytorch_run, python_run

PROGRAMS = Path(__file__).parent / "programs"

# (script, arguments, whether the "loss" column must fall from the first step to the last)
CASES = [
    ("regression.py", (), True),
    ("gpt_trainer.py", ("--steps", "6"), True),
    ("mnist_cnn.py", (), True),
    ("vae.py", ("--fixed-noise",), True),
    ("dcgan.py", ("--fixed-noise",), False),  # an adversarial game: neither loss need fall in 8 steps
    ("word_lm.py", ("--model", "LSTM"), True),
    ("word_lm.py", ("--model", "Transformer"), True),
    ("rnn_classifier.py", ("--epochs", "4"), True),
    ("rnn_packed.py", (), True),
    ("grad_scaler_loop.py", (), True),
    ("autocast_bf16.py", (), True),
    ("char_lm_tensorboard.py", (), True),
    ("sine_lbfgs.py", (), True),
    ("gcn_sparse.py", (), True),
    ("word2vec_sparse.py", (), True),
    ("super_resolution.py", (), True),
    ("reinforce.py", ("--fixed-noise",), False),  # prints episodes, whose objective need not fall
    ("neural_style.py", (), True),
    ("gat.py", (), True),
]
IDS = [f"{script[:-3]}{'-' + args[-1] if args else ''}" for script, args, _ in CASES]


@functools.cache
def torch_output(script: str, args: tuple[str, ...]) -> str:
    """The program's output under PyTorch: the same on every backend, so computed once (in a fresh folder,
    for the files it writes)."""
    done = python_run(PROGRAMS / script, *args, cwd=tempfile.mkdtemp())
    assert done.returncode == 0, done.stderr
    return done.stdout


# Programs whose numbers are bfloat16 computations: PyTorch's bfloat16 kernels round their partial sums on CPUs
# without AVX-512 BF16 (ours round once), so after a few steps the losses differ by a few 1e-4.
REL_TOL = {"autocast_bf16.py": 2e-3}


def assert_same_output(mine: str, theirs: str, rel_tol: float = 2e-4) -> None:
    """Line by line, token by token: numbers within float32 tolerance after a few steps, the rest equal."""
    assert len(mine.splitlines()) == len(theirs.splitlines()), (mine, theirs)
    for line_m, line_t in zip(mine.splitlines(), theirs.splitlines()):
        tokens_m, tokens_t = re.split(r"[\s,()\[\]]+", line_m), re.split(r"[\s,()\[\]]+", line_t)
        assert len(tokens_m) == len(tokens_t), (line_m, line_t)
        for a, b in zip(tokens_m, tokens_t):
            try:
                x, y = float(a), float(b)
            except ValueError:
                assert a == b, (line_m, line_t)
                continue
            assert math.isclose(x, y, rel_tol=rel_tol, abs_tol=2e-5), (line_m, line_t)


def losses(output: str) -> list[float]:
    return [float(m) for m in re.findall(r"^step \d+ loss (\S+)", output, re.MULTILINE)]


@pytest.mark.parametrize("script, args, falls", CASES, ids=IDS)
def test_program_matches_pytorch(script, args, falls, backend, tmp_path):
    theirs = torch_output(script, args)
    done = mytorch_run(PROGRAMS / script, *args, backend=backend, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert_same_output(done.stdout, theirs, REL_TOL.get(script, 2e-4))
    if falls:
        curve = losses(done.stdout)
        assert len(curve) >= 4 and curve[-1] < curve[0], curve


def test_gpt_checkpoint_resumes_exactly(backend, tmp_path):
    """Six steps in one run equal three, a checkpoint of model + AdamW state, and three more."""
    whole = mytorch_run(PROGRAMS / "gpt_trainer.py", "--steps", "6", backend=backend, cwd=tmp_path)
    first = mytorch_run(PROGRAMS / "gpt_trainer.py", "--steps", "3", "--out", "half.pt", backend=backend, cwd=tmp_path)
    rest = mytorch_run(PROGRAMS / "gpt_trainer.py", "--steps", "3", "--out", "half.pt", "--resume", backend=backend,
                       cwd=tmp_path)
    assert whole.returncode == first.returncode == rest.returncode == 0, rest.stderr
    steps = [line for line in whole.stdout.splitlines() if line.startswith("step")]
    assert steps == [line for out in (first, rest) for line in out.stdout.splitlines() if line.startswith("step")]


@pytest.mark.slow
@pytest.mark.parametrize("script", ["vae.py", "dcgan.py"])
def test_programs_run_on_their_own_random_streams(script, backend, tmp_path):
    done = mytorch_run(PROGRAMS / script, backend=backend, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(re.findall(r"^step \d+ loss", done.stdout, re.MULTILINE)) >= 8
