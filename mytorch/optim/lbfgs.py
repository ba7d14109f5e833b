"""optim.LBFGS: limited-memory BFGS (Nocedal, 1980; Liu & Nocedal, 1989), after minFunc as PyTorch's is.

One `step(closure)` runs up to ``max_iter`` iterations on the flattened parameters x with gradient g:
    direction  d = -H g, H the inverse-Hessian estimate built from the last ``history_size`` pairs
               s_k = x_{k+1} - x_k, y_k = g_{k+1} - g_k (pairs with y.s <= 1e-10 are not kept) by the
               two-loop recursion, starting from H_0 = (y.s / y.y) I of the newest pair
    step       x = x + t d, t = lr (the first iteration ever: min(1, 1 / |g|_1) lr), or the step the
               strong-Wolfe line search finds (`_line_search.strong_wolfe`)
and stops early when |g|_inf <= tolerance_grad, when d.g > -tolerance_change, when |t d|_inf or the change
of the loss falls to tolerance_change, or after ``max_eval`` closure evaluations.

Its whole state (history, last direction and step) is kept for the first parameter, as PyTorch keeps it;
the scalars (t, H_diag, ro, al) are Python floats where PyTorch keeps 0-d tensors: the same doubles.
"""
from __future__ import annotations

from typing import Any, Callable

from ..autograd.grad_mode import no_grad
from ..ops.joining import cat
from .._tensor import Tensor
from ._line_search import strong_wolfe
from .optimizer import Optimizer, ParamsT, _check_lr, _scalar

__all__ = ["LBFGS"]


class LBFGS(Optimizer):
    """Limited-memory BFGS on a closure, with an optional strong-Wolfe line search. The update rule is in this
    module's docstring.
    """
    def __init__(self, params: ParamsT, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        _check_lr(lr)
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                                  "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
                                  "history_size": history_size, "line_search_fn": line_search_fn})
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Tensor] = self.param_groups[0]["params"]

    def _gather_flat_grad(self) -> Tensor:
        # a sparse gradient (an embedding's with sparse=True) enters through its dense equivalent, as in PyTorch
        return cat([p.new_zeros(p.numel()) if p.grad is None else
                    (p.grad.to_dense() if p.grad.is_sparse else p.grad).reshape(-1) for p in self._params])

    def _add_grad(self, step_size: float, update: Tensor) -> None:
        """x = x + step_size * update, update being flat."""
        offset = 0
        for p in self._params:
            numel = p.numel()
            p.add_(update[offset:offset + numel].view_as(p), alpha=step_size)
            offset += numel

    def _directional_evaluate(self, closure: Callable[[], Any], x: list[Tensor], t: float,
                              d: Tensor) -> tuple[float, Tensor]:
        """Loss and flat gradient at x + t d; the parameters go back to x."""
        self._add_grad(t, d)
        loss = float(self._evaluate(closure))
        flat_grad = self._gather_flat_grad()
        for p, saved in zip(self._params, x):
            p.copy_(saved)
        return loss, flat_grad

    @no_grad()
    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        group = self.param_groups[0]
        lr, max_iter, max_eval = _scalar(group["lr"]), group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = self._evaluate(closure)
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        opt_cond = flat_grad.abs().max().item() <= tolerance_grad
        if opt_cond:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        H_diag, prev_flat_grad, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = flat_grad.neg()
                old_dirs, old_stps, ro, H_diag = [], [], [], 1
            else:
                y = flat_grad.sub(prev_flat_grad)
                s = d.mul(t)
                ys = y.dot(s).item()
                if ys > 1e-10:  # keep only pairs of positive curvature: H stays positive definite
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y).item()
                d = self._two_loop(state, flat_grad, old_dirs, old_stps, ro, H_diag, history_size)

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.clone()
            else:
                prev_flat_grad.copy_(flat_grad)
            prev_loss = loss

            t = min(1.0, 1.0 / flat_grad.abs().sum().item()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d).item()
            if gtd > -tolerance_change:  # not a descent direction (to tolerance)
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = [p.clone() for p in self._params]
                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    lambda step: self._directional_evaluate(closure, x_init, step, d), t, d, loss, flat_grad,
                    gtd, max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = flat_grad.abs().max().item() <= tolerance_grad
            else:
                self._add_grad(t, d)
                if n_iter != max_iter:  # the last iteration's loss is the next step's first evaluation
                    loss = float(self._evaluate(closure))
                    flat_grad = self._gather_flat_grad()
                    opt_cond = flat_grad.abs().max().item() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if d.mul(t).abs().max().item() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break  # no progress

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss

    @staticmethod
    def _two_loop(state: dict[str, Any], flat_grad: Tensor, old_dirs: list[Tensor], old_stps: list[Tensor],
                  ro: list[float], H_diag: float, history_size: int) -> Tensor:
        """-H g by the two-loop recursion: q = -g; newest to oldest a_i = rho_i s_i.q, q -= a_i y_i;
        r = H_diag q; oldest to newest b_i = rho_i y_i.r, r += (a_i - b_i) s_i."""
        al = state.setdefault("al", [None] * history_size)
        q = flat_grad.neg()
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = old_stps[i].dot(q).item() * ro[i]
            q.add_(old_dirs[i], alpha=-al[i])
        r = q.mul(H_diag)
        for i in range(len(old_dirs)):
            be_i = old_dirs[i].dot(r).item() * ro[i]
            r.add_(old_stps[i], alpha=al[i] - be_i)
        return r
