"""benchmarks/ddp_scaling.py end to end in its smoke mode: LeNet-5 at 1 and 2 processes under `mytorch launch`,
with the table, the figure and the JSON it writes (the numbers are not judged, only their sanity)."""
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_ddp_scaling_quick_writes_a_sane_table_and_figure(tmp_path, backend):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", "benchmarks.ddp_scaling", "--quick", "--workloads", "lenet",
                           "--backend", backend, "--out", str(tmp_path)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    rows = {r["nproc"]: r for r in json.loads((tmp_path / "ddp_scaling.json").read_text())["rows"]}
    assert sorted(rows) == [1, 2]
    for n, r in rows.items():
        assert r["workload"] == "lenet" and r["global_batch"] == 64 and r["samples_per_s"] > 0
        assert all(job["steps"] == 2 for job in r["jobs"])
    assert rows[1]["hidden_fraction"] is None and rows[1]["all_reduces_per_step"] == 0
    # LeNet-5's 61,706 float32 parameters fit DDP's first bucket (1 MiB): one all-reduce per step
    assert rows[2]["all_reduces_per_step"] == 1
    assert 0 <= rows[2]["wait_ms_per_step"] <= rows[2]["in_flight_ms_per_step"]
    assert 0 <= rows[2]["hidden_fraction"] <= 1
    table = (tmp_path / "ddp_scaling.md").read_text()
    assert "| lenet | 1 | 64 |" in table and "| lenet | 2 | 32 |" in table and "smoke run" in table
    assert (tmp_path / "ddp_scaling.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
