"""Einstein summation, lowered to diagonal / sum / permute / reshape / mul / matmul.

``einsum("bij,bjk->bik", a, b)`` names every dim of every operand with a letter; ``...`` stands for
the leading dims, broadcast across operands. out[output letters] = sum over the other letters of the
product of the operands. The lowering, each step a differentiable op (so autograd needs nothing more):

1. per operand, a letter repeated within it takes the diagonal of those dims;
2. operands are contracted pairwise, left to right: letters that neither the output nor a later
   operand uses are summed first when only one side has them; letters both sides share are batch dims
   if still needed, else they are contracted by one batched matmul (a broadcast multiply when none are);
3. the result is summed over letters the output doesn't name and permuted to the output's order.

`tensordot` and `kron` are small compositions over the same ops.
"""
from __future__ import annotations

import math
from typing import Sequence, Union

from .._tensor import Tensor
from .linalg import matmul

Label = Union[str, int]  # a letter, or the position of an ellipsis dim counted in the widest ellipsis


def _error(msg: str) -> RuntimeError:
    return RuntimeError(f"einsum(): {msg}")


def _scan(equation: str) -> tuple[list[list], list | None]:
    """The subscripts of each input term and of the output (None when implicit); "..." kept as Ellipsis."""
    terms: list[list] = [[]]
    out: list | None = None
    i = 0
    while i < len(equation):
        c = equation[i]
        cur = terms[-1] if out is None else out
        who = "output" if out is not None else f"operand {len(terms) - 1}"
        if c == " ":
            pass
        elif c.isascii() and c.isalpha():
            cur.append(c)
        elif c == ".":
            if equation[i:i + 3] != "...":
                raise _error(f"found '.' for {who} that is not part of any ellipsis")
            if Ellipsis in cur:
                raise _error(f"found '.' for {who} for which an ellipsis was already found")
            cur.append(Ellipsis)
            i += 3
            continue
        elif c == "," and out is None:
            terms.append([])
        elif c == "-" and out is None and equation[i + 1:i + 2] == ">":
            out = []
            i += 2
            continue
        else:
            raise _error(f"invalid subscript given at index {i} in the equation string, subscripts must be in "
                         "[a-zA-Z]")
        i += 1
    return terms, out


def _parse(equation: str, operands: Sequence[Tensor]) -> tuple[list[list[Label]], list[Label]]:
    """Each operand's labels (one per dim, ellipsis expanded) and the output's labels."""
    terms, out = _scan(equation)
    if len(terms) > len(operands):
        raise _error("fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        raise _error("more operands were provided than specified in the equation")
    widths = []
    for k, (term, x) in enumerate(zip(terms, operands)):
        letters = len(term) - (Ellipsis in term)
        if Ellipsis not in term and letters != x.ndim:
            raise _error(f"the number of subscripts in the equation ({letters}) does not match the number of "
                         f"dimensions ({x.ndim}) for operand {k} and no ellipsis was given")
        if letters > x.ndim:
            raise _error(f"the number of subscripts in the equation ({letters}) is more than the number of "
                         f"dimensions ({x.ndim}) for operand {k}")
        widths.append(x.ndim - letters)
    width = max(widths)
    labels = []
    for term, w in zip(terms, widths):
        at = term.index(Ellipsis) if Ellipsis in term else len(term)
        labels.append(term[:at] + list(range(width - w, width)) + term[at + 1:])
    if out is None:
        counts: dict = {}
        for lab in labels:
            for c in lab:
                counts[c] = counts.get(c, 0) + 1
        return labels, list(range(width)) + sorted(c for c, n in counts.items() if n == 1 and isinstance(c, str))
    seen = {c for lab in labels for c in lab}
    output: list[Label] = []
    for c in out:
        if c is Ellipsis:
            output += list(range(width))
            continue
        if c not in seen:
            raise _error(f"output subscript {c} does not appear in the equation for any input operand")
        if c in output:
            raise _error(f"output subscript {c} appears more than once in the output")
        output.append(c)
    return labels, output


def _check_sizes(operands: Sequence[Tensor], labels: list[list[Label]]) -> None:
    sizes: dict = {}
    for k, (x, lab) in enumerate(zip(operands, labels)):
        mine: dict = {}
        for c, n in zip(lab, x.shape):
            if c in mine and mine[c] != n:
                raise _error(f"subscript {c} is repeated for operand {k} but the sizes don't match, {mine[c]} != {n}")
            mine[c] = n
        for c, n in mine.items():
            prev = sizes.get(c, 1)
            if n != 1 and prev != 1 and n != prev:
                raise _error(f"subscript {c} has size {n} for operand {k} which does not broadcast with previously "
                             f"seen size {prev}")
            sizes[c] = n if prev == 1 else prev


def _diagonals(x: Tensor, lab: list[Label]) -> tuple[Tensor, list[Label]]:
    """Take the diagonal for every label repeated within one operand ("ii->i")."""
    while len(set(lab)) < len(lab):
        p = next(i for i, c in enumerate(lab) if lab.count(c) > 1)
        q = lab.index(lab[p], p + 1)
        x = x.diagonal(0, p, q)
        lab = [c for i, c in enumerate(lab) if i not in (p, q)] + [lab[p]]
    return x, lab


def _sum_unused(x: Tensor, lab: list[Label], keep: set) -> tuple[Tensor, list[Label]]:
    dims = [i for i, c in enumerate(lab) if c not in keep]
    if not dims:
        return x, lab
    return x.sum(dims), [c for c in lab if c in keep]


def _contract(a: Tensor, la: list[Label], b: Tensor, lb: list[Label], keep: set) -> tuple[Tensor, list[Label]]:
    """a * b summed over the shared labels not in `keep`; result labels: batch, a's own, b's own."""
    a, la = _sum_unused(a, la, keep | set(lb))
    b, lb = _sum_unused(b, lb, keep | set(la))
    shared = [c for c in la if c in lb]
    batch = [c for c in shared if c in keep]
    summed = [c for c in shared if c not in keep]
    a_own = [c for c in la if c not in lb]
    b_own = [c for c in lb if c not in la]
    for c in summed:  # a size-1 side is constant along c: sum the other side first
        i, j = la.index(c), lb.index(c)
        if a.shape[i] != b.shape[j]:
            if a.shape[i] == 1:
                b = b.sum(j, keepdim=True)
            else:
                a = a.sum(i, keepdim=True)
    size = {c: n for c, n in zip(la, a.shape)}
    size.update({c: max(n, size.get(c, 1)) for c, n in zip(lb, b.shape)})
    shape = [size[c] for c in batch + a_own + b_own]
    if not summed:  # nothing to contract: a broadcast product
        a = a.permute([la.index(c) for c in batch + a_own]).reshape(
            [a.shape[la.index(c)] for c in batch + a_own] + [1] * len(b_own))
        b = b.permute([lb.index(c) for c in batch + b_own]).reshape(
            [b.shape[lb.index(c)] for c in batch] + [1] * len(a_own) + [b.shape[lb.index(c)] for c in b_own])
        return a * b, batch + a_own + b_own
    bs = [size[c] for c in batch]
    n_a, n_k, n_b = (math.prod(size[c] for c in group) for group in (a_own, summed, b_own))
    a = a.permute([la.index(c) for c in batch + a_own + summed]).expand(bs + [size[c] for c in a_own + summed])
    b = b.permute([lb.index(c) for c in batch + summed + b_own]).expand(bs + [size[c] for c in summed + b_own])
    out = matmul(a.reshape(math.prod(bs), n_a, n_k), b.reshape(math.prod(bs), n_k, n_b))
    return out.reshape(shape), batch + a_own + b_own


def einsum(equation: str, *operands: Tensor) -> Tensor:
    """Sum of products of the operands' elements, indexed by the equation's letters (see module doc).
    Operands may also be passed as one list."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): argument 'equation' must be str, not {type(equation).__name__}")
    if not operands:
        raise _error("must provide at least one operand")
    for k, x in enumerate(operands):
        if not isinstance(x, Tensor):
            raise TypeError(f"einsum(): operand {k} must be a Tensor, not {type(x).__name__}")
        if x.dtype is not operands[0].dtype:
            raise RuntimeError(f"einsum(): expected scalar type {operands[0].dtype.scalar_name} but found "
                               f"{x.dtype.scalar_name} (operand {k})")
    labels, output = _parse(equation, operands)
    _check_sizes(operands, labels)
    ops = [_diagonals(x, lab) for x, lab in zip(operands, labels)]
    x, lab = ops[0]
    for k in range(1, len(ops)):
        later = set(output).union(*(set(l2) for _, l2 in ops[k + 1:]))
        x, lab = _contract(x, lab, *ops[k], later)
    x, lab = _sum_unused(x, lab, set(output))
    if lab != output:
        x = x.permute([lab.index(c) for c in output])
    return x


def tensordot(a: Tensor, b: Tensor, dims=2) -> Tensor:
    """Contract the last `dims` dims of a with the first `dims` of b, or the dims listed as
    ``(dims_a, dims_b)``; the result has a's remaining dims then b's. As in PyTorch, a contracted dim
    of size 1 on one side broadcasts against the other side's size."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > a.ndim or dims > b.ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    dims_a = [a._wrap_dim(d, "tensordot") for d in dims_a]
    dims_b = [b._wrap_dim(d, "tensordot") for d in dims_b]
    for da, db in zip(dims_a, dims_b):
        # a contracted dim of size 1 on one side broadcasts: the other side is summed over it first
        if a.shape[da] == 1 and b.shape[db] != 1:
            b = b.sum(db, keepdim=True)
        elif b.shape[db] == 1 and a.shape[da] != 1:
            a = a.sum(da, keepdim=True)
        elif a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[da]} in dim {da} "
                               f"and second has size {b.shape[db]} in dim {db}")
    letters = iter("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    la = [next(letters) for _ in range(a.ndim)]
    lb = [la[dims_a[dims_b.index(i)]] if i in dims_b else next(letters) for i in range(b.ndim)]
    out = [c for i, c in enumerate(la) if i not in dims_a] + [c for i, c in enumerate(lb) if i not in dims_b]
    return einsum(f"{''.join(la)},{''.join(lb)}->{''.join(out)}", a, b)


def kron(input: Tensor, other: Tensor) -> Tensor:
    """Kronecker product: out[i * m + k] = a[i] * b[k] in every dim (shapes padded with leading 1s)."""
    n = max(input.ndim, other.ndim)
    sa = (1,) * (n - input.ndim) + tuple(input.shape)
    sb = (1,) * (n - other.ndim) + tuple(other.shape)
    a = input.reshape([s for p in sa for s in (p, 1)])
    b = other.reshape([s for p in sb for s in (1, p)])
    return (a * b).reshape([p * q for p, q in zip(sa, sb)])


__all__ = ["einsum", "tensordot", "kron"]
METHODS = {"kron": kron}
