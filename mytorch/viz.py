"""`mytorch.viz`: pictures of what autograd does, under the short name the tutorials use.

The same functions as `mytorch.utils.viz` (where they are defined): `to_dot` gives the DOT text of the
graph behind a tensor, `make_dot` wraps it in a ``graphviz.Source`` (torchviz's signature), `draw_graph`
renders it to SVG or PNG with Graphviz's ``dot`` (``scripts/install_data.sh`` installs Debian's graphviz),
and `graph_nodes` lists the backward nodes in the order the pictures number them. From
`mytorch.utils.viz_views`: `draw_strides` draws how a view reads its storage, `draw_attention` a head's
attention weights.
"""
from .utils.viz import draw_graph, graph_nodes, make_dot, to_dot
from .utils.viz_views import draw_attention, draw_strides

__all__ = ["to_dot", "make_dot", "draw_graph", "graph_nodes", "draw_strides", "draw_attention"]
