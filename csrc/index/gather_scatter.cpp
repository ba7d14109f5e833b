// gather and scatter along one axis, and the bounds check every index kernel shares.
//
// Both are elementwise over index's shape: element p of index names a position along `axis` of `a`,
// and everywhere else p's coordinates are a's own. So `a` joins the strided iteration with stride 0
// along the axis (its line start at p), and the kernel adds index[p] * a.strides[axis]: the iteration
// walks index, out and src in memory order, whatever the axis.
#include <algorithm>
#include <atomic>
#include <limits>

#include "core/errors.h"
#include "core/strided.h"
#include "index/index.h"

namespace mytorch {

namespace {

// a's strides over index's shape: 0 along the axis (added per element) and along dims where a has
// size 1 and index more (a broadcast, as take_along_axis allows).
Strides line_start_strides(const Array& a, const Array& index, int64_t axis) {
  Strides s = a.strides();
  for (int64_t d = 0; d < a.ndim(); ++d) {
    if (d == axis || (a.shape()[d] == 1 && index.shape()[d] != 1)) s[d] = 0;
  }
  return s;
}

void check_same_ndim(const Array& a, const Array& index, const char* kernel) {
  if (index.ndim() != a.ndim()) {
    throw std::invalid_argument(std::string(kernel) + "(): index must have the array's number of dimensions");
  }
  if (index.dtype() != DType::Int64 && index.dtype() != DType::Int32) {
    throw TypeError(std::string(kernel) + "(): index must be int64 or int32, got " + dtype_name(index.dtype()));
  }
}

// Outside the axis, index may not reach past the array (a dim of size 1 broadcasts): the kernels would
// read or write outside its memory.
bool index_fits(const Array& a, const Array& index, int64_t axis) {
  for (int64_t d = 0; d < a.ndim(); ++d) {
    if (d != axis && index.shape()[d] > a.shape()[d] && a.shape()[d] != 1) return false;
  }
  return true;
}

[[noreturn]] void throw_does_not_fit(const char* kernel, int64_t axis) {
  throw std::invalid_argument(std::string(kernel) + "(): index is larger than the array outside dimension " +
                              std::to_string(axis));
}

[[noreturn]] void throw_out_of_bounds(const char* kernel, int64_t bad, int64_t axis, int64_t size) {
  throw std::runtime_error(std::string(kernel) + "(): index " + std::to_string(bad) + " is out of bounds for dimension " +
                           std::to_string(axis) + " with size " + std::to_string(size));
}

}  // namespace

int64_t wrap_axis(int64_t axis, int64_t ndim, const char* kernel) {
  int64_t dims = std::max<int64_t>(ndim, 1);
  if (axis < -dims || axis >= dims) {
    throw IndexError(std::string(kernel) + "(): axis " + std::to_string(axis) + " is out of range for " +
                     std::to_string(ndim) + " dimensions");
  }
  return axis < 0 ? axis + dims : axis;
}

std::optional<int64_t> out_of_range_index(const Array& index, int64_t low, int64_t size) {
  int64_t lo = std::numeric_limits<int64_t>::max(), hi = std::numeric_limits<int64_t>::min();
  auto layout = coalesce<1>(index.shape(), {index.strides()});
  dispatch(index.dtype(), [&](auto tag) {
    using I = decltype(tag);
    if constexpr (std::is_same_v<I, int64_t> || std::is_same_v<I, int32_t>) {
      // one pass on this thread: a min/max the compiler vectorises costs far less than the kernel after it
      for_each_row<1>(layout, {index.bytes()}, {sizeof(I)},
                      [&](const std::array<char*, 1>& p, int64_t n, const std::array<int64_t, 1>& s) {
        const I* x = reinterpret_cast<const I*>(p[0]);
        int64_t l = lo, h = hi;
        for (int64_t i = 0; i < n; ++i) {
          l = std::min<int64_t>(l, x[i * s[0]]);
          h = std::max<int64_t>(h, x[i * s[0]]);
        }
        lo = l;
        hi = h;
      }, /*parallel=*/false);
    } else {
      throw TypeError(std::string("index arrays must be int64 or int32, got ") + dtype_name(index.dtype()));
    }
  });
  if (index.numel() == 0) return std::nullopt;
  if (lo < low) return lo;
  if (hi >= size) return hi;
  return std::nullopt;
}

Array gather(const Array& a, int64_t axis, const Array& index) {
  check_same_ndim(a, index, "gather");
  axis = wrap_axis(axis, a.ndim(), "gather");
  const int64_t size = a.ndim() ? a.shape()[axis] : 1;
  const int64_t step = a.ndim() ? a.strides()[axis] : 0;
  if (!index_fits(a, index, axis)) {  // an out-of-range index is the error named first, as for in-range shapes
    if (auto bad = out_of_range_index(index, 0, size)) throw_out_of_bounds("gather", *bad, axis, size);
    throw_does_not_fit("gather", axis);
  }
  Array out(index.shape(), a.dtype());
  // Indices are checked as they are used (one compare per element, out of range leaves the element
  // unread); only when one was bad does a second pass find the index the error names.
  std::atomic<bool> bad{false};
  dispatch_copy(a.dtype(), [&](auto tag) {  // a copy: the limited-support dtypes too (sort takes its values so)
    using T = decltype(tag);
    dispatch(index.dtype(), [&](auto itag) {
      using I = decltype(itag);
      if constexpr (std::is_same_v<I, int64_t> || std::is_same_v<I, int32_t>) {
        auto layout = coalesce<3>(index.shape(), {out.strides(), index.strides(), line_start_strides(a, index, axis)});
        for_each_row<3>(layout, {out.bytes(), index.bytes(), a.bytes()}, {sizeof(T), sizeof(I), sizeof(T)},
                        [&](const std::array<char*, 3>& p, int64_t n, const std::array<int64_t, 3>& s) {
          T* o = reinterpret_cast<T*>(p[0]);
          const I* idx = reinterpret_cast<const I*>(p[1]);
          const T* x = reinterpret_cast<const T*>(p[2]);
          bool ok = true;
          for (int64_t i = 0; i < n; ++i) {
            const int64_t j = idx[i * s[1]];
            const bool in = static_cast<uint64_t>(j) < static_cast<uint64_t>(size);
            ok &= in;
            o[i * s[0]] = in ? x[i * s[2] + j * step] : T{};
          }
          if (!ok) bad.store(true, std::memory_order_relaxed);
        });
      }
    });
  });
  if (bad.load()) throw_out_of_bounds("gather", *out_of_range_index(index, 0, size), axis, size);
  return out;
}

void scatter(const Array& a, int64_t axis, const Array& index, const Array& src, const std::string& reduce) {
  check_same_ndim(a, index, "scatter");
  axis = wrap_axis(axis, a.ndim(), "scatter");
  if (reduce != "none" && reduce != "add" && reduce != "multiply") {
    throw std::runtime_error("scatter(): reduce argument must be either add or multiply, got " + reduce);
  }
  if (src.dtype() != a.dtype()) {
    throw TypeError(std::string("scatter(): src must have the array's dtype, got ") + dtype_name(src.dtype()) +
                    " and " + dtype_name(a.dtype()));
  }
  const int64_t size = a.ndim() ? a.shape()[axis] : 1;
  const int64_t step = a.ndim() ? a.strides()[axis] : 0;
  // in place, so every index is checked before the first write
  if (auto bad = out_of_range_index(index, 0, size)) throw_out_of_bounds("scatter", *bad, axis, size);
  if (!index_fits(a, index, axis)) throw_does_not_fit("scatter", axis);
  // src's leading block of index's shape (or a broadcast 0-d array)
  Strides src_strides = src.ndim() == 0 ? Strides(index.ndim(), 0) : src.strides();
  // Two elements of index may name one target only when they differ along the axis. Replacing is then
  // "one of the writes wins" even across threads; combining must run in order on one thread.
  const bool parallel = reduce == "none";
  dispatch_all(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using C = compute_t<T>;
    dispatch(index.dtype(), [&](auto itag) {
      using I = decltype(itag);
      if constexpr (std::is_same_v<I, int64_t> || std::is_same_v<I, int32_t>) {
        auto layout = coalesce<3>(index.shape(), {line_start_strides(a, index, axis), index.strides(), src_strides});
        auto run = [&](auto combine) {
          for_each_row<3>(layout, {a.bytes(), index.bytes(), src.bytes()}, {sizeof(T), sizeof(I), sizeof(T)},
                          [&](const std::array<char*, 3>& p, int64_t n, const std::array<int64_t, 3>& s) {
            T* x = reinterpret_cast<T*>(p[0]);
            const I* idx = reinterpret_cast<const I*>(p[1]);
            const T* v = reinterpret_cast<const T*>(p[2]);
            for (int64_t i = 0; i < n; ++i) {
              T& target = x[i * s[0] + static_cast<int64_t>(idx[i * s[1]]) * step];
              target = combine(target, v[i * s[2]]);
            }
          }, parallel);
        };
        if (reduce == "add") {
          run([](T t, T v) { return static_cast<T>(static_cast<C>(t) + static_cast<C>(v)); });
        } else if (reduce == "multiply") {
          run([](T t, T v) { return static_cast<T>(static_cast<C>(t) * static_cast<C>(v)); });
        } else {
          run([](T, T v) { return v; });
        }
      }
    });
  });
}

}  // namespace mytorch
