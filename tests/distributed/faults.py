"""Run under mpiexec -n 2: rank 1 misbehaves ("raise", "stall" or "die") before an all_reduce that rank 0
waits in. The job must end, with a non-zero exit, well within the test's deadline."""
import datetime
import os
import signal
import sys
import time

import mytorch
import mytorch.distributed as dist

dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=3))
mode = sys.argv[1]
if dist.get_rank() == 1:
    if mode == "raise":
        raise ValueError("rank 1 fails on purpose")
    if mode == "stall":
        time.sleep(120)
    if mode == "die":
        os.kill(os.getpid(), signal.SIGKILL)
if dist.get_rank() == 0:  # when the wait began: the test bounds the time from here, not from start-up
    print(f"rank 0 waits from {time.time():.3f}", flush=True)
dist.all_reduce(mytorch.ones(4))
print("all_reduce finished: the fault was not noticed")
