"""Numerical gradient checks (public: ``mytorch.autograd.gradcheck`` / ``gradgradcheck``).

gradcheck compares, for every input element x_j and output element y_i, the
analytical Jacobian J[i, j] (from backward, one one-hot vector-Jacobian
product per output element) with central differences

    J_num[i, j] = (y_i(x + eps e_j) - y_i(x - eps e_j)) / (2 eps)

and requires |J - J_num| <= atol + rtol |J_num| elementwise. Use float64.

Complex inputs and outputs (complex128) count as pairs of real coordinates
(real part, imaginary part), so the check covers the whole real Jacobian --
both Wirtinger derivatives, as PyTorch's gradcheck does. Analytically, by
PyTorch's convention the gradient of a real function L of z = x + iy is
dL/dx + i dL/dy: backward with upstream gradient 1 at a real coordinate (or
at Re y_i), 1j at Im y_i, gives the row of J as the real and imaginary parts
of each input's gradient.
"""
from __future__ import annotations

from typing import Callable, Sequence

from .._tensor import Tensor
from .engine import grad as autograd_grad
from .grad_mode import enable_grad, no_grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck / gradgradcheck when analytic and numerical derivatives differ."""
    pass


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _flat_outputs(func: Callable, inputs: Sequence) -> list[Tensor]:
    return [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor) and o.dtype._differentiable]


def _coordinates(t: Tensor) -> list[float]:
    """t's values as real coordinates: its elements, or (real, imag) of each complex element."""
    if t.dtype.is_complex:
        from ..ops.complex import view_as_real
        t = view_as_real(t)
    return t.detach().reshape(-1).double().tolist()


def _steps(x: Tensor) -> tuple:
    """The unit steps of one element of x along each of its real coordinates."""
    return (1.0, 1j) if x.dtype.is_complex else (1.0,)


def _unravel(j: int, shape: tuple) -> tuple:
    """The index of element j (row-major order) of a tensor of `shape`."""
    idx = []
    for n in reversed(shape):
        idx.append(j % n)
        j //= n
    return tuple(reversed(idx))


def _numerical(func: Callable, inputs: Sequence, eps: float) -> list[list[list[float]]]:
    """jac[k][j][i]: d output-element i / d element j of differentiable input k."""
    jac = []
    with no_grad():
        for x in inputs:
            if not (isinstance(x, Tensor) and x.requires_grad):
                jac.append(None)
                continue
            xd = x.detach()  # shares storage: writing it perturbs the input the function sees
            cols = []
            for j in range(xd.numel()):
                idx = _unravel(j, xd.shape)
                orig = xd[idx].item()
                for step in _steps(x):
                    xd[idx] = orig + eps * step
                    plus = [_coordinates(o) for o in _flat_outputs(func, inputs)]
                    xd[idx] = orig - eps * step
                    minus = [_coordinates(o) for o in _flat_outputs(func, inputs)]
                    xd[idx] = orig
                    cols.append([(p - m) / (2 * eps) for po, mo in zip(plus, minus) for p, m in zip(po, mo)])
            jac.append(cols)
    return jac


def _analytical(func: Callable, inputs: Sequence) -> list[list[list[float]]]:
    outputs = _flat_outputs(func, inputs)
    diff_inputs = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    rows = []  # rows[i][k]: gradient of output coordinate i w.r.t. input k, as real coordinates
    for o in outputs:
        for i in range(o.numel()):
            for step in _steps(o):
                onehot = o.detach().new_zeros(o.numel())
                onehot[i] = step
                gs = autograd_grad(o, diff_inputs, onehot.view(o.shape), retain_graph=True, allow_unused=True)
                rows.append([None if g is None else _coordinates(g) for g in gs])
    jac = []
    k = 0
    for x in inputs:
        if not (isinstance(x, Tensor) and x.requires_grad):
            jac.append(None)
            continue
        n = x.numel() * len(_steps(x))
        jac.append([[0.0 if row[k] is None else row[k][j] for row in rows] for j in range(n)])
        k += 1
    return jac


def gradcheck(func: Callable, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, **_: object) -> bool:
    """True when backward matches central differences for every differentiable input."""
    inputs = _as_tuple(inputs)
    for x in inputs:
        if isinstance(x, Tensor) and x.requires_grad and x.dtype.name not in ("float64", "complex128"):
            raise GradcheckError(f"gradcheck: input of dtype {x.dtype} requires grad; use float64 (or complex128) "
                                 "inputs, since lower precision makes central differences meaningless")
    num = _numerical(func, inputs, eps)
    ana = _analytical(func, inputs)
    for k, (n_cols, a_cols) in enumerate(zip(num, ana)):
        if n_cols is None:
            continue
        for j, (n_col, a_col) in enumerate(zip(n_cols, a_cols)):
            for i, (n, a) in enumerate(zip(n_col, a_col)):
                if abs(a - n) > atol + rtol * abs(n):
                    if raise_exception:
                        raise GradcheckError(f"Jacobian mismatch for output element {i} with respect to input {k} "
                                             f"element {j}: analytical {a!r}, numerical {n!r}")
                    return False
    return True


def gradgradcheck(func: Callable, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, **_: object) -> bool:
    """gradcheck of the map (inputs, v) -> v^T J(inputs): checks second derivatives."""
    inputs = _as_tuple(inputs)
    outputs = _flat_outputs(func, inputs)
    if grad_outputs is None:
        # fixed, varied values: all-ones would hide errors, and the RNG state stays untouched
        from .. import arange
        grad_outputs = []
        for o in outputs:
            v = (arange(o.numel(), dtype=o.dtype.to_real()).reshape(o.shape) * 1.7 + 0.3).sin()
            v = v * (1 - 0.7j) if o.dtype.is_complex else v
            grad_outputs.append(v.requires_grad_(True))
    grad_outputs = list(_as_tuple(grad_outputs))
    n_in = len(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def first_derivative(*args):
        xs, vs = args[:n_in], args[n_in:]
        with enable_grad():  # the numerical pass calls this under no_grad, yet it needs a graph to differentiate
            outs = _flat_outputs(func, xs)
            gs = autograd_grad(outs, [xs[i] for i in diff_idx], vs, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_derivative, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
