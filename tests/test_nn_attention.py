"""scaled_dot_product_attention and MultiheadAttention against PyTorch."""
import numpy as np
import pytest
import torch

import mytorch
from helpers import LAYOUTS, check, gradcheck, raises_like, to_numpy
from nn_parity import ModulePair

rng = np.random.default_rng(0)
SDPA = "scaled_dot_product_attention"


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def sdpa(**kw):
    return lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v, **kw)


def bool_mask(*shape, masked_row=None):
    m = rng.random(shape) > 0.4
    m[..., :, 0] = True
    if masked_row is not None:
        m[..., masked_row, :] = False  # a query that may attend nothing
    return m


# ---- scaled_dot_product_attention ------------------------------------------------------------------------

@pytest.mark.parametrize("layout", LAYOUTS)
def test_sdpa_matches_torch(layout):
    check(sdpa(), rand(2, 3, 4, 8), rand(2, 3, 5, 8), rand(2, 3, 5, 6), layout=layout)


@pytest.mark.parametrize("L,S", [(4, 4), (3, 5), (5, 3)])
def test_sdpa_causal_is_top_left_aligned(L, S):
    check(sdpa(is_causal=True), rand(2, L, 4), rand(2, S, 4), rand(2, S, 3))


def test_sdpa_causal_with_mask_applies_both():
    m = bool_mask(3, 5)
    fm = rand(1, 1, 3, 5)
    check(lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=T.tensor(m),
                                                                          is_causal=True),
          rand(2, 4, 3, 8), rand(2, 4, 5, 8), rand(2, 4, 5, 8))
    check(lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=T.tensor(fm),
                                                                          is_causal=True),
          rand(2, 4, 3, 8), rand(2, 4, 5, 8), rand(2, 4, 5, 8))


@pytest.mark.parametrize("shape", [(4, 5), (3, 4, 5), (1, 1, 4, 5)])
def test_sdpa_bool_mask_broadcasts_and_fully_masked_rows_give_zero(shape):
    m = bool_mask(*shape, masked_row=1)
    check(lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=T.tensor(m)),
          rand(2, 3, 4, 6), rand(2, 3, 5, 6), rand(2, 3, 5, 2))
    out = mytorch.nn.functional.scaled_dot_product_attention(rand_t(2, 3, 4, 6), rand_t(2, 3, 5, 6),
                                                             rand_t(2, 3, 5, 2), attn_mask=mytorch.tensor(m))
    assert (out.numpy()[..., 1, :] == 0).all()


def rand_t(*shape):
    return mytorch.tensor(rand(*shape))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_sdpa_float_mask_and_scale_with_mask_gradient(layout):
    mask = rand(3, 4, 5)
    mask[0, 2] = -np.inf  # a fully masked row: zero output and zero gradients
    mask[1, :, 3] = -np.inf
    check(lambda T, q, k, v, m: T.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=m, scale=0.3),
          rand(2, 3, 4, 6), rand(2, 3, 5, 6), rand(2, 3, 5, 4), mask, layout=layout)


@pytest.mark.parametrize("q,k", [((2, 3, 4, 8), (3, 5, 8)), ((1, 3, 4, 8), (2, 3, 5, 8)), ((4, 8), (2, 1, 5, 8))])
def test_sdpa_batch_dims_broadcast(q, k):
    check(sdpa(), rand(*q), rand(*k), rand(*k[:-1], 3))


@pytest.mark.parametrize("hk,hv", [(2, 2), (1, 1), (3, 1), (6, 2)])
@pytest.mark.parametrize("mask", [None, "causal", "per_head", "shared"])
def test_sdpa_grouped_query_attention(hk, hv, mask):
    kw = {"enable_gqa": True}
    if mask == "causal":
        kw["is_causal"] = True
    elif mask is not None:
        m = bool_mask(*((6, 4, 5) if mask == "per_head" else (1, 4, 5)))
        check(lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=T.tensor(m), **kw),
              rand(2, 6, 4, 8), rand(2, hk, 5, 8), rand(2, hv, 5, 3))
        return
    check(sdpa(**kw), rand(2, 6, 4, 8), rand(2, hk, 5, 8), rand(2, hv, 5, 3))


def test_sdpa_empty_keys_and_queries():
    check(sdpa(), rand(2, 3, 4), rand(2, 0, 4), rand(2, 0, 3))
    check(sdpa(), rand(2, 0, 4), rand(2, 5, 4), rand(2, 5, 3))


def test_sdpa_gradcheck_and_second_derivative():
    d = lambda *s: rng.standard_normal(s)  # noqa: E731
    m = bool_mask(3, 5, masked_row=2)

    def f(T, q, k, v, fm):
        return T.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=fm) + \
            T.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=T.tensor(m), scale=0.7)
    gradcheck(f, d(2, 3, 4), d(2, 5, 4), d(2, 5, 3), d(3, 5))
    inputs = [mytorch.tensor(d(*s), requires_grad=True) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 3), (3, 5))]
    assert mytorch.autograd.gradgradcheck(lambda *xs: f(mytorch, *xs), inputs)
    gqa = [mytorch.tensor(d(*s), requires_grad=True) for s in ((1, 4, 3, 2), (1, 2, 4, 2), (1, 2, 4, 2))]
    assert mytorch.autograd.gradgradcheck(
        lambda q, k, v: mytorch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True),
        gqa)


def test_sdpa_dropout_drops_weights_reproducibly():
    """With value = identity the output is the (dropped) weight matrix: each entry is 0 or P / (1 - p)."""
    F = mytorch.nn.functional
    q, k, v = rand_t(2, 4, 6, 8), rand_t(2, 4, 6, 8), mytorch.eye(6).expand(2, 4, 6, 6)
    p = F.scaled_dot_product_attention(q, k, v)
    mytorch.manual_seed(3)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.25)
    mytorch.manual_seed(3)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.25)
    assert np.array_equal(a.numpy(), b.numpy())
    ratio = a.numpy() / p.numpy()
    assert np.allclose(ratio[ratio != 0], 1 / 0.75, rtol=1e-5)
    assert 0.1 < (ratio == 0).mean() < 0.4
    assert not F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy().any()

    def seeded(q, k, v):
        mytorch.manual_seed(5)  # the same keep-mask on every evaluation
        return F.scaled_dot_product_attention(q, k, v, dropout_p=0.3)
    xs = [mytorch.tensor(rng.standard_normal(s), requires_grad=True) for s in ((3, 4), (5, 4), (5, 2))]
    assert mytorch.autograd.gradcheck(seeded, xs)


@pytest.mark.parametrize("case", ["dtype", "gqa_heads", "heads_without_gqa", "ndim",
                                  "mask_dtype", "dropout_p", "mask_shape"])
def test_sdpa_errors_like_torch(case):
    q, k, v = rand(2, 4, 3, 8), rand(2, 4, 5, 8), rand(2, 4, 5, 8)
    m = bool_mask(3, 5)
    calls = {
        "dtype": lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k.double(), v),
        "gqa_heads": lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(
            q, k[:, :3], v[:, :3], enable_gqa=True),
        "heads_without_gqa": lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k[:, :2], v[:, :2]),
        "ndim": lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q[0, 0, 0], k[0, 0], v[0, 0]),
        "mask_dtype": lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=T.tensor(m).double()),
        "dropout_p": lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(q, k, v, dropout_p=1.5),
        "mask_shape": lambda T, q, k, v: T.nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=T.tensor(m[:, :4])),
    }
    raises_like(calls[case], q, k, v)


# ---- MultiheadAttention ----------------------------------------------------------------------------------

def wrapped(make, call):
    """make(T) wrapped in a module whose forward is call(inner, *inputs) (one tensor out, for ModulePair)."""
    def build(T):
        class Wrap(T.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = make(T)

            def forward(self, *xs):
                return call(T, self.inner, *xs)
        return Wrap()
    return build


def mha_inputs(batch_first, kdim=8, vdim=8, L=4, S=5, N=3):
    def seq(n, e):
        return rand(N, n, e) if batch_first else rand(n, N, e)
    return seq(L, 8), seq(S, kdim), seq(S, vdim)


@pytest.mark.parametrize("options", [{}, {"kdim": 6, "vdim": 5}, {"add_bias_kv": True}, {"add_zero_attn": True},
                                     {"bias": False}, {"add_bias_kv": True, "add_zero_attn": True, "kdim": 3}])
def test_mha_state_dict_keys_match_torch(options):
    pair = ModulePair(lambda T: T.nn.MultiheadAttention(8, 2, **options))  # asserts the keys and their order
    assert repr(pair.m) == repr(pair.t)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("options", [{}, {"kdim": 6, "vdim": 5}, {"add_bias_kv": True}, {"add_zero_attn": True},
                                     {"bias": False}])
@pytest.mark.parametrize("need_weights,average", [(False, True), (True, True), (True, False)])
def test_mha_matches_torch(batch_first, options, need_weights, average):
    def make(T):
        return T.nn.MultiheadAttention(8, 2, batch_first=batch_first, **options)
    inputs = mha_inputs(batch_first, options.get("kdim", 8), options.get("vdim", 8))
    for which in (0, 1) if need_weights else (0,):
        pair = ModulePair(wrapped(make, lambda T, m, q, k, v: m(q, k, v, need_weights=need_weights,
                                                                average_attn_weights=average)[which]))
        pair.step(*inputs)


def test_mha_self_attention_unbatched_and_no_weights():
    pair = ModulePair(wrapped(lambda T: T.nn.MultiheadAttention(8, 4), lambda T, m, x: m(x, x, x)[0]))
    pair.step(rand(5, 8))
    pair = ModulePair(wrapped(lambda T: T.nn.MultiheadAttention(8, 4, batch_first=True),
                              lambda T, m, x: m(x, x, x)[1]))
    pair.step(rand(2, 5, 8))
    assert mytorch.nn.MultiheadAttention(8, 2)(*(rand_t(4, 8),) * 3, need_weights=False)[1] is None


@pytest.mark.parametrize("need_weights", [False, True])
@pytest.mark.parametrize("masks", ["bool2d", "float3d", "kpm_bool", "kpm_float", "both", "causal_hint",
                                   "causal_kpm", "bias_kv_masks"])
def test_mha_masks_match_torch(masks, need_weights):
    L = S = 4
    N, H = 3, 2
    causal = np.triu(np.ones((L, S), dtype=bool), 1)
    kpm = np.zeros((N, S), dtype=bool)
    kpm[0, 2:] = True
    kpm[2, 1] = True
    fm = rand(N * H, L, S)
    fm[1, :, 0] = -np.inf
    options = {"add_bias_kv": True, "add_zero_attn": True} if masks == "bias_kv_masks" else {}

    def call(T, m, q, k, v):
        kw = {"bool2d": {"attn_mask": T.tensor(causal)},
              "float3d": {"attn_mask": T.tensor(fm)},
              "kpm_bool": {"key_padding_mask": T.tensor(kpm)},
              "kpm_float": {"key_padding_mask": T.tensor(np.where(kpm, -np.inf, 0.0).astype(np.float32))},
              "both": {"attn_mask": T.tensor(causal), "key_padding_mask": T.tensor(kpm)},
              "causal_hint": {"attn_mask": T.tensor(causal), "is_causal": True},
              "causal_kpm": {"attn_mask": T.tensor(causal), "key_padding_mask": T.tensor(kpm), "is_causal": True},
              "bias_kv_masks": {"attn_mask": T.tensor(causal), "key_padding_mask": T.tensor(kpm)}}[masks]
        out, w = m(q, k, v, need_weights=need_weights, **kw)
        return out if w is None else T.cat([out.flatten(), w.flatten()])
    pair = ModulePair(wrapped(lambda T: T.nn.MultiheadAttention(8, H, **options), call))
    pair.step(*mha_inputs(False, L=L, S=S, N=N))


@pytest.mark.parametrize("need_weights", [False, True])
def test_mha_fully_masked_query_like_torch(need_weights):
    """A batch element whose keys are all padding: PyTorch gives NaN with need_weights, else 0."""
    kpm = np.zeros((2, 4), dtype=bool)
    kpm[1] = True
    pair = ModulePair(lambda T: T.nn.MultiheadAttention(8, 2))
    x = rand(4, 2, 8)
    (mo, mw), (to, tw) = (m(*(T.tensor(x),) * 3, key_padding_mask=T.tensor(kpm), need_weights=need_weights)
                          for T, m in ((mytorch, pair.m), (torch, pair.t)))
    np.testing.assert_allclose(to_numpy(mo), to_numpy(to), atol=1e-5, equal_nan=True)
    assert np.isnan(to_numpy(mo)[:, 1]).all() == need_weights
    assert not np.isnan(to_numpy(mo)[:, 0]).any()
    if need_weights:
        np.testing.assert_allclose(to_numpy(mw), to_numpy(tw), atol=1e-6, equal_nan=True)


def test_mha_dropout_only_while_training():
    m = mytorch.nn.MultiheadAttention(8, 2, dropout=0.5)
    x = rand_t(4, 2, 8)
    mytorch.manual_seed(0)
    a = m(x, x, x)[1]
    mytorch.manual_seed(0)
    assert np.array_equal(a.detach().numpy(), m(x, x, x)[1].detach().numpy())
    assert not np.allclose(a.detach().numpy(), m.eval()(x, x, x)[1].detach().numpy())
    assert np.allclose(m(x, x, x)[1].detach().numpy().sum(-1), 1, atol=1e-6)


@pytest.mark.parametrize("case", ["causal_without_mask", "mask_shape", "mask_ndim", "kpm_shape", "embed_dim",
                                  "key_value_shapes"])
def test_mha_errors_like_torch(case):
    x = rand(4, 2, 8)

    def call(T, x):
        torch.manual_seed(0)
        m = T.nn.MultiheadAttention(8, 2)
        if case == "causal_without_mask":
            return m(x, x, x, is_causal=True)
        if case == "mask_shape":
            return m(x, x, x, attn_mask=T.zeros(4, 3))
        if case == "mask_ndim":
            return m(x, x, x, attn_mask=T.zeros(1, 1, 4, 4))
        if case == "kpm_shape":
            return m(x, x, x, key_padding_mask=T.zeros(3, 4, dtype=T.bool))
        if case == "embed_dim":
            return m(x[..., :6], x[..., :6], x[..., :6])
        return m(x, x, x[:3])
    raises_like(call, x)
    with pytest.raises(AssertionError, match="divisible"):
        mytorch.nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError):
        mytorch.nn.MultiheadAttention(0, 3)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_keeps_dtype(dtype):
    m = bool_mask(4, 5, masked_row=2)

    def f(T, q, k, v, fm):
        dt = getattr(T, dtype)
        a = T.nn.functional.scaled_dot_product_attention(q.to(dt), k.to(dt), v.to(dt), attn_mask=T.tensor(m))
        b = T.nn.functional.scaled_dot_product_attention(q.to(dt), k.to(dt), v.to(dt), attn_mask=fm)  # float32 mask
        return a, b
    check(f, rand(2, 4, 8), rand(2, 5, 8), rand(2, 5, 8), rand(4, 5), atol=2e-2, rtol=2e-2)
    x = mytorch.tensor(rand(3, 8)).to(getattr(mytorch, dtype))
    layer = mytorch.nn.TransformerEncoderLayer(8, 2, 16).to(getattr(mytorch, dtype))
    assert layer(x, src_mask=mytorch.nn.Transformer.generate_square_subsequent_mask(3)).dtype is x.dtype
