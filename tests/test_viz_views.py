"""mytorch.viz.draw_strides / draw_attention: the numbers drawn are the view's storage offsets (checked against
PyTorch's strides and offsets of the same views) and the attention weights themselves."""
import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import mytorch  # noqa: E402
from mytorch import viz  # noqa: E402

VIEWS = {
    "transpose": lambda a: a.t(),
    "step slice of a transpose": lambda a: a.t()[1:, ::2],
    "select": lambda a: a[2],
    "broadcast": lambda a: a[:, :1].expand(3, 4),
    "diagonal": lambda a: a.diagonal(),
}


def _cells(ax):
    """The numbers written in an axes' cells, in drawing order, and the cells' colours."""
    return [int(t.get_text()) for t in ax.texts], [p.get_facecolor() for p in ax.patches]


@pytest.mark.parametrize("name", list(VIEWS))
def test_draw_strides_labels_each_element_with_the_offset_it_reads(name, tmp_path):
    view = VIEWS[name](mytorch.arange(12).reshape(3, 4))
    reference = VIEWS[name](torch.arange(12).reshape(3, 4))
    fig = viz.draw_strides(view, str(tmp_path / "v.png"))
    assert (tmp_path / "v.png").stat().st_size > 0
    storage, grid = fig.axes
    labels, _ = _cells(grid)
    # on arange's storage an element's value is its storage offset, so the labels are the values PyTorch reads
    assert labels == reference.flatten().tolist()
    cells, colours = _cells(storage)
    assert cells == list(range(12))  # the whole storage of the base tensor
    reads = np.bincount(reference.flatten().numpy(), minlength=12)
    shades = {c: n for c, n in zip(colours, np.minimum(reads, 2))}
    assert len(shades) == len(set(np.minimum(reads, 2)))  # one colour per read count (0, 1, more)
    assert f"strides {reference.stride()}" in storage.get_title()


def test_draw_strides_storage_size():
    view = mytorch.arange(12).reshape(3, 4)[1]
    for size, drawn in ((None, 12), (6, 6), (0, 0)):  # default: the base's; 0 draws no storage cells
        storage, _ = viz.draw_strides(view, storage_size=size).axes
        assert _cells(storage)[0] == list(range(drawn))


def test_draw_strides_refuses_more_than_two_dims():
    with pytest.raises(ValueError, match=r"draw_strides: expected a 1-D or 2-D tensor, got shape \(2, 3, 4\)"):
        viz.draw_strides(mytorch.zeros(2, 3, 4))


def test_draw_attention_draws_each_head(tmp_path):
    weights = mytorch.softmax(mytorch.randn(3, 5, 5), -1)
    fig = viz.draw_attention(weights, list("hello"), str(tmp_path / "a.png"))
    assert len(fig.axes) == 3 and (tmp_path / "a.png").stat().st_size > 0
    for head, ax in enumerate(fig.axes):
        np.testing.assert_array_equal(ax.images[0].get_array(), weights[head].numpy())
        assert [t.get_text() for t in ax.get_xticklabels()] == list("hello")
    assert len(viz.draw_attention(weights[0]).axes) == 1
    with pytest.raises(ValueError, match="draw_attention: 4 tokens for 5 keys"):
        viz.draw_attention(weights, list("hell"))
