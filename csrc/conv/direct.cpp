// Convolution forward and backward in input and weight as products whose image operand is read straight
// from the image (or the gradient), with no im2col.
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
// The input gradient splits the other way: input position s*u + r (phase r) receives the gradient at
// outputs (s*u + r + p - i*d) / s from the kernel offsets i for which that division is exact, so phase r
// of dx is a stride-1 correlation of the gradient with the sub-kernel of those offsets, flipped (in and
// out channels swapped). All the phases read one set of planes of the gradient, each at offsets of its
// own; a stride-1 convolution is the one phase.
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
#include <numeric>
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
  int64_t planes = 0;  // per channel

  int64_t plane() const { return rows * width; }

  Plan(Axis h_, Axis w_) : h(std::move(h_)), w(std::move(w_)) {
    // Read columns run to out + max_shift; those at or past `width` wrap to the next row, so they must be
    // padding there (past hi) and padding where they land (before lo).
    const int64_t reach = w.out + w.max_shift;
    width = w.out;
    for (int64_t a : w.phases) width = std::max({width, std::min(reach, w.hi(a)), reach - w.lo(a)});
    rows = h.out + h.max_shift + 1;
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

// The kernels split the images over the threads. With fewer images than threads, im2col + GEMM, whose
// GEMM splits each product, is faster (measured on 2 threads, Whisper's 80->384 conv1d on 3000 frames:
// splitting the one image's columns took 2x the time of one thread, on a loaded machine). 3 or more spatial
// dims are not taken either.
bool takes(size_t nd, int64_t n) { return nd <= 2 && n >= num_threads(); }

// The plan of 1 or 2 spatial dims from the Axis of each (axis(d) for dim d); a 1-d one gets a height of one.
// Nothing where rows of padding are as wide as the outputs. (Junk outputs cost the forward as much as real
// ones, and im2col + GEMM takes 1.4-2.5x its time per output at 3x3 and 5x5, 1 to 64 channels, AVX2: up to
// twice the outputs, this kernel is still ahead.)
template <typename F>
std::optional<Plan> plan_of(size_t nd, F&& axis) {
  Plan plan(nd == 2 ? axis(0) : Axis(1, 1, 1, 1, 1, 0), axis(nd - 1));
  if (plan.width > 2 * plan.w.out) return std::nullopt;
  return plan;
}

// The plan of a convolution's image.
std::optional<Plan> image_plan(const Windows& win, const Shape& stride, const Pads& padding, const Shape& dilation) {
  return plan_of(win.spatial.size(), [&](size_t d) {
    return Axis(win.spatial[d], win.kernel[d], win.out[d], stride[d], dilation[d], padding[d].first);
  });
}

// The planes of every channel of one image, and the zeros after them that the forward's junk outputs read.
struct Layout {
  Plan plan;
  int64_t c;            // channels
  int64_t plane;        // elements of one channel of the image they are built from
  int64_t per_channel;  // elements of one channel's planes
  int64_t slack;        // zeros after the planes

  // tile_cols: the outputs of the last tile, which may run past the last real one (none for backward in w)
  Layout(Plan plan_, int64_t c, int64_t plane, int64_t tile_cols)
      : plan(std::move(plan_)), c(c), plane(plane), per_channel(plan.planes * plan.plane()),
        slack(tile_cols + plan.w.max_shift + plan.width) {}

  // The planes of one image x (C, *spatial).
  template <typename T>
  void build(const T* x, T* planes) const {
    for (int64_t ch = 0; ch < c; ++ch) plan.build(x + ch * plane, planes + ch * per_channel);
  }
  template <typename T>
  std::unique_ptr<T[]> buffer() const {
    const int64_t image = c * per_channel;
    auto planes = scratch<T>(image + slack);
    std::fill(planes.get() + image, planes.get() + image + slack, T(0));
    return planes;
  }
};

// Where each depth step p = (channel, kernel offset) of a convolution's group reads its planes, from the
// group's first plane (k kernel offsets, kw per row).
std::vector<int64_t> kernel_offsets(const Layout& layout, int64_t cg, int64_t k, int64_t kw) {
  const Plan& plan = layout.plan;
  std::vector<int64_t> offsets(cg * k);
  for (int64_t p = 0; p < cg * k; ++p) {
    const int64_t ch = p / k, kh = p % k / kw, kc = p % kw;
    const int64_t phase = plan.h.phase_index(kh) * static_cast<int64_t>(plan.w.phases.size()) +
                          plan.w.phase_index(kc);
    offsets[p] = ch * layout.per_channel + phase * plan.plane() +
                 kh * plan.h.dilation / plan.h.stride * plan.width + kc * plan.w.dilation / plan.w.stride;
  }
  return offsets;
}

// One correlation of an image's planes, per group g, output channel oc < og and output (oh, ow):
//   out[g * og + oc, oh, ow] = sum_p weight(g, oc, p) * planes[g * cg * per_channel + offsets[p] + oh * width + ow]
// over a group's depth steps p, stored at start + oh * row_step + ow * col_step of channel g * og + oc.
template <typename T>
struct Correlation {
  std::vector<int64_t> offsets;  // per depth step
  std::unique_ptr<T[]> packed;   // the weights in tiles of kRows output channels, (groups, tiles, depth, kRows)
  int64_t out_h, out_w;          // the outputs kept
  int64_t start, row_step, col_step;

  template <typename W>
  Correlation(std::vector<int64_t> offsets_, int64_t groups, int64_t og, W&& weight, int64_t out_h, int64_t out_w,
              int64_t start, int64_t row_step, int64_t col_step)
      : offsets(std::move(offsets_)), out_h(out_h), out_w(out_w), start(start), row_step(row_step),
        col_step(col_step) {
    const int64_t depth = this->depth(), tiles = (og + kRows - 1) / kRows;
    packed = scratch<T>(groups * tiles * depth * kRows);
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t t = 0; t < tiles; ++t)
        for (int64_t p = 0; p < depth; ++p)
          for (int64_t i = 0; i < kRows; ++i) {
            const int64_t oc = t * kRows + i;
            packed[((g * tiles + t) * depth + p) * kRows + i] = oc < og ? weight(g, oc, p) : T(0);
          }
  }
  int64_t depth() const { return static_cast<int64_t>(offsets.size()); }
  // outputs computed per channel: out_h rows `width` apart, in whole tiles
  int64_t cols(const Plan& plan) const {
    return ((out_h - 1) * plan.width + out_w + kCols<T> - 1) / kCols<T> * kCols<T>;
  }
};

// y (N, O, ...) = the correlations of the planes of each image of x (N, layout.c, ...); y's channels are
// `channel` elements apart.
template <typename T>
void correlate(const Layout& layout, int64_t n, int64_t o, int64_t groups, const std::vector<Correlation<T>>& corrs,
               const T* x, T* y, int64_t channel) {
  const Plan& plan = layout.plan;
  const int64_t og = o / groups, cg = layout.c / groups, tiles = (og + kRows - 1) / kRows;
  int64_t cols = 0, work = 0;
  for (const auto& corr : corrs) {
    cols = std::max(cols, corr.cols(plan));
    work += o * corr.depth() * corr.cols(plan);
  }
  // One correlation of one image: every group's outputs into `result` (O rows of its cols), then copied to yi.
  const auto compute = [&](const Correlation<T>& corr, const T* planes, T* result, T* yi) {
    const int64_t depth = corr.depth(), rs = corr.cols(plan);
    for (int64_t g = 0; g < groups; ++g)
      for (int64_t j = 0; j < rs; j += kCols<T>)
        for (int64_t t = 0; t < tiles; ++t) {
          const int rows = static_cast<int>(std::min<int64_t>(kRows, og - t * kRows));
          forward_tile_for<T>(rows, std::make_integer_sequence<int, kRows>{})(
              depth, corr.packed.get() + (g * tiles + t) * depth * kRows, planes + g * cg * layout.per_channel + j,
              corr.offsets.data(), result + (g * og + t * kRows) * rs + j, rs);
        }
    for (int64_t oc = 0; oc < o; ++oc)
      for (int64_t oh = 0; oh < corr.out_h; ++oh) {
        const T* src = result + oc * rs + oh * plan.width;
        T* dst = yi + oc * channel + corr.start + oh * corr.row_step;
        if (corr.col_step == 1) {
          std::copy_n(src, corr.out_w, dst);
        } else {
          for (int64_t ow = 0; ow < corr.out_w; ++ow) dst[ow * corr.col_step] = src[ow];
        }
      }
  };
  parallel_for(n, work, [&](int64_t begin, int64_t end) {
    auto planes = layout.buffer<T>(), result = scratch<T>(o * cols);
    for (int64_t img = begin; img < end; ++img) {
      layout.build(x + img * layout.c * layout.plane, planes.get());
      for (const auto& corr : corrs) compute(corr, planes.get(), result.get(), y + img * o * channel);
    }
  });
}

// One spatial dim of the input gradient, split by stride phase: phase r < stride holds the input positions
// stride * u + r, and dx[stride * u + r] = sum_j w[taps[j]] * grad[u + lead + j * step] over its taps.
struct Phases {
  struct Phase {
    std::vector<int64_t> taps;  // the kernel offsets i with r + pad - i * dilation divisible by stride, descending
    int64_t lead = 0;           // (r + pad - taps[0] * dilation) / stride
    int64_t outs = 0;           // the positions u inside the input
  };
  std::vector<Phase> phase;
  int64_t step;     // dilation / gcd(stride, dilation): the gradient positions between taps
  int64_t before;   // the gradient's padding in its planes: enough for every phase's first read
  int64_t reach = 0;  // the furthest any phase reads past u + before

  Phases(int64_t size, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad)
      : phase(stride), step(dilation / std::gcd(stride, dilation)), before(INT64_MIN) {
    for (int64_t r = 0; r < stride; ++r) {
      Phase& ph = phase[r];
      ph.outs = r < size ? (size - r + stride - 1) / stride : 0;
      for (int64_t i = kernel - 1; i >= 0; --i)
        if ((r + pad - i * dilation) % stride == 0) ph.taps.push_back(i);
      if (ph.taps.empty()) continue;
      ph.lead = (r + pad - ph.taps[0] * dilation) / stride;
      before = std::max(before, -ph.lead);
    }
    for (int64_t r = 0; r < stride; ++r)
      if (!phase[r].taps.empty())
        reach = std::max(reach, first(r) + (static_cast<int64_t>(phase[r].taps.size()) - 1) * step);
  }
  int64_t first(int64_t r) const { return phase[r].lead + before; }  // phase r's read of tap 0 at u = 0
  // the gradient's planes for a gradient of `size` positions: one phase, read up to `reach` past each output
  Axis axis(int64_t size) const { return Axis(size, reach + 1, phase[0].outs, 1, 1, before); }
};

}  // namespace

template <typename T>
bool direct_forward(const Windows& win, int64_t n, int64_t c, int64_t o, int64_t groups, const Shape& stride,
                    const Pads& padding, const Shape& dilation, const T* x, const T* w, T* y) {
  const size_t nd = win.spatial.size();
  if (!takes(nd, n)) return false;
  auto plan = image_plan(win, stride, padding, dilation);
  if (!plan) return false;
  const Layout layout(std::move(*plan), c, win.plane, kCols<T>);
  const int64_t og = o / groups, depth = c / groups * win.k;
  std::vector<Correlation<T>> conv;
  conv.emplace_back(kernel_offsets(layout, c / groups, win.k, win.kernel[nd - 1]), groups, og,
                    [&](int64_t g, int64_t oc, int64_t p) { return w[(g * og + oc) * depth + p]; },
                    layout.plan.h.out, layout.plan.w.out, 0, layout.plan.w.out, 1);
  correlate<T>(layout, n, o, groups, conv, x, y, win.l);
  return true;
}

template <typename T>
bool direct_backward_input(const Windows& win, int64_t n, int64_t c, int64_t o, int64_t groups, const Shape& stride,
                           const Pads& padding, const Shape& dilation, const T* grad, const T* w, T* dx) {
  const size_t nd = win.spatial.size();
  // A 1x1 kernel is one product per image, W^T @ grad, whose GEMM + col2im measured faster (1x1 stride 2,
  // ResNet's shortcuts: 2.4-3.2x PyTorch's speed against 1.4-2.4x here, where every phase but one is zeros).
  if (!takes(nd, n) || win.k == 1) return false;
  std::vector<Phases> split;  // per spatial dim; a 1-d convolution gets a height of one
  if (nd == 1) split.emplace_back(1, 1, 1, 1, 0);
  for (size_t d = 0; d < nd; ++d)
    split.emplace_back(win.spatial[d], win.kernel[d], stride[d], dilation[d], padding[d].first);
  const Phases &ph = split[0], &pw = split[1];
  auto plan = plan_of(nd, [&](size_t d) { return split[split.size() - nd + d].axis(win.out[d]); });
  if (!plan) return false;
  const Layout layout(std::move(*plan), o, win.l, kCols<T>);
  const int64_t og = o / groups, cg = c / groups, width = win.spatial[nd - 1], kw = win.kernel[nd - 1];
  std::vector<Correlation<T>> phases;
  for (int64_t rh = 0; rh < static_cast<int64_t>(ph.phase.size()); ++rh)
    for (int64_t rw = 0; rw < static_cast<int64_t>(pw.phase.size()); ++rw) {
      const auto &a = ph.phase[rh], &b = pw.phase[rw];
      if (a.outs == 0 || b.outs == 0) continue;
      // depth step p = (gradient channel, tap row jh, tap column jw), the flipped sub-kernel's offsets
      const int64_t mh = static_cast<int64_t>(a.taps.size()), mw = static_cast<int64_t>(b.taps.size()), m = mh * mw;
      std::vector<int64_t> offsets(og * m);
      for (int64_t p = 0; p < og * m; ++p)
        offsets[p] = p / m * layout.per_channel + (ph.first(rh) + p % m / mw * ph.step) * layout.plan.width +
                     pw.first(rw) + p % mw * pw.step;
      const auto weight = [&](int64_t g, int64_t ch, int64_t p) {  // w[g * og + p / m, ch, taps...]
        return w[((g * og + p / m) * cg + ch) * win.k + a.taps[p % m / mw] * kw + b.taps[p % mw]];
      };
      phases.emplace_back(std::move(offsets), groups, cg, weight, a.outs, b.outs, rh * width + rw,
                          static_cast<int64_t>(ph.phase.size()) * width, static_cast<int64_t>(pw.phase.size()));
    }
  correlate<T>(layout, n, c, groups, phases, grad, dx, win.plane);
  return true;
}

template <typename T>
bool direct_backward_weight(const Windows& win, int64_t n, int64_t c, int64_t o, int64_t groups,
                            const Shape& stride, const Pads& padding, const Shape& dilation, const T* x,
                            const T* grad, T* dw) {
  const size_t nd = win.spatial.size();
  if (!takes(nd, n)) return false;
  auto plan = image_plan(win, stride, padding, dilation);
  // Transposing the gradient costs about one cycle per element, the products depth / (2 * lanes) cycles per
  // element: for shallow sums (the 1-channel stem's 9, a 1x1 convolution's C) the GEMM, whose packing
  // transposes through registers, is faster (measured: depth 9 and 16 0.8-0.9x the GEMM's speed, 25 1.2x).
  const int64_t cg = c / groups, depth = cg * win.k;
  if (!plan || depth < 3 * kLanes<T>) return false;
  const Layout layout(std::move(*plan), c, win.plane, 0);
  const std::vector<int64_t> offsets = kernel_offsets(layout, cg, win.k, win.kernel[nd - 1]);
  const int64_t og = o / groups, l = win.l;
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
              layout.plan.h.out, layout.plan.w.out, layout.plan.width, planes + g * cg * layout.per_channel,
              offsets.data() + p, gt + g * l * opad + o0, opad, acc + (g * depth + p) * opad + o0, opad);
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
    auto planes = layout.buffer<T>(), gt = scratch<T>(groups * l * opad), acc = scratch<T>(size);
    std::fill(acc.get(), acc.get() + size, T(0));
    for (int64_t img = begin; img < end; ++img) {
      layout.build(x + img * c * win.plane, planes.get());
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
template bool direct_backward_input<float>(const Windows&, int64_t, int64_t, int64_t, int64_t, const Shape&,
                                           const Pads&, const Shape&, const float*, const float*, float*);
template bool direct_backward_input<double>(const Windows&, int64_t, int64_t, int64_t, int64_t, const Shape&,
                                            const Pads&, const Shape&, const double*, const double*, double*);
template bool direct_backward_weight<float>(const Windows&, int64_t, int64_t, int64_t, int64_t, const Shape&,
                                            const Pads&, const Shape&, const float*, const float*, float*);
template bool direct_backward_weight<double>(const Windows&, int64_t, int64_t, int64_t, int64_t, const Shape&,
                                             const Pads&, const Shape&, const double*, const double*, double*);

}  // namespace mytorch
