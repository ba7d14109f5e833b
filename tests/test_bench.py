"""`mytorch bench`: the side-by-side orchestrator's arithmetic, and a quick real run as a coarse guard.

The real run is the CI guard of issue 11 against gross slowdowns: it compares mytorch with PyTorch in the same
job (never an absolute time) with bounds far below the targets, so a noisy machine cannot make it flake, while
a kernel falling back to a 10x slower path still fails it. It also checks that both sides of a training
workload start from the same loss: same seed, same weights, same computation.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench import markdown, parse_args, summarise  # noqa: E402


def fake_round(m: float, t: float, first=(2.3, 2.3)) -> dict:
    side = lambda tp, f: {"throughput": tp, "peak_mb": 100.0, "added_mb": 10.0, "values": [f, f / 2],  # noqa: E731
                          "unit": "samples/s", "training": True}
    return {"mytorch": side(m, first[0]), "torch": side(t, first[1]), "busy_before": 0.0}


def test_summary_takes_the_median_of_per_round_ratios():
    rounds = [fake_round(90, 100), fake_round(50, 100), fake_round(120, 100)]
    row = summarise("lenet", 2, rounds, noisy=1)
    assert row["ratio"] == pytest.approx(0.9) and row["ratio_min"] == pytest.approx(0.5)
    assert row["ratio_max"] == pytest.approx(1.2)
    assert row["mytorch"]["throughput"] == 90 and row["meets_target"] and row["first_values_agree"]
    table = markdown([row], "header")
    assert "0.90 (0.50–1.20) (1 noisy)" in table and "≥ 0.90 ✓" in table


def test_summary_flags_a_missed_target_and_different_first_losses():
    row = summarise("mlp", 1, [fake_round(50, 100, first=(2.3, 2.9))], noisy=0)
    assert not row["meets_target"] and row["first_values_agree"] is False
    table = markdown([row], "h")
    assert "✗" in table and "**differ**" in table


def test_tinygrad_columns_give_its_throughput_and_the_median_ratio():
    rounds = [fake_round(90, 100), fake_round(50, 100), fake_round(120, 100)]
    for r, tg in zip(rounds, (30, 10, 60)):
        r["tinygrad"] = {"throughput": tg, "values": [1.0, 0.5], "unit": "samples/s", "training": True}
    row = summarise("mlp", 2, rounds, noisy=0)
    assert row["tinygrad"] == {"throughput": 30, "ratio": pytest.approx(3.0)}  # ratios 3, 5, 2
    plain = summarise("ops", 2, [fake_round(90, 100)], noisy=0)
    table = markdown([row, plain], "h")
    assert "| tinygrad | m / tinygrad |" in table
    assert table.splitlines()[-2].endswith("| 30 | 3.00 |") and table.splitlines()[-1].endswith("| - | - |")
    assert "tinygrad" not in markdown([plain], "h")
    rounds[1]["tinygrad"] = {"error": "exit 1: RuntimeError: no usable devices"}
    assert "| failed: exit 1: RuntimeError: no usable devices | - |" in markdown([summarise("mlp", 2, rounds, 0)], "h")


def test_unknown_workload_is_a_usage_error(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--workloads", "mlp,nope"])
    assert "unknown workload(s) nope" in capsys.readouterr().err


# the cpp backend (the default) runs three workloads; the numpy backend one, to keep the suite short
FLOORS = {"cpp": {"ops": 0.15, "mlp": 0.2, "lenet": 0.1}, "numpy": {"mlp": 0.2}}


def test_quick_bench_runs_both_sides_and_guards_gross_regressions(tmp_path, backend):
    floors = FLOORS[backend]
    workloads = ",".join(floors)
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, "-m", "mytorch", "bench", "--quick", "--threads", "1", "--backend",
                           backend, "--workloads", workloads, "--quiet-timeout", "0", "--json", str(out),
                           "--markdown", str(tmp_path / "bench.md"), "--no-tinygrad"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {r["workload"]: r for r in json.loads(out.read_text())["rows"]}
    assert set(rows) == set(floors)
    for name, floor in floors.items():
        assert rows[name]["ratio"] > floor, f"{name}: mytorch at {rows[name]['ratio']:.2f}x PyTorch's throughput"
        if rows[name]["training"]:
            assert rows[name]["first_values_agree"], rows[name]
    table = (tmp_path / "bench.md").read_text()
    assert all(f"| {name} | 1 |" in table for name in floors), table


@pytest.mark.backend_independent  # the bench runs in a subprocess, on the default backend
def test_quick_bench_adds_tinygrad_where_installed(tmp_path):
    """The test extra installs tinygrad (and scripts/install_data.sh clang, its CPU compiler): GEMM, its quickest
    workload to compile, gets the third column with tinygrad's own figure."""
    pytest.importorskip("tinygrad", reason="the bench extra (pip install -e '.[bench]') is not installed")
    out = tmp_path / "bench.json"
    done = subprocess.run([sys.executable, "-m", "mytorch", "bench", "--quick", "--threads", "1", "--workloads",
                           "gemm,ops", "--quiet-timeout", "0", "--json", str(out), "--markdown", str(tmp_path / "b.md")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = {r["workload"]: r for r in json.loads(out.read_text())["rows"]}
    assert rows["gemm"]["tinygrad"]["throughput"] > 0, rows["gemm"]["tinygrad"]
    assert "tinygrad" not in rows["ops"]  # per-op overhead has no tinygrad counterpart: a lazy graph has no eager ops
    assert "| gemm | 1 | GFLOP/s |" in (tmp_path / "b.md").read_text()
