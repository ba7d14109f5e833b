"""`mytorch atlas`: a --quick run writes the figures and tables, with sane accuracies."""
import csv

import pytest

import mytorch
from mytorch.atlas import QUICK, data, grid
from mytorch.cli import main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory, backend):
    """One --quick run on moons, shared by the tests that read its outputs (seconds, not minutes). Moons
    keep their shape whatever the random stream; blobs do not: with the C++ backend's Philox stream,
    seed 0 puts two blob centres 2.2 apart (stds 1-1.7), which caps any classifier near 86%."""
    out = tmp_path_factory.mktemp("atlas")
    assert main(["atlas", "--quick", "--datasets", "moons", "--out", str(out)]) == 0
    with open(out / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    return out, rows


def test_quick_run_writes_figure_and_tables(quick_run, capsys):
    out, rows = quick_run
    assert (out / "moons.png").read_bytes()[:8] == PNG_MAGIC
    assert len(rows) == len(grid.LOSSES) * len(grid.OPTIMIZERS) * len(grid.ACTIVATIONS)
    assert {(r["loss"], r["optimizer"], r["activation"]) for r in rows} == {
        (c.loss, c.optimizer, c.activation) for c in grid.cells("moons")}
    md = (out / "results.md").read_text()
    assert "## moons" in md and "![moons](moons.png)" in md and "Mean test accuracy" in md
    assert md.count("| cross-entropy |") == len(grid.OPTIMIZERS) * len(grid.ACTIVATIONS)


def test_quick_run_accuracies_are_sane(quick_run):
    _, rows = quick_run
    cell = {(r["loss"], r["optimizer"], r["activation"]): r for r in rows}
    best = cell[("cross-entropy", "Adam", "ReLU")]
    assert float(best["test accuracy"]) > 0.9 and float(best["train accuracy"]) > 0.9
    assert int(best["epochs to 95%"]) <= QUICK.epochs  # reached, so the field holds an epoch count
    accuracies = [float(r["test accuracy"]) for r in rows]
    assert all(0.0 <= a <= 1.0 for a in accuracies) and sum(accuracies) / len(accuracies) > 0.85
    for r in rows:
        assert float(r["final loss"]) >= 0 and float(r["seconds"]) > 0
        assert r["epochs to 95%"] == "" or 0 <= int(r["epochs to 95%"]) <= QUICK.epochs


def test_cell_training_is_seeded():
    toy = data.load("moons", seed=1, n_train=40, n_test=40, mesh=4)
    cell = grid.Cell("moons", "MSE", "SGD+momentum", "Tanh")
    a, b = (grid.train_cell(cell, toy, epochs=5, seed=3) for _ in range(2))
    assert (a.accuracy, a.final_loss, a.margins) == (b.accuracy, b.final_loss, b.margins)
    assert len(a.margins) == 2 and len(a.margins[0]) == 4 and len(a.margins[0][0]) == 4


def test_class_margins_are_positive_exactly_for_the_winner():
    logits = mytorch.tensor([[2.0, 0.5, -1.0], [0.0, 3.0, 1.0], [-2.0, -1.0, -0.5]])
    m = grid.class_margins(logits)
    assert m.tolist() == [[1.5, -1.5, -3.0], [-3.0, 2.0, -2.0], [-1.5, -0.5, 0.5]]
    assert ((m > 0).float().argmax(1) == logits.argmax(1)).all()


def test_unknown_dataset_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["atlas", "--datasets", "swirl"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "unknown dataset 'swirl'" in err and "noisy_moons" in err
