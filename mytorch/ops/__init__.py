"""The differentiable ops. Importing this package attaches each module's
``METHODS`` to `Tensor` (so ``x.exp()`` and ``x + y`` work) and re-exports
each module's ``__all__`` as ``mytorch.<name>``."""
from __future__ import annotations

from .._tensor import Tensor
from . import (activation, aten, binary, bits, blas, cholesky, complex, composed, conv, counting, covariance,
               creation, cross, diag, distance, einsum, factories, gather_scatter, hash_tensor, indexing,
               inplace_methods, joining, linalg, linalg_toplevel, loss, lu, matrix_functions, native_norms, numerical, piecewise,
               pixel_shuffle, pointwise, pointwise_composite, pooling, qr, quantile, random, reduction, resize, rnn,
               scatter_reduce, sliding, sorting, sparse, sparse_compressed, special, statistics, stft, unary, unique, views, windows)

MODULES = [creation, binary, unary, reduction, views, indexing, linalg, inplace_methods, gather_scatter, joining,
           statistics, sorting, unique, einsum, random, activation, loss, pointwise, conv, pooling, rnn, blas,
           diag, cross, distance, piecewise, pixel_shuffle, special, linalg_toplevel, lu, cholesky, matrix_functions,
           complex, pointwise_composite, numerical, counting, composed, stft, factories, sliding, bits, covariance,
           quantile, native_norms, scatter_reduce, qr, resize, sparse, sparse_compressed, hash_tensor]


def _attach() -> None:
    for module in MODULES:
        for name, fn in module.METHODS.items():
            setattr(Tensor, name, fn)
    sparse.guard_dense_methods()  # after every method is on Tensor: the sparse layout's stubs for those it lacks


_attach()
