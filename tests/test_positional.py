"""Positional encodings (not in PyTorch): rotary embeddings in both pair conventions against a hand-written
reference and the relative-position property, sinusoidal and learned absolute encodings."""
import numpy as np
import pytest

import mytorch
from mytorch import nn

rng = np.random.default_rng(0)


def rand(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def rope_reference(x: np.ndarray, positions: np.ndarray, rotary_dim: int, base: float, interleaved: bool):
    """Element by element: pair i of position p turns by p * base^(-2i / rotary_dim)."""
    out = x.copy()
    half = rotary_dim // 2
    for idx in np.ndindex(x.shape[:-1]):
        p = positions[idx[-1]]
        for i in range(half):
            a_i, b_i = (2 * i, 2 * i + 1) if interleaved else (i, i + half)
            theta = p * base ** (-2 * i / rotary_dim)
            a, b = x[idx + (a_i,)], x[idx + (b_i,)]
            out[idx + (a_i,)] = a * np.cos(theta) - b * np.sin(theta)
            out[idx + (b_i,)] = b * np.cos(theta) + a * np.sin(theta)
    return out


@pytest.mark.parametrize("interleaved", [False, True])
@pytest.mark.parametrize("head_dim,rotary_dim", [(8, 8), (6, 4)])
def test_rope_matches_reference(interleaved, head_dim, rotary_dim):
    x = rand(2, 3, 5, head_dim)
    positions = np.array([0, 1, 2, 7, 100])
    rope = nn.RotaryEmbedding(rotary_dim, base=500.0, interleaved=interleaved).double()
    got = rope.rotate(mytorch.tensor(x), mytorch.tensor(positions)).numpy()
    np.testing.assert_allclose(got, rope_reference(x, positions, rotary_dim, 500.0, interleaved), atol=1e-5)
    cos, sin = rope(mytorch.tensor(positions))
    assert tuple(cos.shape) == tuple(sin.shape) == (5, rotary_dim // 2)
    direct = nn.apply_rotary_pos_emb(mytorch.tensor(x), cos, sin, interleaved=interleaved).numpy()
    np.testing.assert_allclose(direct, got, atol=1e-12)


def test_rope_conventions_differ_by_a_feature_permutation():
    """Interleaved pairs (2i, 2i+1) are half-split pairs (i, i + d/2) after moving even features first."""
    x = mytorch.tensor(rand(3, 4, 8))
    cos, sin = nn.RotaryEmbedding(8)(4)
    perm = mytorch.tensor([0, 2, 4, 6, 1, 3, 5, 7])
    a = nn.apply_rotary_pos_emb(x, cos, sin, interleaved=True)[..., perm]
    b = nn.apply_rotary_pos_emb(x[..., perm], cos, sin, interleaved=False)
    np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)


@pytest.mark.parametrize("interleaved", [False, True])
def test_rope_scores_depend_only_on_relative_position(interleaved):
    rope = nn.RotaryEmbedding(16, interleaved=interleaved)
    q, k = mytorch.tensor(rand(16, dtype=np.float32)), mytorch.tensor(rand(16, dtype=np.float32))

    def score(m, n):
        rq = rope.rotate(q.unsqueeze(0), mytorch.tensor([m]))
        rk = rope.rotate(k.unsqueeze(0), mytorch.tensor([n]))
        return float((rq * rk).sum())
    for m, n in ((3, 1), (0, 5), (7, 7)):
        assert score(m, n) == pytest.approx(score(m + 11, n + 11), abs=1e-4)
    assert score(3, 1) != pytest.approx(score(1, 3), abs=1e-3)  # the order matters (a rotation, not a distance)
    np.testing.assert_allclose(np.linalg.norm(rope.rotate(q.unsqueeze(0), 9).numpy()[-1]),
                               np.linalg.norm(q.numpy()), rtol=1e-5)  # rotations keep norms


def test_rope_batched_positions_and_gradient():
    """Per-sequence positions (e.g. left-padded batches): cos/sin (B, L, r/2) broadcast over heads."""
    rope = nn.RotaryEmbedding(4).double()
    positions = mytorch.tensor([[0, 1, 2], [5, 6, 7]])
    cos, sin = rope(positions)
    x = rand(2, 2, 3, 4)
    got = nn.apply_rotary_pos_emb(mytorch.tensor(x), cos.unsqueeze(1), sin.unsqueeze(1)).numpy()
    for b in range(2):
        np.testing.assert_allclose(got[b], rope_reference(x[b], positions.numpy()[b], 4, 10000.0, False), atol=1e-6)
    xs = mytorch.tensor(rand(2, 3, 6), requires_grad=True)
    for interleaved in (False, True):
        assert mytorch.autograd.gradcheck(lambda t: nn.apply_rotary_pos_emb(t, cos, sin, interleaved), [xs])


def test_rope_errors():
    cos, sin = nn.RotaryEmbedding(8)(3)
    with pytest.raises(RuntimeError, match="only 6"):
        nn.apply_rotary_pos_emb(mytorch.zeros(3, 6), cos, sin)
    with pytest.raises(RuntimeError, match="same shape"):
        nn.apply_rotary_pos_emb(mytorch.zeros(3, 8), cos, sin[:2])
    with pytest.raises(ValueError, match="even"):
        nn.RotaryEmbedding(5)


@pytest.mark.parametrize("d_model", [6, 7])
def test_sinusoidal_table_matches_formula(d_model):
    table = nn.sinusoidal_encoding(9, d_model, dtype=mytorch.float64).numpy()
    pos = np.arange(9)[:, None]
    i = np.arange(d_model)[None, :]
    angle = pos / 10000.0 ** ((i - i % 2) / d_model)
    np.testing.assert_allclose(table, np.where(i % 2 == 0, np.sin(angle), np.cos(angle)), atol=1e-6)


@pytest.mark.parametrize("batch_first", [False, True])
def test_sinusoidal_encoding_adds_positions(batch_first):
    enc = nn.SinusoidalPositionalEncoding(6, max_len=20, batch_first=batch_first)
    assert list(enc.state_dict()) == []  # a fixed table: nothing to save
    x = rand(2, 5, 6, dtype=np.float32) if batch_first else rand(5, 2, 6, dtype=np.float32)
    table = nn.sinusoidal_encoding(20, 6).numpy()
    expected = x + (table[3:8][None] if batch_first else table[3:8][:, None])
    np.testing.assert_allclose(enc(mytorch.tensor(x), offset=3).numpy(), expected, atol=1e-6)
    np.testing.assert_allclose(enc(mytorch.tensor(x[0] if batch_first else x[:, 0])).numpy(),
                               (x[0] if batch_first else x[:, 0]) + table[:5], atol=1e-6)  # unbatched (L, E)
    with pytest.raises(IndexError, match="max_len=20"):
        enc(mytorch.tensor(x), offset=16)


def test_learned_positional_embedding_is_trained():
    mytorch.manual_seed(0)
    emb = nn.LearnedPositionalEmbedding(10, 4, batch_first=True)
    assert list(emb.state_dict()) == ["weight"] and 0.01 < float(emb.weight.std()) < 0.04
    x = mytorch.tensor(rand(2, 3, 4, dtype=np.float32))
    out = emb(x, offset=2)
    np.testing.assert_allclose(out.detach().numpy(), x.numpy() + emb.weight.detach().numpy()[2:5], atol=1e-6)
    out.sum().backward()
    used = np.zeros(10, dtype=bool)
    used[2:5] = True
    assert (emb.weight.grad.numpy()[used] == 2).all() and not emb.weight.grad.numpy()[~used].any()
