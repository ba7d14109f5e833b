"""mytorch.distributed: PyTorch's torch.distributed API over MPI (mpi4py; `pip install 'mytorch[distributed]'`).

process_group.py joins the job and makes groups; collectives.py moves tensors. Start N processes with
``mpiexec -n N python script.py`` or ``mytorch launch -n N script.py``.
"""
from .collectives import *  # noqa: F401,F403
from .process_group import *  # noqa: F401,F403
