// Convolution forward and backward-in-weight as products whose image operand is read straight from the
// image, with no im2col.
//
// im2col writes C*K rows of L outputs, K times the image, and the GEMM reads them back. Yet each row is
// the image itself, shifted. Store the image with its zero padding, rows `width` apart, and number the
// outputs oh * width + ow in that same layout: then output (oh, ow) at kernel offset (i, j) of a stride-1
// convolution reads padded[(oh + i) * width + ow + j], the row of offset (i, j) is the padded image read
// from i * width + j, and the product's image operand is the image at C*K offsets. The outputs with
// ow >= out_w are junk: the forward computes and drops them, the backward skips them. Rows can share
// their padding: a read past the end of a row lands at the start of the next one, and both are zeros when
// width leaves at least max(left, right) padding columns between the rows' data (3x3, padding 1 on
// 28x28: width 29, not 30).
//
// A stride s splits each dim into s phases: padded position s*o + k*d lies in phase (k*d) mod s at index
// o + (k*d) div s, so with each phase stored as its own plane, every kernel offset again reads one plane
// at a fixed offset, a stride-1 read. Building the planes is one pass over the image.
//
// The micro-kernels keep a tile in registers over a whole sum. Forward: kRows output channels x kVecs
// vectors of outputs, summed over the depth C*K; per step kVecs vectors of the image at that step's
// offset and kRows broadcast weights. Backward in w: kRows depth steps x kVecs vectors of output
// channels, summed over the outputs; per output kVecs vectors of the (transposed) gradient and kRows
// broadcast image values. Nothing as large as the columns is packed per image, the image (tens of KiB)
// stays in L1/L2, and each tile is written once.
#include "conv/direct.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "core/parallel.h"

namespace mytorch {
namespace {

#if defined(__AVX512F__)
constexpr int kVecBytes = 64;
constexpr int kRows = 12, kVecs = 2;  // 24 of the 32 zmm registers accumulate
#elif defined(__AVX__)
constexpr int kVecBytes = 32;
constexpr int kRows = 6, kVecs = 2;  // 12 of the 16 ymm registers accumulate
#else
constexpr int kVecBytes = 16;
constexpr int kRows = 4, kVecs = 2;
#endif

template <typename T> struct VecOf;
template <> struct VecOf<float> { typedef float type __attribute__((vector_size(kVecBytes))); };
template <> struct VecOf<double> { typedef double type __attribute__((vector_size(kVecBytes))); };

template <typename T> constexpr int64_t kLanes = kVecBytes / sizeof(T);
template <typename T> constexpr int64_t kCols = kVecs * kLanes<T>;  // outputs per tile

template <typename T> using Vec = typename VecOf<T>::type;

// x in every lane: x - 0 is x for every x (-0 included), so this compiles to one broadcast
template <typename T> Vec<T> broadcast(T x) { return x - Vec<T>{}; }

template <typename T> Vec<T> load(const T* p) {
  Vec<T> v;
  std::memcpy(&v, p, sizeof v);  // one unaligned vector load
  return v;
}

// A forward tile: out[i, 0:kCols] = sum_p a[p * kRows + i] * image[offsets[p] + 0:kCols], for i < ROWS.
template <typename T, int ROWS>
void forward_tile(int64_t depth, const T* a, const T* image, const int64_t* offsets, T* out, int64_t out_rs) {
  Vec<T> acc[ROWS][kVecs] = {};
  for (int64_t p = 0; p < depth; ++p, a += kRows) {
    const T* b = image + offsets[p];
    Vec<T> bv[kVecs];
#pragma GCC unroll 4
    for (int v = 0; v < kVecs; ++v) bv[v] = load(b + v * kLanes<T>);
#pragma GCC unroll 16
    for (int i = 0; i < ROWS; ++i) {
      const Vec<T> ai = broadcast(a[i]);
#pragma GCC unroll 4
      for (int v = 0; v < kVecs; ++v) acc[i][v] += ai * bv[v];
    }
  }
  for (int i = 0; i < ROWS; ++i) std::memcpy(out + i * out_rs, acc[i], sizeof acc[i]);
}

// A backward-in-w tile: out[i, 0:NV vectors] += sum over outputs (oh, ow) of
// image[offsets[i] + oh * width + ow] * gt[(oh * out_w + ow) * gt_rs + 0:NV vectors], for i < ROWS.
template <typename T, int ROWS, int NV>
void weight_tile(int64_t out_h, int64_t out_w, int64_t width, const T* image, const int64_t* offsets, const T* gt,
                 int64_t gt_rs, T* out, int64_t out_rs) {
  Vec<T> acc[ROWS][NV] = {};
  const T* rows[ROWS];
  for (int i = 0; i < ROWS; ++i) rows[i] = image + offsets[i];
  for (int64_t oh = 0; oh < out_h; ++oh) {
    for (int64_t ow = 0; ow < out_w; ++ow, gt += gt_rs) {
      Vec<T> bv[NV];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) bv[v] = load(gt + v * kLanes<T>);
#pragma GCC unroll 16
      for (int i = 0; i < ROWS; ++i) {
        const Vec<T> ai = broadcast(rows[i][ow]);
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) acc[i][v] += ai * bv[v];
      }
    }
    for (int i = 0; i < ROWS; ++i) rows[i] += width;
  }
  for (int i = 0; i < ROWS; ++i)
    for (int v = 0; v < NV; ++v) {
      T* dst = out + i * out_rs + v * kLanes<T>;
      const Vec<T> sum = load(dst) + acc[i][v];
      std::memcpy(dst, &sum, sizeof sum);
    }
}

// The tiles of every height up to kRows (and width up to kVecs vectors), picked at run time for the edges.
template <typename T, int... R>
auto forward_tile_for(int rows, std::integer_sequence<int, R...>) {
  static constexpr decltype(&forward_tile<T, 1>) table[] = {&forward_tile<T, R + 1>...};
  return table[rows - 1];
}

template <typename T, int... R>
auto weight_tile_for(int rows, int vecs, std::integer_sequence<int, R...>) {
  static_assert(kVecs == 2, "the table holds tiles one and two vectors wide");
  static constexpr decltype(&weight_tile<T, 1, 1>) table[][2] = {{&weight_tile<T, R + 1, 1>, &weight_tile<T, R + 1, 2>}...};
  return table[rows - 1][vecs - 1];
}

// Where the phase planes of one dim start and how they are read.
struct Axis {
  int64_t size, out, stride, dilation, before;  // input size, outputs, and the convolution's geometry
  std::vector<int64_t> phases;                   // the phases some kernel offset reads, ascending
  int64_t max_shift = 0;                         // the largest (k * dilation) div stride

  Axis(int64_t size, int64_t kernel, int64_t out, int64_t stride, int64_t dilation, int64_t before)
      : size(size), out(out), stride(stride), dilation(dilation), before(before) {
    for (int64_t k = 0; k < kernel; ++k) {
      phases.push_back(k * dilation % stride);
      max_shift = std::max(max_shift, k * dilation / stride);
    }
    std::sort(phases.begin(), phases.end());
    phases.erase(std::unique(phases.begin(), phases.end()), phases.end());
  }
  int64_t phase_index(int64_t k) const {
    return std::lower_bound(phases.begin(), phases.end(), k * dilation % stride) - phases.begin();
  }
  // index i of phase a holds input position stride * i + a - before: inside the input for lo <= i < hi
  int64_t lo(int64_t a) const { return std::max<int64_t>(0, (before - a + stride - 1) / stride); }
  int64_t hi(int64_t a) const {
    const int64_t last = size - 1 + before - a;  // the largest stride * i holding input
    return last < 0 ? 0 : std::max(lo(a), last / stride + 1);
  }
};

// The layout of one image's phase planes, and the offset each depth step reads.
struct Plan {
  Axis h, w;
  int64_t width = 0;   // row stride of every plane and of the output numbering
  int64_t rows = 0;    // rows per plane: those any output reads, then one of zeros for reads past the last
  int64_t flat = 0;    // outputs numbered oh * width + ow: (out_h - 1) * width + out_w of them
  int64_t planes = 0;  // per channel

  int64_t plane() const { return rows * width; }

  Plan(Axis h_, Axis w_) : h(std::move(h_)), w(std::move(w_)) {
    // Read columns run to out + max_shift; those at or past `width` wrap to the next row, so they must be
    // padding there (past hi) and padding where they land (before lo).
    const int64_t reach = w.out + w.max_shift;
    width = w.out;
    for (int64_t a : w.phases) width = std::max({width, std::min(reach, w.hi(a)), reach - w.lo(a)});
    rows = h.out + h.max_shift + 1;
    flat = (h.out - 1) * width + w.out;
    planes = static_cast<int64_t>(h.phases.size() * w.phases.size());
  }

  // The phase planes of one channel plane x (size h.size x w.size).
  template <typename T>
  void build(const T* x, T* out) const {
    for (int64_t a : h.phases)
      for (int64_t b : w.phases) {
        const int64_t lo = std::min(w.lo(b), width), hi = std::min(w.hi(b), width);
        for (int64_t i = 0; i < rows; ++i, out += width) {
          const int64_t r = h.stride * i + a - h.before;
          if (i == rows - 1 || r < 0 || r >= h.size || lo >= hi) {
            std::fill(out, out + width, T(0));
            continue;
          }
          const T* src = x + r * w.size + (w.stride * lo + b - w.before);
          std::fill(out, out + lo, T(0));
          if (w.stride == 1) {
            std::copy(src, src + (hi - lo), out + lo);
          } else {
            for (int64_t j = lo; j < hi; ++j) out[j] = src[(j - lo) * w.stride];
          }
          std::fill(out + hi, out + width, T(0));
        }
      }
  }
};

// A scratch buffer of n elements, left uninitialised.
template <typename T> std::unique_ptr<T[]> scratch(int64_t n) { return std::unique_ptr<T[]>(new T[n]); }

// One convolution's phase planes and where each depth step p = (channel, kernel offset) of a group reads them.
struct Layout {
  Plan plan;
  int64_t c, cg, k, depth;   // channels, per group, kernel offsets, depth cg * k of one group's sums
  int64_t per_channel;       // elements of one channel's planes
  int64_t image;             // elements of one image's planes
  int64_t slack;             // zeros after them: the forward's junk outputs read past the last plane
  std::vector<int64_t> offsets;  // per depth step, from the group's first plane

  // The planes of one image x (C, *spatial).
  template <typename T>
  void build(const T* x, const Windows& win, T* planes) const {
    for (int64_t ch = 0; ch < c; ++ch) plan.build(x + ch * win.plane, planes + ch * per_channel);
  }
  template <typename T>
  std::unique_ptr<T[]> buffer() const {
    auto planes = scratch<T>(image + slack);
    std::fill(planes.get() + image, planes.get() + image + slack, T(0));
    return planes;
  }
};

// The layout, or nothing for a convolution the kernels do not take: fewer images than threads, 3 or more
// spatial dims, or rows of padding as wide as the outputs. (Junk outputs cost the forward as much as real ones, and im2col + GEMM
// takes 1.4-2.5x its time per output at 3x3 and 5x5, 1 to 64 channels, AVX2: up to twice the outputs,
// this kernel is still ahead.)
std::optional<Layout> layout_for(const Windows& win, int64_t n, int64_t c, int64_t groups, const Shape& stride,
                                 const Pads& padding, const Shape& dilation, int64_t cols) {
  const size_t nd = win.spatial.size();
  // The kernels split the images over the threads. With fewer images than threads, im2col + GEMM, whose
  // GEMM splits each product, is faster (measured on 2 threads, Whisper's 80->384 conv1d on 3000 frames:
  // splitting the one image's columns took 2x the time of one thread, on a loaded machine).
  if (nd > 2 || n < num_threads()) return std::nullopt;
  const size_t last = nd - 1;
  Axis h = nd == 2 ? Axis(win.spatial[0], win.kernel[0], win.out[0], stride[0], dilation[0], padding[0].first)
                   : Axis(1, 1, 1, 1, 1, 0);
  Axis w(win.spatial[last], win.kernel[last], win.out[last], stride[last], dilation[last], padding[last].first);
  Plan plan(std::move(h), std::move(w));
  if (plan.width > 2 * plan.w.out) return std::nullopt;
  const int64_t cg = c / groups, k = win.k, kw = win.kernel[last], per_channel = plan.planes * plan.plane();
  std::vector<int64_t> offsets(cg * k);
  for (int64_t p = 0; p < cg * k; ++p) {
    const int64_t ch = p / k, kh = p % k / kw, kc = p % kw;
    const int64_t phase = plan.h.phase_index(kh) * static_cast<int64_t>(plan.w.phases.size()) +
                          plan.w.phase_index(kc);
    offsets[p] = ch * per_channel + phase * plan.plane() + kh * plan.h.dilation / plan.h.stride * plan.width +
                 kc * plan.w.dilation / plan.w.stride;
  }
  const int64_t slack = cols + plan.w.max_shift + plan.width;
  return Layout{std::move(plan), c, cg, k, cg * k, per_channel, c * per_channel, slack, std::move(offsets)};
}

}  // namespace

template <typename T>
bool direct_forward(const Windows& win, int64_t n, int64_t c, int64_t o, int64_t groups, const Shape& stride,
                    const Pads& padding, const Shape& dilation, const T* x, const T* w, T* y) {
  const auto layout = layout_for(win, n, c, groups, stride, padding, dilation, kCols<T>);
  if (!layout) return false;
  const Plan& plan = layout->plan;
  const int64_t og = o / groups, depth = layout->depth, tiles = (og + kRows - 1) / kRows;
  const int64_t cols = (plan.flat + kCols<T> - 1) / kCols<T> * kCols<T>;  // outputs computed per channel

  // weights per group, in tiles of kRows output channels: packed[(g * tiles + t) * depth * kRows + p * kRows + i]
  auto packed = scratch<T>(groups * tiles * depth * kRows);
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t t = 0; t < tiles; ++t)
      for (int64_t p = 0; p < depth; ++p)
        for (int64_t i = 0; i < kRows; ++i) {
          const int64_t oc = t * kRows + i;
          packed[((g * tiles + t) * depth + p) * kRows + i] = oc < og ? w[(g * og + oc) * depth + p] : T(0);
        }

  // One image: every group's outputs into `result` (O rows of `cols`), then the outputs copied from
  // `result` into y.
  const auto compute = [&](const T* planes, T* result) {
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t j = 0; j < cols; j += kCols<T>)
        for (int64_t t = 0; t < tiles; ++t) {
          const int rows = static_cast<int>(std::min<int64_t>(kRows, og - t * kRows));
          forward_tile_for<T>(rows, std::make_integer_sequence<int, kRows>{})(
              depth, packed.get() + (g * tiles + t) * depth * kRows, planes + g * layout->cg * layout->per_channel + j,
              layout->offsets.data(), result + (g * og + t * kRows) * cols + j, cols);
        }
  };
  const auto copy_out = [&](const T* result, T* yi) {
    for (int64_t oc = 0; oc < o; ++oc)
      for (int64_t oh = 0; oh < plan.h.out; ++oh)
        std::copy_n(result + oc * cols + oh * plan.width, plan.w.out, yi + (oc * plan.h.out + oh) * plan.w.out);
  };
  parallel_for(n, o * depth * plan.flat, [&](int64_t begin, int64_t end) {
    auto planes = layout->template buffer<T>(), result = scratch<T>(o * cols);
    for (int64_t img = begin; img < end; ++img) {
      layout->build(x + img * c * win.plane, win, planes.get());
      compute(planes.get(), result.get());
      copy_out(result.get(), y + img * o * win.l);
    }
  });
  return true;
}

template <typename T>
bool direct_backward_weight(const Windows& win, int64_t n, int64_t c, int64_t o, int64_t groups,
                            const Shape& stride, const Pads& padding, const Shape& dilation, const T* x,
                            const T* grad, T* dw) {
  const auto layout = layout_for(win, n, c, groups, stride, padding, dilation, 0);
  // Transposing the gradient costs about one cycle per element, the products depth / (2 * lanes) cycles per
  // element: for shallow sums (the 1-channel stem's 9, a 1x1 convolution's C) the GEMM, whose packing
  // transposes through registers, is faster (measured: depth 9 and 16 0.8-0.9x the GEMM's speed, 25 1.2x).
  if (!layout || layout->depth < 3 * kLanes<T>) return false;
  const Plan& plan = layout->plan;
  const int64_t og = o / groups, depth = layout->depth, l = win.l;
  const int64_t opad = (og + kLanes<T> - 1) / kLanes<T> * kLanes<T>;  // output channels, whole vectors
  const int64_t size = groups * depth * opad;  // dW^T per group, (depth, opad)

  // One image: its gradient transposed, gt (groups, L, opad), zero past og; then acc += dW^T of every
  // group.
  const auto transpose = [&](const T* gi, T* gt) {
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t j = 0; j < l; ++j) {
        T* row = gt + (g * l + j) * opad;
        for (int64_t oc = 0; oc < og; ++oc) row[oc] = gi[(g * og + oc) * l + j];
        std::fill(row + og, row + opad, T(0));
      }
  };
  const auto accumulate = [&](const T* planes, const T* gt, T* acc) {
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t p = 0; p < depth; p += kRows)
        for (int64_t o0 = 0; o0 < og; o0 += kVecs * kLanes<T>) {
          const int rows = static_cast<int>(std::min<int64_t>(kRows, depth - p));
          const int vecs = static_cast<int>(std::min<int64_t>(kVecs, (og - o0 + kLanes<T> - 1) / kLanes<T>));
          weight_tile_for<T>(rows, vecs, std::make_integer_sequence<int, kRows>{})(
              plan.h.out, plan.w.out, plan.width, planes + g * layout->cg * layout->per_channel,
              layout->offsets.data() + p, gt + g * l * opad + o0, opad, acc + (g * depth + p) * opad + o0, opad);
        }
  };
  // dw[g * og + oc, p] = the sum of the accumulators' dW^T[g, p, oc]
  const auto sum_into_dw = [&](const std::vector<const T*>& accs) {
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t oc = 0; oc < og; ++oc)
        for (int64_t p = 0; p < depth; ++p) {
          T sum = 0;
          for (const T* acc : accs) sum += acc[(g * depth + p) * opad + oc];
          dw[(g * og + oc) * depth + p] = sum;
        }
  };
  // each thread sums its images into a dW^T of its own
  std::vector<std::unique_ptr<T[]>> accs(num_threads());
  parallel_for(n, o * depth * l, [&](int64_t begin, int64_t end) {
    auto planes = layout->template buffer<T>(), gt = scratch<T>(groups * l * opad), acc = scratch<T>(size);
    std::fill(acc.get(), acc.get() + size, T(0));
    for (int64_t img = begin; img < end; ++img) {
      layout->build(x + img * c * win.plane, win, planes.get());
      transpose(grad + img * o * l, gt.get());
      accumulate(planes.get(), gt.get(), acc.get());
    }
    accs[omp_get_thread_num()] = std::move(acc);
  });
  std::vector<const T*> parts;
  for (const auto& acc : accs)
    if (acc) parts.push_back(acc.get());
  sum_into_dw(parts);
  return true;
}

template bool direct_forward<float>(const Windows&, int64_t, int64_t, int64_t, int64_t, const Shape&, const Pads&,
                                    const Shape&, const float*, const float*, float*);
template bool direct_forward<double>(const Windows&, int64_t, int64_t, int64_t, int64_t, const Shape&, const Pads&,
                                     const Shape&, const double*, const double*, double*);
template bool direct_backward_weight<float>(const Windows&, int64_t, int64_t, int64_t, int64_t, const Shape&,
                                            const Pads&, const Shape&, const float*, const float*, float*);
template bool direct_backward_weight<double>(const Windows&, int64_t, int64_t, int64_t, int64_t, const Shape&,
                                             const Pads&, const Shape&, const double*, const double*, double*);

}  // namespace mytorch
