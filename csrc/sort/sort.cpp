// sort and unique.
//
// Each line along the sort axis is copied out as (value, position) pairs in the compute type and sorted
// with std::sort; ties are broken by position, which makes the order the stable one while keeping
// introsort, faster than a merge sort's extra pass and buffer. Lines are independent, so they are
// spread across threads (lines.h).
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/strided.h"
#include "elementwise/elementwise.h"
#include "index/index.h"
#include "index/lines.h"
#include "sort/sort.h"

namespace mytorch {

namespace {

// Ascending order over compute values, NaN after everything (and NaNs equal to each other).
template <typename C>
bool before(C x, C y) {
  if constexpr (std::is_floating_point_v<C>) {
    return x < y || (x == x && y != y);
  } else {
    return x < y;
  }
}

template <typename C>
bool same_value(C x, C y) {
  return !before(x, y) && !before(y, x);
}

// Sorts the n elements at x (element stride sx) into values v and positions idx (strides sv, si).
template <typename T>
void sort_line(const T* x, int64_t sx, T* v, int64_t sv, int64_t* idx, int64_t si, int64_t n, bool descending) {
  using C = compute_t<T>;
  std::vector<std::pair<C, int64_t>> keyed(n);
  for (int64_t i = 0; i < n; ++i) keyed[i] = {static_cast<C>(x[i * sx]), i};
  using Pair = std::pair<C, int64_t>;
  if (descending) {
    std::sort(keyed.begin(), keyed.end(), [](const Pair& p, const Pair& q) {
      return before(q.first, p.first) || (!before(p.first, q.first) && p.second < q.second);
    });
  } else {
    std::sort(keyed.begin(), keyed.end(), [](const Pair& p, const Pair& q) {
      return before(p.first, q.first) || (!before(q.first, p.first) && p.second < q.second);
    });
  }
  for (int64_t i = 0; i < n; ++i) {
    idx[i * si] = keyed[i].second;
    v[i * sv] = x[keyed[i].second * sx];  // the stored element itself, not its compute value
  }
}

}  // namespace

std::pair<Array, Array> sort(const Array& a, int64_t axis, bool descending) {
  axis = wrap_axis(axis, a.ndim(), "sort");
  Array values(a.shape(), a.dtype()), indices(a.shape(), DType::Int64);
  if (a.ndim() == 0) {
    assign(values, a);
    *indices.data<int64_t>() = 0;
    return {values, indices};
  }
  const int64_t n = a.shape()[axis];
  const int64_t sx = a.strides()[axis], sv = values.strides()[axis], si = indices.strides()[axis];
  const int64_t cost = n * std::max<int64_t>(1, static_cast<int64_t>(std::log2(std::max<int64_t>(n, 2))));
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    for_each_line<3>(drop(a.shape(), axis), {drop(a.strides(), axis), drop(values.strides(), axis),
                     drop(indices.strides(), axis)}, {a.bytes(), values.bytes(), indices.bytes()},
                     {sizeof(T), sizeof(T), sizeof(int64_t)}, cost, [&](const std::array<char*, 3>& p) {
      sort_line(reinterpret_cast<const T*>(p[0]), sx, reinterpret_cast<T*>(p[1]), sv,
                reinterpret_cast<int64_t*>(p[2]), si, n, descending);
    });
  });
  return {values, indices};
}

Unique unique(const Array& a) {
  const int64_t n = a.numel();
  // the flattened elements (a row-major copy), sorted; then runs of equal values are the groups
  auto [sorted, order] = sort(contiguous_copy(a).view({n}, {1}, 0), 0, false);
  Unique out;
  out.inverse = Array(a.shape(), DType::Int64);
  std::vector<int64_t> starts;  // position in sorted order where each group starts
  dispatch(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    const T* s = sorted.data<T>();
    const int64_t* pos = order.data<int64_t>();
    int64_t* inv = out.inverse.data<int64_t>();  // contiguous: a's flat position is its row-major index
    for (int64_t i = 0; i < n; ++i) {
      if (i == 0 || !same_value<C>(static_cast<C>(s[i - 1]), static_cast<C>(s[i]))) starts.push_back(i);
      inv[pos[i]] = static_cast<int64_t>(starts.size()) - 1;
    }
    const int64_t groups = static_cast<int64_t>(starts.size());
    out.values = Array({groups}, a.dtype());
    out.counts = Array({groups}, DType::Int64);
    for (int64_t g = 0; g < groups; ++g) {
      out.values.data<T>()[g] = s[starts[g]];
      out.counts.data<int64_t>()[g] = (g + 1 < groups ? starts[g + 1] : n) - starts[g];
    }
  });
  return out;
}

}  // namespace mytorch
