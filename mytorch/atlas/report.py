"""The atlas's table: one row per cell, written as CSV and Markdown, plus a summary across datasets."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Sequence

from .grid import ACTIVATIONS, OPTIMIZERS, TARGET_ACCURACY, CellResult

COLUMNS = ("dataset", "loss", "optimizer", "activation", "test accuracy", "train accuracy", "final loss",
           f"epochs to {TARGET_ACCURACY:.0%}", "seconds")
NEVER = "—"  # a cell that never reached the target accuracy


def row(r: CellResult, raw: bool = False) -> list[str]:
    """The cell's table row: for reading (percentages, "—" for never), or `raw` for the CSV (fractions,
    an empty field for never)."""
    c = r.cell
    if raw:
        numbers = [f"{r.accuracy:.4f}", f"{r.train_accuracy:.4f}", f"{r.final_loss:.6g}",
                   "" if r.epochs_to_target is None else str(r.epochs_to_target)]
    else:
        numbers = [f"{r.accuracy:.1%}", f"{r.train_accuracy:.1%}", f"{r.final_loss:.4g}",
                   NEVER if r.epochs_to_target is None else str(r.epochs_to_target)]
    return [c.dataset, c.loss, c.optimizer, c.activation, *numbers, f"{r.seconds:.2f}"]


def markdown(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table of `header` and `rows`."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def dataset_table(results: Sequence[CellResult]) -> str:
    """One dataset's cells as a Markdown table (the dataset column dropped: the section names it)."""
    return markdown(COLUMNS[1:], [row(r)[1:] for r in results])


def summary_table(results: Sequence[CellResult]) -> str:
    """Mean test accuracy of each optimizer x activation pair over every dataset and loss in `results`."""
    header = ["optimizer \\ activation", *ACTIVATIONS]
    rows = []
    for optimizer in OPTIMIZERS:
        line = [optimizer]
        for activation in ACTIVATIONS:
            accs = [r.accuracy for r in results if (r.cell.optimizer, r.cell.activation) == (optimizer, activation)]
            line.append(f"{sum(accs) / len(accs):.1%}" if accs else NEVER)
        rows.append(line)
    return markdown(header, rows)


def write_csv(results: Sequence[CellResult], path: Path) -> None:
    """Write the atlas's results to `path` as CSV, one row per cell."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(row(r, raw=True) for r in results)


def write_markdown(sections: Sequence[tuple[str, str, str]], summary: str, header: str, path: Path) -> None:
    """`sections` are (dataset, figure file name, table) triples; `header` describes the run."""
    parts = [f"# mytorch atlas\n\n{header}\n\n## Mean test accuracy over datasets and losses\n\n{summary}"]
    parts += [f"## {name}\n\n![{name}]({figure})\n\n{table}" for name, figure, table in sections]
    path.write_text("\n\n".join(parts) + "\n")
