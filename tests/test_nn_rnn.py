"""RNN, LSTM, GRU and their cells against PyTorch: same weights (a torch state_dict loads unchanged), same
outputs, final states and gradients for inputs, initial states and every parameter; float64 gradcheck
and second derivatives; backpropagation through 1,000 LSTM steps; pad_sequence."""
import tracemalloc

import numpy as np
import pytest
import torch

import mytorch
from helpers import check, gradcheck, raises_like, to_numpy
from nn_parity import ModulePair

rng = np.random.default_rng(0)
T_, B_, I_, H_ = 5, 3, 4, 6  # steps, batch, input size, hidden size


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """torch's small recurrent kernels wake its thread pool at every step: on a busy 2-core machine one
    thread makes these tests many times faster (restored for the other test files)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def rand(*shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


def flat(out) -> list:
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flat(o)]
    return [out]


def make_layer(mode: str, **kwargs):
    """make(T): the layer of `mode` (RNN_TANH, RNN_RELU, LSTM, GRU, or a cell name) in framework T."""
    def make(T):
        if mode.startswith("RNN_"):
            return T.nn.RNN(I_, H_, nonlinearity=mode[4:].lower(), **kwargs)
        if mode.endswith("Cell_relu"):
            return T.nn.RNNCell(I_, H_, nonlinearity="relu", **kwargs)
        return getattr(T.nn, mode)(I_, H_, **kwargs)
    return make


def parity(pair: ModulePair, x: np.ndarray, states: list[np.ndarray] | None, lstm: bool, atol=2e-5, rtol=1e-4,
           create_graph: bool = False) -> None:
    """Run both modules on x (and initial states), backpropagate the same random gradient into every output,
    compare outputs and the gradients of x, the states and every parameter. With create_graph, also
    backpropagate the squared norm of those first gradients (second derivatives)."""
    results = {}
    for T, module in ((mytorch, pair.m), (torch, pair.t)):
        xs = [T.tensor(a, requires_grad=True) for a in [x] + (states or [])]
        hx = None if states is None else (tuple(xs[1:]) if lstm else xs[1])
        outs = flat(module(xs[0], hx))
        results[T] = xs, outs
    (m_in, m_out), (t_in, t_out) = results[mytorch], results[torch]
    assert len(m_out) == len(t_out)
    for i, (a, b) in enumerate(zip(m_out, t_out)):
        assert tuple(a.shape) == tuple(b.shape), f"output {i}: shape {tuple(a.shape)} != torch {tuple(b.shape)}"
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), atol=atol, rtol=rtol, err_msg=f"output {i}")
    gs = [pair.rng.standard_normal(tuple(o.shape)).astype(to_numpy(o).dtype) for o in t_out]
    grads = {}
    for T, (ins, outs), module in ((mytorch, results[mytorch], pair.m), (torch, results[torch], pair.t)):
        leaves = ins + list(module.parameters())
        first = T.autograd.grad(outs, leaves, [T.tensor(g) for g in gs], create_graph=create_graph)
        if create_graph:
            second = T.autograd.grad(sum((g * g).sum() for g in first), leaves, allow_unused=True)
            first = list(first) + [s if s is not None else T.zeros_like(x) for s, x in zip(second, leaves)]
        grads[T] = first
    names = ["input"] + [f"state {i}" for i in range(len(states or []))] + [n for n, _ in pair.t.named_parameters()]
    names = names + [f"second derivative of {n}" for n in names] if create_graph else names
    for name, a, b in zip(names, grads[mytorch], grads[torch]):
        np.testing.assert_allclose(to_numpy(a), to_numpy(b), atol=atol, rtol=rtol, err_msg=f"gradient of {name}")


def state_arrays(mode: str, layers: int, directions: int, batch: tuple[int, ...], proj: int = 0) -> list[np.ndarray]:
    h = rand(layers * directions, *batch, proj or H_)
    return [h, rand(layers * directions, *batch, H_)] if mode == "LSTM" else [h]


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH", "RNN_RELU"])
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("with_h0", [False, True])
def test_layer_matches_torch(mode, layers, bidirectional, batch_first, with_h0):
    pair = ModulePair(make_layer(mode, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first))
    x = rand(B_, T_, I_) if batch_first else rand(T_, B_, I_)
    states = state_arrays(mode, layers, 2 if bidirectional else 1, (B_,)) if with_h0 else None
    parity(pair, x, states, mode == "LSTM")
    assert repr(pair.m) == repr(pair.t)


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH", "RNN_RELU"])
@pytest.mark.parametrize("with_h0", [False, True])
def test_unbatched_input_matches_torch(mode, with_h0):
    pair = ModulePair(make_layer(mode, num_layers=2, bidirectional=True, batch_first=True))
    states = state_arrays(mode, 2, 2, ()) if with_h0 else None
    parity(pair, rand(T_, I_), states, mode == "LSTM")


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_without_bias_matches_torch(mode):
    pair = ModulePair(make_layer(mode, num_layers=2, bias=False))
    parity(pair, rand(T_, B_, I_), state_arrays(mode, 2, 1, (B_,)), mode == "LSTM")
    assert not any("bias" in k for k in pair.m.state_dict())
    assert repr(pair.m) == repr(pair.t)


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
@pytest.mark.parametrize("bidirectional", [False, True])
def test_lstm_projection_matches_torch(bidirectional):
    pair = ModulePair(make_layer("LSTM", num_layers=2, proj_size=3, bidirectional=bidirectional))
    parity(pair, rand(T_, B_, I_), state_arrays("LSTM", 2, 2 if bidirectional else 1, (B_,), proj=3), True)
    parity(pair, rand(T_, B_, I_), None, True)
    assert pair.m.weight_hr_l1.shape == (3, H_) and pair.m.weight_hh_l1.shape == (4 * H_, 3)
    assert repr(pair.m) == repr(pair.t)


@pytest.mark.parametrize("mode", ["LSTMCell", "GRUCell", "RNNCell", "RNNCell_relu"])
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_h0", [False, True])
def test_cell_matches_torch(mode, batched, with_h0):
    pair = ModulePair(make_layer(mode))
    batch = (B_,) if batched else ()
    states = [rand(*batch, H_) for _ in range(2 if mode == "LSTMCell" else 1)] if with_h0 else None
    parity(pair, rand(*batch, I_), states, mode == "LSTMCell")
    assert repr(pair.m) == repr(pair.t)


@pytest.mark.parametrize("mode", ["LSTMCell", "GRUCell", "RNNCell"])
def test_cell_without_bias_matches_torch(mode):
    pair = ModulePair(make_layer(mode, bias=False))
    parity(pair, rand(B_, I_), None, mode == "LSTMCell")
    assert pair.m.bias_ih is None and repr(pair.m) == repr(pair.t)


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH", "RNN_RELU"])
def test_second_derivatives_match_torch(mode):
    pair = ModulePair(make_layer(mode, bidirectional=True), seed=1)
    pair.m.double()
    pair.t.double()
    x = rand(3, 2, I_, dtype=np.float64)
    states = [a.astype(np.float64) for a in state_arrays(mode, 1, 2, (2,))]
    parity(pair, x, states, mode == "LSTM", atol=1e-10, rtol=1e-8, create_graph=True)


@pytest.mark.parametrize("fn", ["lstm_cell", "gru_cell", "rnn_tanh_cell", "rnn_relu_cell"])
def test_functional_cells_match_torch_and_gradcheck(fn):
    gates = {"lstm_cell": 4, "gru_cell": 3}.get(fn, 1)
    hidden = 3
    arrays = [rand(2, 4), rand(2, hidden), rand(2, hidden), rand(gates * hidden, 4), rand(gates * hidden, hidden),
              rand(gates * hidden), rand(gates * hidden)]

    def call(T, x, h, c, w_ih, w_hh, b_ih, b_hh):
        hx = (h, c) if fn == "lstm_cell" else h
        return getattr(T, fn)(x, hx, w_ih, w_hh, b_ih, b_hh)
    check(call, *arrays)
    gradcheck(call, *[a[:1] if a.shape[0] == 2 else a for a in arrays])


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_gradcheck_reverse_layer(mode):
    from mytorch.ops.rnn import rnn_layer
    gates = {"LSTM": 4, "GRU": 3}.get(mode, 1)
    hidden = 2

    def layer(T, x, h, c, w_ih, w_hh, b_hh, w_hr):
        hx = (h, c) if mode == "LSTM" else (h,)
        out, final = rnn_layer(mode, x, hx, w_ih, w_hh, None, b_hh, w_hr if mode == "LSTM" else None, reverse=True)
        return (out,) + final
    gradcheck(layer, rand(3, 2, 3), rand(2, 1 if mode == "LSTM" else hidden), rand(2, hidden),
              rand(gates * hidden, 3), rand(gates * hidden, 1 if mode == "LSTM" else hidden), rand(gates * hidden),
              rand(1, hidden))


def test_state_dict_from_torch_loads_unchanged():
    t = torch.nn.LSTM(I_, H_, num_layers=2, bidirectional=True, proj_size=2)
    m = mytorch.nn.LSTM(I_, H_, num_layers=2, bidirectional=True, proj_size=2)
    assert list(m.state_dict()) == list(t.state_dict())
    m.load_state_dict({k: mytorch.tensor(v.numpy()) for k, v in t.state_dict().items()})
    x = rand(T_, B_, I_)
    np.testing.assert_allclose(to_numpy(m(mytorch.tensor(x))[0]), to_numpy(t(torch.tensor(x))[0]), atol=1e-5)
    assert [p.shape for p in m.all_weights[3]] == [tuple(p.shape) for p in t.all_weights[3]]
    assert m._flat_weights_names == t._flat_weights_names
    m.flatten_parameters()


@pytest.mark.parametrize("cls", ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"])
def test_init_is_uniform_within_one_over_sqrt_hidden(cls):
    mytorch.manual_seed(0)
    m = getattr(mytorch.nn, cls)(3, 64)
    for p in m.parameters():
        a = p.detach().numpy()
        # U(-1/8, 1/8) has std 0.072; even a 64-element bias's sample std lies within 0.072 +- 0.0064,
        # so 0.05 holds for any random stream (a 16-wide layer's would fail one stream in ten)
        assert np.abs(a).max() <= 0.125 and a.std() > 0.05


def test_dropout_between_layers_only_in_training():
    make = make_layer("LSTM", num_layers=2, dropout=1.0)  # p = 1: the second layer sees zeros, deterministically
    pair = ModulePair(make)
    parity(pair, rand(T_, B_, I_), None, True)  # training
    pair.train(False)
    parity(pair, rand(T_, B_, I_), None, True)
    mytorch.manual_seed(0)
    m = mytorch.nn.GRU(I_, H_, num_layers=2, dropout=0.5)
    x = mytorch.tensor(rand(T_, B_, I_))
    a, b = m(x)[0], m(x)[0]
    assert not np.allclose(to_numpy(a), to_numpy(b))
    m.eval()
    np.testing.assert_array_equal(to_numpy(m(x)[0]), to_numpy(m(x)[0]))
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        mytorch.nn.LSTM(I_, H_, dropout=0.5)


def test_bptt_through_1000_lstm_steps():
    """A 1,000-step LSTM (hidden 64, batch 8) matches torch's gradients, with a traced peak of about 57 MiB
    (the saved gates, cell states and outputs, then backward's per-step gradients; torch's resident memory
    grows by about as much); a 1,000-step loop of LSTMCell (a graph thousands of nodes deep) backpropagates
    without recursion."""
    steps, batch, hidden = 1000, 8, 64
    pair = ModulePair(lambda T: T.nn.LSTM(16, hidden))
    x = rand(steps, batch, 16)
    tracemalloc.start()
    try:
        xm = mytorch.tensor(x, requires_grad=True)
        out, (h, c) = pair.m(xm)
        (out[-1].sum() + out.mean()).backward()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 80 * 2**20, f"peak traced memory {peak / 2**20:.0f} MiB"
    xt = torch.tensor(x, requires_grad=True)
    out_t, _ = pair.t(xt)
    (out_t[-1].sum() + out_t.mean()).backward()
    np.testing.assert_allclose(to_numpy(out), to_numpy(out_t), atol=1e-5)
    np.testing.assert_allclose(to_numpy(xm.grad), to_numpy(xt.grad), atol=1e-5)
    np.testing.assert_allclose(to_numpy(pair.m.weight_hh_l0.grad), to_numpy(pair.t.weight_hh_l0.grad), atol=1e-4)

    cell = mytorch.nn.LSTMCell(4, 8)
    xs = mytorch.tensor(rand(steps, 2, 4), requires_grad=True)
    h = c = mytorch.zeros(2, 8)
    for t in range(steps):
        h, c = cell(xs[t], (h, c))
    h.sum().backward()
    assert xs.grad.shape == (steps, 2, 4) and np.isfinite(to_numpy(xs.grad)).all()
    assert np.abs(to_numpy(xs.grad[-1])).sum() > 0


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch(batch_first, padding_side):
    def fn(T, a, b, c):
        return T.nn.utils.rnn.pad_sequence([a, b, c], batch_first=batch_first, padding_value=-1.5,
                                           padding_side=padding_side)
    check(fn, rand(2, 3), rand(4, 3), rand(1, 3))
    check(lambda T, x: T.nn.utils.rnn.pad_sequence(x, batch_first), rand(3, 2))
    raises_like(lambda T, a: T.nn.utils.rnn.pad_sequence([a], padding_side="middle"), rand(2))
    raises_like(lambda T, a: T.nn.utils.rnn.pad_sequence([]), rand(2))
    raises_like(lambda T, a, b: T.nn.utils.rnn.pad_sequence([a, b]), rand(2, 3), rand(2, 4))


def test_errors_match_torch():
    lstm = lambda T: T.nn.LSTM(4, 5, 2)  # noqa: E731
    raises_like(lambda T, x: lstm(T)(x), rand(3, 2, 3), match=["input_size", "Expected 4, got 3"])
    raises_like(lambda T, x: lstm(T)(x), rand(3, 2, 4, 1), match=["2D or 3D", "4D"])
    raises_like(lambda T, x: lstm(T)(x.double()), rand(3, 2, 4), match=["dtype"])
    raises_like(lambda T, x, h, c: lstm(T)(x, (h, c)), rand(3, 2, 4), rand(1, 2, 5), rand(2, 2, 5),
                match=["hidden[0]", "(2, 2, 5)", "[1, 2, 5]"])
    raises_like(lambda T, x, h, c: lstm(T)(x, (h, c)), rand(3, 2, 4), rand(2, 5), rand(2, 5), match=["3-D"])
    raises_like(lambda T, x, h: T.nn.GRU(4, 5)(x, h), rand(3, 2, 4), rand(2, 2, 5), match=["(1, 2, 5)"])
    raises_like(lambda T, x, h: T.nn.GRU(4, 5)(x, h), rand(3, 4), rand(1, 1, 5), match=["2-D"])
    raises_like(lambda T, x: T.nn.LSTMCell(4, 5)(x), rand(2, 3), match=["input_size"])
    raises_like(lambda T, x: T.nn.GRUCell(4, 5)(x), rand(2, 3, 4), match=["1D or 2D"])
    raises_like(lambda T, x, h: T.nn.RNNCell(4, 5)(x, h), rand(2, 4), rand(3, 5), match=["batch size"])
    raises_like(lambda T, x: T.nn.RNNCell(4, 5, nonlinearity="sine")(x), rand(2, 4), match=["sine"])
    for bad in (dict(nonlinearity="sine"), dict(dropout=1.5), dict(hidden_size=0)):
        raises_like(lambda T, x: T.nn.RNN(**{"input_size": 4, "hidden_size": 5, **bad}), rand(1))
    raises_like(lambda T, x: T.nn.GRU(4, 5, proj_size=2), rand(1), match=["only supported for LSTM"])
    raises_like(lambda T, x: T.nn.LSTM(4, 5, proj_size=5), rand(1), match=["smaller than hidden_size"])
    raises_like(lambda T, x: T.nn.LSTM(4, 5)(x), np.zeros((0, 2, 4), np.float32))
