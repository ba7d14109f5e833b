"""mytorch.utils.viz: the DOT picture of a small MLP's autograd graph names the same nodes as its grad_fn
chain (and as PyTorch's graph of the same model), labels the parameters by name, and renders where
Graphviz's `dot` exists."""
import shutil

import torch

import mytorch
from mytorch import nn
from mytorch.utils import viz


def _mlp_loss(lib, nn_mod):
    lib.manual_seed(0)
    model = nn_mod.Sequential(nn_mod.Linear(3, 4), nn_mod.ReLU(), nn_mod.Linear(4, 2))
    loss = model(lib.randn(5, 3)).sum()
    return model, loss


def _torch_names(fn, seen=None):
    seen = set() if seen is None else seen
    if fn is None or fn in seen:
        return []
    seen.add(fn)
    names = [fn.name().removeprefix("torch::autograd::")]
    for nxt, _ in fn.next_functions:
        names += _torch_names(nxt, seen)
    return names


def test_nodes_follow_the_grad_fn_chain_and_pytorchs_graph():
    model, loss = _mlp_loss(mytorch, nn)
    nodes = viz.graph_nodes(loss)
    assert nodes[0] is loss.grad_fn
    names = [n.name() for n in nodes]
    # Sum <- Addmm <- Relu <- Addmm: the chain of first inputs
    chain, node = [], loss.grad_fn
    while node is not None and node.name() != "AccumulateGrad":
        chain.append(node.name())
        node = node.next_functions[0][0] if node.next_functions else None
    assert [n for n in names if n in chain] == chain
    tmodel, tloss = _mlp_loss(torch, torch.nn)
    # PyTorch's linear records the weight's transpose as a node of its own (TBackward0); mytorch's takes the
    # weight as it is, so the graphs agree once those are left out
    assert sorted(names) == sorted(n for n in _torch_names(tloss.grad_fn) if n != "TBackward0")


def test_dot_text_names_parameters_and_saved_shapes():
    model, loss = _mlp_loss(mytorch, nn)
    dot = viz.to_dot(loss, dict(model.named_parameters()))
    assert dot.startswith("digraph autograd {") and dot.rstrip().endswith("}")
    for name, p in model.named_parameters():
        assert f'"{name}\\n({", ".join(map(str, p.shape))})"' in dot
    assert "SumBackward0" in dot and "AddmmBackward0" in dot and "ReluBackward0" in dot
    assert "saved (5, 4)" in dot  # ReLU saved its (5, 4) result for backward
    assert 'label="output ()"' in dot
    edges = [line for line in dot.splitlines() if "->" in line]
    assert len(edges) == sum(len([f for f, _ in n.next_functions if f is not None])
                             for n in viz.graph_nodes(loss)) + 1


def test_draw_graph_renders_svg_and_png(tmp_path):
    assert shutil.which("dot"), "Graphviz's dot is missing: scripts/install_data.sh installs Debian's graphviz"
    model, loss = _mlp_loss(mytorch, nn)
    path = str(tmp_path / "mlp")
    assert viz.draw_graph(loss, dict(model.named_parameters()), path) == path + ".svg"
    svg = open(path + ".svg", encoding="utf-8").read()
    assert "<svg" in svg
    # every backward node and every named parameter is drawn
    for label in [n.name() for n in viz.graph_nodes(loss) if n.name() != "AccumulateGrad"] + ["0.weight", "2.bias"]:
        assert f">{label}</text>" in svg, label
    assert viz.draw_graph(loss, None, path, format="png") == path + ".png"
    assert open(path + ".png", "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_draw_graph_writes_dot_where_graphviz_is_missing(tmp_path, monkeypatch):
    model, loss = _mlp_loss(mytorch, nn)
    path = str(tmp_path / "mlp")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert viz.draw_graph(loss, dict(model.named_parameters()), path) == path + ".dot"
    assert open(path + ".dot").read() == viz.to_dot(loss, dict(model.named_parameters()))


def test_make_dot_is_a_graphviz_source():
    model, loss = _mlp_loss(mytorch, nn)
    graph = viz.make_dot(loss, params=dict(model.named_parameters()))
    assert graph.source == viz.to_dot(loss, dict(model.named_parameters()), show_saved=False)


def test_mytorch_viz_is_the_same_module():
    import mytorch.viz

    assert mytorch.viz.draw_graph is viz.draw_graph and mytorch.viz.make_dot is viz.make_dot
    assert mytorch.viz.to_dot is viz.to_dot and mytorch.viz.graph_nodes is viz.graph_nodes
