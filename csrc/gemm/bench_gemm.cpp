// gemm_bench: checks mytorch::gemm against a naive triple loop, then prints its GFLOP/s on square
// sizes and on the shapes mytorch's examples multiply (compare_blas.py prints NumPy's and torch's).
//   gemm_bench [--check] [--perf] [--threads N] [--seconds S]     (default: --check --perf)
// MYTORCH_GEMM_KERNEL=avx512|avx2|generic picks the micro-kernel to test.
#include <omp.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gemm/gemm.h"

namespace {

std::mt19937_64 rng(1234);

int64_t uniform_int(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }

template <typename T>
std::vector<T> random_values(int64_t count) {
  std::uniform_real_distribution<double> dist(-1, 1);
  std::vector<T> v(static_cast<size_t>(count));
  for (T& x : v) x = static_cast<T>(dist(rng));
  return v;
}

// A rows x cols matrix inside a buffer of `size` elements, element (i, j) at i * rs + j * cs.
struct Layout {
  int64_t rs, cs, size;
};

// The layouts the tests cycle through: row-major, column-major (a transposed view), a row-major
// slice of a wider matrix, and every other column of a wider matrix.
Layout layout(int kind, int64_t rows, int64_t cols) {
  switch (kind) {
    case 0: return {cols, 1, rows * cols};
    case 1: return {1, rows, rows * cols};
    case 2: return {cols + 3, 1, rows * (cols + 3)};
    default: return {2 * cols + 1, 2, rows * (2 * cols + 1)};
  }
}

// ---------------------------------------------------------------------------------------------
// Correctness

template <typename T>
struct Case {
  int64_t m, n, k;
  T alpha, beta;
  int a_kind, b_kind, c_kind;
};

// Checks C (in a buffer that started as c_before) against a long-double triple loop: every
// element of the view within a rounding bound, every element outside it untouched.
template <typename T>
bool check_product(const Case<T>& t, const T* a, Layout la, const T* b, Layout lb,
                   const std::vector<T>& c_before, const T* c, Layout lc, const char* what) {
  const double eps = std::numeric_limits<T>::epsilon();
  std::vector<char> in_view(static_cast<size_t>(lc.size), 0);
  for (int64_t i = 0; i < t.m; ++i)
    for (int64_t j = 0; j < t.n; ++j) {
      long double sum = 0, magnitude = 0;
      for (int64_t p = 0; p < t.k; ++p) {
        const long double term = (long double)a[i * la.rs + p * la.cs] * b[p * lb.rs + j * lb.cs];
        sum += term;
        magnitude += std::fabs(term);
      }
      const int64_t at = i * lc.rs + j * lc.cs;
      in_view[at] = 1;
      long double want = t.alpha * sum, bound = std::fabs(t.alpha) * magnitude;
      if (t.beta != 0) want += t.beta * (long double)c_before[at], bound += std::fabs(t.beta * c_before[at]);
      const double tolerance = 4 * eps * (double(t.k) + 2) * double(bound) + 1e-30;
      if (!(std::fabs(double(c[at]) - double(want)) <= tolerance)) {
        std::printf("FAIL %s %s m=%lld n=%lld k=%lld layouts a%d b%d c%d alpha=%g beta=%g at (%lld,%lld): got %.9g want %.9g\n",
                    what, sizeof(T) == 4 ? "float" : "double", (long long)t.m, (long long)t.n,
                    (long long)t.k, t.a_kind, t.b_kind, t.c_kind, double(t.alpha), double(t.beta),
                    (long long)i, (long long)j, double(c[at]), double(want));
        return false;
      }
    }
  for (int64_t at = 0; at < lc.size; ++at)
    if (!in_view[at] && std::memcmp(&c[at], &c_before[at], sizeof(T)) != 0) {
      std::printf("FAIL %s: wrote outside C at offset %lld (m=%lld n=%lld k=%lld)\n", what,
                  (long long)at, (long long)t.m, (long long)t.n, (long long)t.k);
      return false;
    }
  return true;
}

// C starts as random values, or as NaN when beta == 0 (gemm must not read it then).
template <typename T>
std::vector<T> initial_c(int64_t size, T beta) {
  return beta == T(0) ? std::vector<T>(size_t(size), std::numeric_limits<T>::quiet_NaN())
                      : random_values<T>(size);
}

template <typename T>
bool run_case(const Case<T>& t) {
  const Layout la = layout(t.a_kind, t.m, t.k), lb = layout(t.b_kind, t.k, t.n),
               lc = layout(t.c_kind, t.m, t.n);
  const auto a = random_values<T>(la.size), b = random_values<T>(lb.size);
  const auto c_before = initial_c<T>(lc.size, t.beta);
  auto c = c_before;
  mytorch::gemm<T>(t.m, t.n, t.k, t.alpha, a.data(), la.rs, la.cs, b.data(), lb.rs, lb.cs, t.beta,
                   c.data(), lc.rs, lc.cs);
  return check_product(t, a.data(), la, b.data(), lb, c_before, c.data(), lc, "gemm");
}

// `batch` products where A is shared (batch stride 0) and B, C are separate.
template <typename T>
bool run_batched_case(const Case<T>& t, int64_t batch) {
  const Layout la = layout(t.a_kind, t.m, t.k), lb = layout(t.b_kind, t.k, t.n),
               lc = layout(t.c_kind, t.m, t.n);
  const auto a = random_values<T>(la.size), b = random_values<T>(batch * lb.size);
  const auto c_before = initial_c<T>(batch * lc.size, t.beta);
  auto c = c_before;
  mytorch::gemm_batched<T>(batch, t.m, t.n, t.k, t.alpha, a.data(), 0, la.rs, la.cs, b.data(),
                           lb.size, lb.rs, lb.cs, t.beta, c.data(), lc.size, lc.rs, lc.cs);
  for (int64_t i = 0; i < batch; ++i) {
    const std::vector<T> before(c_before.begin() + i * lc.size, c_before.begin() + (i + 1) * lc.size);
    if (!check_product(t, a.data(), la, b.data() + i * lb.size, lb, before, c.data() + i * lc.size,
                       lc, "gemm_batched"))
      return false;
  }
  return true;
}

// The same product on 1 thread and on 2 threads must agree to the bit.
template <typename T>
bool thread_count_invariant(int64_t m, int64_t n, int64_t k, int b_kind) {
  const Layout la = layout(0, m, k), lb = layout(b_kind, k, n), lc = layout(0, m, n);
  const auto a = random_values<T>(la.size), b = random_values<T>(lb.size);
  std::vector<T> c1(size_t(lc.size)), c2(size_t(lc.size));
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  mytorch::gemm<T>(m, n, k, T(1), a.data(), la.rs, la.cs, b.data(), lb.rs, lb.cs, T(0), c1.data(), lc.rs, lc.cs);
  omp_set_num_threads(2);
  mytorch::gemm<T>(m, n, k, T(1), a.data(), la.rs, la.cs, b.data(), lb.rs, lb.cs, T(0), c2.data(), lc.rs, lc.cs);
  omp_set_num_threads(saved);
  if (std::memcmp(c1.data(), c2.data(), c1.size() * sizeof(T)) != 0) {
    std::printf("FAIL %s m=%lld n=%lld k=%lld: 1 and 2 threads differ\n", sizeof(T) == 4 ? "float" : "double",
                (long long)m, (long long)n, (long long)k);
    return false;
  }
  return true;
}

template <typename T>
int check_all() {
  const T alphas[] = {T(1), T(-0.5), T(2.5)}, betas[] = {T(0), T(1), T(0.3)};
  const auto random_case = [&](int64_t m, int64_t n, int64_t k) {
    return Case<T>{m, n, k, alphas[uniform_int(0, 2)], betas[uniform_int(0, 2)], int(uniform_int(0, 3)),
                   int(uniform_int(0, 3)), int(uniform_int(0, 3))};
  };
  int cases = 0, failures = 0;
  const auto count = [&](bool ok) { ++cases, failures += !ok; };

  for (int i = 0; i < 1500; ++i) count(run_case(random_case(uniform_int(1, 70), uniform_int(1, 70), uniform_int(1, 70))));
  for (int kind = 0; kind < 4; ++kind)  // empty products: k == 0 gives beta * C, m or n == 0 nothing
    for (const auto& [m, n, k] : {std::array<int64_t, 3>{5, 7, 0}, {0, 7, 5}, {5, 0, 5}, {33, 40, 0}})
      for (T beta : betas) count(run_case(Case<T>{m, n, k, T(2), beta, kind, kind, kind}));
  // Several KC, MC and NC blocks, in every layout
  for (const auto& [m, n, k] : {std::array<int64_t, 3>{300, 200, 600}, {777, 65, 513}, {13, 4500, 20},
                                {50, 4200, 300}, {400, 390, 380}, {1, 1000, 1000}, {1000, 1, 999}})
    for (int kind = 0; kind < 4; ++kind) {
      Case<T> t = random_case(m, n, k);
      t.a_kind = t.b_kind = t.c_kind = kind;
      count(run_case(t));
    }
  for (int i = 0; i < 100; ++i)
    count(run_batched_case(random_case(uniform_int(1, 70), uniform_int(1, 70), uniform_int(1, 70)), uniform_int(1, 9)));
  count(run_batched_case(random_case(128, 32, 128), 64));  // large enough to share the batch among threads
  for (const auto& [m, n, k] : {std::array<int64_t, 3>{128, 512, 784}, {2048, 128, 512}, {333, 555, 444}, {5, 3000, 300},
                                {1, 3000, 600}, {3, 1500, 800}})
    for (int b_kind = 0; b_kind < 2; ++b_kind) count(thread_count_invariant<T>(m, n, k, b_kind));
  std::printf("%s: %d of %d checks passed\n", sizeof(T) == 4 ? "float" : "double", cases - failures, cases);
  return failures;
}

// ---------------------------------------------------------------------------------------------
// Speed

struct Shape {
  const char* name;
  int64_t batch, m, n, k;
  bool a_transposed, b_transposed;  // operand stored as its transpose (a column-major view)
  bool a_shared;                    // one A for the whole batch (batch stride 0)
};

// Keep in step with SHAPES in compare_blas.py.
const Shape kShapes[] = {
    {"square 512", 1, 512, 512, 512, false, false, false},
    {"square 1024", 1, 1024, 1024, 1024, false, false, false},
    {"square 2048", 1, 2048, 2048, 2048, false, false, false},
    {"mlp1 fwd", 1, 128, 512, 784, false, false, false},
    {"mlp1 dX", 1, 128, 784, 512, false, true, false},
    {"mlp1 dW", 1, 784, 512, 128, true, false, false},
    {"mlp2 fwd", 1, 128, 512, 512, false, false, false},
    {"mlp2 dX", 1, 128, 512, 512, false, true, false},
    {"mlp2 dW", 1, 512, 512, 128, true, false, false},
    {"mlp3 fwd", 1, 128, 10, 512, false, false, false},
    {"mlp3 dX", 1, 128, 512, 10, false, true, false},
    {"mlp3 dW", 1, 512, 10, 128, true, false, false},
    {"gpt mlp up", 1, 2048, 512, 128, false, false, false},
    {"gpt mlp down", 1, 2048, 128, 512, false, false, false},
    {"gpt qkv", 1, 2048, 384, 128, false, false, false},
    {"attn QK^T", 64, 128, 128, 32, false, true, false},
    {"attn PV", 64, 128, 32, 128, false, false, false},
    {"lenet conv1", 64, 6, 784, 25, false, false, true},
    {"lenet conv2", 64, 16, 100, 150, false, false, true},
};

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Best time of repeated runs within about `seconds`.
double gflops(const Shape& s, double seconds) {
  const int64_t a_size = s.m * s.k, b_size = s.k * s.n, c_size = s.m * s.n;
  const auto a = random_values<float>((s.a_shared ? 1 : s.batch) * a_size);
  const auto b = random_values<float>(s.batch * b_size);
  std::vector<float> c(size_t(s.batch * c_size));
  const int64_t a_rs = s.a_transposed ? 1 : s.k, a_cs = s.a_transposed ? s.m : 1;
  const int64_t b_rs = s.b_transposed ? 1 : s.n, b_cs = s.b_transposed ? s.k : 1;
  const auto run = [&] {
    mytorch::gemm_batched<float>(s.batch, s.m, s.n, s.k, 1.0f, a.data(), s.a_shared ? 0 : a_size,
                                 a_rs, a_cs, b.data(), b_size, b_rs, b_cs, 0.0f, c.data(), c_size, s.n, 1);
  };
  run();
  double best = 1e30;
  const double start = now();
  for (int reps = 0; reps < 3 || now() - start < seconds; ++reps) {
    const double t0 = now();
    run();
    best = std::min(best, now() - t0);
  }
  return 2.0 * s.batch * s.m * s.n * s.k / best / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  bool check = false, perf = false;
  double seconds = 0.3;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--check") check = true;
    else if (arg == "--perf") perf = true;
    else if (arg == "--threads" && i + 1 < argc) omp_set_num_threads(std::atoi(argv[++i]));
    else if (arg == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--check] [--perf] [--threads N] [--seconds S]\n", argv[0]);
      return 2;
    }
  }
  if (!check && !perf) check = perf = true;
  std::printf("kernel %s, %d threads\n", mytorch::gemm_kernel_name(), omp_get_max_threads());
  int failures = 0;
  if (check) failures = check_all<float>() + check_all<double>();
  if (perf) {
    std::printf("%-14s %6s %6s %6s %6s  %8s\n", "shape", "batch", "m", "n", "k", "GFLOP/s");
    for (const Shape& s : kShapes)
      std::printf("%-14s %6lld %6lld %6lld %6lld  %8.1f\n", s.name, (long long)s.batch, (long long)s.m,
                  (long long)s.n, (long long)s.k, gflops(s, seconds));
  }
  return failures ? 1 : 0;
}
