"""PyTorch's ``torch.backends`` flag modules in `mytorch.backends`: defaults, types and behaviour vs torch.

Every check runs the same code on ``torch.backends.X`` and ``mytorch.backends.X``.
The flags are process-wide in both frameworks, so each test ends by putting
PyTorch's defaults back.
"""
import warnings

import pytest
import torch
import torch.backends.cuda
import torch.backends.cudnn
import torch.backends.mkldnn
import torch.backends.mps
import torch.backends.openmp

import mytorch
import mytorch.backends.cuda
import mytorch.backends.cudnn
import mytorch.backends.mkldnn
import mytorch.backends.mps
import mytorch.backends.openmp
from helpers import raises_like


def _reset(T) -> None:
    """PyTorch's defaults (test_defaults_match_torch checks they are)."""
    for name, value in (("enabled", True), ("benchmark", False), ("deterministic", False), ("allow_tf32", True)):
        setattr(T.backends.cudnn, name, value)
    T.backends.mkldnn.enabled, T.backends.mkldnn.deterministic = True, False
    matmul = T.backends.cuda.matmul
    matmul.allow_tf32 = False
    matmul.allow_fp16_reduced_precision_reduction = matmul.allow_bf16_reduced_precision_reduction = True
    for enable in ("flash", "mem_efficient", "math", "cudnn"):
        getattr(T.backends.cuda, f"enable_{enable}_sdp")(True)


@pytest.fixture(autouse=True)
def _pytorch_defaults_after():
    # PyTorch's test databases (torch.testing._internal, imported by other test modules) call
    # torch.backends.disable_global_flags(); these tests set torch's flags beside ours, so allow it again
    torch.backends.flags_frozen.__globals__["__allow_nonbracketed_mutation_flag"] = True
    yield
    for T in (torch, mytorch):
        _reset(T)


# ---- defaults -------------------------------------------------------------------------------------------------

DEFAULTS = {
    "cudnn.enabled": lambda T: T.backends.cudnn.enabled,
    "cudnn.benchmark": lambda T: T.backends.cudnn.benchmark,
    "cudnn.deterministic": lambda T: T.backends.cudnn.deterministic,
    "cudnn.allow_tf32": lambda T: T.backends.cudnn.allow_tf32,
    "cudnn.benchmark_limit": lambda T: T.backends.cudnn.benchmark_limit,
    "cudnn.is_available()": lambda T: T.backends.cudnn.is_available(),
    "cudnn.version()": lambda T: T.backends.cudnn.version(),
    "cudnn.is_acceptable(cpu tensor)": lambda T: T.backends.cudnn.is_acceptable(T.zeros(2)),
    "cuda.is_built()": lambda T: T.backends.cuda.is_built(),
    "cuda.matmul.allow_tf32": lambda T: T.backends.cuda.matmul.allow_tf32,
    "cuda.matmul.allow_fp16_reduced_precision_reduction":
        lambda T: T.backends.cuda.matmul.allow_fp16_reduced_precision_reduction,
    "cuda.matmul.allow_fp16_reduced_precision_reduction_split_k":
        lambda T: T.backends.cuda.matmul.allow_fp16_reduced_precision_reduction_split_k,
    "cuda.matmul.allow_bf16_reduced_precision_reduction":
        lambda T: T.backends.cuda.matmul.allow_bf16_reduced_precision_reduction,
    "cuda.matmul.allow_bf16_reduced_precision_reduction_split_k":
        lambda T: T.backends.cuda.matmul.allow_bf16_reduced_precision_reduction_split_k,
    "cuda.flash_sdp_enabled()": lambda T: T.backends.cuda.flash_sdp_enabled(),
    "cuda.mem_efficient_sdp_enabled()": lambda T: T.backends.cuda.mem_efficient_sdp_enabled(),
    "cuda.math_sdp_enabled()": lambda T: T.backends.cuda.math_sdp_enabled(),
    "cuda.cudnn_sdp_enabled()": lambda T: T.backends.cuda.cudnn_sdp_enabled(),
    "mps.is_available()": lambda T: T.backends.mps.is_available(),
    "mps.is_built()": lambda T: T.backends.mps.is_built(),
    "mkldnn.enabled": lambda T: T.backends.mkldnn.enabled,
    "mkldnn.deterministic": lambda T: T.backends.mkldnn.deterministic,
}


@pytest.mark.parametrize("name", DEFAULTS)
def test_defaults_match_torch(name):
    ours, theirs = DEFAULTS[name](mytorch), DEFAULTS[name](torch)
    assert ours == theirs and type(ours) is type(theirs), (ours, theirs)


def test_mkldnn_is_not_available():
    """PyTorch's x86 wheels have oneDNN; mytorch does not use it, and says so."""
    assert mytorch.backends.mkldnn.is_available() is False


def test_openmp_means_the_compiled_backend(monkeypatch):
    assert mytorch.backends.openmp.is_available() is ("cpp" in mytorch.backends.available_backends())
    monkeypatch.setattr(mytorch.backends, "available_backends", lambda device_type="cpu": ["numpy", "cpp"])
    assert mytorch.backends.openmp.is_available() is True  # read at call time
    monkeypatch.setattr(mytorch.backends, "available_backends", lambda device_type="cpu": ["numpy"])
    assert mytorch.backends.openmp.is_available() is False


def test_cuda_and_mps_are_built_when_a_backend_is_registered(monkeypatch):
    registered = {"cpu": ["numpy"], "cuda": ["fake"], "mps": ["fake"]}
    monkeypatch.setattr(mytorch.backends, "available_backends", lambda device_type="cpu": registered[device_type])
    assert mytorch.backends.cuda.is_built() and mytorch.backends.mps.is_built()
    assert mytorch.backends.mps.is_available()


# ---- setting and reading --------------------------------------------------------------------------------------

BOOL_FLAGS = [("cudnn", "enabled"), ("cudnn", "benchmark"), ("cudnn", "deterministic"), ("cudnn", "allow_tf32"),
              ("mkldnn", "enabled"), ("mkldnn", "deterministic"), ("cuda.matmul", "allow_tf32")]


def _owner(T, path: str):
    obj = T.backends
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


@pytest.mark.parametrize("path, name", BOOL_FLAGS)
def test_set_and_read_back(path, name):
    for T in (torch, mytorch):
        owner = _owner(T, path)
        for value in (True, False, True):
            setattr(owner, name, value)
            assert getattr(owner, name) is value


@pytest.mark.parametrize("value", [1, 0, None, "yes"])
@pytest.mark.parametrize("path, name", BOOL_FLAGS)
def test_flags_take_only_bools(path, name, value):
    e = raises_like(lambda T: setattr(_owner(T, path), name, value))
    assert "expects a bool" in str(e)
    assert getattr(_owner(mytorch, path), name) == getattr(_owner(torch, path), name)  # unchanged


def test_first_lines_of_a_training_script():
    mytorch.backends.cudnn.benchmark = True
    mytorch.backends.cudnn.deterministic = False
    mytorch.backends.cuda.matmul.allow_tf32 = True
    mytorch.backends.cudnn.allow_tf32 = True
    assert mytorch.backends.cudnn.benchmark and mytorch.backends.cuda.matmul.allow_tf32


@pytest.mark.parametrize("value", [
    (False,), (False, False), (False, True), [True], False, True, (True, True),
])
def test_reduced_precision_reduction_forms(value):
    for which in ("fp16", "bf16"):
        name = f"allow_{which}_reduced_precision_reduction"
        read = []
        for T in (torch, mytorch):
            matmul = T.backends.cuda.matmul
            setattr(matmul, name, value)
            read.append((getattr(matmul, name), getattr(matmul, name + "_split_k")))
        assert read[0] == read[1]


@pytest.mark.parametrize("value", [1, (), (True, 1), (1,), (True, True, True), (True, False), "x"])
def test_reduced_precision_reduction_errors(value):
    raises_like(lambda T: setattr(T.backends.cuda.matmul, "allow_fp16_reduced_precision_reduction", value))


def test_matmul_has_no_other_attributes():
    raises_like(lambda T: T.backends.cuda.matmul.allow_everything)
    raises_like(lambda T: setattr(T.backends.cuda.matmul, "allow_everything", True))
    raises_like(lambda T: setattr(T.backends.cuda.matmul, "allow_fp16_reduced_precision_reduction_split_k", True))


@pytest.mark.parametrize("kernel", ["flash", "mem_efficient", "math", "cudnn"])
def test_sdp_switches(kernel):
    for T in (torch, mytorch):
        enable, enabled = (getattr(T.backends.cuda, f"enable_{kernel}_sdp"),
                           getattr(T.backends.cuda, f"{kernel}_sdp_enabled"))
        enable(False)
        assert enabled() is False
        enable(True)
        assert enabled() is True
    raises_like(lambda T: getattr(T.backends.cuda, f"enable_{kernel}_sdp")(1))


# ---- context managers -----------------------------------------------------------------------------------------

CUDNN_FLAGS = ("enabled", "benchmark", "deterministic", "allow_tf32")


def _cudnn(T) -> tuple:
    return tuple(getattr(T.backends.cudnn, name) for name in CUDNN_FLAGS)


@pytest.mark.parametrize("kwargs", [{}, {"enabled": True, "benchmark": True}, {"deterministic": True},
                                    {"enabled": True, "allow_tf32": False, "benchmark_limit": 3}])
def test_cudnn_flags_context(kwargs):
    seen = {}
    for T in (torch, mytorch):
        T.backends.cudnn.benchmark = True
        before = _cudnn(T)
        with T.backends.cudnn.flags(**kwargs):
            inside = _cudnn(T)
        seen[T] = (before, inside, _cudnn(T))
        assert seen[T][2] == before
    assert seen[torch] == seen[mytorch]


def test_cudnn_flags_restore_after_an_exception():
    before = _cudnn(mytorch)
    with pytest.raises(ZeroDivisionError):
        with mytorch.backends.cudnn.flags(enabled=True, benchmark=True, deterministic=True):
            1 / 0
    assert _cudnn(mytorch) == before


def test_cudnn_flags_reject_non_bools_and_change_nothing():
    def enter(T):
        with T.backends.cudnn.flags(enabled=True, benchmark=1):
            pass
    before = _cudnn(mytorch)
    raises_like(enter)
    assert _cudnn(mytorch) == before


@pytest.mark.filterwarnings("ignore:TF32 acceleration on top of oneDNN")  # torch's flags() sets allow_tf32 too
def test_mkldnn_flags_context():
    for T in (torch, mytorch):
        mkldnn = T.backends.mkldnn
        with mkldnn.flags():
            assert (mkldnn.enabled, mkldnn.deterministic) == (False, False)
        with mkldnn.flags(enabled=True, deterministic=True):
            assert (mkldnn.enabled, mkldnn.deterministic) == (True, True)
        assert (mkldnn.enabled, mkldnn.deterministic) == (True, False)


def test_sdp_kernel_context_warns_and_restores():
    states = {}
    for T in (torch, mytorch):
        cuda = T.backends.cuda
        read = lambda: (cuda.flash_sdp_enabled(), cuda.mem_efficient_sdp_enabled(), cuda.math_sdp_enabled(),
                        cuda.cudnn_sdp_enabled())
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with cuda.sdp_kernel(enable_flash=False, enable_mem_efficient=False):
                inside = read()
        assert [w.category for w in caught] == [FutureWarning]
        states[T] = (inside, read())
    assert states[torch] == states[mytorch] == ((False, False, True, True), (True, True, True, True))
