"""The op-overhead benchmark runs end to end and prints its ratio table (numbers are not checked)."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "op_overhead.py"


def test_op_overhead_quick(tmp_path, backend):
    out = tmp_path / "rows.json"
    # the environment is passed through untouched (OPENBLAS_CORETYPE may be set on this machine)
    cmd = [sys.executable, str(SCRIPT), "--quick", "--backend", backend, "--json", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=dict(os.environ))
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert re.search(r"^op\s+shape\s+mode\s+mytorch us\s+torch us\s+ratio$", text, re.M), text
    assert re.search(r"^add\s+16\s+fwd\s+[\d.]+\s+[\d.]+\s+[\d.]+x", text, re.M), text
    assert re.search(r"^geometric-mean ratio \(all\): [\d.]+x$", text, re.M), text
    rows = json.loads(out.read_text())["rows"]
    timed = [r for r in rows if "ratio" in r]
    assert timed and all(r["ratio"] > 0 for r in timed)
