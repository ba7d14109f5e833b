// Threads: OpenMP above a size threshold, with the count that mytorch.set_num_threads chose.
//
// Small arrays run on the calling thread: waking a thread team costs a few microseconds, more than
// an elementwise pass over ~32k floats takes.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace mytorch {

// elements below which a kernel stays on one thread: the grain of cheap elementwise ops (a few ns an element);
// a kernel whose elements cost ~100x more (the special functions) passes a grain ~100x smaller
constexpr int64_t kParallelGrain = 32768;

inline int num_threads() { return omp_get_max_threads(); }
inline void set_num_threads(int n) { omp_set_num_threads(std::max(1, n)); }

// Runs f(begin, end) over [0, n) split into one contiguous chunk per thread; one call on this thread
// when the work (n units of `cost` elements each) is below `grain` elements or only one thread is allowed.
template <typename F>
void parallel_for(int64_t n, int64_t cost, F&& f, int64_t grain = kParallelGrain) {
  int threads = num_threads();
  if (threads <= 1 || n < 2 || n * cost < grain) {
    f(int64_t{0}, n);
    return;
  }
  threads = static_cast<int>(std::min<int64_t>(threads, n));
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num();
    int64_t begin = n * t / threads, end = n * (t + 1) / threads;
    if (begin < end) f(begin, end);
  }
}

}  // namespace mytorch
