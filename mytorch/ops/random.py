"""Random numbers: `Generator`, seeding, and the sampling ops.

The cpu streams are PyTorch's: after ``manual_seed(s)`` (or from the same `Generator` state) rand,
randn, randint, randperm, normal, uniform_, normal_, bernoulli, dropout, multinomial, exponential_
and the nn.init functions give PyTorch's CPU numbers bit for bit, in float32 and float64. Each backend
supplies the streams (`rng`, `uniform`, `normal`, `exponential`, `randint`, `permutation`,
`rng_state`: mt19937 and PyTorch's transforms, backends/_np_random.py); everything else here is
composed from them in PyTorch's order of draws: an in-place fill of a strided tensor visits its
elements in memory order, bernoulli compares u < p with u drawn in float64 for a number p (float32
for a float32 tensor p), multinomial takes PyTorch's cdf search or its exponential race.

Sampling is not differentiable. Like PyTorch, a sample drawn from parameters
that require grad is still recorded in the graph (``NormalBackward1`` ...), with
d sample / d parameter = 0: PyTorch does not reparametrize.
"""
from __future__ import annotations

import functools
import math
import os
from typing import Any, Callable

from .. import _dtype as D
from .._device import device as Device
from .._tensor import Tensor
from ..autograd.function import Function
from ..backends import get_backend
from ..backends.base import Backend
from ._util import broadcast_shapes
from .complex import view_as_real
from .creation import _backend, _finish, check_size, empty, shape_arg
from .inplace import inplace

_SEED_BYTES = 8
_DEFAULT_SEED = 67280421310721  # PyTorch's seed for a new Generator


def _entropy_seed() -> int:
    """A seed from the operating system's entropy."""
    return int.from_bytes(os.urandom(_SEED_BYTES), "little")


class Generator:
    """A random stream for one device: ``Generator().manual_seed(0)``, then pass ``generator=``.

    On the cpu this is PyTorch's CPU generator, number for number: mt19937 seeded with the seed's low
    32 bits, plus the second normal sample a draw may leave over. The stream belongs to the device, not
    to a backend: the backend that holds the tensor being made or filled draws from it, and when another
    backend draws next (after `mytorch.backends.set_cpu_backend`) the state moves over through
    `Backend.rng_state`, so the stream continues rather than restarting.
    """

    def __init__(self, device: str | Device = "cpu") -> None:
        dev = Device(device)
        try:
            get_backend(dev.type)
        except (RuntimeError, AssertionError) as e:  # PyTorch raises RuntimeError here, for cuda too
            raise RuntimeError(f"Cannot get a {dev.type} generator: {e}") from None
        # cpu is one device (PyTorch drops an index there); others default to device 0, as PyTorch does
        self._device = Device("cpu") if dev.type == "cpu" else Device(dev.type, dev.index or 0)
        self._seed = _DEFAULT_SEED
        self._backend: Backend | None = None  # the backend whose state object `_rng` is
        self._rng: Any = None

    @property
    def device(self) -> Device:
        return self._device

    def _stream(self, be: Backend) -> Any:
        """The random state `be` draws from: made from the seed on the first draw, moved from the backend
        that drew last otherwise."""
        if be.device_type != self._device.type:
            raise RuntimeError(f"Expected a '{be.device_type}' device type for generator but found "
                               f"'{self._device.type}'")
        if be is not self._backend:
            rng = be.rng(self._seed)
            if self._rng is not None:
                be.set_rng_state(rng, self._backend.rng_state(self._rng))
            self._backend, self._rng = be, rng
        return self._rng

    def manual_seed(self, seed: int) -> "Generator":
        """Restart the stream from `seed`: an int in [-2**63, 2**64); negatives wrap like PyTorch's."""
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        if not -2 ** 63 <= seed < 2 ** 64:
            raise ValueError(f"manual_seed(): seed must be in [-2**63, 2**64 - 1], got {seed}")
        self._seed = seed % 2 ** 64
        self._backend = self._rng = None
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy and return the new seed."""
        s = _entropy_seed()
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._seed

    def get_state(self) -> Tensor:
        """A copy of the state as a 1-D uint8 tensor in PyTorch's format (`Backend.rng_state`), so a state
        taken from torch's generator sets this one and the other way round."""
        be = get_backend(self._device.type)
        return Tensor._make(be.from_host(list(self._state_bytes()), D.uint8), be)

    def set_state(self, new_state: Tensor) -> "Generator":
        """Restore a state from `get_state` (or from torch's ``get_state()``)."""
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a mytorch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not D.uint8:
            raise TypeError(f"RNG state must be a mytorch.ByteTensor (uint8), got {new_state.dtype}")
        self._load_state(bytes(new_state.reshape(-1).tolist()))
        return self

    def _state_bytes(self) -> bytes:
        be = self._backend or get_backend(self._device.type)
        return be.rng_state(self._stream(be))

    def _load_state(self, raw: bytes) -> None:
        be = self._backend or get_backend(self._device.type)
        rng = be.rng(self._seed)
        be.set_rng_state(rng, raw)  # checks the size and the state first: a bad state changes nothing
        self._backend, self._rng = be, rng
        self._seed = int.from_bytes(raw[:_SEED_BYTES], "little")

    def __reduce__(self) -> tuple:
        """Pickle and copy through the state, as PyTorch's Generator does (backends themselves do not
        pickle, and a copied backend would not be the one serving the device)."""
        return Generator, (str(self._device),), self._state_bytes()

    def __setstate__(self, state: bytes) -> None:
        self._load_state(state)


default_generator = Generator()
default_generator.seed()  # like PyTorch, a process starts from a fresh seed until manual_seed

# The generator each device type's ops draw from when given none. One for a device type registered
# after import is made on first use, from the seed the cpu one was last given: `manual_seed` seeds
# every device, as torch.manual_seed does, whenever the device appears.
_DEFAULT_GENERATORS: dict[str, Generator] = {"cpu": default_generator}


def _default_generator(device_type: str) -> Generator:
    g = _DEFAULT_GENERATORS.get(device_type)
    if g is None:
        g = _DEFAULT_GENERATORS[device_type] = Generator(device_type).manual_seed(default_generator.initial_seed())
    return g


def manual_seed(seed: int) -> Generator:
    """Seed the default generator of every device; returns the cpu one (``mytorch.default_generator``)."""
    seed = int(seed)  # like torch.manual_seed, which takes 1.5 or "3" where Generator.manual_seed does not
    for g in _DEFAULT_GENERATORS.values():
        g.manual_seed(seed)
    return default_generator


def seed() -> int:
    """Seed every device's default generator from the operating system's entropy; returns the seed."""
    s = _entropy_seed()
    manual_seed(s)
    return s


def initial_seed() -> int:
    """The seed of the default CPU generator."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """The cpu default generator's state (`Generator.get_state`)."""
    return default_generator.get_state()


def set_rng_state(new_state: Tensor) -> None:
    """Restore the default CPU generator from a state returned by get_rng_state (PyTorch's 5056-byte uint8 layout).
    """
    default_generator.set_state(new_state)


def _rng(generator: Generator | None, be: Backend) -> Any:
    """The stream `be` draws from: `generator`'s, or the default generator's of be's device type."""
    if generator is None:
        generator = _default_generator(be.device_type)
    elif not isinstance(generator, Generator):
        raise TypeError(f"generator must be a mytorch.Generator, got {type(generator).__name__}")
    return generator._stream(be)


def _floating(dt: D.dtype, op: str) -> D.dtype:
    if not (dt.is_floating_point or dt.is_complex):
        raise NotImplementedError(f"{op}: sampling a continuous distribution needs a floating point dtype, "
                                  f"got {dt}")
    return dt


class _Draw(Function):
    """out = a sample drawn from distribution parameters (the inputs after the first);
    d out / d parameter = 0, as in PyTorch (sampling is not reparametrized)."""

    @staticmethod
    def forward(ctx, sample, *params):
        return sample

    @staticmethod
    def backward(ctx, g):
        return (None,) + tuple(g.new_zeros(g.shape) if need else None for need in ctx.needs_input_grad[1:])


@functools.cache
def _draw_fn(grad_name: str) -> type[_Draw]:
    return type(grad_name, (_Draw,), {"_grad_name": grad_name})


def _draw(grad_name: str, sample: Tensor, *params: Any) -> Tensor:
    """`sample`, recorded as node `grad_name` of the tensor `params` when one requires grad."""
    return _draw_fn(grad_name).apply(sample, *params)


# ---- sampling from shapes -------------------------------------------------------------------------------------

def _size(dims: tuple, size: Any, op: str) -> tuple[int, ...]:
    shape = shape_arg(dims, size, op)
    check_size(shape, op)
    return shape


def rand(*dims, size=None, generator: Generator | None = None, dtype: D.dtype | None = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1)."""
    shape, be = _size(dims, size, "rand"), _backend(device)
    dt = _floating(dtype or D.get_default_dtype(), "rand")
    stream = _rng(generator, be)
    data = _as_complex(be, lambda s, real: be.uniform(stream, s, 0.0, 1.0, real), shape, dt)
    return _finish(data, be, requires_grad)


def _as_complex(be: Backend, draw: Callable, shape: tuple, dt: D.dtype) -> Any:
    """draw(shape, dt); for a complex dt, as PyTorch does, draw(shape + (2,), real dtype) read as complex
    (each element's real part, then its imaginary part)."""
    if not dt.is_complex:
        return draw(shape, dt)
    pairs = draw(tuple(shape) + (2,), dt.to_real())
    return be.basic_index(be.bitcast(pairs, dt), (Ellipsis, 0))


def randn(*dims, size=None, generator: Generator | None = None, dtype: D.dtype | None = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples: mean 0, variance 1 (complex: real and imaginary parts of variance 1/2 each)."""
    shape, be = _size(dims, size, "randn"), _backend(device)
    dt = _floating(dtype or D.get_default_dtype(), "randn")
    stream = _rng(generator, be)
    std = 1.0 / math.sqrt(2) if dt.is_complex else 1.0  # as PyTorch rounds it
    data = _as_complex(be, lambda s, real: be.normal(stream, s, 0.0, std, real, True), shape, dt)
    return _finish(data, be, requires_grad)


def _int_limits(dt: D.dtype) -> tuple[int, int]:
    """The smallest and largest integer of an integer or bool dtype."""
    if dt is D.bool_:
        return 0, 1
    info = D.iinfo(dt)
    return info.min, info.max


def _check_int_range(low: int, high: int, dt: D.dtype, op: str) -> None:
    """[low, high) must be non-empty and, for an integer dtype, representable in it."""
    if low >= high:
        raise RuntimeError(f"{op} expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if not dt.is_floating_point:
        lo, hi = _int_limits(dt)
        if low < lo or high - 1 > hi:
            raise RuntimeError(f"{op}: [from, to) = [{low}, {high}) is out of bounds for {dt} ([{lo}, {hi}])")


def randint(low: int = 0, high: int | None = None, size=None, *, generator: Generator | None = None,
            dtype: D.dtype | None = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Integers uniform in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``."""
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    elif high is None and size is not None:  # randint(high, size=...)
        low, high = 0, low
    if high is None or size is None:
        raise TypeError("randint() missing required arguments: use randint(high, size) or randint(low, high, size)")
    low, high = int(low), int(high)
    shape, be, dt = _size((), size, "randint"), _backend(device), dtype or D.int64
    _check_int_range(low, high, dt, "random_")
    return _finish(be.randint(_rng(generator, be), shape, low, high, dt), be, requires_grad)


def randperm(n: int, *, generator: Generator | None = None, dtype: D.dtype | None = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0 .. n-1."""
    check_size((n,), "randperm")
    be = _backend(device)
    return _finish(be.cast(be.permutation(_rng(generator, be), n), dtype or D.int64), be, requires_grad)


# ---- sampling from parameters ---------------------------------------------------------------------------------

def _standard(kind: str, like: Tensor, generator: Generator | None, shape: tuple | None = None,
              dt: D.dtype | None = None) -> Tensor:
    """Standard uniform [0, 1) or normal samples on `like`'s backend, in its shape and dtype by default,
    drawn as PyTorch fills a new (contiguous) tensor."""
    be = like._backend
    shape, dt = like.shape if shape is None else shape, dt or like.dtype
    return Tensor._make(getattr(be, kind)(_rng(generator, be), tuple(shape), 0.0, 1.0, dt), be)


def _memory_order(t: Tensor) -> tuple[int, ...]:
    """t's dims from the outermost in memory to the innermost (largest stride first)."""
    strides = t.stride()
    return tuple(sorted(range(t.ndim), key=lambda d: -strides[d]))


def _in_memory_order(t: Tensor, draw) -> Callable[[Tensor], Tensor]:
    """x -> draw(shape), the drawn values laid on t's elements in t's memory order: PyTorch's serial
    kernels fill a strided tensor as it lies in memory, not in index order."""
    if t.is_contiguous():
        return lambda x: draw(tuple(x.shape))
    order = _memory_order(t)
    back = tuple(order.index(d) for d in range(t.ndim))
    return lambda x: draw(tuple(x.shape[d] for d in order)).permute(back)


def _check_std(std: Any, op: str) -> None:
    if isinstance(std, Tensor):
        if (std.detach() < 0).any():
            raise RuntimeError(f"{op} expects all elements of std >= 0.0")
    elif std < 0:
        raise RuntimeError(f"{op} expects std >= 0.0, but found std {std}")


def normal(mean: Tensor | float = 0.0, std: Tensor | float = 1.0, size=None, *,
           generator: Generator | None = None, dtype: D.dtype | None = None, layout: str | None = None,
           device: Any = None, pin_memory: bool = False, requires_grad: bool = False) -> Tensor:
    """mean + std * N(0, 1): tensor mean and/or std (broadcast), or float mean and std with a size
    (`layout`: only the dense "strided" one exists; `pin_memory` is accepted and has no effect on the CPU)."""
    if layout not in (None, "strided"):
        raise RuntimeError(f"normal(): layout {layout} is not supported, only strided (dense) tensors are")
    _check_std(std, "normal")
    params = [p for p in (mean, std) if isinstance(p, Tensor)]
    if not params:
        if size is None:
            raise TypeError("normal(): with a float mean and std, the size argument is required")
        shape, be = _size((), size, "normal"), _backend(device)
        dt = _floating(dtype or D.get_default_dtype(), "normal")
        return _finish(be.normal(_rng(generator, be), shape, float(mean), float(std), dt, True), be,
                       requires_grad)
    shape = broadcast_shapes(*(p.shape for p in params))
    dt = _floating(dtype or D.result_type(*params), "normal")  # a dtype: out='s, drawn in it as PyTorch does
    z = _standard("normal", params[0], generator, shape, dt)
    m, s = (p.detach() if isinstance(p, Tensor) else p for p in (mean, std))
    grad_name = {(True, False): "NormalBackward1", (False, True): "NormalBackward2"}.get(
        (isinstance(mean, Tensor), isinstance(std, Tensor)), "NormalBackward3")
    return _draw(grad_name, z * s + m, mean, std)


def _check_probability(p: Any, op: str) -> None:
    if isinstance(p, Tensor):
        q = p.detach()
        if ((q < 0) | (q > 1) | q.isnan()).any():
            raise RuntimeError(f"{op}: expected all probabilities in [0, 1]")
    elif not 0 <= p <= 1:
        raise RuntimeError(f"{op} expects p to be in [0, 1], but got p={p}")


def _uniform_for(p: Any) -> D.dtype:
    """The dtype of the uniforms PyTorch compares with p: float64 (53 bits) for a number or a float64
    tensor, float32 (24 bits) for any other tensor."""
    return D.float32 if isinstance(p, Tensor) and p.dtype is not D.float64 else D.float64


def _bernoulli_sample(t: Tensor, p: Any, generator: Generator | None) -> Callable[[Tensor], Tensor]:
    """x -> (u < p) in x's dtype, u uniform in [0, 1) drawn over t's elements in t's memory order."""
    be, dt = t._backend, _uniform_for(p)
    u = _in_memory_order(t, lambda shape: Tensor._make(be.uniform(_rng(generator, be), shape, 0.0, 1.0, dt), be))
    return lambda x: (u(x) < p).to(x.dtype)


def bernoulli(input: Tensor, p: float | None = None, *, generator: Generator | None = None) -> Tensor:
    """1 with probability input (or p), else 0; shaped and typed like input: 1 where u < p."""
    _floating(input.dtype, "bernoulli")
    probs = input.detach() if p is None else p
    _check_probability(probs, "bernoulli")
    # PyTorch draws into a contiguous empty_like(input): in index order, whatever input's layout
    sample = _bernoulli_sample(input.detach().contiguous(), probs, generator)(input.detach())
    return _draw("BernoulliBackward0", sample, input) if p is None else sample


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None) -> Tensor:
    """Indices drawn with probability proportional to input's rows (1-D or 2-D), int64, as PyTorch draws them.

    With replacement (more than one sample): per row, cdf = cumsum(p) / sum(p) in p's dtype with the last
    bound set to 1, and each sample is the first k with cdf[k] >= u, u ~ U[0, 1) in float64.
    Without replacement, or one sample: the num_samples largest p_i / e_i, e_i ~ Exp(1) in p's dtype (the
    exponential race draws categories in the order sequential sampling without replacement would).
    """
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got a {input.ndim}-dim tensor of shape "
                           f"{list(input.shape)}")
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (n_sample={num_samples})")
    n = input.shape[-1]
    if not replacement and num_samples > n:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                           f"({num_samples} > {n})")
    p = input.detach()
    if (~p.isfinite() | (p < 0)).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if (p.to(D.float64).sum(-1) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if replacement and num_samples > 1:
        rows = p.reshape(-1, n)
        cdf = rows.cumsum(1)
        cdf = (cdf[:, :-1] / cdf[:, -1:]).to(D.float64)
        u = _standard("uniform", rows, generator, (rows.shape[0], num_samples), D.float64)
        out = (cdf.unsqueeze(1) < u.unsqueeze(2)).sum(-1)  # the last bound, 1, is never below u
        return out.reshape(*input.shape[:-1], num_samples).to(D.int64)
    e = _exponential(p, 1.0, generator)
    keys = p / e
    if num_samples == 1:
        return keys.argmax(-1, keepdim=True)
    return keys.topk(num_samples, dim=-1).indices


# ---- *_like ---------------------------------------------------------------------------------------------------

def _dense_order(t: Tensor) -> tuple[int, ...] | None:
    """t's dims outermost-first in memory when t is dense but not contiguous (a permuted contiguous
    tensor, like a transpose), else None."""
    if t.is_contiguous():
        return None
    order, size = _memory_order(t), 1
    for d in reversed(order):
        if t.shape[d] != 1 and t.stride(d) != size:
            return None
        size *= t.shape[d]
    return order


def _like(input: Tensor, dt: D.dtype, device: Any, fill: Callable[[Tensor], Tensor], requires_grad: bool,
          draw: Callable[[], Tensor]) -> Tensor:
    """draw() shaped like input, or, for a dense non-contiguous input, fill(t) of a t laid out like input:
    PyTorch's *_like draw into empty_like(input), which keeps such a layout, so they fill it in memory order
    (and normals element by element, as into any non-contiguous tensor)."""
    order = _dense_order(input)
    if order is None:
        return draw()
    back = tuple(order.index(d) for d in range(input.ndim))
    out = fill(empty(tuple(input.shape[d] for d in order), dtype=dt, device=device or input.device).permute(back))
    return out.requires_grad_(requires_grad) if requires_grad else out


def rand_like(input: Tensor, *, generator: Generator | None = None, dtype: D.dtype | None = None,
              device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of input's shape drawn uniformly from [0, 1) (input's dtype unless `dtype` is given)."""
    dt = _floating(dtype or input.dtype, "rand")
    return _like(input, dt, device, lambda t: t.uniform_(generator=generator), requires_grad,
                 lambda: rand(input.shape, generator=generator, dtype=dt, device=device or input.device,
                              requires_grad=requires_grad))


def randn_like(input: Tensor, *, generator: Generator | None = None, dtype: D.dtype | None = None,
               device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of input's shape drawn from the standard normal N(0, 1) (input's dtype unless `dtype` is given)."""
    dt = _floating(dtype or input.dtype, "randn")
    return _like(input, dt, device, lambda t: t.normal_(generator=generator), requires_grad,
                 lambda: randn(input.shape, generator=generator, dtype=dt, device=device or input.device,
                               requires_grad=requires_grad))


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *, generator: Generator | None = None,
                 dtype: D.dtype | None = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """``randint_like(x, high)`` or ``randint_like(x, low, high)``: integers in [low, high) shaped like x."""
    if high is None:
        low, high = 0, low
    dt = dtype or input.dtype
    _check_int_range(int(low), int(high), dt, "random_")
    return _like(input, dt, device, lambda t: t.random_(int(low), int(high), generator=generator), requires_grad,
                 lambda: randint(low, high, input.shape, generator=generator, dtype=dt,
                                 device=device or input.device, requires_grad=requires_grad))


# ---- in-place initialisers ------------------------------------------------------------------------------------

def _fill(self: Tensor, name: str, grad_name: str, sample, *params: Any) -> Tensor:
    """self <- sample(self) through `inplace`: leaf rules, version counter, and a zero-gradient node."""
    tensors = [p for p in params if isinstance(p, Tensor)]
    return inplace(self, lambda x, *ts: _draw(grad_name, sample(x), x, *ts), *tensors, name=name)


def _drawn(self: Tensor, kind: str, generator: Generator | None, *args: Any) -> Callable[[Tensor], Tensor]:
    """x -> be.<kind>(stream, shape, *args) laid on self's elements in self's memory order."""
    be = self._backend
    return _in_memory_order(self, lambda shape: Tensor._make(getattr(be, kind)(_rng(generator, be), shape, *args), be))


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with samples uniform in [a, b) (complex: each part, as PyTorch fills the real view)."""
    _floating(self.dtype, "uniform_")
    if self.dtype.is_complex:
        view_as_real(self).uniform_(a, b, generator=generator)
        return self
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}")
    return _fill(self, "uniform_", "UniformBackward0", _drawn(self, "uniform", generator, a, b, self.dtype))


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with samples of N(mean, std^2): a contiguous tensor as PyTorch fills one (`Backend.normal`).
    Complex: PyTorch fills the real view, each part with std / sqrt(2), so that E|z - mean|^2 = std^2."""
    _floating(self.dtype, "normal_")
    _check_std(std, "normal")
    if self.dtype.is_complex:
        view_as_real(self).normal_(mean, std / math.sqrt(2), generator=generator)
        return self
    sample = _drawn(self, "normal", generator, mean, std, self.dtype, self.is_contiguous())
    return _fill(self, "normal_", "NormalBackward0", sample)


def bernoulli_(self: Tensor, p: Tensor | float = 0.5, *, generator: Generator | None = None) -> Tensor:
    """Fill with 1 with probability p (a number or a tensor broadcast to self), else 0: 1 where u < p."""
    _check_probability(p, "bernoulli_")
    grad_name = "BernoulliBackward1" if isinstance(p, Tensor) else "BernoulliBackward2"
    probs = p.detach() if isinstance(p, Tensor) else p
    return _fill(self, "bernoulli_", grad_name, _bernoulli_sample(self, probs, generator), p)


def random_(self: Tensor, *args: int, to: int | None = None, generator: Generator | None = None) -> Tensor:
    """Fill with integers uniform in [from, to): ``random_(to)``, ``random_(from, to)``, or, without
    `to`, up to the largest integer of self's dtype (2^mantissa digits for floating dtypes)."""
    if len(args) > 2:
        raise TypeError(f"random_() takes at most 2 positional arguments ({len(args)} given)")
    if len(args) == 1 and to is None:
        low, to = 0, args[0]
    else:
        low = args[0] if args else 0
        to = args[1] if len(args) == 2 else to
    dt = self.dtype
    if to is None:
        # every integer up to 2^digits is exact in a floating dtype with `digits` mantissa digits
        to = 2 ** (1 - round(math.log2(D.finfo(dt).eps))) + 1 if dt.is_floating_point else _int_limits(dt)[1] + 1
    _check_int_range(low, to, dt, "random_")
    grad_name = "RandomBackward2" if not args else "RandomBackward1" if len(args) == 1 else "RandomBackward0"
    return _fill(self, "random_", grad_name, _drawn(self, "randint", generator, low, to, dt))


def _transform_(self: Tensor, name: str, grad_name: str, f, generator: Generator | None) -> Tensor:
    """Fill with f(u), u ~ U[0, 1) drawn in float64 (inverse-CDF sampling)."""
    return _fill(self, name, grad_name, lambda x: f(_drawn(self, "uniform", generator, 0.0, 1.0, D.float64)(x))
                 .to(x.dtype))


def _exponential(like: Tensor, lambd: float, generator: Generator | None) -> Tensor:
    """Exp(lambd) samples shaped and typed like `like`, as PyTorch fills a new tensor."""
    be = like._backend
    return Tensor._make(be.exponential(_rng(generator, be), tuple(like.shape), lambd, like.dtype), be)


def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with Exp(lambd) samples: -log(1 - u) / lambd."""
    if not self.dtype.is_floating_point:
        raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {self.dtype}")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill(self, "exponential_", "ExponentialBackward0", _drawn(self, "exponential", generator, lambd, self.dtype))


def geometric_(self: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    """Fill with the number of Bernoulli(p) trials up to the first success: ceil(log(u) / log(1 - p)),
    as PyTorch draws it (u in [0, 1), so log(u) / log(1 - p) > 0 and the count is at least 1)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _transform_(self, "geometric_", "GeometricBackward0",
                       lambda u: (u.log() / math.log1p(-p)).ceil(), generator)


def cauchy_(self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with Cauchy samples: median + sigma * tan(pi (u - 1/2))."""
    _floating(self.dtype, "cauchy_")
    return _transform_(self, "cauchy_", "CauchyBackward0",
                       lambda u: ((u - 0.5) * math.pi).tan() * sigma + median, generator)


def log_normal_(self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator: Generator | None = None) -> Tensor:
    """Fill with exp(N(mean, std^2)) samples."""
    _floating(self.dtype, "log_normal_")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    z = _drawn(self, "normal", generator, mean, std, D.float64, False)  # PyTorch's element-by-element normal
    return _fill(self, "log_normal_", "LogNormalBackward0", lambda x: z(x).exp().to(x.dtype))


__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial",
           "rand_like", "randn_like", "randint_like"]
METHODS: dict = {
    "uniform_": uniform_, "normal_": normal_, "bernoulli_": bernoulli_, "random_": random_,
    "exponential_": exponential_, "geometric_": geometric_, "cauchy_": cauchy_, "log_normal_": log_normal_,
    "bernoulli": bernoulli, "multinomial": multinomial,
}
