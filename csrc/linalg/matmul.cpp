#include "linalg/matmul.h"

#include <stdexcept>
#include <string>
#include <type_traits>

#include "core/errors.h"
#include "core/views.h"
#include "elementwise/elementwise.h"
#include "gemm/gemm.h"

namespace mytorch {
namespace {

// The batch dims of an operand, broadcast to `batch`, as one stride if they can be walked as one dim
// (row-major over the batch index); -1 when they cannot (then each product is addressed separately).
int64_t single_batch_stride(const Array& x, const Shape& batch) {
  size_t lead = batch.size() - (x.shape().size() - 2);
  int64_t stride = 0, span = 0;  // stride of the innermost non-1 batch dim; its stride times its size
  bool seen = false;
  for (size_t d = batch.size(); d-- > 0;) {
    if (batch[d] == 1) continue;
    int64_t s = (d < lead || x.shape()[d - lead] == 1) ? 0 : x.strides()[d - lead];
    if (!seen) {
      stride = s;
      seen = true;
    } else if (s != span) {
      return -1;
    }
    span = s * batch[d];
  }
  return stride;
}

// Element offset of batch entry i (row-major over `batch`) in an operand broadcast to it.
int64_t batch_offset(const Array& x, const Shape& batch, int64_t i) {
  size_t lead = batch.size() - (x.shape().size() - 2);
  int64_t offset = 0;
  for (size_t d = batch.size(); d-- > 0;) {
    int64_t index = i % batch[d];
    i /= batch[d];
    if (d >= lead && x.shape()[d - lead] != 1) offset += index * x.strides()[d - lead];
  }
  return offset;
}

template <typename T>
void products(const Array& a, const Array& b, const Array& out, const Shape& batch) {
  const int64_t m = a.shape()[a.ndim() - 2], k = a.shape()[a.ndim() - 1], n = b.shape()[b.ndim() - 1];
  const int64_t a_rs = a.strides()[a.ndim() - 2], a_cs = a.strides()[a.ndim() - 1];
  const int64_t b_rs = b.strides()[b.ndim() - 2], b_cs = b.strides()[b.ndim() - 1];
  const int64_t count = numel_of(batch);
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* pc = out.data<T>();
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    int64_t a_bs = single_batch_stride(a, batch), b_bs = single_batch_stride(b, batch);
    if (a_bs >= 0 && b_bs >= 0) {
      // (..., m, k) @ (k, n): the whole batch is one tall product when a's batch and rows line up
      if (b_bs == 0 && count > 1 && a_bs == m * a_rs) {
        gemm<T>(count * m, n, k, T(1), pa, a_rs, a_cs, pb, b_rs, b_cs, T(0), pc, n, 1);
      } else {
        gemm_batched<T>(count, m, n, k, T(1), pa, a_bs, a_rs, a_cs, pb, b_bs, b_rs, b_cs, T(0), pc, m * n, n, 1);
      }
      return;
    }
    for (int64_t i = 0; i < count; ++i) {
      gemm<T>(m, n, k, T(1), pa + batch_offset(a, batch, i), a_rs, a_cs, pb + batch_offset(b, batch, i), b_rs, b_cs,
              T(0), pc + i * m * n, n, 1);
    }
  } else {
    using Acc = std::conditional_t<std::is_same_v<T, bool>, bool, int64_t>;
    for (int64_t i = 0; i < count; ++i) {
      const T* x = pa + batch_offset(a, batch, i);
      const T* y = pb + batch_offset(b, batch, i);
      T* z = pc + i * m * n;
      for (int64_t r = 0; r < m; ++r) {
        for (int64_t c = 0; c < n; ++c) {
          Acc sum = 0;
          for (int64_t p = 0; p < k; ++p) sum = sum + Acc(x[r * a_rs + p * a_cs]) * Acc(y[p * b_rs + c * b_cs]);
          z[r * n + c] = static_cast<T>(sum);
        }
      }
    }
  }
}

// The real (part 0) or imaginary (part 1) parts of a complex array: a real view of its storage, whose
// elements are (real, imag) pairs, so every stride and the offset double.
Array part(const Array& z, int64_t which) {
  Strides strides = z.strides();
  for (int64_t& s : strides) s *= 2;
  const DType real = z.dtype() == DType::Complex64 ? DType::Float32 : DType::Float64;
  return Array(z.storage(), real, z.shape(), strides, 2 * z.offset() + which);
}

// A complex product as four real ones on our GEMM (the parts are strided views, no copies):
//   (Ar + i Ai)(Br + i Bi) = (Ar Br - Ai Bi) + i (Ar Bi + Ai Br)
Array complex_matmul(const Array& a, const Array& b) {
  const Array ar = part(a, 0), ai = part(a, 1), br = part(b, 0), bi = part(b, 1);
  const Array rr = matmul(ar, br), ii = matmul(ai, bi), ri = matmul(ar, bi), ir = matmul(ai, br);
  Array out(rr.shape(), a.dtype());
  binary_into(BinaryOp::sub, part(out, 0), rr, ii);
  binary_into(BinaryOp::add, part(out, 1), ri, ir);
  return out;
}

std::string shape_string(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

}  // namespace

Array matmul(const Array& a_in, const Array& b_in) {
  if (a_in.dtype() != b_in.dtype()) {
    throw TypeError(std::string("matmul(): operands must have one dtype, got ") + dtype_name(a_in.dtype()) + " and " +
                    dtype_name(b_in.dtype()));
  }
  if (a_in.ndim() == 0 || b_in.ndim() == 0) throw std::invalid_argument("matmul(): both operands need at least 1 dim");
  if (is_complex(a_in.dtype())) return complex_matmul(a_in, b_in);
  // vectors become matrices, and the added dim is dropped at the end
  Array a = a_in.ndim() == 1 ? unsqueeze(a_in, 0) : a_in;
  Array b = b_in.ndim() == 1 ? unsqueeze(b_in, 1) : b_in;
  const int64_t m = a.shape()[a.ndim() - 2], k = a.shape()[a.ndim() - 1];
  const int64_t k2 = b.shape()[b.ndim() - 2], n = b.shape()[b.ndim() - 1];
  if (k != k2) {
    throw std::invalid_argument("matmul(): shapes " + shape_string(a_in.shape()) + " and " +
                                shape_string(b_in.shape()) + " cannot be multiplied (" + std::to_string(k) +
                                " != " + std::to_string(k2) + ")");
  }
  Shape batch = broadcast_shape(Shape(a.shape().begin(), a.shape().end() - 2),
                                Shape(b.shape().begin(), b.shape().end() - 2));
  Shape out_shape = batch;
  out_shape.push_back(m);
  out_shape.push_back(n);
  const DType dt = a.dtype();
  const bool half = dt == DType::Float16 || dt == DType::BFloat16;
  if (half) {  // products of half types accumulate in float32, as PyTorch's CPU kernels do
    a = cast(a, DType::Float32);
    b = cast(b, DType::Float32);
  }
  Array out(out_shape, a.dtype());
  if (out.numel() > 0) {
    dispatch(a.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (!std::is_same_v<T, Half> && !std::is_same_v<T, BFloat16>) products<T>(a, b, out, batch);
    });
  }
  if (half) out = cast(out, dt);
  Shape result = batch;
  if (a_in.ndim() > 1) result.push_back(m);
  if (b_in.ndim() > 1) result.push_back(n);
  return out.view(result, contiguous_strides(result), 0);
}

}  // namespace mytorch
