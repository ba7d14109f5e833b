"""The NumPy backend's LDL^T primitives: Bunch-Kaufman factorization of a symmetric (or Hermitian)
indefinite matrix and the solve with its factors (LAPACK's sytf2 / hetf2 and sytrs / hetrs, lower).

P A P^T = L D L^T (L^H for hermitian), D block diagonal with 1x1 and 2x2 blocks. Step k looks at the
column below the diagonal, colmax = max_i |a_ik| at row imax, and with alpha = (1 + sqrt 17) / 8 (which
bounds the growth of the entries) takes
    a 1x1 pivot a_kk                when |a_kk| >= alpha colmax, or |a_kk| colmax >= alpha colmax^2 / rowmax,
    a 1x1 pivot a_imax,imax         when |a_imax,imax| >= alpha rowmax (rows/columns k and imax swapped),
    the 2x2 pivot on rows k, imax   otherwise (imax swapped into k + 1),
rowmax being the largest off-diagonal |a| in row/column imax. The block's columns of L (below it) are the
trailing column(s) times the block's inverse, and the trailing matrix loses the block's outer product.
Only the lower triangle is read and written; swaps touch the trailing matrix only, so L is kept in
LAPACK's product form and `pivots` (1-based) says how to replay it: p > 0 a 1x1 block that swapped rows
k and p - 1; -p on both rows of a 2x2 block that swapped rows k + 1 and p - 1. Complex magnitudes are
|Re| + |Im| (LAPACK's), Hermitian diagonals real. Each matrix of a batch is factored on its own, each step
a vectorised update of the trailing matrix.
"""
from __future__ import annotations

import math

import numpy as np

_ALPHA = (1 + math.sqrt(17)) / 8


def _mag(x):
    """LAPACK's pivot magnitude: |x|, or |Re x| + |Im x| for complex x."""
    return np.abs(x.real) + np.abs(x.imag) if np.iscomplexobj(x) else np.abs(x)


def _factor_one(a: np.ndarray, hermitian: bool) -> tuple[np.ndarray, int]:
    """Bunch-Kaufman on one matrix in place (lower triangle); returns (pivots, info)."""
    n = a.shape[0]
    cj = np.conj if hermitian else (lambda x: x)
    diag = (lambda x: np.abs(x.real)) if hermitian else _mag
    pivots = np.zeros(n, np.int32)
    if hermitian:  # a Hermitian diagonal is real: its imaginary parts are not read
        np.fill_diagonal(a, a.diagonal().real)
    info, k = 0, 0
    while k < n:
        kstep, absakk = 1, diag(a[k, k])
        colmax, imax = 0.0, k
        if k < n - 1:
            col = _mag(a[k + 1:, k])
            imax = k + 1 + int(np.argmax(col))
            colmax = col[imax - k - 1]
        if max(absakk, colmax) == 0 or np.isnan(absakk):
            info = info or k + 1
            kp = k
        else:
            kp = k
            if absakk < _ALPHA * colmax:
                rowmax = np.max(_mag(a[imax, k:imax]))
                if imax < n - 1:
                    rowmax = max(rowmax, np.max(_mag(a[imax + 1:, imax])))
                if absakk >= _ALPHA * colmax * (colmax / rowmax):
                    kp = k
                elif diag(a[imax, imax]) >= _ALPHA * rowmax:
                    kp = imax
                else:
                    kp, kstep = imax, 2
            kk = k + kstep - 1
            if kp != kk:  # swap rows and columns kk and kp of the trailing matrix (its lower triangle)
                a[kp + 1:, [kk, kp]] = a[kp + 1:, [kp, kk]]
                between = a[kk + 1:kp, kk].copy()
                a[kk + 1:kp, kk] = cj(a[kp, kk + 1:kp])
                a[kp, kk + 1:kp] = cj(between)
                if hermitian:
                    a[kp, kk] = np.conj(a[kp, kk])
                a[kk, kk], a[kp, kp] = a[kp, kp], a[kk, kk]
                if kstep == 2:
                    a[k + 1, k], a[kp, k] = a[kp, k], a[k + 1, k]
            _eliminate(a, k, kstep, hermitian)
        pivots[k:k + kstep] = kp + 1 if kstep == 1 else -(kp + 1)
        k += kstep
    return pivots, info


def _eliminate(a: np.ndarray, k: int, kstep: int, hermitian: bool) -> None:
    """The columns of L below the pivot block at k and the trailing matrix's update A -= W D^{-1} W^T."""
    cj = np.conj if hermitian else (lambda x: x)
    if kstep == 1:
        x = a[k + 1:, k]
        r1 = 1 / (a[k, k].real if hermitian else a[k, k])
        a[k + 1:, k + 1:] -= r1 * np.outer(x, cj(x))
        a[k + 1:, k] = x * r1
        return
    if k + 2 >= a.shape[0]:
        return
    # D = [[d_kk, conj(d21)], [d21, d_k+1]]; W D^{-1} written with the scaled entries LAPACK uses
    d21 = a[k + 1, k]
    if hermitian:
        d = abs(d21)
        d11, d22, d21 = a[k + 1, k + 1].real / d, a[k, k].real / d, d21 / d
        t = 1 / (d11 * d22 - 1) / d
        wk = t * (d11 * a[k + 2:, k] - d21 * a[k + 2:, k + 1])
        wk1 = t * (d22 * a[k + 2:, k + 1] - np.conj(d21) * a[k + 2:, k])
    else:
        d11, d22 = a[k + 1, k + 1] / d21, a[k, k] / d21
        t = 1 / (d11 * d22 - 1) / d21
        wk = t * (d11 * a[k + 2:, k] - a[k + 2:, k + 1])
        wk1 = t * (d22 * a[k + 2:, k + 1] - a[k + 2:, k])
    a[k + 2:, k + 2:] -= np.outer(a[k + 2:, k], cj(wk)) + np.outer(a[k + 2:, k + 1], cj(wk1))
    a[k + 2:, k], a[k + 2:, k + 1] = wk, wk1
    if hermitian:  # exactly real, as LAPACK keeps it
        idx = np.arange(k + 2, a.shape[0])
        a[idx, idx] = a[idx, idx].real


def ldl_factor(a: np.ndarray, hermitian: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(LD, pivots, info) for each matrix of the batch: LD holds L's multipliers below the diagonal and D's
    blocks on and just below it (zeros above); info > 0 marks an exactly singular D (its first zero column)."""
    *batch, n, _ = a.shape
    work = np.array(a, copy=True).reshape(math.prod(batch), n, n)  # no -1: it is ambiguous for empty matrices
    pivots = np.zeros(work.shape[:2], np.int32)
    info = np.zeros(work.shape[0], np.int32)
    with np.errstate(all="ignore"):
        for b in range(work.shape[0]):
            pivots[b], info[b] = _factor_one(work[b], hermitian)
    return np.tril(work).reshape(a.shape), pivots.reshape(*batch, n), info.reshape(batch)


def ldl_solve(ld: np.ndarray, pivots: np.ndarray, b: np.ndarray, hermitian: bool) -> np.ndarray:
    """X with A X = B from `ldl_factor`'s (LD, pivots) (batch dims equal): L D L^T X = B forward through
    the product form (swap, eliminate, divide by the block), then L^T (L^H) backward (sytrs / hetrs)."""
    cj = np.conj if hermitian else (lambda x: x)
    x = np.array(b, dtype=np.result_type(ld, b), copy=True)
    n, count = ld.shape[-1], math.prod(ld.shape[:-2])  # no -1 in the shapes: it is ambiguous for empty ones
    flat_ld, flat_p, flat_x = ld.reshape(count, n, n), pivots.reshape(count, n), x.reshape(count, n, x.shape[-1])
    with np.errstate(all="ignore"):
        for a, p, y in zip(flat_ld, flat_p, flat_x):
            k = 0
            while k < n:
                if p[k] > 0:
                    kp = p[k] - 1
                    y[[k, kp]] = y[[kp, k]]
                    y[k + 1:] -= np.outer(a[k + 1:, k], y[k])
                    y[k] /= a[k, k].real if hermitian else a[k, k]
                    k += 1
                    continue
                kp = -p[k] - 1
                y[[k + 1, kp]] = y[[kp, k + 1]]
                y[k + 2:] -= np.outer(a[k + 2:, k], y[k]) + np.outer(a[k + 2:, k + 1], y[k + 1])
                d21 = a[k + 1, k]
                akm1, ak = a[k, k] / cj(d21), a[k + 1, k + 1] / d21
                denom = akm1 * ak - 1
                bkm1, bk = y[k] / cj(d21), y[k + 1] / d21
                y[k], y[k + 1] = (ak * bkm1 - bk) / denom, (akm1 * bk - bkm1) / denom
                k += 2
            k = n - 1
            while k >= 0:
                first = k if p[k] > 0 else k - 1  # the block is rows first..k
                for r in range(first, k + 1):
                    y[r] -= cj(a[k + 1:, r]) @ y[k + 1:]
                kp = abs(p[k]) - 1
                y[[k, kp]] = y[[kp, k]]
                k = first - 1
    return x
