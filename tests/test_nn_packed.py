"""torch.nn.utils.rnn's packed sequences against PyTorch: pack_padded_sequence (sorted and unsorted,
batch_first, lengths as list or tensor), pad_packed_sequence, pack/unpack/unpad_sequence, their errors and
gradients; RNN, LSTM and GRU on a PackedSequence (multi-layer, bidirectional, with and without hx): the
packed output, final states and the gradients of the padded input, hx and every weight."""
import numpy as np
import pytest
import torch
from torch.nn.utils import rnn as trnn

import mytorch
from helpers import raises_like, to_numpy
from mytorch.nn.utils import rnn as mrnn
from nn_parity import ModulePair

rng = np.random.default_rng(0)
T_, B_, F_ = 5, 4, 3
LENGTHS = {True: [5, 3, 3, 1], False: [2, 5, 1, 3]}  # by enforce_sorted; [2, 5, 1, 3] has a tie-free order


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def close(a, b, what, atol=2e-5, rtol=1e-4):
    a, b = to_numpy(a), to_numpy(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != torch {b.shape}"
    np.testing.assert_allclose(a, b, atol=atol, rtol=rtol, err_msg=what)


def same_packed(m, t):
    close(m.data, t.data, "data")
    assert m.batch_sizes.tolist() == t.batch_sizes.tolist()
    assert m.batch_sizes.dtype == mytorch.int64
    for name in ("sorted_indices", "unsorted_indices"):
        a, b = getattr(m, name), getattr(t, name)
        assert (a is None) == (b is None), name
        if b is not None:
            assert a.tolist() == b.tolist(), name


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("as_tensor", [False, True])
def test_pack_pad_round_trip(enforce_sorted, batch_first, as_tensor):
    x = rng.standard_normal((B_, T_, F_) if batch_first else (T_, B_, F_)).astype(np.float32)
    lengths = LENGTHS[enforce_sorted]
    res = {}
    for T in (mytorch, torch):
        xt = T.tensor(x, requires_grad=True)
        lens = T.tensor(lengths) if as_tensor else lengths
        packed = T.nn.utils.rnn.pack_padded_sequence(xt, lens, batch_first=batch_first, enforce_sorted=enforce_sorted)
        padded, out_lengths = T.nn.utils.rnn.pad_packed_sequence(packed, batch_first=batch_first, padding_value=-2.0,
                                                                 total_length=T_ + 1)
        (padded * T.tensor(np.arange(padded.numel(), dtype=np.float32).reshape(tuple(padded.shape)))).sum().backward()
        res[T] = packed, padded, out_lengths, xt.grad
    (mp, mpad, mlen, mg), (tp, tpad, tlen, tg) = res[mytorch], res[torch]
    same_packed(mp, tp)
    close(mpad, tpad, "padded")
    assert mlen.tolist() == tlen.tolist() and mlen.dtype == mytorch.int64
    close(mg, tg, "gradient of the padded input")


def test_pack_sequence_unpack_unpad():
    seqs = [rng.standard_normal((n, 2)).astype(np.float32) for n in (2, 4, 1)]
    for enforce_sorted in (False, True):
        if enforce_sorted:
            seqs = sorted(seqs, key=len, reverse=True)
        m = mrnn.pack_sequence([mytorch.tensor(s) for s in seqs], enforce_sorted=enforce_sorted)
        t = trnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=enforce_sorted)
        same_packed(m, t)
        for a, b in zip(mrnn.unpack_sequence(m), trnn.unpack_sequence(t)):
            close(a, b, "unpacked sequence")
    padded = rng.standard_normal((4, 4, 2)).astype(np.float32)
    for batch_first in (False, True):
        got = mrnn.unpad_sequence(mytorch.tensor(padded), mytorch.tensor([3, 4, 1, 2]), batch_first=batch_first)
        want = trnn.unpad_sequence(torch.tensor(padded), torch.tensor([3, 4, 1, 2]), batch_first=batch_first)
        for a, b in zip(got, want):
            close(a, b, "unpadded sequence")


def test_packed_sequence_methods():
    m = mrnn.pack_sequence([mytorch.ones(3, 2), mytorch.ones(1, 2)])
    assert isinstance(m, tuple) and m._fields == ("data", "batch_sizes", "sorted_indices", "unsorted_indices")
    assert m.double().data.dtype == mytorch.float64 and m.double().batch_sizes.dtype == mytorch.int64
    assert m.to(mytorch.float16).data.dtype == mytorch.float16 and m.long().data.dtype == mytorch.int64
    assert m.float() is m and m.to("cpu") is m and not m.is_cuda
    legacy = mrnn.PackedSequence((m.data, m.batch_sizes))
    assert legacy.sorted_indices is None and legacy.batch_sizes.tolist() == [2, 1, 1]
    perm = mrnn.PackedSequence(m.data, m.batch_sizes, mytorch.tensor([1, 2, 0]))
    assert perm.unsorted_indices.tolist() == trnn.invert_permutation(torch.tensor([1, 2, 0])).tolist()


@pytest.mark.parametrize("lengths, kwargs", [
    ([2, 5, 3, 1], {}),                                  # unsorted with enforce_sorted
    ([5, 3, 0, 0], {}),                                  # a zero length
    ([5, 0, 3, 1], {"enforce_sorted": False}),
    ([5, 3, 1], {}),                                     # one length too few
])
def test_pack_errors(lengths, kwargs):
    x = np.zeros((T_, B_, F_), np.float32)
    raises_like(lambda T: T.nn.utils.rnn.pack_padded_sequence(T.tensor(x), lengths, **kwargs))


def test_pack_error_messages():
    x = np.zeros((T_, B_, F_), np.float32)
    raises_like(lambda T: T.nn.utils.rnn.pack_padded_sequence(T.tensor(x), T.tensor([[5, 3, 2, 1]])))
    packed = {T: T.nn.utils.rnn.pack_padded_sequence(T.tensor(x), [5, 3, 2, 1]) for T in (mytorch, torch)}
    raises_like(lambda T: T.nn.utils.rnn.pad_packed_sequence(packed[T], total_length=3))
    raises_like(lambda T: T.nn.utils.rnn.pack_sequence([]))
    with pytest.raises(RuntimeError, match="exceeds"):
        mrnn.pack_padded_sequence(mytorch.tensor(x), [6, 3, 2, 1])


def make(mode, **kwargs):
    def build(T):
        if mode.startswith("RNN_"):
            return T.nn.RNN(F_, 4, nonlinearity=mode[4:].lower(), **kwargs)
        return getattr(T.nn, mode)(F_, 4, **kwargs)
    return build


@pytest.mark.parametrize("mode", ["RNN_TANH", "RNN_RELU", "LSTM", "GRU"])
@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("layers, bidirectional, with_hx", [(1, False, False), (2, True, True)])
def test_recurrent_layer_on_packed_input(mode, enforce_sorted, layers, bidirectional, with_hx):
    pair = ModulePair(make(mode, num_layers=layers, bidirectional=bidirectional, batch_first=True))
    x = rng.standard_normal((B_, T_, F_)).astype(np.float32)
    count = layers * (2 if bidirectional else 1)
    states = [rng.standard_normal((count, B_, 4)).astype(np.float32) for _ in range(2 if mode == "LSTM" else 1)]
    res = {}
    for T, module in ((mytorch, pair.m), (torch, pair.t)):
        leaves = [T.tensor(a, requires_grad=True) for a in [x] + (states if with_hx else [])]
        packed = T.nn.utils.rnn.pack_padded_sequence(leaves[0], LENGTHS[enforce_sorted], batch_first=True,
                                                     enforce_sorted=enforce_sorted)
        hx = None if not with_hx else (tuple(leaves[1:]) if mode == "LSTM" else leaves[1])
        out, final = module(packed, hx)
        assert isinstance(out, T.nn.utils.rnn.PackedSequence)
        outs = [out.data] + (list(final) if mode == "LSTM" else [final])
        res[T] = leaves, out, outs
    (m_leaves, m_packed, m_outs), (t_leaves, t_packed, t_outs) = res[mytorch], res[torch]
    same_packed(m_packed, t_packed)
    for i, (a, b) in enumerate(zip(m_outs, t_outs)):
        close(a, b, f"output {i}")
    gs = [rng.standard_normal(tuple(o.shape)).astype(np.float32) for o in t_outs]
    grads = {}
    for T, module in ((mytorch, pair.m), (torch, pair.t)):
        leaves, _, outs = res[T]
        grads[T] = T.autograd.grad(outs, leaves + list(module.parameters()), [T.tensor(g) for g in gs])
    names = ["input"] + [f"state {i}" for i in range(len(m_leaves) - 1)] + [n for n, _ in pair.t.named_parameters()]
    for name, a, b in zip(names, grads[mytorch], grads[torch]):
        close(a, b, f"gradient of {name}")


def test_packed_hidden_state_errors():
    pair = ModulePair(make("GRU"))
    x = np.zeros((T_, B_, F_), np.float32)
    for T, module in ((mytorch, pair.m), (torch, pair.t)):
        packed = T.nn.utils.rnn.pack_padded_sequence(T.tensor(x), [5, 3, 2, 1])
        with pytest.raises(RuntimeError):
            module(packed, T.zeros(1, 3, 4))


@pytest.mark.parametrize("mode", ["RNN_TANH", "LSTM", "GRU"])
def test_packed_second_derivatives(mode):
    """create_graph through the masked recurrence: the gradient of the squared norm of the first gradients."""
    pair = ModulePair(make(mode, bidirectional=True))
    x = rng.standard_normal((T_, B_, F_))
    grads = {}
    for T, module in ((mytorch, pair.m.double()), (torch, pair.t.double())):
        leaf = T.tensor(x, requires_grad=True)
        out, _ = module(T.nn.utils.rnn.pack_padded_sequence(leaf, LENGTHS[False], enforce_sorted=False))
        params = list(module.parameters())
        first = T.autograd.grad((out.data ** 2).sum(), [leaf] + params, create_graph=True)
        grads[T] = T.autograd.grad(sum((g * g).sum() for g in first), [leaf] + params)
    for i, (a, b) in enumerate(zip(grads[mytorch], grads[torch])):
        close(a, b, f"second derivative {i}", atol=1e-9, rtol=1e-7)
