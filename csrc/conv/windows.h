// The sliding-window plan shared by im2col, col2im and the convolutions.
//
// The columns of one (image, channel) plane are K rows (one per kernel offset) of L outputs. Walking
// them one output at a time would test every position for padding; instead the plan cuts them into
// runs along the last output dim: a run is one row segment of `width` outputs, of which [lo, hi) read
// the input at a fixed step and the rest are padding. The plan is the same for every plane, so it is
// built once per call and replayed per (image, channel) with the plane's base pointers.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>
#ifdef __AVX512F__
#include <immintrin.h>
#endif

#include "conv/conv.h"
#include "core/array.h"

namespace mytorch {

struct Run {
  int64_t col;     // offset of the run's first column entry in the plane's columns
  int64_t in;      // input offset (in the plane) that output lo reads
  int64_t lo, hi;  // outputs [lo, hi) of the run read the input; the others are padding
};

struct Windows {
  Shape spatial, kernel, out;
  int64_t plane = 1;  // input elements per (image, channel)
  int64_t k = 1;      // kernel offsets (prod(kernel))
  int64_t l = 1;      // output positions (prod(out))
  int64_t width = 1;  // outputs per run (the last output dim)
  int64_t step = 1;   // input step between consecutive outputs of a run (the last stride)
  bool identity = false;  // a 1x1 kernel, stride 1, no padding: the columns are the plane itself
  std::vector<Run> runs;
};

std::string shape_str(const Shape& s);

// The plan for inputs of spatial size `spatial`; throws std::invalid_argument (naming `op`) for a
// geometry the kernels do not take (wrong lengths, stride or dilation < 1, window past the padded input).
Windows make_windows(const char* op, const Shape& spatial, const Shape& kernel, const Shape& stride,
                     const Pads& padding, const Shape& dilation);

// One run with step 1: dst[o] = src[o - lo] for lo <= o < hi, `value` for the other o < width. The runs of
// LeNet and ResNet maps are 7 to 32 outputs long, where a fill, a copy and a fill are three library calls
// costing more than the copying (a third of a 16-channel 28x28 convolution's forward went to them). For
// float on AVX-512, one masked load and store per 16 outputs do it instead: the load's mask keeps the
// padding lanes at `value` and never reads the memory they would address, the store's stops at width.
template <typename T>
void copy_run(T* dst, const T* src, int64_t lo, int64_t hi, int64_t width, T value) {
#ifdef __AVX512F__
  if constexpr (std::is_same_v<T, float>) {
    const __m512 pad = _mm512_set1_ps(value);
    for (int64_t o = 0; o < width; o += 16) {
      // lanes o + l with l < n - o, as a mask
      const auto below = [o](int64_t n) { return __mmask16((1u << std::clamp<int64_t>(n - o, 0, 16)) - 1); };
      const __mmask16 inside = below(hi) & ~below(lo);
      _mm512_mask_storeu_ps(dst + o, below(width), _mm512_mask_loadu_ps(pad, inside, src + (o - lo)));
    }
    return;
  }
#endif
  std::fill(dst, dst + lo, value);
  std::copy(src, src + (hi - lo), dst + lo);
  std::fill(dst + hi, dst + width, value);
}

// cols (K, L) of one plane of `in` (contiguous), `value` on padding.
template <typename T>
void im2col_plane(const Windows& w, const T* in, T* cols, T value) {
  for (const Run& r : w.runs) {
    T* dst = cols + r.col;
    const T* src = in + r.in;
    if (w.step == 1) {
      copy_run(dst, src, r.lo, r.hi, w.width, value);
      continue;
    }
    std::fill(dst, dst + r.lo, value);
    for (int64_t o = r.lo; o < r.hi; ++o) dst[o] = src[(o - r.lo) * w.step];
    std::fill(dst + r.hi, dst + w.width, value);
  }
}

// in += the columns (K, L) of one plane, each entry added where im2col read it from; padding dropped.
template <typename T>
void col2im_plane(const Windows& w, const T* cols, T* in) {
  for (const Run& r : w.runs) {
    const T* src = cols + r.col;
    T* dst = in + r.in;
    for (int64_t o = r.lo; o < r.hi; ++o) {
      T& x = dst[(o - r.lo) * w.step];
      x = static_cast<T>(x + src[o]);
    }
  }
}

}  // namespace mytorch
