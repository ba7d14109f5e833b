"""``mytorch bench`` / ``python -m benchmarks``: every workload on mytorch and on PyTorch, side by side.

Method (why each rule is there):
- Each measurement is a fresh process (benchmarks/child.py), because a process's speed on a shared machine
  depends on luck that lasts its lifetime (where its memory landed, which core it got); a round is one
  mytorch process and one PyTorch process, in alternating order (A B, then B A, ...), so drift in the
  machine's load falls on both sides alike.
- The ratio is mytorch's throughput over PyTorch's within a round; the table gives the median of the rounds'
  ratios with their min and max, so one lucky or unlucky process cannot move the headline.
- Both sides get the same thread count (OMP/MKL/OpenBLAS variables and set_num_threads) and the same seed;
  a training workload starts from the same weights and batch on both sides, so the first losses agree
  unless one side computes something else (a fast but wrong framework shows there).
- Before each round the orchestrator waits until other processes use less than `--quiet` cores (from
  /proc/stat), up to `--quiet-timeout` seconds, and marks the round noisy when the machine never got quiet.
- Where tinygrad is installed (and `--no-tinygrad` is not given), the workloads it can express
  (benchmarks/workloads/tinygrad_side.py) get a third process per round, in rotating order, and the table two
  more columns: its throughput and the median ratio mytorch/tinygrad. A tinygrad failure fills its column only.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from ._harness import add_round_options, cpu_name, parse_round_options
from .workloads import WORKLOADS

ROOT = Path(__file__).resolve().parent.parent
FRAMEWORKS = ("mytorch", "torch")  # the two sides every workload has; tinygrad is a third where it can run


def sides(workload: str, args: argparse.Namespace) -> tuple[str, ...]:
    """The frameworks one round of `workload` runs: mytorch and PyTorch, and tinygrad where it is installed and
    has the workload."""
    from .workloads.tinygrad_side import TINYGRAD

    if args.tinygrad and workload in TINYGRAD and importlib.util.find_spec("tinygrad") is not None:
        return FRAMEWORKS + ("tinygrad",)
    return FRAMEWORKS


def cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU jiffies of the whole machine since boot, from /proc/stat's first line."""
    with open("/proc/stat") as stat:
        fields = [float(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_cores(interval: float = 1.0) -> float:
    """How many cores' worth of CPU the machine used over `interval` seconds (we are idle meanwhile)."""
    busy0, total0 = cpu_seconds()
    time.sleep(interval)
    busy1, total1 = cpu_seconds()
    return (busy1 - busy0) / max(total1 - total0, 1e-9) * (os.cpu_count() or 1)


def wait_for_quiet(threshold: float, timeout: float) -> tuple[bool, float]:
    """Wait until other processes use under `threshold` cores; (became quiet, last reading)."""
    deadline = time.monotonic() + timeout
    while True:
        busy = busy_cores()
        if busy < threshold:
            return True, busy
        if time.monotonic() > deadline:
            return False, busy


def assets(workloads: list[str]) -> dict[str, str]:
    """Where the chosen pretrained workloads' files are (environment for the children); missing ones are left
    out, and their workloads report why."""
    found: dict[str, str] = {}
    for workload, locate in ASSETS.items():
        if workload not in workloads:
            continue
        try:
            found.update(locate())
        except Exception as exc:  # noqa: BLE001 (any failure means: not installed here; the row says which)
            found[f"MYTORCH_BENCH_{workload.upper()}_MISSING"] = str(exc)
    return found


def smollm2_assets() -> dict[str, str]:
    """The SmolLM2 GGUF file."""
    from mytorch.models.gguf_loader import gguf_path

    return {"MYTORCH_BENCH_SMOLLM2": gguf_path("smollm2-135m")}


def minilm_assets() -> dict[str, str]:
    """The all-MiniLM-L6-v2 folder."""
    from mytorch.models.minilm import model_directory

    return {"MYTORCH_BENCH_MINILM": str(model_directory("all-MiniLM-L6-v2"))}


def whisper_assets() -> dict[str, str]:
    """The Whisper model folder, and the utterance both sides transcribe (synthesized once per run)."""
    import tempfile

    import numpy as np

    from mytorch.speech import synthesize
    from mytorch.models.whisper_loader import whisper_directory

    from .workloads.whisper import TEXT

    path = os.path.join(tempfile.mkdtemp(prefix="mytorch-bench-"), "utterance.npy")
    np.save(path, synthesize(TEXT, "en-us", 160, 50)[0].numpy())
    return {"MYTORCH_BENCH_WHISPER_DIR": whisper_directory("whisper-tiny.en"), "MYTORCH_BENCH_WHISPER_AUDIO": path}


def asr_assets() -> dict[str, str]:
    """mytorch's initial speech-recognizer weights, which both sides load (written once per run)."""
    import tempfile

    from .workloads.asr import initial_weights

    path = os.path.join(tempfile.mkdtemp(prefix="mytorch-bench-"), "asr-weights.npz")
    initial_weights(path)
    return {"MYTORCH_BENCH_ASR_WEIGHTS": path}


ASSETS = {"smollm2": smollm2_assets, "minilm": minilm_assets, "whisper": whisper_assets, "asr": asr_assets}


def run_child(workload: str, framework: str, args: argparse.Namespace, threads: int, env: dict) -> dict:
    """One fresh process measuring one side; its JSON row, or {"error": ...} when it failed."""
    cmd = [sys.executable, "-m", "benchmarks.child", workload, framework, "--threads", str(threads),
           "--backend", args.backend, "--seconds", str(args.seconds), "--warmup", str(args.warmup),
           "--min-steps", str(args.min_steps)]
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=args.child_timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.child_timeout:g} s"}
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"error": f"exit {done.returncode}: {tail}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_workload(workload: str, args: argparse.Namespace, threads: int, env: dict) -> dict:
    """All rounds of one workload at one thread count, summarised."""
    rounds, noisy, frameworks = [], 0, sides(workload, args)
    for r in range(args.rounds):
        quiet, busy = wait_for_quiet(args.quiet, args.quiet_timeout)
        noisy += not quiet
        shift = r % len(frameworks)  # A B, B A, ... (A B C, B C A, C A B with tinygrad)
        order = frameworks[shift:] + frameworks[:shift]
        pair = {fw: run_child(workload, fw, args, threads, env) for fw in order}
        pair["busy_before"] = busy
        rounds.append(pair)
        errors = [f"{fw}: {pair[fw]['error']}" for fw in FRAMEWORKS if "error" in pair[fw]]
        if errors:
            return {"workload": workload, "threads": threads, "error": "; ".join(errors), "rounds": rounds}
    return summarise(workload, threads, rounds, noisy)


def summarise(workload: str, threads: int, rounds: list[dict], noisy: int) -> dict:
    """Medians per side, the ratio's median/min/max over rounds, and the target check."""
    ratios = [p["mytorch"]["throughput"] / p["torch"]["throughput"] for p in rounds]
    side = {fw: {key: statistics.median(p[fw][key] for p in rounds) for key in ("throughput", "peak_mb", "added_mb")}
            for fw in FRAMEWORKS}
    # the last value compared is at the same step on both sides: the slower side ran fewer steps
    common = min(len(rounds[0][fw]["values"]) for fw in FRAMEWORKS)
    for fw in FRAMEWORKS:
        values = rounds[0][fw]["values"]
        side[fw].update(first=values[0], last=values[common - 1] if rounds[0][fw]["training"] else values[-1])
    target = WORKLOADS[workload][1]
    ratio = statistics.median(ratios)
    first_m, first_t = side["mytorch"]["first"], side["torch"]["first"]
    agree = None if first_m is None else abs(first_m - first_t) <= 1e-3 * max(1.0, abs(first_t))
    row = {"workload": workload, "threads": threads, "unit": rounds[0]["mytorch"]["unit"],
           "training": rounds[0]["mytorch"]["training"], "ratio": ratio, "ratio_min": min(ratios),
           "ratio_max": max(ratios), "target": target, "meets_target": ratio >= target,
           "first_values_agree": agree, "mytorch": side["mytorch"], "torch": side["torch"],
           "noisy_rounds": noisy, "rounds": rounds}
    if "tinygrad" in rounds[0]:
        failed = next((p["tinygrad"]["error"] for p in rounds if "error" in p["tinygrad"]), None)
        row["tinygrad"] = {"error": failed} if failed else {
            "throughput": statistics.median(p["tinygrad"]["throughput"] for p in rounds),
            "ratio": statistics.median(p["mytorch"]["throughput"] / p["tinygrad"]["throughput"] for p in rounds)}
    return row


def fmt(value: float | None) -> str:
    """A number in 4 significant figures (or '-')."""
    return "-" if value is None else f"{value:.4g}"


def tinygrad_cells(row: dict) -> str:
    """The tinygrad columns of one row: its throughput and mytorch/tinygrad, '-' where it did not run."""
    tg = row.get("tinygrad")
    if tg is None:
        return " - | - |"
    if "error" in tg:
        return f" failed: {tg['error']} | - |"
    return f" {fmt(tg['throughput'])} | {tg['ratio']:.2f} |"


def markdown(rows: list[dict], header: str) -> str:
    """The results table in markdown, one line per workload and thread count (and two tinygrad columns when
    any row has tinygrad's figures)."""
    with_tinygrad = any("tinygrad" in r for r in rows)
    lines = [header, "",
             "| workload | threads | unit | mytorch | PyTorch | ratio (min–max) | target | peak MiB m / pt "
             "| added MiB m / pt | first loss m / pt | loss at step n m / pt |"
             + (" tinygrad | m / tinygrad |" if with_tinygrad else ""),
             "|---|---|---|---|---|---|---|---|---|---|---|" + ("---|---|" if with_tinygrad else "")]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['workload']} | {r['threads']} | failed: {r['error']} |||||||||"
                         + ("||" if with_tinygrad else ""))
            continue
        m, t = r["mytorch"], r["torch"]
        mark = "✓" if r["meets_target"] else "✗"
        noisy = f" ({r['noisy_rounds']} noisy)" if r["noisy_rounds"] else ""
        same = "" if r["first_values_agree"] in (None, True) else " **differ**"
        lines.append(
            f"| {r['workload']} | {r['threads']} | {r['unit']} | {fmt(m['throughput'])} | {fmt(t['throughput'])} "
            f"| {r['ratio']:.2f} ({r['ratio_min']:.2f}–{r['ratio_max']:.2f}){noisy} | ≥ {r['target']:.2f} {mark} "
            f"| {m['peak_mb']:.0f} / {t['peak_mb']:.0f} | {m['added_mb']:.0f} / {t['added_mb']:.0f} "
            f"| {fmt(m['first'])} / {fmt(t['first'])}{same} | {fmt(m['last'])} / {fmt(t['last'])} |"
            + (tinygrad_cells(r) if with_tinygrad else ""))
    return "\n".join(lines) + "\n"


def machine(args: argparse.Namespace) -> dict:
    """What ran the benchmark: CPU, cores, versions, commit, load, backend."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip() or None
    except OSError:
        commit = None
    versions = {}
    for dist in ("numpy", "torch", "tinygrad"):
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = None
    return {"cpu": cpu_name(), "cores": os.cpu_count(), "python": platform.python_version(), **versions,
            "commit": commit, "backend": args.backend, "load_average": os.getloadavg()}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line of `mytorch bench` / `python -m benchmarks`."""
    p = argparse.ArgumentParser(prog="mytorch bench", description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="workloads:\n" + "\n".join(f"  {n:10s} {w[2]}" for n, w in WORKLOADS.items()))
    p.add_argument("--threads", default="2", help="thread counts, comma-separated (default 2; e.g. 1,2)")
    add_round_options(p, list(WORKLOADS), "process pairs", "1 round of 0.3 s, 1 warm-up step")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first (default 2)")
    p.add_argument("--no-tinygrad", dest="tinygrad", action="store_false",
                   help="leave tinygrad out even where it is installed")
    p.add_argument("--child-timeout", type=float, default=600.0, help="seconds one process may take (600)")
    p.add_argument("--json", default="bench.json", help="results as JSON (default bench.json)")
    p.add_argument("--markdown", default="bench.md", help="results table in markdown (default bench.md)")
    return parse_round_options(p, argv, {"rounds": 1, "seconds": 0.3, "warmup": 1, "min_steps": 1})


def main(argv: list[str] | None = None) -> int:
    """Run the chosen workloads at each thread count, print the table, write JSON and markdown."""
    args = parse_args(argv)
    env = {**os.environ, **assets(args.workloads.split(",")), "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                                               os.environ.get("PYTHONPATH")]))}
    info = machine(args)
    header = (f"mytorch bench — {info['cpu']}, {info['cores']} cores; Python {info['python']}, NumPy "
              f"{info['numpy']}, torch {info['torch']}" + (f", tinygrad {info['tinygrad']}" if info["tinygrad"] else "")
              + f"; mytorch {info['backend']} backend, commit {info['commit']}; "
              f"load average {info['load_average'][0]:.2f}; {args.rounds} rounds of {args.seconds:g} s")
    print(header, flush=True)
    rows = []
    for threads in (int(t) for t in args.threads.split(",")):
        for workload in args.workloads.split(","):
            row = measure_workload(workload, args, threads, env)
            rows.append(row)
            print(markdown([row], "").splitlines()[-1], flush=True)
    table = markdown(rows, header)
    noisy = sum(r.get("noisy_rounds", 0) for r in rows)
    if noisy:
        table += (f"\n{noisy} round(s) started while other processes used ≥ {args.quiet:g} cores after waiting "
                  f"{args.quiet_timeout:g} s: their figures carry that load.\n")
    Path(args.markdown).write_text(table)
    Path(args.json).write_text(json.dumps({"machine": info, "args": vars(args), "rows": rows}, indent=1))
    print(table)
    return 1 if any("error" in r for r in rows) else 0
