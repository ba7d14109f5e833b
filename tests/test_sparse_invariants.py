"""``torch.sparse.check_sparse_tensor_invariants`` (`mytorch/ops/sparse_invariants.py`) and the constructors'
checks against PyTorch: the switch as a context manager, a decorator and static methods, the constructors'
``check_invariants=`` overriding it, and PyTorch's exception type and message for each broken invariant of
each layout (the checks mytorch always makes and the ones it makes on request)."""
from __future__ import annotations

import pytest
import torch

import mytorch

pytestmark = [pytest.mark.filterwarnings("ignore:Sparse invariant checks"),
              pytest.mark.filterwarnings("ignore:Sparse CSR tensor support is in beta")]

LIBS = (mytorch, torch)


def build(lib, layout, pointers, plain, values, size, **kw):
    """A `layout` tensor from nested lists, in library `lib`: a COO one from (indices, values, size), said to
    be coalesced when `values` is "coalesced"."""
    if layout == "coo":
        if values == "coalesced":
            kw["is_coalesced"] = True
        return lib.sparse_coo_tensor(lib.tensor(pointers), lib.tensor(plain, dtype=lib.float64), size, **kw)
    make = getattr(lib, f"sparse_{layout}_tensor")
    return make(lib.tensor(pointers), lib.tensor(plain), lib.tensor(values, dtype=lib.float64), size, **kw)


BLOCK = [[[1., 2.], [3., 4.]]]
CASES = {  # name: (layout, pointers, plain, values, size, checked only with the invariant checks on)
    "coo negative": ("coo", [[0, -1]], [1., 2.], None, (3,), False),
    "coo past the size": ("coo", [[0, 1], [0, 5]], [1., 2.], None, (3, 3), False),
    "coo false coalesced claim": ("coo", [[1, 0]], [1., 2.], "coalesced", (3,), True),
    "coo duplicate coalesced claim": ("coo", [[0, 0]], [1., 2.], "coalesced", (3,), True),
    "csr last pointer": ("csr", [0, 1, 3], [0, 1], [1., 2.], (2, 2), False),
    "csr first pointer": ("csr", [1, 1, 2], [0, 1], [1., 2.], (2, 2), False),
    "csr decreasing": ("csr", [0, 2, 1, 2], [0, 1], [1., 2.], (3, 3), False),
    "csr column past": ("csr", [0, 1, 2], [0, 5], [1., 2.], (2, 3), False),
    "csr negative column": ("csr", [0, 1, 2], [0, -1], [1., 2.], (2, 3), False),
    "csr pointer count": ("csr", [0, 1, 2], [0, 1], [1., 2.], (3, 3), False),
    "csr index count": ("csr", [0, 1, 2], [0, 1], [1., 2., 3.], (2, 3), False),
    "csr unsorted": ("csr", [0, 2, 2], [1, 0], [1., 2.], (2, 3), True),
    "csr duplicate": ("csr", [0, 2, 2], [1, 1], [1., 2.], (2, 3), True),
    "csc last pointer": ("csc", [0, 1, 3], [0, 1], [1., 2.], (2, 2), False),
    "csc decreasing": ("csc", [0, 2, 1, 2], [0, 1], [1., 2.], (3, 3), False),
    "csc row past": ("csc", [0, 1, 2, 2], [0, 5], [1., 2.], (2, 3), False),
    "csc pointer count": ("csc", [0, 1, 2], [0, 1], [1., 2.], (3, 3), False),
    "csc unsorted": ("csc", [0, 2, 2, 2], [1, 0], [1., 2.], (2, 3), True),
    "bsr last pointer": ("bsr", [0, 2], [0], BLOCK, (2, 2), False),
    "bsr column past": ("bsr", [0, 1], [3], BLOCK, (2, 4), False),
    "bsr size": ("bsr", [0, 1], [0], BLOCK, (3, 2), False),
    "bsc row past": ("bsc", [0, 1], [3], BLOCK, (4, 2), False),
    "bsc unsorted": ("bsc", [0, 2], [1, 0], BLOCK * 2, (4, 2), True),
}


def message(lib, case, **kw):
    layout, pointers, plain, values, size, _ = CASES[case]
    with pytest.raises(RuntimeError) as err:
        build(lib, layout, pointers, plain, values, size, **kw)
    return str(err.value)


@pytest.mark.parametrize("case", list(CASES))
def test_each_broken_invariant_raises_pytorchs_error(case):
    assert message(mytorch, case, check_invariants=True) == message(torch, case, check_invariants=True)


@pytest.mark.parametrize("case", [c for c, spec in CASES.items() if spec[-1]])
def test_the_optional_checks_follow_the_switch_and_the_argument(case):
    layout, pointers, plain, values, size, _ = CASES[case]
    for lib in LIBS:
        switch = lib.sparse.check_sparse_tensor_invariants
        assert not switch.is_enabled()
        build(lib, layout, pointers, plain, values, size)  # unchecked by default
        with switch():
            assert switch.is_enabled()
            with pytest.raises(RuntimeError):
                build(lib, layout, pointers, plain, values, size)
            build(lib, layout, pointers, plain, values, size, check_invariants=False)
        assert not switch.is_enabled()
        switch.enable()
        try:
            with pytest.raises(RuntimeError):
                build(lib, layout, pointers, plain, values, size)
            with switch(False):
                build(lib, layout, pointers, plain, values, size)
        finally:
            switch.disable()

        @switch()
        def construct():
            return build(lib, layout, pointers, plain, values, size)
        with pytest.raises(RuntimeError):
            construct()
        assert not switch.is_enabled()


def test_an_active_context_manager_refuses_to_nest():
    messages = []
    for lib in LIBS:
        c = lib.sparse.check_sparse_tensor_invariants()
        with c:
            with pytest.raises(RuntimeError) as err:
                with c:
                    pass
        messages.append(str(err.value))
        assert not lib.sparse.check_sparse_tensor_invariants.is_enabled()
    assert messages[0] == messages[1]


def test_valid_tensors_pass_the_checks():
    with mytorch.sparse.check_sparse_tensor_invariants():
        m = mytorch.sparse_csr_tensor(mytorch.tensor([0, 2, 3]), mytorch.tensor([0, 2, 1]),
                                      mytorch.tensor([1., 2., 3.]), (2, 3))
        c = mytorch.sparse_coo_tensor(mytorch.tensor([[0, 1]]), mytorch.tensor([1., 2.]), (2,), is_coalesced=True)
    assert m.to_dense().tolist() == [[1., 0., 2.], [0., 3., 0.]] and c.is_coalesced()
