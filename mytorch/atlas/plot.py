"""One PNG per dataset: the grid of learned decision regions (matplotlib, drawn off-screen with Agg).

Layout: one panel per activation; inside it, rows are optimizers and the two columns are the losses.
Every cell fills the mesh with the colour of the predicted class (the region where that class's logit
beats every other, outlined by the zero level of the margin), overlays the training points in the
same colours (one palette for every cell and every figure), and is titled with its test accuracy,
in red when it trails the dataset's best cell by more than LAGGING.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from .data import ToyData
from .grid import ACTIVATIONS, LOSSES, OPTIMIZERS, CellResult

# class colours, shared by every figure: regions use them faded, points at full strength
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")
REGION_ALPHA = 0.35
BOUNDARY = "0.3"  # grey of the decision boundaries
INF = float("inf")
CELL_INCHES = 1.55
LAGGING = 0.05  # a cell this far below the dataset's best test accuracy gets a red title


def plot_dataset(data: ToyData, results: Sequence[CellResult], epochs: int, path: Path) -> None:
    """Draw `results` (the cells of `data`, any order) as the dataset's decision-region grid into `path`."""
    try:
        from matplotlib.figure import Figure  # a bare Figure draws with Agg: no display, no pyplot state
        from matplotlib.lines import Line2D
    except ModuleNotFoundError as e:
        raise RuntimeError("mytorch atlas draws its figures with matplotlib: pip install matplotlib") from e

    if data.n_classes > len(PALETTE):
        raise ValueError(f"atlas: {data.name} has {data.n_classes} classes; the palette has {len(PALETTE)}")
    colours = PALETTE[:data.n_classes]
    points = data.x_train.tolist()
    point_colours = [colours[k] for k in data.y_train.tolist()]
    lagging = max(r.accuracy for r in results) - LAGGING  # relative: noisy moons' best is under 90%
    by_cell = {(r.cell.activation, r.cell.optimizer, r.cell.loss): r for r in results}

    rows, cols = len(OPTIMIZERS), len(LOSSES)
    fig = Figure(figsize=(CELL_INCHES * cols * len(ACTIVATIONS) + 0.6, CELL_INCHES * rows + 1.3),
                 layout="constrained")
    panels = fig.subfigures(1, len(ACTIVATIONS))
    for a, (activation, panel) in enumerate(zip(ACTIVATIONS, panels)):
        panel.suptitle(activation, fontsize="large", fontweight="bold")
        axes = panel.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
        for i, optimizer in enumerate(OPTIMIZERS):
            for j, loss in enumerate(LOSSES):
                ax = axes[i][j]
                result = by_cell.get((activation, optimizer, loss))
                ax.set_xticks([])
                ax.set_yticks([])
                if i == 0:
                    ax.text(0.5, 1.22, loss, transform=ax.transAxes, ha="center", fontsize="medium",
                            fontstyle="italic", color="0.3")
                if a == 0 and j == 0:
                    ax.set_ylabel(optimizer, fontsize="medium", fontweight="bold")
                if result is None:  # a subset run: leave the cell empty rather than misaligned
                    continue
                for colour, margin in zip(colours, result.margins):
                    ax.contourf(data.xs, data.ys, margin, levels=[0, INF], colors=[colour], alpha=REGION_ALPHA)
                    ax.contour(data.xs, data.ys, margin, levels=[0], colors=BOUNDARY, linewidths=0.6)
                ax.scatter([p[0] for p in points], [p[1] for p in points], c=point_colours, s=4,
                           linewidths=0.2, edgecolors="white")
                ax.set_title(f"{result.accuracy:.1%}", fontsize="medium",
                             color="#b00000" if result.accuracy < lagging else "black")
    legend = [Line2D([], [], marker="o", linestyle="", color=c, label=f"class {k}") for k, c in enumerate(colours)]
    fig.legend(handles=legend, loc="outside lower center", ncols=len(legend), frameon=False)
    name = data.name.replace("_", " ")
    fig.suptitle(f"{name}: decision regions after {epochs} full-batch epochs, titled with test accuracy\n"
                 "rows: optimizer · columns: loss, grouped by activation", fontsize="x-large")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
