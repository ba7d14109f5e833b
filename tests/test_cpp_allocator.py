"""The C++ backend's caching allocator (csrc/core/allocator.h): freed large blocks come back for the next
request that fits, small ones go to the C library, the pool respects its limit and empties on request."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import mytorch
from mytorch import backends

from cpp_compare import backend, skip_without_cpp  # noqa: F401 (the fixture: this module runs once, on the C++ backend)

pytestmark = skip_without_cpp
MIB = 1 << 20


@pytest.fixture
def C():
    from mytorch.backends import _C
    _C.empty_cache()
    yield _C
    _C.empty_cache()


def test_a_freed_block_serves_the_next_request_that_fits(C):
    be = backends.backend("cpp")
    a = be.empty((MIB // 4,), mytorch.float32)  # 1 MiB
    address = be.data_ptr(a)
    del a
    assert C.cached_bytes() == MIB
    b = be.empty((MIB // 4 - 1000,), mytorch.float32)  # a little smaller: the same block
    assert be.data_ptr(b) == address and C.cached_bytes() == 0
    del b
    c = be.empty((MIB // 8,), mytorch.float32)  # half the size: too wasteful, a new block
    assert be.data_ptr(c) != address and C.cached_bytes() == MIB


def test_small_blocks_are_not_pooled(C):
    be = backends.backend("cpp")
    a = be.empty((1000,), mytorch.float32)
    del a
    assert C.cached_bytes() == 0


def test_empty_cache_returns_the_pool(C):
    be = backends.backend("cpp")
    arrays = [be.empty((MIB // 4 * k,), mytorch.float32) for k in (1, 2, 3)]
    del arrays
    assert C.cached_bytes() == 6 * MIB
    C.empty_cache()
    assert C.cached_bytes() == 0


def test_the_pool_respects_its_limit():
    code = ("from mytorch import backends; from mytorch.backends import _C; import mytorch; be = backends.backend('cpp');"
            "a = [be.empty((1 << 20,), mytorch.float32) for _ in range(3)]; del a; print(_C.cached_bytes())")
    env = dict(os.environ, MYTORCH_CACHE_LIMIT_MB="9")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert int(out.stdout) == 8 * MIB  # two 4 MiB blocks fit under 9 MiB, the third went back to the system


def test_values_written_through_a_reused_block_are_the_new_arrays(C):
    be = backends.backend("cpp")
    x = be.arange(0, 300_000, 1, mytorch.float32)
    for k in range(3):  # each round's result lands in a block the previous round freed
        y = be.add(be.mul(x, 2.0), float(k))
        assert (be.to_host(y) == np.arange(300_000, dtype=np.float32) * 2 + k).all()
        del y
    assert C.cached_bytes() > 0
