"""``python -m benchmarks.ddp_scaling``: data-parallel training at 1 and 2 processes, and how much of the
gradient averaging backward hides.

Method (why each rule is there):
- One job per measurement, ``mytorch launch -n N benchmarks/ddp_child.py WORKLOAD`` (mpiexec underneath),
  one thread per process (the OMP/BLAS thread variables and ``set_num_threads(1)``), so N processes use N
  cores and nothing else competes.
- The global batch is fixed (LeNet-5: 64 images; char-GPT: 16 sequences of 128 tokens) and split over the
  ranks, so samples/s compare across N: at N = 2 each rank computes half the batch, and the speed-up is
  what the second process gained net of averaging the gradients. One process trains the plain model.
- Each job warms up for about `--warmup` seconds, then times about `--seconds` of steps between barriers
  (benchmarks/ddp_child.py). Rounds alternate the process counts (1 2, then 2 1, ...), so drift in the
  machine's load falls on both; the table gives each count's median over the rounds, with min and max.
- Before each job the orchestrator waits until other processes use less than `--quiet` cores (as
  ``mytorch bench`` does) and counts the jobs that started on a busy machine.
- Hidden fraction: ``DistributedDataParallel.comm_stats`` over the timed steps, summed over the ranks:
  1 - (time the end of backward waited for the all-reduces) / (time they were in flight).

Writes ``ddp_scaling.md`` (the table), ``ddp_scaling.png`` (the figure) and ``ddp_scaling.json`` under
`--out`.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from ._harness import THREAD_VARIABLES, add_round_options, parse_round_options
from .bench import ROOT, machine, wait_for_quiet
from .workloads import WORKLOADS

CHILD = Path(__file__).resolve().parent / "ddp_child.py"
# the workloads measured: their modules under benchmarks.workloads
MODULES = {"lenet": "lenet", "char-gpt": "char_gpt"}


def run_job(workload: str, nproc: int, args: argparse.Namespace, env: dict) -> dict:
    """One `mytorch launch` job; rank 0's JSON row. A failed job raises with the end of its output."""
    with tempfile.TemporaryDirectory() as tmp:
        result = Path(tmp) / "row.json"
        cmd = [sys.executable, "-m", "mytorch", "launch", "-n", str(nproc), str(CHILD), workload,
               "--result", str(result), "--seconds", str(args.seconds), "--warmup", str(args.warmup),
               "--min-steps", str(args.min_steps)]
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=args.job_timeout)
        if done.returncode != 0 or not result.exists():
            raise RuntimeError(f"{workload} at {nproc} processes failed (exit {done.returncode}):\n"
                               + (done.stdout + done.stderr)[-3000:])
        return json.loads(result.read_text())


def summarise(jobs: list[dict]) -> dict:
    """One workload at one process count over the rounds: medians, and the throughput's min and max."""
    rate = [j["samples_per_s"] for j in jobs]
    hidden = [j["hidden_fraction"] for j in jobs if j["hidden_fraction"] is not None]
    first = jobs[0]
    return {"workload": first["workload"], "nproc": first["nproc"], "global_batch": first["global_batch"],
            "samples_per_s": statistics.median(rate), "samples_per_s_min": min(rate), "samples_per_s_max": max(rate),
            "all_reduces_per_step": first["all_reduces_per_step"],
            "wait_ms_per_step": statistics.median(j["wait_ms_per_step"] for j in jobs),
            "in_flight_ms_per_step": statistics.median(j["in_flight_ms_per_step"] for j in jobs),
            "hidden_fraction": statistics.median(hidden) if hidden else None, "jobs": jobs}


def speedup(rows: list[dict], row: dict) -> float | None:
    """`row`'s samples/s over the same workload's at one process (None when that was not measured)."""
    one = [r for r in rows if r["workload"] == row["workload"] and r["nproc"] == 1]
    return row["samples_per_s"] / one[0]["samples_per_s"] if one else None


def markdown(rows: list[dict], header: str) -> str:
    lines = [header, "",
             "| workload | processes | batch per process | samples/s (min–max) | speed-up | all-reduces per step "
             "| in flight / waited, ms per step | all-reduce hidden behind backward |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        s, h = speedup(rows, r), r["hidden_fraction"]
        comm = (f"{r['in_flight_ms_per_step']:.2f} / {r['wait_ms_per_step']:.2f}" if r["nproc"] > 1 else "-")
        lines.append(f"| {r['workload']} | {r['nproc']} | {r['global_batch'] // r['nproc']} "
                     f"| {r['samples_per_s']:.4g} ({r['samples_per_s_min']:.4g}–{r['samples_per_s_max']:.4g}) "
                     f"| {'-' if s is None else f'{s:.2f}x'} | {r['all_reduces_per_step']:g} | {comm} "
                     f"| {'-' if h is None else f'{100 * h:.0f}%'} |")
    return "\n".join(lines) + "\n"


def figure(rows: list[dict], title: str, path: Path) -> None:
    """Left: each workload's samples/s relative to its first process count (the speed-up), bars labelled with
    their samples/s; right: the share of all-reduce time hidden behind backward."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    workloads = list(dict.fromkeys(r["workload"] for r in rows))
    counts = sorted({r["nproc"] for r in rows})
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    width = 0.8 / len(counts)
    for k, n in enumerate(counts):
        for i, w in enumerate(workloads):
            r = next((r for r in rows if r["workload"] == w and r["nproc"] == n), None)
            if r is None:
                continue
            # each workload relative to its own 1-process throughput, so both share one axis
            base = next((q["samples_per_s"] for q in rows if q["workload"] == w and q["nproc"] == counts[0]))
            x = i + (k - (len(counts) - 1) / 2) * width
            bar = left.bar(x, r["samples_per_s"] / base, width, color=f"C{k}", label=f"{n} process" + "es" * (n > 1)
                           if i == 0 else None)
            rate = r["samples_per_s"]
            left.bar_label(bar, [f"{rate:,.0f}/s" if rate >= 100 else f"{rate:.3g}/s"], fontsize=8)
            if r["hidden_fraction"] is not None:
                bar = right.bar(x, 100 * r["hidden_fraction"], width, color=f"C{k}")
                right.bar_label(bar, [f"{100 * r['hidden_fraction']:.0f}% of {r['all_reduces_per_step']:g}"
                                      f" all-reduce{'s' * (r['all_reduces_per_step'] != 1)}"], fontsize=8)
    for ax in (left, right):
        ax.set_xticks(range(len(workloads)), workloads)
    left.set_ylabel(f"samples/s relative to {counts[0]} process" + "es" * (counts[0] > 1))
    left.set_title("throughput, global batch fixed")
    left.legend(loc="upper left")
    left.set_ylim(0, 1.2 * left.get_ylim()[1])
    right.set_ylim(0, 100)
    right.set_ylabel("% of all-reduce time hidden behind backward")
    right.set_title("overlap of gradient averaging")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.ddp_scaling", description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nproc", default="1,2", help="process counts, comma-separated (default 1,2)")
    add_round_options(p, list(MODULES), "jobs at each process count", "1 round of 2 timed steps, no waiting for quiet")
    p.add_argument("--warmup", type=float, default=0.3, help="warm-up seconds per job, about (default 0.3)")
    p.add_argument("--job-timeout", type=float, default=600.0, help="seconds one job may take (default 600)")
    p.add_argument("--out", default=".", help="folder for ddp_scaling.md/.png/.json (default: here)")
    return parse_round_options(p, argv, {"rounds": 1, "seconds": 0.0, "warmup": 0.0, "min_steps": 2})


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    env = {**os.environ, **{var: "1" for var in THREAD_VARIABLES}, "MYTORCH_CPU_BACKEND": args.backend,
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    info = machine(args)
    counts = [int(n) for n in args.nproc.split(",")]
    jobs: dict[tuple[str, int], list[dict]] = {}
    noisy = 0
    for workload in args.workloads.split(","):
        for r in range(args.rounds):
            for n in counts if r % 2 == 0 else counts[::-1]:
                noisy += not (args.quick or wait_for_quiet(args.quiet, args.quiet_timeout)[0])
                jobs.setdefault((workload, n), []).append(run_job(workload, n, args, env))
    rows = [summarise(j) for j in jobs.values()]
    rows.sort(key=lambda r: (list(MODULES).index(r["workload"]), r["nproc"]))
    machine_line = (f"{info['cpu']}, {info['cores']} cores; mytorch {args.backend} backend, commit {info['commit']}; "
                    f"1 thread per process; load average {info['load_average'][0]:.2f}")
    runs = ("a smoke run (--quick): 2 timed steps, no waiting for quiet" if args.quick else
            f"{args.rounds} rounds of {args.seconds:g} s; {noisy} of {sum(map(len, jobs.values()))} jobs started "
            f"on a busy machine")
    steps = "".join(f"\n- `{w}`: {WORKLOADS[w][2]}" for w in dict.fromkeys(r["workload"] for r in rows))
    table = markdown(rows, f"DDP scaling — {machine_line}; Python {info['python']}, NumPy {info['numpy']}; {runs}")
    table += f"\nOne step, on the global batch:{steps}\n"
    print(table)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "ddp_scaling.md").write_text(table)
    (out / "ddp_scaling.json").write_text(json.dumps({"machine": info, "rows": rows}, indent=1))
    figure(rows, f"DistributedDataParallel over MPI — {machine_line}\n{runs}", out / "ddp_scaling.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
