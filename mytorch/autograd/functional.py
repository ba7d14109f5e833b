"""``mytorch.autograd.functional``: derivatives of a whole function, built on `grad`.

For y = f(x):
- ``vjp(f, x, v)``  = v^T J, one reverse pass (J = dy/dx, the Jacobian);
- ``jvp(f, x, u)``  = J u, by the double-backward trick: g(w) = w^T J is linear in w, so d(g(w) u)/dw = J u,
  two reverse passes and no forward mode;
- ``jacobian(f, x)``: J itself, one reverse pass per output element, shaped (*y.shape, *x.shape);
- ``hessian(f, x)`` = the Jacobian of x -> df/dx for a scalar f, shaped (*x.shape, *x.shape);
- ``vhp(f, x, v)`` = v^T H and ``hvp(f, x, v)`` = H v (equal, H being symmetric), each a gradient of
  the gradient.
Inputs and outputs may be one tensor or a tuple of tensors; results follow PyTorch's nesting (a tuple
over outputs of tuples over inputs for the Jacobian). An input the function does not use gets a zero
derivative, or a RuntimeError with ``strict=True``.
"""
from __future__ import annotations

from typing import Any, Callable

from .._tensor import Tensor
from .engine import grad
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _as_tuple(x: Any, what: str, fn: str) -> tuple[bool, tuple]:
    if isinstance(x, Tensor):
        return False, (x,)
    if isinstance(x, (tuple, list)) and all(isinstance(t, Tensor) for t in x):
        return True, tuple(x)
    raise TypeError(f"The {what} given to {fn} must be either a Tensor or a tuple of Tensors but the "
                    f"value given has type {type(x).__name__}.")


def _prepare(inputs: tuple, create_graph: bool) -> tuple:
    """Leaves that require grad, recording under the caller's graph only with create_graph."""
    return tuple(t if create_graph and t.requires_grad else t.detach().requires_grad_(True) for t in inputs)


def _grads(outputs: tuple, inputs: tuple, grad_outputs: tuple | None, create_graph: bool, strict: bool,
           fn: str) -> tuple:
    """d(sum of outputs . grad_outputs)/d inputs, zeros for unused inputs (an error with strict)."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs or (None,) * len(outputs)) if o.requires_grad]
    if not pairs:
        got = (None,) * len(inputs)
    else:
        got = grad([o for o, _ in pairs], inputs, [g for _, g in pairs], retain_graph=True,
                   create_graph=create_graph, allow_unused=True)
    result = []
    for i, (g, x) in enumerate(zip(got, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"The output of the user-provided function is independent of input {i}. "
                                   f"This is not allowed in strict mode ({fn}).")
            g = x.new_zeros(x.shape)
        result.append(g)
    return tuple(result)


def _finish(value: tuple, is_tuple: bool, create_graph: bool) -> Any:
    value = tuple(v if create_graph else v.detach() for v in value)
    return value if is_tuple else value[0]


def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """(func(inputs), v^T J): the vector-Jacobian product, one reverse pass."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "vjp")
    with enable_grad():
        xs = _prepare(xs, create_graph)
        out_tuple, ys = _as_tuple(func(*xs), "outputs of the user-provided function", "vjp")
        if v is None:
            if len(ys) != 1 or ys[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                                   "Tensor with a single element.")
            vs = None
        else:
            vs = _as_tuple(v, "v", "vjp")[1]
        result = _grads(ys, xs, vs, create_graph, strict, "vjp")
    return _finish(ys, out_tuple, create_graph), _finish(result, in_tuple, create_graph)


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """(func(inputs), J v): the Jacobian-vector product, by differentiating the vjp w^T J with respect to w."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "jvp")
    if v is None:
        if len(xs) != 1 or xs[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")
        vs = (xs[0].new_ones(xs[0].shape),)
    else:
        vs = _as_tuple(v, "v", "jvp")[1]
    with enable_grad():
        xs = _prepare(xs, create_graph)
        out_tuple, ys = _as_tuple(func(*xs), "outputs of the user-provided function", "jvp")
        ws = tuple(y.new_zeros(y.shape).requires_grad_(True) for y in ys)
        wj = _grads(ys, xs, ws, True, strict, "jvp")  # w^T J, linear in w
        result = _grads(wj, ws, vs, create_graph, strict, "jvp")
    return _finish(ys, out_tuple, create_graph), _finish(result, out_tuple, create_graph)


def jacobian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode") -> Any:
    """dy/dx for every output y and input x, shaped (*y.shape, *x.shape): one reverse pass per element of y."""
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError('Expected strategy to be either "forward-mode" or "reverse-mode".')
    in_tuple, xs = _as_tuple(inputs, "inputs", "jacobian")
    with enable_grad():
        xs = _prepare(xs, create_graph)
        out_tuple, ys = _as_tuple(func(*xs), "outputs of the user-provided function", "jacobian")
        blocks = []
        for y in ys:
            flat = y.reshape(-1)
            rows: list[list[Tensor]] = [[] for _ in xs]
            for k in range(flat.numel()):
                for i, g in enumerate(_grads((flat[k],), xs, None, create_graph, strict, "jacobian")):
                    rows[i].append(g)
            per_input = []
            for x, r in zip(xs, rows):
                stacked = r[0].new_zeros((0, *x.shape)) if not r else _stack(r)
                per_input.append(stacked.reshape(*y.shape, *x.shape))
            blocks.append(_finish(tuple(per_input), in_tuple, create_graph))
    return tuple(blocks) if out_tuple else blocks[0]


def _stack(tensors: list[Tensor]) -> Tensor:
    from ..ops.joining import stack
    return stack(tensors)


def hessian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """d^2 f / dx dx' of a scalar function: the Jacobian of its gradient."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*x: Tensor) -> tuple:
        out = func(*x)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor with a single element")
        return _grads((out,), x, None, True, strict, "hessian")

    return jacobian(gradient if in_tuple else lambda x: gradient(x)[0], xs if in_tuple else xs[0],
                    create_graph=create_graph, strict=strict)


def _second_order(func: Callable, inputs: Any, v: Any, create_graph: bool, strict: bool, fn: str) -> tuple:
    in_tuple, xs = _as_tuple(inputs, "inputs", fn)
    vs = _as_tuple(v, "v", fn)[1] if v is not None else None
    with enable_grad():
        xs = _prepare(xs, create_graph)
        out = func(*xs)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError(f"The function given to {fn} should return a single Tensor with a single element")
        if vs is None and not (len(xs) == 1 and xs[0].numel() == 1):
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")
        gradient = _grads((out,), xs, None, True, strict, fn)
        result = _grads(gradient, xs, vs or (xs[0].new_ones(xs[0].shape),), create_graph, strict, fn)
    return _finish((out,), False, create_graph), _finish(result, in_tuple, create_graph)


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """(func(inputs), v^T H) for a scalar func: the gradient of (df/dx . v)."""
    return _second_order(func, inputs, v, create_graph, strict, "vhp")


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> tuple:
    """(func(inputs), H v) for a scalar func; H is symmetric, so this is v^T H transposed."""
    return _second_order(func, inputs, v, create_graph, strict, "hvp")
