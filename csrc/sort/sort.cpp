// sort and unique.
//
// Each line along the sort axis is copied out as (key, position) pairs, the key an integer in sort order,
// and sorted with std::sort; ties are broken by position, which makes the order the stable one while
// keeping introsort, faster than a merge sort's extra pass and buffer. Lines are independent, so they are
// spread across threads (lines.h).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "core/strided.h"
#include "elementwise/elementwise.h"
#include "index/index.h"
#include "index/lines.h"
#include "sort/sort.h"

namespace mytorch {

namespace {

// The unsigned integer whose order is the ascending sort order of x: sign-flipped two's complement for
// signed integers, and for floats the IEEE bits with negatives reversed, -0 made +0 and every NaN the
// largest key. Integer compares then replace NaN-aware float compares in the sort's inner loop.
template <typename T>
using key_t = std::conditional_t<sizeof(compute_t<T>) == 8, uint64_t, uint32_t>;

template <typename T>
key_t<T> order_key(T stored) {
  using K = key_t<T>;
  using C = compute_t<T>;
  constexpr K sign = K{1} << (8 * sizeof(K) - 1);
  const C x = static_cast<C>(stored);
  if constexpr (std::is_floating_point_v<C>) {
    if (x != x) return ~K{0};
    const C y = x == 0 ? C{0} : x;
    K u;
    std::memcpy(&u, &y, sizeof(u));
    return (u & sign) ? ~u : (u | sign);
  } else if constexpr (std::is_signed_v<C>) {
    return static_cast<K>(static_cast<int64_t>(x)) ^ sign;  // sign-extended, so the flip maps order
  } else {
    return static_cast<K>(x);
  }
}

// Sorts the n elements at x (element stride sx) into values v and positions idx (strides sv, si).
template <typename T>
void sort_line(const T* x, int64_t sx, T* v, int64_t sv, int64_t* idx, int64_t si, int64_t n, bool descending) {
  using K = key_t<T>;
  const K flip = descending ? ~K{0} : K{0};  // reversed keys sort descending; positions still ascend
  auto write = [&](int64_t i, int64_t from) {
    idx[i * si] = from;
    v[i * sv] = x[from * sx];  // the stored element itself
  };
  if (sizeof(K) == 4 && n <= (int64_t{1} << 32)) {
    // key in the high half, position in the low: one 64-bit compare orders by both
    std::vector<uint64_t> keyed(n);
    for (int64_t i = 0; i < n; ++i) keyed[i] = (uint64_t{order_key(x[i * sx]) ^ flip} << 32) | static_cast<uint64_t>(i);
    std::sort(keyed.begin(), keyed.end());
    for (int64_t i = 0; i < n; ++i) write(i, static_cast<int64_t>(keyed[i] & 0xFFFFFFFFu));
  } else {
    std::vector<std::pair<K, int64_t>> keyed(n);
    for (int64_t i = 0; i < n; ++i) keyed[i] = {order_key(x[i * sx]) ^ flip, i};
    std::sort(keyed.begin(), keyed.end());
    for (int64_t i = 0; i < n; ++i) write(i, keyed[i].second);
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
    const T* s = sorted.data<T>();
    const int64_t* pos = order.data<int64_t>();
    int64_t* inv = out.inverse.data<int64_t>();  // contiguous: a's flat position is its row-major index
    for (int64_t i = 0; i < n; ++i) {
      if (i == 0 || order_key(s[i - 1]) != order_key(s[i])) starts.push_back(i);
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
