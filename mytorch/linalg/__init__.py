"""``torch.linalg``: the linear-algebra namespace. Each op lives in mytorch/ops/ beside its derivative
(lu.py, solve.py, triangular.py, cholesky.py, ldl.py, qr.py, eigh.py, eig.py, svd.py, pinv.py, norms.py,
matrix_functions.py, linalg_products.py); this package only names them as PyTorch does."""
from __future__ import annotations

from ..ops._linalg_util import LinAlgError
from ..ops.cholesky import cholesky, cholesky_ex
from ..ops.eig import eig, eigvals
from ..ops.eigh import eigh, eigvalsh
from ..ops.ldl import ldl_factor, ldl_factor_ex, ldl_solve
from ..ops.linalg_products import cross, diagonal, multi_dot, tensorinv, tensorsolve, vander, vecdot
from ..ops.lu import lu, lu_factor, lu_factor_ex, lu_solve
from ..ops.matrix_functions import matrix_exp, matrix_power
from ..ops.norms import cond, matrix_norm, norm
from ..ops.pinv import lstsq, matrix_rank, pinv
from ..ops.qr import householder_product, qr
from ..ops.solve import det, inv, inv_ex, slogdet, solve, solve_ex
from ..ops.statistics import vector_norm
from ..ops.svd import svd, svdvals
from ..ops.out import LINALG_OUT, add_out_argument
from ..ops.triangular import solve_triangular

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals",
           "eigvalsh", "householder_product", "inv", "inv_ex", "ldl_factor", "ldl_factor_ex", "ldl_solve", "lstsq",
           "lu", "lu_factor", "lu_factor_ex", "lu_solve", "matrix_exp", "matrix_norm", "matrix_power", "matrix_rank",
           "multi_dot", "norm", "pinv", "qr", "slogdet", "solve", "solve_ex", "solve_triangular", "svd", "svdvals",
           "tensorinv", "tensorsolve", "vander", "vecdot", "vector_norm"]

add_out_argument(globals(), LINALG_OUT)
