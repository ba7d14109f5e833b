#include "linalg/matmul.h"

#include <algorithm>
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

// The epilogue adding c (at most 2-D, broadcast to m x n) to every product; none when c is null.
template <typename T>
Epilogue<T> adding(const Array* c) {
  if (!c) return {};
  const Shape& shape = c->shape();
  const size_t nd = shape.size();
  const auto stride = [&](size_t d) { return d < nd && shape[nd - 1 - d] != 1 ? c->strides()[nd - 1 - d] : 0; };
  return {c->data<T>(), stride(1), stride(0)};
}

template <typename T>
void products(const Array& a, const Array& b, const Array& out, const Shape& batch, const Array* add) {
  const int64_t m = a.shape()[a.ndim() - 2], k = a.shape()[a.ndim() - 1], n = b.shape()[b.ndim() - 1];
  const int64_t a_rs = a.strides()[a.ndim() - 2], a_cs = a.strides()[a.ndim() - 1];
  const int64_t b_rs = b.strides()[b.ndim() - 2], b_cs = b.strides()[b.ndim() - 1];
  const int64_t count = numel_of(batch);
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* pc = out.data<T>();
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    const Epilogue<T> epilogue = adding<T>(add);
    int64_t a_bs = single_batch_stride(a, batch), b_bs = single_batch_stride(b, batch);
    if (a_bs >= 0 && b_bs >= 0) {
      // (..., m, k) @ (k, n): the whole batch is one tall product when a's batch and rows line up, and c
      // (repeated every m rows) is a row repeated for all of them, or none
      if (b_bs == 0 && count > 1 && a_bs == m * a_rs && epilogue.add_rs == 0) {
        gemm<T>(count * m, n, k, T(1), pa, a_rs, a_cs, pb, b_rs, b_cs, T(0), pc, n, 1, epilogue);
        return;
      }
      gemm_batched<T>(count, m, n, k, T(1), pa, a_bs, a_rs, a_cs, pb, b_bs, b_rs, b_cs, T(0), pc, m * n, n, 1,
                      epilogue);
      return;
    }
    for (int64_t i = 0; i < count; ++i) {
      gemm<T>(m, n, k, T(1), pa + batch_offset(a, batch, i), a_rs, a_cs, pb + batch_offset(b, batch, i), b_rs, b_cs,
              T(0), pc + i * m * n, n, 1, epilogue);
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

// matmul(a, b), plus c (see matmul_add) when it is not null.
Array product(const Array& a_in, const Array& b_in, const Array* add) {
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
  Array c = add ? *add : Array();
  if (half) {  // products of half types accumulate in float32, as PyTorch's CPU kernels do
    a = cast(a, DType::Float32);
    b = cast(b, DType::Float32);
    if (add) c = cast(c, DType::Float32);
  }
  Array out(out_shape, a.dtype());
  if (out.numel() > 0) {
    dispatch(a.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (!std::is_same_v<T, Half> && !std::is_same_v<T, BFloat16>)
        products<T>(a, b, out, batch, add ? &c : nullptr);
    });
  }
  if (half) out = cast(out, dt);
  Shape result = batch;
  if (a_in.ndim() > 1) result.push_back(m);
  if (b_in.ndim() > 1) result.push_back(n);
  return out.view(result, contiguous_strides(result), 0);
}

}  // namespace

Array matmul(const Array& a, const Array& b) { return product(a, b, nullptr); }

Array matmul_add(const Array& a, const Array& b, const Array& c) {
  // The GEMM adds c when it is a float matrix of a's dtype, broadcast without growing the result:
  // (n), (1, n), (m, 1), (m, n) or a scalar, against a right operand that is a matrix.
  const DType dt = a.dtype();
  const bool gemm_type = dt == DType::Float32 || dt == DType::Float64 || dt == DType::Float16 || dt == DType::BFloat16;
  const int64_t m = a.ndim() > 1 ? a.shape()[a.ndim() - 2] : 1, n = b.ndim() > 1 ? b.shape()[b.ndim() - 1] : 0;
  const Shape& cs = c.shape();
  const bool fits = b.ndim() > 1 && cs.size() <= std::min<size_t>(2, a.ndim()) &&
                    (cs.empty() || cs.back() == 1 || cs.back() == n) &&
                    (cs.size() < 2 || cs.front() == 1 || cs.front() == m);
  if (gemm_type && c.dtype() == dt && b.dtype() == dt && fits) return product(a, b, &c);
  return binary(BinaryOp::add, matmul(a, b), c);
}

}  // namespace mytorch
