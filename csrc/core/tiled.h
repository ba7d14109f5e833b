// Tiled strided iteration: the walk of core/strided.h for layouts where walking row by row would read (or
// write) some operand across its rows, as a transposed copy does (x.t().contiguous(): the output's rows are
// the input's columns).
//
// Row by row, such an operand has each element of a row in another cache line, and the next row wants the
// neighbours in those same lines: for a 2048 x 512 float32 transpose, a row touches 2048 lines (128 KiB), too
// many to stay in L1 until the next row comes back for them (measured 3.4 ms for that copy, 2.8x PyTorch's).
// Walking tiles of kTileRows rows x kTileColumns columns instead, the crossing operand is read as
// kTileColumns short runs going down memory side by side, each line used up by consecutive rows.
// kTileColumns is small because a power-of-two stride puts all of a tile's lines of that operand in a
// few cache sets (a 2 KiB stride: 2 of L1's 64 sets, 16 lines): measured on a Zen 3 core with a
// stand-alone loop for that transpose on the loaded 2-core machine: 256-512 x 8 tiles 1.2-1.9 ms,
// 512 x 16 1.7-1.9 ms, 16 x 64 3.2-3.4 ms, row by row 4.4-5.1 ms.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>

#include "core/strided.h"

namespace mytorch {

constexpr int64_t kTileRows = 256;
constexpr int64_t kTileColumns = 8;

// Whether a row-by-row walk of `layout` would read some operand across its rows: its elements along a row
// are a cache line or more apart while consecutive rows are closer (so they share those lines).
template <int N>
bool crosses_rows(const StridedLayout<N>& layout, const std::array<int64_t, N>& itemsizes) {
  const size_t ndim = layout.shape.size();
  if (ndim < 2) return false;
  for (int k = 0; k < N; ++k) {
    const int64_t along = std::abs(layout.strides[k][ndim - 1]), across = std::abs(layout.strides[k][ndim - 2]);
    if (along * itemsizes[k] >= 64 && across < along) return true;
  }
  return false;
}

// Calls row(ptrs, n, inner_strides) as for_each_row does (same arguments), for every row and over every
// element once, but tile by tile when crosses_rows(layout): a tile is up to kTileRows rows x kTileColumns
// elements of the two innermost dims, and `row` sees each tile row as a row of up to kTileColumns elements.
// Only for row functions whose elements are independent (elementwise ops): the visiting order changes.
template <int N, typename Row>
void for_each_tile(const StridedLayout<N>& layout, const std::array<char*, N>& base,
                   const std::array<int64_t, N>& itemsizes, Row&& row, int64_t grain = kParallelGrain) {
  if (!crosses_rows<N>(layout, itemsizes)) {
    for_each_row<N>(layout, base, itemsizes, row, /*parallel=*/true, grain);
    return;
  }
  for (int64_t n : layout.shape) {
    if (n == 0) return;
  }
  const int64_t ndim = static_cast<int64_t>(layout.shape.size());
  const int64_t rows = layout.shape[ndim - 2], columns = layout.shape[ndim - 1];
  const int64_t row_tiles = (rows + kTileRows - 1) / kTileRows;
  const int64_t column_tiles = (columns + kTileColumns - 1) / kTileColumns;
  int64_t planes = 1;  // the dims outside the two tiled ones
  for (int64_t d = 0; d + 2 < ndim; ++d) planes *= layout.shape[d];
  std::array<int64_t, N> inner_strides;
  for (int k = 0; k < N; ++k) inner_strides[k] = layout.strides[k][ndim - 1];
  const int64_t tiles = planes * row_tiles * column_tiles;
  parallel_for(tiles, kTileRows * kTileColumns, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t column_tile = t % column_tiles, row_tile = (t / column_tiles) % row_tiles;
      int64_t plane = t / (column_tiles * row_tiles);
      const int64_t r0 = row_tile * kTileRows, c0 = column_tile * kTileColumns;
      std::array<int64_t, N> offset{};  // element offset of the tile's first element, per operand
      for (int64_t d = ndim - 3; d >= 0; --d) {
        const int64_t i = plane % layout.shape[d];
        plane /= layout.shape[d];
        for (int k = 0; k < N; ++k) offset[k] += i * layout.strides[k][d];
      }
      const int64_t height = std::min(kTileRows, rows - r0), width = std::min(kTileColumns, columns - c0);
      std::array<char*, N> p;
      for (int k = 0; k < N; ++k) {
        p[k] = base[k] + (offset[k] + r0 * layout.strides[k][ndim - 2] + c0 * inner_strides[k]) * itemsizes[k];
      }
      for (int64_t r = 0; r < height; ++r) {
        row(p, width, inner_strides);
        for (int k = 0; k < N; ++k) p[k] += layout.strides[k][ndim - 2] * itemsizes[k];
      }
    }
  }, grain);
}

}  // namespace mytorch
