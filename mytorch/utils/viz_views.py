"""Pictures of two things learners ask about most: how a view reads its storage, and what a head attends to.

`draw_strides(view)` draws a 1-D or 2-D tensor twice. Above, the storage it reads, one cell per element
from offset 0: a cell is coloured by how many of the view's elements read it (0, 1, or more when a stride
is 0, as after ``expand``). Below, the view as a grid, each cell labelled with the storage offset it
reads,

    offset(i, j) = storage_offset + i * stride[0] + j * stride[1],

so transposes, slices with steps and broadcasts can be read off the numbers.

`draw_attention(weights, tokens)` draws attention weights (rows: queries, columns: keys) as one heat map
per head, with the tokens as tick labels.

Both return the matplotlib ``Figure`` and, given ``path``, also save it there (the format from the suffix).
"""
from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Sequence

from .._tensor import Tensor

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _storage_offsets(view: Tensor) -> list[list[int]]:
    """The storage offset each element of the 1-D or 2-D ``view`` reads, as rows (a 1-D view is one row)."""
    rows, cols = (1, view.shape[0]) if view.dim() == 1 else tuple(view.shape)
    row_stride, col_stride = (0, view.stride(0)) if view.dim() == 1 else view.stride()
    return [[view.storage_offset() + i * row_stride + j * col_stride for j in range(cols)] for i in range(rows)]


def _save(fig: Figure, path: str | None) -> Figure:
    if path is not None:
        fig.savefig(path, dpi=90, bbox_inches="tight")
    return fig


def draw_strides(view: Tensor, path: str | None = None, storage_size: int | None = None) -> Figure:
    """Draw how the 1-D or 2-D tensor ``view`` reads its storage (see the module docstring).

    ``storage_size`` is how many storage cells to draw; by default the size of the tensor the view was
    taken from (``view._base``), or just enough to reach the last offset read."""
    import matplotlib.pyplot as plt

    if view.dim() not in (1, 2):
        raise ValueError(f"draw_strides: expected a 1-D or 2-D tensor, got shape {tuple(view.shape)}; "
                         "draw a 2-D slice of it (for example view[0])")
    grid = _storage_offsets(view)
    base = getattr(view, "_base", None)
    size = storage_size
    if size is None:  # (an explicit 0 is kept)
        size = base.numel() if base is not None else max((o for r in grid for o in r), default=-1) + 1
    reads = Counter(o for r in grid for o in r)

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(4.0, 0.5 * size), 1.2 + 0.5 * (len(grid) + 1)),
                                      gridspec_kw=dict(height_ratios=[1, max(1, len(grid))]))
    colours = ["#eeeeee", "#9ecae1", "#3182bd"]  # not read, read once, read more than once
    for k in range(size):
        top.add_patch(plt.Rectangle((k, 0), 1, 1, facecolor=colours[min(reads[k], 2)], edgecolor="black"))
        top.text(k + 0.5, 0.5, str(k), ha="center", va="center", fontsize=8)
    top.set_xlim(0, max(size, 1)), top.set_ylim(0, 1), top.axis("off")
    top.set_title(f"storage (blue: read by the view, dark: read more than once) · offset {view.storage_offset()}, "
                  f"strides {tuple(view.stride())}", fontsize=9)
    rows, cols = len(grid), len(grid[0]) if grid else 0
    for i in range(rows):
        for j in range(cols):
            bottom.add_patch(plt.Rectangle((j, rows - 1 - i), 1, 1, facecolor="#9ecae1", edgecolor="black"))
            bottom.text(j + 0.5, rows - 0.5 - i, str(grid[i][j]), ha="center", va="center", fontsize=8)
    bottom.set_xlim(0, max(cols, 1)), bottom.set_ylim(0, max(rows, 1)), bottom.set_aspect("equal"), bottom.axis("off")
    bottom.set_title(f"the view, shape {tuple(view.shape)}: the storage offset of each element", fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def draw_attention(weights: Tensor, tokens: Sequence[str] | None = None, path: str | None = None) -> Figure:
    """Heat maps of attention ``weights`` of shape (queries, keys) or (heads, queries, keys): row t is how
    much query t draws from each key. ``tokens`` label the axes (the same sequence for queries and keys,
    as in self-attention)."""
    import matplotlib.pyplot as plt

    if weights.dim() not in (2, 3):
        raise ValueError(f"draw_attention: expected weights of shape (queries, keys) or (heads, queries, keys), "
                         f"got {tuple(weights.shape)}; index the batch first (for example weights[0])")
    w = weights.detach().float().numpy().reshape(-1, *weights.shape[-2:])
    if tokens is not None and len(tokens) != w.shape[-1]:
        raise ValueError(f"draw_attention: {len(tokens)} tokens for {w.shape[-1]} keys")
    fig, axes = plt.subplots(1, len(w), figsize=(4 * len(w), 4.4), squeeze=False)
    for head, ax in enumerate(axes[0]):
        ax.imshow(w[head], cmap="viridis", vmin=0.0)
        if tokens is not None:
            ax.set_xticks(range(len(tokens)), list(tokens), fontsize=6)
            ax.set_yticks(range(w.shape[1]), list(tokens)[-w.shape[1]:], fontsize=6)
        ax.set_title(f"head {head}" if len(w) > 1 else "attention")
        ax.set_xlabel("key"), ax.set_ylabel("query")
    fig.tight_layout()
    return _save(fig, path)
