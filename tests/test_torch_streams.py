"""After the same manual_seed, mytorch's CPU random streams are PyTorch's, bit for bit: every sampling op
at the sizes where PyTorch changes algorithm (normal's 16-element blocks, scalar path below 16 and for
strided tensors), in float32 and float64, strided in-place fills, calls interleaved on one stream, the
generator= argument, get_rng_state / set_rng_state in both directions, and the default initialisation
of every common layer."""
import numpy as np
import pytest
import torch

import mytorch

SIZES = [1, 7, 15, 16, 17, 100, 1000, 4099]
SEEDS = [0, 2 ** 40 + 7]
FLOATS = ["float32", "float64"]


def host(t) -> np.ndarray:
    """t's values (half types widened to float32, exactly, since NumPy has no bfloat16)."""
    t = t.detach()
    return (t.float() if t.dtype.itemsize == 2 and t.dtype.is_floating_point else t).numpy()


def assert_same_bits(t, m):
    """Equal values (the streams hold no NaN: equality is bit equality up to -0.0), dtypes and shapes."""
    assert str(t.dtype).split(".")[-1] == str(m.dtype).split(".")[-1]
    a, b = host(t), host(m)
    assert a.shape == b.shape, (a.shape, b.shape)
    bad = np.flatnonzero(a.ravel() != b.ravel())
    assert bad.size == 0, f"{bad.size} of {a.size} differ, first at {bad[:5]}: {a.ravel()[bad[:3]]} vs {b.ravel()[bad[:3]]}"


def both(draw, seed=0):
    """draw(torch) and draw(mytorch), each after manual_seed(seed), compared element by element."""
    torch.manual_seed(seed)
    t = draw(torch)
    mytorch.manual_seed(seed)
    m = draw(mytorch)
    for x, y in zip(t, m) if isinstance(t, tuple) else [(t, m)]:
        assert_same_bits(x, y)


def dt(T, name):
    return getattr(T, name)


DRAWS = {
    "rand": lambda T, n, d: T.rand(n, dtype=dt(T, d)),
    "randn": lambda T, n, d: T.randn(n, dtype=dt(T, d)),
    "uniform_": lambda T, n, d: T.empty(n, dtype=dt(T, d)).uniform_(-0.3, 0.7),
    "normal_": lambda T, n, d: T.empty(n, dtype=dt(T, d)).normal_(0.1, 0.02),
    "normal": lambda T, n, d: T.normal(2.0, 3.0, (n,), dtype=dt(T, d)),
    "normal tensors": lambda T, n, d: T.normal(T.arange(n, dtype=dt(T, d)), T.full((n,), 0.5, dtype=dt(T, d))),
    "normal_ strided": lambda T, n, d: T.zeros(n, 2, dtype=dt(T, d))[:, 1].normal_(0.5, 3.0),
    "normal_ transposed": lambda T, n, d: T.zeros(3, n, dtype=dt(T, d)).t().normal_(),
    "uniform_ transposed": lambda T, n, d: T.zeros(2, n, dtype=dt(T, d)).t().uniform_(),
    "bernoulli": lambda T, n, d: T.bernoulli(T.linspace(0, 1, n, dtype=dt(T, d))),
    "bernoulli_": lambda T, n, d: T.zeros(n, dtype=dt(T, d)).bernoulli_(0.3),
    "dropout": lambda T, n, d: T.nn.functional.dropout(T.ones(n, 3, dtype=dt(T, d)), 0.2),
    "exponential_": lambda T, n, d: T.empty(n, dtype=dt(T, d)).exponential_(2.0),
    "multinomial": lambda T, n, d: T.multinomial(T.linspace(0.1, 2, n, dtype=dt(T, d)), min(n, 5)),
    "multinomial replacement": lambda T, n, d: T.multinomial(T.linspace(0.1, 2, 3 * n, dtype=dt(T, d)).reshape(3, n),
                                                            4, replacement=True),
    "randint": lambda T, n, d: T.randint(-5, 10, (n,)),
    "randint wide": lambda T, n, d: T.randint(-2 ** 40, 2 ** 40, (n,)),
    "randint float": lambda T, n, d: T.randint(0, 1000, (n,), dtype=dt(T, d)),
    "randint exact in half": lambda T, n, d: T.randint(-100, 200, (n,), dtype=dt(T, d)),
    "randperm": lambda T, n, d: T.randperm(n),
    "geometric_": lambda T, n, d: T.empty(n, dtype=dt(T, d)).geometric_(0.3),
    "random_": lambda T, n, d: T.empty(n, dtype=dt(T, d)).random_(),
    "random_ range": lambda T, n, d: T.empty(n, dtype=dt(T, d)).random_(-3, 77),
}


def _intel_mkl() -> bool:
    """PyTorch's sources draw bernoulli_(p) and exponential_ from MKL's VSL stream (seeded by one mt19937
    draw) where it is built with MKL and runs on an Intel CPU; elsewhere (this AMD machine: checked) they
    take the mt19937 transforms that mytorch follows."""
    try:
        with open("/proc/cpuinfo") as f:
            intel = "GenuineIntel" in f.read(4096)
    except OSError:
        intel = False
    return intel and torch.backends.mkl.is_available()


MKL_DRAWS = {"bernoulli_", "dropout", "exponential_", "multinomial"}


def mark_mkl_draws(name: str, request) -> None:
    if name in MKL_DRAWS and _intel_mkl():
        request.applymarker(pytest.mark.xfail(reason="PyTorch may draw this from MKL's stream on Intel CPUs"))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("d", FLOATS)
@pytest.mark.parametrize("name", DRAWS)
def test_stream_equals_torch(name, d, seed, request):
    mark_mkl_draws(name, request)
    for n in SIZES:
        both(lambda T: DRAWS[name](T, n, d), seed)


HALF_DRAWS = ["rand", "randn", "uniform_", "normal_", "normal_ strided", "normal_ transposed", "uniform_ transposed",
              "bernoulli_", "exponential_", "randint exact in half"]


@pytest.mark.parametrize("d", ["float16", "bfloat16"])
@pytest.mark.parametrize("name", HALF_DRAWS)
def test_half_types_stream_equals_torch(name, d, request):
    """PyTorch draws half types through float32: rounded float32 uniforms (one that rounds up to `to`
    taken back to `from`), float32 normal blocks with their own last-block rule. (randint into bfloat16
    beyond [-2^8, 2^8], which PyTorch warns about, is not matched.)"""
    mark_mkl_draws(name, request)
    for n in SIZES:
        both(lambda T: DRAWS[name](T, n, d), 5)


@pytest.mark.parametrize("name", ["cauchy_", "log_normal_"])
def test_float32_cauchy_and_log_normal_equal_torch(name):
    """Drawn in float64 through tan and exp and rounded to float32. (In float64 the NumPy backend's tan and
    exp, NumPy's own, may differ from the C library's PyTorch calls in the last bit.)"""
    draw = {"cauchy_": lambda T: T.empty(3000).cauchy_(1.0, 2.0), "log_normal_": lambda T: T.empty(3000).log_normal_(0.5, 0.7)}
    both(draw[name], 3)


@pytest.mark.parametrize("layout", ["contiguous", "transposed", "sliced"])
def test_like_functions_draw_into_torchs_empty_like(layout):
    """rand_like & co. fill empty_like(x): a transposed x keeps its layout there (memory-order draws, and
    the element-by-element normal), a sliced one does not; bernoulli(p) draws into a contiguous tensor."""
    def draw(T):
        x = T.zeros(6, 40)
        x = {"contiguous": x, "transposed": T.zeros(40, 6).t(), "sliced": T.zeros(6, 80)[:, ::2]}[layout]
        p = x.fill_(0.5)
        return (T.rand_like(x), T.randn_like(x), T.randint_like(x, 3, 90), T.randn_like(x, dtype=T.float64),
                T.bernoulli(p))
    both(draw, 4)


def test_interleaved_calls_continue_one_stream():
    """A rand, an odd randn (its second sample kept for the next normal), a randint, then more normals:
    the next call continues where the last stopped, as in PyTorch."""
    def draw(T):
        return (T.rand(3), T.randn(5, dtype=T.float64), T.randint(0, 7, (4,)), T.randn(3), T.randn(40),
                T.randperm(9), T.empty(4, 5).t().normal_(), T.randn(1), T.rand(2, dtype=T.float64))
    both(draw, 11)


def test_generator_argument_draws_from_its_own_stream():
    def draw(T):
        g = T.Generator().manual_seed(5)
        return (T.randn(20, generator=g), T.rand(3), T.randint(0, 9, (3,), generator=g),
                T.empty(7).normal_(generator=g), T.randperm(6, generator=g))
    both(draw, 2)


def test_default_generator_of_a_new_generator_seed():
    """Generator() starts from PyTorch's default seed 67280421310721 (its low 32 bits seed mt19937)."""
    assert_same_bits(torch.rand(5, generator=torch.Generator()), mytorch.rand(5, generator=mytorch.Generator()))


@pytest.mark.parametrize("seed", [-1, -2 ** 63, 2 ** 32 + 3, 2 ** 63 + 5, 2 ** 64 - 1])
def test_every_seed_like_torch(seed):
    """mt19937 takes the seed's low 32 bits; the state keeps all 64 (negative seeds wrapped)."""
    both(lambda T: (T.rand(4), T.get_rng_state(), T.Generator().manual_seed(seed).get_state(),
                    T.Generator().get_state()), seed)


def test_state_matches_torch_byte_for_byte():
    def draw(T):
        T.randn(3, dtype=T.float64)  # leaves a cached normal sample
        return T.get_rng_state()
    both(draw, 3)
    assert mytorch.get_rng_state().numel() == 5056


def test_state_from_torch_sets_mytorch_and_back():
    torch.manual_seed(8)
    torch.rand(700)
    torch.randn(1, dtype=torch.float64)
    state = torch.get_rng_state()
    mytorch.set_rng_state(mytorch.from_numpy(state.numpy().copy()))
    assert mytorch.initial_seed() == 8
    assert_same_bits(torch.randn(9, dtype=torch.float64), mytorch.randn(9, dtype=mytorch.float64))
    mytorch.manual_seed(9)
    mytorch.randn(33)
    torch.set_rng_state(torch.from_numpy(mytorch.get_rng_state().numpy().copy()))
    assert torch.initial_seed() == 9
    assert_same_bits(torch.rand(5), mytorch.rand(5))
    g, h = mytorch.Generator(), torch.Generator()
    h.set_state(torch.get_rng_state())
    g.set_state(mytorch.get_rng_state())
    assert_same_bits(h.get_state(), g.get_state())


def test_inconsistent_engine_state_is_refused():
    """left and next must leave the engine's draws inside its 624 words (PyTorch checks only the ranges)."""
    state = mytorch.get_rng_state().numpy().copy()
    state[8:12] = np.frombuffer(np.int32(600).tobytes(), np.uint8)  # left = 600 ...
    state[16:24] = np.frombuffer(np.uint64(624).tobytes(), np.uint8)  # ... with next = 624
    with pytest.raises(RuntimeError, match="Invalid mt19937 state"):
        mytorch.set_rng_state(mytorch.from_numpy(state))


def test_fresh_state_round_trips():
    """A state just seeded (mt19937 not yet stepped) and one after exactly 624 words differ only in
    the engine's `next` field; both round-trip."""
    for words in (0, 624):
        torch.manual_seed(1)
        torch.randint(0, 2, (words,), dtype=torch.int32)
        mytorch.manual_seed(1)
        mytorch.randint(0, 2, (words,), dtype=mytorch.int32)
        assert_same_bits(torch.get_rng_state(), mytorch.get_rng_state())


MODULES = {
    "Linear": lambda T: T.nn.Linear(13, 7),
    "Conv1d": lambda T: T.nn.Conv1d(3, 5, 3),
    "Conv2d": lambda T: T.nn.Conv2d(3, 8, (3, 2), groups=1),
    "ConvTranspose2d": lambda T: T.nn.ConvTranspose2d(4, 2, 3),
    "Embedding": lambda T: T.nn.Embedding(50, 9),
    "LayerNorm": lambda T: T.nn.LayerNorm(6),
    "LSTM": lambda T: T.nn.LSTM(5, 7, num_layers=2, bidirectional=True),
    "GRU": lambda T: T.nn.GRU(5, 4, batch_first=True),
    "RNN": lambda T: T.nn.RNN(3, 4),
    "MultiheadAttention": lambda T: T.nn.MultiheadAttention(16, 4),
    "TransformerEncoderLayer": lambda T: T.nn.TransformerEncoderLayer(16, 2, dim_feedforward=32),
    "BatchNorm2d": lambda T: T.nn.BatchNorm2d(3),
    "Bilinear": lambda T: T.nn.Bilinear(3, 4, 5),
    "ConvTranspose1d": lambda T: T.nn.ConvTranspose1d(3, 4, 3, groups=1, bias=False),
    "Embedding padding_idx": lambda T: T.nn.Embedding(10, 4, padding_idx=2),
    "GroupNorm": lambda T: T.nn.GroupNorm(2, 4),
    "MultiheadAttention kdim": lambda T: T.nn.MultiheadAttention(8, 2, kdim=5, vdim=3, bias=False),
    "LSTM proj": lambda T: T.nn.LSTM(3, 6, proj_size=2),
    "LSTMCell": lambda T: T.nn.LSTMCell(4, 6),
    "GRUCell": lambda T: T.nn.GRUCell(4, 6),
    "TransformerDecoderLayer": lambda T: T.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16),
    "Transformer": lambda T: T.nn.Transformer(8, 2, 1, 1, dim_feedforward=16),
}


@pytest.mark.parametrize("name", MODULES)
def test_default_initialisation_equals_torch(name):
    torch.manual_seed(4)
    t = MODULES[name](torch)
    mytorch.manual_seed(4)
    m = MODULES[name](mytorch)
    tp, mp = dict(t.named_parameters()), dict(m.named_parameters())
    assert list(tp) == list(mp)
    for k in tp:
        assert_same_bits(tp[k], mp[k])
    assert_same_bits(torch.rand(3), mytorch.rand(3))  # and the stream is left where torch leaves it


INITS = {
    "uniform_": lambda T, w: T.nn.init.uniform_(w, -0.2, 0.4),
    "normal_": lambda T, w: T.nn.init.normal_(w, 0.0, 0.02),
    "trunc_normal_": lambda T, w: T.nn.init.trunc_normal_(w, std=0.02),
    "xavier_uniform_": lambda T, w: T.nn.init.xavier_uniform_(w),
    "xavier_normal_": lambda T, w: T.nn.init.xavier_normal_(w),
    "kaiming_uniform_": lambda T, w: T.nn.init.kaiming_uniform_(w, a=5 ** 0.5),
    "kaiming_normal_": lambda T, w: T.nn.init.kaiming_normal_(w, nonlinearity="relu"),
    "orthogonal_": lambda T, w: T.nn.init.orthogonal_(w),
    "sparse_": lambda T, w: T.nn.init.sparse_(w, 0.5),
}


@pytest.mark.parametrize("name", INITS)
def test_nn_init_equals_torch(name):
    def draw(T):
        return INITS[name](T, T.empty(24, 10))
    if name == "orthogonal_":  # a QR factorisation: the same draws, then LAPACK's rounding
        torch.manual_seed(6)
        t = draw(torch)
        mytorch.manual_seed(6)
        np.testing.assert_allclose(host(draw(mytorch)), host(t), atol=1e-5)
        assert_same_bits(torch.rand(3), mytorch.rand(3))
        return
    both(draw, 6)


def test_data_order_equals_torch():
    """DataLoader(shuffle=True), RandomSampler with replacement and random_split draw torch's orders."""
    def draw(T):
        data = T.arange(20)
        loader = T.utils.data.DataLoader(data, batch_size=6, shuffle=True)
        batches = [b for _ in range(2) for b in loader]
        sampled = T.tensor(list(T.utils.data.RandomSampler(range(7), replacement=True, num_samples=9)))
        split = T.tensor(T.utils.data.random_split(range(10), [6, 4])[0].indices)
        return (T.cat(batches), sampled, split, T.rand(2))
    both(draw, 13)


def test_fork_rng_restores_the_stream_like_torch():
    def draw(T):
        a = T.rand(2)
        with T.random.fork_rng():
            b = T.randn(5, dtype=T.float64)  # leaves a cached normal inside the fork only
        with T.random.fork_rng(enabled=False):
            c = T.rand(1)
        return a, b, c, T.randn(3, dtype=T.float64), T.get_rng_state()
    both(draw, 21)
