// Convolutions as im2col + GEMM, one image at a time (see conv.h); the forward and backward of most 1- and
// 2-d float convolutions read the image (or the gradient) in place instead (direct.cpp).
//
// Per image the columns are a (C * K, L) matrix, channel-major, so the rows of group g are one block
// and every product reads and writes in place: forward is W_g (O/G, C/G*K) @ cols_g, written straight
// into y[n] (N, O, *out) with its strides; backward in x is W_g^T @ g_n, then col2im; backward in w
// accumulates g_n @ cols_g^T over the images. The small convolutions of LeNet and ResNet blocks are
// too small for the GEMM to split, so the images are split over threads instead (the GEMM stays on
// its thread inside a parallel region); one large image alone leaves the threads to the GEMM.
#include <memory>
#include <stdexcept>
#include <type_traits>

#include "conv/direct.h"
#include "conv/windows.h"
#include "core/errors.h"
#include "core/parallel.h"
#include "elementwise/elementwise.h"
#include "gemm/gemm.h"

namespace mytorch {
namespace {

// The sizes of one convolution.
struct Dims {
  int64_t n, c, o, groups;
  int64_t cg() const { return c / groups; }
  int64_t og() const { return o / groups; }
};

Array contiguous(const Array& a) { return a.is_contiguous() ? a : contiguous_copy(a); }

// A scratch buffer of n elements, left uninitialised (every use writes it before reading).
template <typename T> std::unique_ptr<T[]> scratch(int64_t n) { return std::unique_ptr<T[]>(new T[n]); }

Shape spatial_of(const Array& a) { return Shape(a.shape().begin() + 2, a.shape().end()); }

// Checks what every convolution needs of its two operands: one dtype, (N or O, channels,
// *spatial) shapes with equal rank >= 3, and channel counts divisible by groups.
void check_operands(const char* op, const Array& a, const char* a_name, const Array& b, const char* b_name,
                    int64_t groups) {
  if (a.dtype() != b.dtype()) {
    throw TypeError(std::string(op) + "(): expected " + a_name + " and " + b_name + " of one dtype, got " +
                    dtype_name(a.dtype()) + " and " + dtype_name(b.dtype()));
  }
  if (a.ndim() < 3 || a.ndim() != b.ndim() || groups < 1) {
    throw std::invalid_argument(std::string(op) + "(): expected " + a_name + " and " + b_name +
                                " of one rank >= 3 and groups >= 1, got shapes " + shape_str(a.shape()) + " and " +
                                shape_str(b.shape()) + ", groups " + std::to_string(groups));
  }
}

void check_dims(const char* op, const Dims& d, int64_t w_channels, const Shape& x_shape, const Shape& w_shape) {
  if (d.c % d.groups != 0 || d.o % d.groups != 0 || w_channels != d.c / d.groups) {
    throw std::invalid_argument(std::string(op) + "(): input " + shape_str(x_shape) + " and weight " +
                                shape_str(w_shape) + " do not fit " + std::to_string(d.groups) + " groups");
  }
}

void check_out(const char* op, const Windows& w, const Array& g) {
  if (spatial_of(g) != w.out) {
    throw std::invalid_argument(std::string(op) + "(): gradient " + shape_str(g.shape()) + " does not match the " +
                                shape_str(w.out) + " outputs of the convolution");
  }
}

// Half types widen to float32 for the GEMM and round once at the end, as PyTorch's CPU kernels do.
bool is_half(DType dt) { return dt == DType::Float16 || dt == DType::BFloat16; }
Array widened(const Array& a) { return is_half(a.dtype()) ? cast(a, DType::Float32) : contiguous(a); }

// Calls f(T{}) with T the C++ type of the (widened) operands: never a half type.
template <typename F> void dispatch_wide(DType dt, F&& f) {
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, Half> && !std::is_same_v<T, BFloat16>) f(tag);
  });
}

// gemm<T> for float and double; integer (and bool) convolutions, which PyTorch also runs, take a plain
// loop that sums in int64 and wraps on the store, as integer matmul does.
template <typename T>
void product(int64_t m, int64_t n, int64_t k, const T* a, int64_t a_rs, int64_t a_cs, const T* b, int64_t b_rs,
             int64_t b_cs, bool accumulate, T* c, int64_t c_rs, int64_t c_cs) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    gemm<T>(m, n, k, T(1), a, a_rs, a_cs, b, b_rs, b_cs, accumulate ? T(1) : T(0), c, c_rs, c_cs);
  } else {
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        int64_t sum = accumulate ? int64_t(c[i * c_rs + j * c_cs]) : 0;
        for (int64_t p = 0; p < k; ++p) sum += int64_t(a[i * a_rs + p * a_cs]) * int64_t(b[p * b_rs + j * b_cs]);
        c[i * c_rs + j * c_cs] = static_cast<T>(sum);
      }
    }
  }
}

// The columns (C * K, L) of image n: im2col into `buffer`, or, for a pointwise convolution (1x1, stride 1, no
// padding), the image itself (C, L), whose copy would cost as much as the product's own reads of it.
template <typename T>
const T* columns(const Windows& win, const Dims& d, const T* x, int64_t n, T* buffer) {
  const T* image = x + n * d.c * win.plane;
  if (win.identity) return image;
  for (int64_t c = 0; c < d.c; ++c) im2col_plane<T>(win, image + c * win.plane, buffer + c * win.k * win.l, T(0));
  return buffer;
}

template <typename T>
void forward(const Windows& win, const Dims& d, const Shape& stride, const Pads& padding, const Shape& dilation,
             const T* x, const T* w, T* y) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    if (!win.identity && direct_forward<T>(win, d.n, d.c, d.o, d.groups, stride, padding, dilation, x, w, y)) return;
  }
  const int64_t rows = d.cg() * win.k;
  parallel_for(d.n, d.o * rows * win.l, [&](int64_t begin, int64_t end) {
    auto buffer = scratch<T>(win.identity ? 0 : d.c * win.k * win.l);
    for (int64_t n = begin; n < end; ++n) {
      const T* cols = columns(win, d, x, n, buffer.get());
      for (int64_t g = 0; g < d.groups; ++g) {
        product<T>(d.og(), win.l, rows, w + g * d.og() * rows, rows, 1, cols + g * rows * win.l, win.l, 1,
                   false, y + (n * d.o + g * d.og()) * win.l, win.l, 1);
      }
    }
  });
}

// Where direct.cpp does not take it, backward in x of a stride-1 convolution is itself a stride-1
// convolution, of the gradient:
//   dx[c, q] = sum_{o, i} w[o, c, i] g[o, q - i d + pb] = sum_{o, j} w'[c, o, j] g[o, q + j d - pb']
// with j = K-1-i, w'[c, o, j] = w[o, c, K-1-j] (the kernel flipped, in and out channels swapped within each
// group) and pb' = d (k-1) - pb. Run as `forward`, that is one im2col of g and a GEMM of depth O/G * K
// writing dx directly, where the general path below is a GEMM of depth O/G only (it mostly stores its
// C * K x L columns) followed by col2im's scatter-add of them: at ResNet's 3x3 shapes on 28x28 and 14x14
// maps, 16 and 32 channels, 10-20% less time.
bool adjoint_is_convolution(const Shape& stride, const Pads& padding, const Shape& dilation, const Shape& kernel) {
  for (size_t i = 0; i < stride.size(); ++i)
    if (stride[i] != 1 || padding[i].first < 0 || padding[i].first > dilation[i] * (kernel[i] - 1)) return false;
  return true;
}

// w' of the comment above, (C, O/G, *kernel) from w (O, C/G, *kernel): reversing the flat kernel index
// flips every kernel dim at once.
template <typename T>
std::unique_ptr<T[]> flipped_transposed(const Dims& d, int64_t k, const T* w) {
  auto out = scratch<T>(d.c * d.og() * k);
  for (int64_t g = 0; g < d.groups; ++g)
    for (int64_t o = 0; o < d.og(); ++o)
      for (int64_t c = 0; c < d.cg(); ++c) {
        const T* src = w + ((g * d.og() + o) * d.cg() + c) * k;
        T* dst = out.get() + ((g * d.cg() + c) * d.og() + o) * k;
        for (int64_t i = 0; i < k; ++i) dst[k - 1 - i] = src[i];
      }
  return out;
}

template <typename T>
void backward_input(const Windows& win, const Dims& d, const T* grad, const T* w, T* dx) {
  const int64_t rows = d.cg() * win.k, kl = win.k * win.l;
  parallel_for(d.n, d.o * rows * win.l, [&](int64_t begin, int64_t end) {
    auto cols = scratch<T>(d.c * kl);
    for (int64_t n = begin; n < end; ++n) {
      for (int64_t g = 0; g < d.groups; ++g) {  // cols_g = W_g^T @ grad_g (W_g read transposed in place)
        product<T>(rows, win.l, d.og(), w + g * d.og() * rows, 1, rows, grad + (n * d.o + g * d.og()) * win.l,
                   win.l, 1, false, cols.get() + g * rows * win.l, win.l, 1);
      }
      T* img = dx + n * d.c * win.plane;
      std::fill(img, img + d.c * win.plane, T(0));
      for (int64_t c = 0; c < d.c; ++c) col2im_plane<T>(win, cols.get() + c * kl, img + c * win.plane);
    }
  });
}

template <typename T>
void backward_weight(const Windows& win, const Dims& d, const Shape& stride, const Pads& padding,
                     const Shape& dilation, const T* x, const T* grad, T* dw) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    if (!win.identity && direct_backward_weight<T>(win, d.n, d.c, d.o, d.groups, stride, padding, dilation, x, grad, dw))
      return;
  }
  const int64_t rows = d.cg() * win.k, size = d.o * rows;
  // Each thread sums its images into dW_g^T (C/G * K, O/G) = sum_n cols_g @ grad_g^T: that product reads the
  // columns in place and packs only the gradient (O/G x L), where dW_g = grad_g @ cols_g^T would pack all of
  // cols_g transposed, K times as much, for every image (measured: 7-10% of the time at 16 and 32 channels
  // on 28x28 and 14x14 maps). The thread's sum is then written transposed into a partial of its own
  // (thread 0's into dw), and the partials are added up at the end.
  std::vector<std::unique_ptr<T[]>> partials(num_threads());
  std::vector<char> used(partials.size(), 0);
  parallel_for(d.n, d.o * rows * win.l, [&](int64_t begin, int64_t end) {
    const int t = omp_get_thread_num();
    if (t > 0) partials[t] = scratch<T>(size);
    T* acc = t > 0 ? partials[t].get() : dw;
    used[t] = 1;
    auto buffer = scratch<T>(win.identity ? 0 : d.c * win.k * win.l);
    auto acc_t = scratch<T>(size);  // per group g, dW_g^T at acc_t + g * rows * O/G
    for (int64_t n = begin; n < end; ++n) {
      const T* cols = columns(win, d, x, n, buffer.get());
      for (int64_t g = 0; g < d.groups; ++g) {  // grad_g^T read in place as a transposed view
        product<T>(rows, d.og(), win.l, cols + g * rows * win.l, win.l, 1, grad + (n * d.o + g * d.og()) * win.l,
                   1, win.l, n != begin, acc_t.get() + g * rows * d.og(), d.og(), 1);
      }
    }
    for (int64_t g = 0; g < d.groups; ++g)
      for (int64_t o = 0; o < d.og(); ++o)
        for (int64_t r = 0; r < rows; ++r) acc[(g * d.og() + o) * rows + r] = acc_t[(g * rows + r) * d.og() + o];
  });
  if (!used[0]) std::fill(dw, dw + size, T(0));  // no images: dw is zero
  for (size_t t = 1; t < partials.size(); ++t) {
    if (!used[t]) continue;
    const T* p = partials[t].get();
    for (int64_t i = 0; i < size; ++i) dw[i] = static_cast<T>(dw[i] + p[i]);
  }
}

}  // namespace

Array conv(const Array& x_in, const Array& w_in, const Shape& stride, const Pads& padding, const Shape& dilation,
           int64_t groups) {
  check_operands("conv", x_in, "input", w_in, "weight", groups);
  const Dims d{x_in.shape()[0], x_in.shape()[1], w_in.shape()[0], groups};
  check_dims("conv", d, w_in.shape()[1], x_in.shape(), w_in.shape());
  const Windows win = make_windows("conv", spatial_of(x_in), spatial_of(w_in), stride, padding, dilation);
  const Array x = widened(x_in), w = widened(w_in);
  Shape shape{d.n, d.o};
  shape.insert(shape.end(), win.out.begin(), win.out.end());
  Array y(shape, x.dtype());
  if (y.numel() > 0) {
    dispatch_wide(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      forward<T>(win, d, stride, padding, dilation, x.data<T>(), w.data<T>(), y.data<T>());
    });
  }
  return is_half(x_in.dtype()) ? cast(y, x_in.dtype()) : y;
}

Array conv_backward_input(const Array& g_in, const Array& w_in, const Shape& spatial, const Shape& stride,
                          const Pads& padding, const Shape& dilation, int64_t groups) {
  check_operands("conv_backward_input", g_in, "gradient", w_in, "weight", groups);
  const Dims d{g_in.shape()[0], w_in.shape()[1] * groups, w_in.shape()[0], groups};
  if (g_in.shape()[1] != d.o || d.o % groups != 0) {
    throw std::invalid_argument("conv_backward_input(): gradient " + shape_str(g_in.shape()) + " and weight " +
                                shape_str(w_in.shape()) + " do not fit " + std::to_string(groups) + " groups");
  }
  const Windows win = make_windows("conv_backward_input", spatial, spatial_of(w_in), stride, padding, dilation);
  check_out("conv_backward_input", win, g_in);
  const Array g = widened(g_in), w = widened(w_in);
  Shape shape{d.n, d.c};
  shape.insert(shape.end(), spatial.begin(), spatial.end());
  Array dx(shape, g.dtype());
  if (dx.numel() > 0) {
    const bool as_conv = adjoint_is_convolution(stride, padding, dilation, win.kernel);
    dispatch_wide(g.dtype(), [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
        if (!win.identity && direct_backward_input<T>(win, d.n, d.c, d.o, d.groups, stride, padding, dilation,
                                                      g.data<T>(), w.data<T>(), dx.data<T>()))
          return;
      }
      if (!as_conv) return backward_input<T>(win, d, g.data<T>(), w.data<T>(), dx.data<T>());
      Pads flipped(padding.size());  // pb' = d (k-1) - pb, and pa' so that there are `spatial` windows
      for (size_t i = 0; i < padding.size(); ++i) {
        flipped[i].first = dilation[i] * (win.kernel[i] - 1) - padding[i].first;
        flipped[i].second = spatial[i] - win.out[i] + padding[i].first;
      }
      const Windows adj = make_windows("conv_backward_input", win.out, win.kernel, stride, flipped, dilation);
      const Dims dg{d.n, d.o, d.c, d.groups};
      forward<T>(adj, dg, stride, flipped, dilation, g.data<T>(), flipped_transposed<T>(d, win.k, w.data<T>()).get(),
                 dx.data<T>());
    });
  }
  return is_half(g_in.dtype()) ? cast(dx, g_in.dtype()) : dx;
}

Array conv_backward_weight(const Array& x_in, const Array& g_in, const Shape& kernel, const Shape& stride,
                           const Pads& padding, const Shape& dilation, int64_t groups) {
  check_operands("conv_backward_weight", x_in, "input", g_in, "gradient", groups);
  const Dims d{x_in.shape()[0], x_in.shape()[1], g_in.shape()[1], groups};
  if (g_in.shape()[0] != d.n || d.c % groups != 0 || d.o % groups != 0) {
    throw std::invalid_argument("conv_backward_weight(): input " + shape_str(x_in.shape()) + " and gradient " +
                                shape_str(g_in.shape()) + " do not fit " + std::to_string(groups) + " groups");
  }
  const Windows win = make_windows("conv_backward_weight", spatial_of(x_in), kernel, stride, padding, dilation);
  check_out("conv_backward_weight", win, g_in);
  const Array x = widened(x_in), g = widened(g_in);
  Shape shape{d.o, d.cg()};
  shape.insert(shape.end(), kernel.begin(), kernel.end());
  Array dw(shape, x.dtype());
  if (dw.numel() > 0) {
    dispatch_wide(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      backward_weight<T>(win, d, stride, padding, dilation, x.data<T>(), g.data<T>(), dw.data<T>());
    });
  }
  return is_half(x_in.dtype()) ? cast(dw, x_in.dtype()) : dw;
}

}  // namespace mytorch
