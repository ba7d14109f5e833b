"""Transformer encoder/decoder layers, stacks and nn.Transformer against PyTorch (same weights, eval mode)."""
import numpy as np
import pytest

import mytorch
from helpers import raises_like, same
from nn_parity import ModulePair

rng = np.random.default_rng(0)
D_MODEL, NHEAD, FF = 8, 2, 16


def rand(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def seq(batch_first, n, batch=3):
    return rand(batch, n, D_MODEL) if batch_first else rand(n, batch, D_MODEL)


def layer_kwargs(T, batch_first, norm_first, activation, bias=True):
    act = {"relu": "relu", "gelu": "gelu", "module": T.nn.GELU(approximate="tanh"),
           "function": T.nn.functional.silu}[activation]
    return dict(dim_feedforward=FF, dropout=0.1, activation=act, batch_first=batch_first, norm_first=norm_first,
                bias=bias, layer_norm_eps=1e-4)


def wrapped(make, call):
    """make(T) wrapped in a module whose forward is call(T, inner, *inputs), for ModulePair."""
    def build(T):
        class Wrap(T.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner = make(T)

            def forward(self, *xs):
                return call(T, self.inner, *xs)
        return Wrap()
    return build


def masks(T, kind, L, S, batch=3):
    """(attn_mask, key_padding_mask) of a kind, in MultiheadAttention's convention (True = masked)."""
    causal = T.nn.Transformer.generate_square_subsequent_mask(L)[:, :S] if L == S else \
        T.tensor(np.triu(np.ones((L, S), dtype=bool), 1))
    kpm = np.zeros((batch, S), dtype=bool)
    kpm[0, -2:] = True
    if kind == "none":
        return None, None
    if kind == "causal":
        return causal, None
    if kind == "kpm":
        return None, T.tensor(kpm)
    return T.tensor(np.triu(np.ones((L, S), dtype=bool), 1)), T.tensor(kpm)  # both, bool


LAYER_CASES = [(batch_first, norm_first, mask) for batch_first in (False, True) for norm_first in (False, True)
               for mask in ("none", "causal", "kpm", "both")]
ACTIVATIONS = ["relu", "gelu", "module", "function"]


@pytest.mark.parametrize("batch_first,norm_first,mask,activation",
                         [case + (ACTIVATIONS[i % 4],) for i, case in enumerate(LAYER_CASES)] +
                         [(True, False, "both", a) for a in ACTIVATIONS])
def test_encoder_layer_matches_torch(batch_first, norm_first, activation, mask):
    def make(T):
        return T.nn.TransformerEncoderLayer(D_MODEL, NHEAD, **layer_kwargs(T, batch_first, norm_first, activation))

    def call(T, layer, x):
        m, kpm = masks(T, mask, 5, 5)
        return layer(x, src_mask=m, src_key_padding_mask=kpm, is_causal=mask == "causal")
    ModulePair(make)  # state_dict keys and order
    pair = ModulePair(wrapped(make, call)).train(False)
    pair.step(seq(batch_first, 5))


@pytest.mark.parametrize("batch_first,norm_first,mask,activation",
                         [case + (ACTIVATIONS[i % 2],) for i, case in enumerate(LAYER_CASES) if case[2] != "kpm"])
def test_decoder_layer_matches_torch(batch_first, norm_first, activation, mask):
    def make(T):
        return T.nn.TransformerDecoderLayer(D_MODEL, NHEAD, **layer_kwargs(T, batch_first, norm_first, activation))

    def call(T, layer, tgt, memory):
        m, kpm = masks(T, mask, 4, 4)
        mem_mask, mem_kpm = masks(T, mask, 4, 6)
        return layer(tgt, memory, tgt_mask=m, memory_mask=mem_mask, tgt_key_padding_mask=kpm,
                     memory_key_padding_mask=mem_kpm, tgt_is_causal=mask == "causal")
    ModulePair(make)
    pair = ModulePair(wrapped(make, call)).train(False)
    pair.step(seq(batch_first, 4), seq(batch_first, 6))


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("final_norm", [False, True])
@pytest.mark.parametrize("is_causal", [None, True, False])
def test_encoder_stack_matches_torch(norm_first, final_norm, is_causal):
    def make(T):
        layer = T.nn.TransformerEncoderLayer(D_MODEL, NHEAD, **layer_kwargs(T, True, norm_first, "gelu"))
        norm = T.nn.LayerNorm(D_MODEL) if final_norm else None
        return T.nn.TransformerEncoder(layer, 2, norm, enable_nested_tensor=False)

    def call(T, enc, x):
        mask = T.nn.Transformer.generate_square_subsequent_mask(5) if is_causal is not False else None
        return enc(x, mask=mask, src_key_padding_mask=masks(T, "kpm", 5, 5)[1], is_causal=is_causal)
    pair = ModulePair(wrapped(make, call)).train(False)
    pair.step(seq(True, 5))


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_stack_matches_torch(norm_first):
    def make(T):
        layer = T.nn.TransformerDecoderLayer(D_MODEL, NHEAD, **layer_kwargs(T, False, norm_first, "relu"))
        return T.nn.TransformerDecoder(layer, 2, T.nn.LayerNorm(D_MODEL))

    def call(T, dec, tgt, memory):
        return dec(tgt, memory, tgt_mask=T.nn.Transformer.generate_square_subsequent_mask(4),
                   memory_key_padding_mask=masks(T, "kpm", 4, 6)[1])
    pair = ModulePair(wrapped(make, call)).train(False)
    pair.step(seq(False, 4), seq(False, 6))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_matches_torch(batch_first, norm_first):
    def make(T):
        return T.nn.Transformer(D_MODEL, NHEAD, 2, 2, FF, dropout=0.2, batch_first=batch_first,
                                norm_first=norm_first)

    def call(T, model, src, tgt):
        return model(src, tgt, tgt_mask=T.nn.Transformer.generate_square_subsequent_mask(4),
                     src_key_padding_mask=masks(T, "kpm", 5, 5)[1], memory_key_padding_mask=masks(T, "kpm", 4, 5)[1])
    ModulePair(make)
    pair = ModulePair(wrapped(make, call)).train(False)
    pair.step(seq(batch_first, 5), seq(batch_first, 4))


def test_transformer_unbatched_and_train_mode_without_dropout():
    def make(T):
        return T.nn.Transformer(D_MODEL, NHEAD, 1, 1, FF, dropout=0.0, bias=False)
    pair = ModulePair(wrapped(make, lambda T, m, src, tgt: m(src, tgt)))
    pair.step(rand(5, D_MODEL), rand(3, D_MODEL))


def test_transformer_dropout_only_while_training():
    model = mytorch.nn.TransformerEncoderLayer(D_MODEL, NHEAD, FF, dropout=0.5)
    x = mytorch.tensor(seq(False, 5))
    mytorch.manual_seed(0)
    a = model(x)
    mytorch.manual_seed(0)
    assert np.array_equal(a.detach().numpy(), model(x).detach().numpy())
    model.eval()
    assert np.array_equal(model(x).detach().numpy(), model(x).detach().numpy())
    assert not np.allclose(a.detach().numpy(), model(x).detach().numpy())


def test_generate_square_subsequent_mask_and_default_init():
    same(lambda T: (T.nn.Transformer.generate_square_subsequent_mask(4),
                    T.nn.Transformer.generate_square_subsequent_mask(3, dtype=T.float64)))
    mytorch.manual_seed(0)
    model = mytorch.nn.Transformer(16, 4, 1, 1, 32)
    w = model.encoder.layers[0].linear1.weight.detach().numpy()
    bound = np.sqrt(6 / (16 + 32))  # xavier_uniform on every matrix
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert not model.encoder.layers[0].self_attn.in_proj_bias.detach().numpy().any()


@pytest.mark.parametrize("case", ["batch", "features", "activation"])
def test_transformer_errors_like_torch(case):
    def call(T, src, tgt):
        if case == "activation":
            return T.nn.TransformerEncoderLayer(D_MODEL, NHEAD, activation="tanh")
        model = T.nn.Transformer(D_MODEL, NHEAD, 1, 1, FF)
        if case == "batch":
            return model(src, tgt[:, :2])
        return model(src[..., :6], tgt[..., :6])
    raises_like(call, seq(False, 5), seq(False, 4))
