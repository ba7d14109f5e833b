// Packing, the portable part. A block of A and a panel of B are packed the same way: cut along the
// dimension that is not k into strips W wide (W = MR rows of A, or NR columns of B); each strip
// becomes a micro-panel holding, for p = 0..k-1, its W values at depth p:
//   dst[p * W + l] = src[p * k_stride + l * lane_stride]
// Strips at the matrix edge are padded with zeros, so the micro-kernel can always read W values.
//
// Every micro-kernel file includes this with its own compiler flags; everything here has internal
// linkage, so those copies never meet (see microkernel.h).
#pragma once
#include <cstdint>

namespace mytorch::gemm_detail {
namespace {

// One micro-panel of `lanes` <= W valid lanes, element by element. With W known at compile time
// the compiler turns the unit-lane-stride copy (a row of row-major B) into vector loads and stores.
template <typename T, int W>
void pack_micro_panel_portable(const T* src, int64_t k_stride, int64_t lane_stride, int64_t k,
                               int64_t lanes, T* dst) {
  if (lane_stride == 1 && lanes == W) {
    for (int64_t p = 0; p < k; ++p)
      for (int l = 0; l < W; ++l) dst[p * W + l] = src[p * k_stride + l];
    return;
  }
  for (int64_t p = 0; p < k; ++p)
    for (int l = 0; l < W; ++l) dst[p * W + l] = l < lanes ? src[p * k_stride + l * lane_stride] : T(0);
}

// All the micro-panels of a k x extent slab, one after the other, each packed by PackMicroPanel.
template <typename T, int W, void (*PackMicroPanel)(const T*, int64_t, int64_t, int64_t, int64_t, T*)>
void pack_panels(const T* src, int64_t k_stride, int64_t lane_stride, int64_t k, int64_t extent,
                 T* dst) {
  for (int64_t l = 0; l < extent; l += W, dst += k * W)
    PackMicroPanel(src + l * lane_stride, k_stride, lane_stride, k, extent - l < W ? extent - l : W, dst);
}

}  // namespace
}  // namespace mytorch::gemm_detail
