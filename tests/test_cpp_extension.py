"""C++ extensions: a fused bias + GELU written in C++, compiled at run time, used as an op with autograd.

One extension is compiled for the whole module (a compile takes ~20 s on two cores) into a cache
folder of this test session; the tests then load it again from that cache, break it on purpose, and
train with it. The module runs on the cpp backend alone (its `backend` fixture overrides the suite's);
where that backend is missing its tests skip, and fail under CI.
"""
import os

import numpy as np
import pytest
import torch

import mytorch
import mytorch.nn.functional as F
from mytorch import backends
from mytorch.autograd.function import once_differentiable
from mytorch.utils import cpp_extension

BIAS_GELU = r"""
// y = gelu(x + b), gelu(z) = z * Phi(z), Phi(z) = (1 + erf(z / sqrt 2)) / 2 (the exact GELU).
// dy/dz = Phi(z) + z * phi(z), phi(z) = exp(-z^2 / 2) / sqrt(2 pi);  dx = g * dy/dz,  db = sum over rows.
#include <cmath>
#include <utility>

using mytorch::Array;
using mytorch::DType;

namespace {

// x: (..., n) and b: (n,), contiguous, both float32 or both float64
int64_t check(const char* op, const Array& x, const Array& b) {
  MYTORCH_CHECK(x.dtype() == b.dtype() && (x.dtype() == DType::Float32 || x.dtype() == DType::Float64),
                std::string(op) + ": expected float32 or float64 inputs of one dtype, got " +
                    mytorch::dtype_name(x.dtype()) + " and " + mytorch::dtype_name(b.dtype()));
  MYTORCH_CHECK(b.ndim() == 1 && x.ndim() >= 1 && x.shape().back() == b.shape()[0],
                std::string(op) + ": b must be 1-d with the size of x's last dim");
  MYTORCH_CHECK(x.is_contiguous() && b.is_contiguous(), std::string(op) + ": inputs must be contiguous");
  return b.shape()[0];
}

template <typename F> void floating(DType dt, F&& f) {
  if (dt == DType::Float32) f(float{}); else f(double{});
}

template <typename T> T cdf(T z) { return T(0.5) * (T(1) + std::erf(z * T(0.70710678118654752440))); }
template <typename T> T pdf(T z) { return std::exp(T(-0.5) * z * z) * T(0.39894228040143267794); }

}  // namespace

Array bias_gelu(const Array& x, const Array& b) {
  int64_t n = check("bias_gelu", x, b), rows = n ? x.numel() / n : 0;
  Array y(x.shape(), x.dtype());
  floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T *px = x.data<T>(), *pb = b.data<T>();
    T* py = y.data<T>();
    mytorch::parallel_for(rows, n, [&](int64_t r0, int64_t r1) {
      for (int64_t i = r0 * n; i < r1 * n; ++i) {
        T z = px[i] + pb[i % n];
        py[i] = z * cdf(z);
      }
    });
  });
  return y;
}

std::pair<Array, Array> bias_gelu_backward(const Array& g, const Array& x, const Array& b) {
  int64_t n = check("bias_gelu_backward", x, b), rows = n ? x.numel() / n : 0;
  MYTORCH_CHECK(g.shape() == x.shape() && g.dtype() == x.dtype() && g.is_contiguous(),
                "bias_gelu_backward: g must be a contiguous array of x's shape and dtype");
  Array gx(x.shape(), x.dtype()), gb({n}, x.dtype());
  floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T *pg = g.data<T>(), *px = x.data<T>(), *pb = b.data<T>();
    T *pgx = gx.data<T>(), *pgb = gb.data<T>();
    mytorch::parallel_for(rows, n, [&](int64_t r0, int64_t r1) {
      for (int64_t i = r0 * n; i < r1 * n; ++i) {
        T z = px[i] + pb[i % n];
        pgx[i] = pg[i] * (cdf(z) + z * pdf(z));
      }
    });
    for (int64_t j = 0; j < n; ++j) pgb[j] = T(0);
    for (int64_t r = 0; r < rows; ++r)  // db sums dx over the rows
      for (int64_t j = 0; j < n; ++j) pgb[j] += pgx[r * n + j];
  });
  return {gx, gb};
}
"""


@pytest.fixture(scope="module")
def backend():
    """C++ extensions take tensors of the cpp backend: this module runs on it alone (it overrides the
    suite's backend parametrization instead of skipping a numpy run)."""
    if "cpp" not in backends.available_backends():
        if os.environ.get("CI") == "true":
            pytest.fail("the cpp backend is not built, so C++ extensions cannot be tested (CI must build it)")
        pytest.skip("the cpp backend is not built here (no C++ compiler at install): no C++ extensions")
    default = backends.get_backend("cpu").name
    backends.set_cpu_backend("cpp")
    yield "cpp"
    backends.set_cpu_backend(default)


@pytest.fixture(scope="module")
def ext(backend, tmp_path_factory):
    root = tmp_path_factory.getbasetemp() / "extensions"  # one cache per session, shared by both loads
    return cpp_extension.load_inline("fused_ops", BIAS_GELU, functions=["bias_gelu", "bias_gelu_backward"],
                                     build_directory=str(root))


@pytest.fixture(scope="module")
def bias_gelu(ext):
    """The C++ kernels as an op: forward and backward both run C++."""
    @mytorch.library.custom_op("ext_test::bias_gelu", mutates_args=())
    def bias_gelu(x: mytorch.Tensor, b: mytorch.Tensor) -> mytorch.Tensor:
        return ext.bias_gelu(x.contiguous(), b.contiguous())

    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)

    @once_differentiable  # the C++ backward is not itself recorded: a second derivative raises
    def backward(ctx, g):
        x, b = ctx.saved_tensors
        return ext.bias_gelu_backward(g.contiguous(), x.contiguous(), b.contiguous())

    bias_gelu.register_autograd(backward, setup_context=setup_context)
    return bias_gelu


def test_include_paths_hold_the_headers():
    (root,) = cpp_extension.include_paths()
    assert os.path.isfile(os.path.join(root, "core", "array.h"))
    assert os.path.isfile(os.path.join(root, "extension", "extension.h"))


@pytest.mark.parametrize("dtype", [mytorch.float32, mytorch.float64])
def test_forward_and_backward_equal_torch(bias_gelu, dtype):
    rng = np.random.default_rng(0)
    x_np, b_np, g_np = rng.normal(size=(5, 7)), rng.normal(size=7), rng.normal(size=(5, 7))
    x = mytorch.tensor(x_np, dtype=dtype, requires_grad=True)
    b = mytorch.tensor(b_np, dtype=dtype, requires_grad=True)
    tx, tb = torch.tensor(x_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
    y, ty = bias_gelu(x.t().contiguous().t(), b), torch.nn.functional.gelu(tx + tb)
    y.backward(mytorch.tensor(g_np, dtype=dtype))
    ty.backward(torch.tensor(g_np))
    tol = 1e-6 if dtype is mytorch.float32 else 1e-12
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=10 * tol, atol=10 * tol)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=10 * tol, atol=10 * tol)


def test_gradcheck(bias_gelu):
    rng = np.random.default_rng(1)
    x = mytorch.tensor(rng.normal(size=(3, 4)), requires_grad=True)
    b = mytorch.tensor(rng.normal(size=4), requires_grad=True)
    assert mytorch.autograd.gradcheck(bias_gelu, (x, b))
    assert mytorch.autograd.gradcheck(lambda x: bias_gelu(x, b.detach()), (x,))  # only x requires grad


def test_training_follows_builtin_gelu(bias_gelu):
    """A tiny MLP trained with the C++ op has the losses of the same MLP with F.gelu(x + b)."""
    rng = np.random.default_rng(2)
    data, target = mytorch.tensor(rng.normal(size=(16, 4)), dtype=mytorch.float32), mytorch.tensor(
        rng.normal(size=(16, 1)), dtype=mytorch.float32)

    def run(act):
        mytorch.manual_seed(0)
        hidden, out = mytorch.nn.Linear(4, 8, bias=False), mytorch.nn.Linear(8, 1)
        b = mytorch.nn.Parameter(mytorch.randn(8) * 0.1)
        opt = mytorch.optim.SGD([*hidden.parameters(), *out.parameters(), b], lr=0.1)
        losses = []
        for _ in range(5):
            opt.zero_grad()
            loss = F.mse_loss(out(act(hidden(data), b)), target)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses

    ours, builtin = run(bias_gelu), run(lambda h, b: F.gelu(h + b))
    np.testing.assert_allclose(ours, builtin, rtol=1e-6, atol=1e-6)
    assert ours[-1] < ours[0]


def test_second_load_is_a_cache_hit(ext):
    builds, path = cpp_extension._BUILD_COUNT, ext.__file__
    mtime = os.stat(path).st_mtime_ns
    cpp_extension._loaded.clear()  # forget the module object: the next load must find the file on disk
    again = cpp_extension.load_inline("fused_ops", BIAS_GELU, functions=["bias_gelu", "bias_gelu_backward"],
                                      build_directory=os.path.dirname(os.path.dirname(path)))
    assert again.__file__ == path and os.stat(path).st_mtime_ns == mtime
    assert cpp_extension._BUILD_COUNT == builds


def test_kernel_errors_become_python_errors(ext):
    x = mytorch.ones(2, 3, dtype=mytorch.int64)
    with pytest.raises(RuntimeError, match="bias_gelu: expected float32 or float64 inputs of one dtype, got int64"):
        ext.bias_gelu(x, mytorch.ones(3, dtype=mytorch.int64))
    with pytest.raises(RuntimeError, match="b must be 1-d"):
        ext.bias_gelu(mytorch.ones(2, 3), mytorch.ones(4))
    with pytest.raises(TypeError):  # not an array: nanobind names the expected signature
        ext.bias_gelu(1.0, mytorch.ones(3))


def test_tensor_of_another_backend_is_refused(ext):
    backends.set_cpu_backend("numpy")
    x = mytorch.ones(2, 3)
    backends.set_cpu_backend("cpp")
    with pytest.raises(TypeError, match="bias_gelu\\(\\): a C\\+\\+ extension takes tensors of the 'cpp' "
                                        "backend, got one of the 'numpy' backend"):
        ext.bias_gelu(x, mytorch.ones(3))


def test_compiler_error_is_shown(ext, tmp_path):
    with pytest.raises(RuntimeError, match="Error building extension 'broken'") as info:
        cpp_extension.load_inline("broken", "int answer( { return 42; }", functions=["answer"],
                                  build_directory=str(tmp_path))
    assert "error" in str(info.value) and "answer" in str(info.value)  # the compiler's own diagnostic


def test_load_compiles_files_that_bind_themselves(ext, tmp_path):
    """`load` takes source files that define NB_MODULE(<name>, m) themselves (torch's PYBIND11_MODULE) and
    may include headers from their own folder."""
    (tmp_path / "scale_factor.h").write_text("inline double scale_factor(double s) { return s; }\n")
    src = tmp_path / "scale.cpp"
    src.write_text('#include "extension/extension.h"\n#include "scale_factor.h"  // found beside the source\n'
                   "mytorch::Array scaled(const mytorch::Array& x, double s) {\n"
                   "  MYTORCH_CHECK(x.dtype() == mytorch::DType::Float64 && x.is_contiguous(), \"scaled: float64\");\n"
                   "  mytorch::Array y(x.shape(), x.dtype());\n"
                   "  for (int64_t i = 0; i < x.numel(); ++i) y.data<double>()[i] = scale_factor(s) * x.data<double>()[i];\n"
                   "  return y;\n}\n"
                   'NB_MODULE(scale_ext, m) { m.def("scaled", &scaled, "s * x"); }\n')
    mod = cpp_extension.load("scale_ext", [str(src)], build_directory=str(tmp_path / "cache"))
    x = mytorch.arange(6, dtype=mytorch.float64).reshape(2, 3)
    y = mod.scaled(x, 2.5)
    assert isinstance(y, mytorch.Tensor) and y.shape == (2, 3)
    np.testing.assert_array_equal(y.numpy(), 2.5 * x.numpy())
    with pytest.raises(FileNotFoundError, match="missing.cpp"):
        cpp_extension.load("scale_ext", [str(tmp_path / "missing.cpp")])
