"""Run the atlas: every cell of every chosen dataset, then one figure per dataset and the tables."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from . import data as toy
from .grid import ACTIVATIONS, LOSSES, OPTIMIZERS, CellResult, cells, train_cell
from .plot import plot_dataset
from .report import dataset_table, summary_table, write_csv, write_markdown


@dataclass(frozen=True)
class Budget:
    """How much work one run does: epochs per cell, and the points drawn per dataset."""
    epochs: int
    n_train: int = toy.N_TRAIN
    n_test: int = toy.N_TEST
    mesh: int = toy.MESH


FULL = Budget(epochs=300)
QUICK = Budget(epochs=60, n_train=120, n_test=120, mesh=32)  # seconds, for tests and a first look


def run(out: Path, datasets: Sequence[str], budget: Budget, seed: int = 0,
        log: Callable[[str], None] = print) -> list[CellResult]:
    """Train, draw and tabulate every cell of `datasets` into `out`; return the results in table order."""
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    results, sections = [], []
    for name in datasets:
        data = toy.load(name, seed, budget.n_train, budget.n_test, budget.mesh)
        log(f"{name}: training {len(LOSSES) * len(OPTIMIZERS) * len(ACTIVATIONS)} cells ...")
        mine = [train_cell(cell, data, budget.epochs, seed) for cell in cells(name)]
        figure = f"{name}.png"
        plot_dataset(data, mine, budget.epochs, out / figure)
        table = dataset_table(mine)
        log(f"{name} ({sum(r.seconds for r in mine):.1f} s of training) -> {out / figure}\n{table}")
        log("")
        sections.append((name, figure, table))
        results += mine
    summary = summary_table(results)
    header = (f"{len(results)} cells: {', '.join(datasets)} x {len(LOSSES)} losses x "
              f"{len(OPTIMIZERS)} optimizers x {len(ACTIVATIONS)} activations; "
              f"{budget.epochs} full-batch epochs on {budget.n_train} training points (test accuracy on "
              f"{budget.n_test} held-out points), seed {seed}; {time.perf_counter() - start:.0f} s in all.")
    write_csv(results, out / "results.csv")
    write_markdown(sections, summary, header, out / "results.md")
    log(f"mean test accuracy over datasets and losses\n{summary}\n\n{header}\n"
        f"wrote {out / 'results.csv'} and {out / 'results.md'}")
    return results
