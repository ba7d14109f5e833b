"""Pictures of the autograd graph: the backward nodes behind a tensor, as Graphviz DOT text.

Each node of the graph that `backward()` walks becomes a box named by its backward function
(``MmBackward0``, ``AddBackward0``, ...) listing the shapes of the tensors it saved for backward; each leaf
(an ``AccumulateGrad`` node) becomes a blue box with the leaf's name (from ``params``) and shape; the output
is a green box. Edges point the way the forward ran, from inputs to output.

`to_dot` always works (it returns text). `make_dot` (torchviz's signature) wraps that text in a
``graphviz.Source`` (the `viz` extra: ``pip install graphviz``), and `draw_graph` writes the DOT file and,
where Graphviz's ``dot`` program is installed (Debian's ``graphviz``), renders it to SVG or PNG.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any, Mapping

from .._tensor import Tensor

__all__ = ["to_dot", "make_dot", "draw_graph", "graph_nodes"]


def _shape(t: Tensor) -> str:
    return "(" + ", ".join(str(n) for n in t.shape) + ")"


def _saved_shapes(node: Any) -> list[str]:
    """Shapes of the tensors a node saved for backward (none once backward has freed them)."""
    try:
        saved = node.saved_tensors
    except (RuntimeError, AttributeError):
        return []
    return [_shape(t) for t in saved if isinstance(t, Tensor)]


def graph_nodes(output: Tensor) -> list[Any]:
    """The backward nodes reachable from ``output.grad_fn``, output first, each once (depth-first, iterative)."""
    order, seen, stack = [], set(), [output.grad_fn] if output.grad_fn is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(reversed([f for f, _ in getattr(node, "next_functions", ()) if f is not None]))
    return order


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(output: Tensor, params: Mapping[str, Tensor] | None = None, show_saved: bool = True) -> str:
    """The DOT text of the graph behind `output`; `params` names leaves (e.g. ``dict(model.named_parameters())``)."""
    names = {id(t): name for name, t in (params or {}).items()}
    lines = ["digraph autograd {", '  node [shape=box, fontname="monospace", fontsize=10, style=filled];',
             "  rankdir=BT;"]
    ids: dict[int, str] = {}
    for node in graph_nodes(output):
        ids[id(node)] = f"n{len(ids)}"
        variable = getattr(node, "variable", None)
        if isinstance(variable, Tensor):  # a leaf
            label = f"{names.get(id(variable), 'leaf')}\n{_shape(variable)}"
            color = "lightblue"
        else:
            saved = _saved_shapes(node) if show_saved else []
            label = node.name() + "".join(f"\nsaved {s}" for s in saved)
            color = "lightgrey"
        lines.append(f"  {ids[id(node)]} [label={_quote(label)}, fillcolor={color}];")
    for node in graph_nodes(output):
        for nxt, _ in getattr(node, "next_functions", ()):
            if nxt is not None:
                lines.append(f"  {ids[id(nxt)]} -> {ids[id(node)]};")
    if output.grad_fn is not None:
        lines.append(f"  out [label={_quote('output ' + _shape(output))}, fillcolor=palegreen];")
        lines.append(f"  {ids[id(output.grad_fn)]} -> out;")
    lines.append("}")
    return "\n".join(lines) + "\n"


def make_dot(var: Tensor, params: Mapping[str, Tensor] | None = None, show_attrs: bool = False,
             show_saved: bool = False, max_attr_chars: int = 50):
    """torchviz's `make_dot`: the graph behind `var` as a ``graphviz.Source`` (``.render()``, ``.source``).
    Saved-tensor shapes are shown when `show_saved` (or `show_attrs`) is set."""
    import graphviz

    return graphviz.Source(to_dot(var, params, show_saved=show_saved or show_attrs))


def draw_graph(output: Tensor, params: Mapping[str, Tensor] | None = None, path: str = "graph",
               format: str = "svg") -> str:
    """Write the graph behind `output` to ``path + ".dot"`` and, when Graphviz's ``dot`` program exists, render
    it to ``path + "." + format``. Returns the rendered file, or the DOT file where ``dot`` is missing."""
    dot_file = path + ".dot"
    with open(dot_file, "w", encoding="utf-8") as f:
        f.write(to_dot(output, params))
    dot = shutil.which("dot")
    if dot is None:
        return dot_file
    out_file = f"{path}.{format}"
    subprocess.run([dot, f"-T{format}", dot_file, "-o", out_file], check=True)
    return out_file if os.path.exists(out_file) else dot_file
