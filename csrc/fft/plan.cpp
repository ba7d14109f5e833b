// FFT plans (the algorithms: plan.h): building the stages, twiddles and chirps, and running them.
#include "fft/plan.h"

#include <cmath>
#include <mutex>
#include <unordered_map>

namespace mytorch {

namespace {

// e^(-2 pi i k / q) in double, rounded to T; k is reduced mod q first, so the angle is exact.
template <typename T>
Complex<T> root(int64_t k, int64_t q) {
  const double angle = -2.0 * M_PI * static_cast<double>(k % q) / static_cast<double>(q);
  return {static_cast<T>(std::cos(angle)), static_cast<T>(std::sin(angle))};
}

// The stage radices of n (4s first, then primes up to kMaxRadix), or none when a larger prime divides n.
std::vector<int> radices(int64_t n) {
  std::vector<int> out;
  for (; n % 4 == 0; n /= 4) out.push_back(4);
  for (int p = 2; p <= kMaxRadix; ++p) {
    for (; n % p == 0; n /= p) out.push_back(p);
  }
  if (n != 1) out.clear();
  return out;
}

// One Stockham stage (plan.h): src holds s = p s' DFTs of length m, dst gets s' of length mp.
template <typename T>
void radix2(const Complex<T>* src, Complex<T>* dst, int64_t s1, int64_t m, const Complex<T>* tw) {
  for (int64_t r = 0; r < s1; ++r) {
    const Complex<T>* a = src + r * m;
    const Complex<T>* b = src + (s1 + r) * m;
    Complex<T>* o = dst + r * 2 * m;
    for (int64_t k = 0; k < m; ++k) {
      const Complex<T> u = a[k], v = b[k] * tw[k];
      o[k] = u + v;
      o[m + k] = u - v;
    }
  }
}

template <typename T>
void radix4(const Complex<T>* src, Complex<T>* dst, int64_t s1, int64_t m, const Complex<T>* tw) {
  for (int64_t r = 0; r < s1; ++r) {
    const Complex<T>* in0 = src + r * m;
    const Complex<T>* in1 = src + (s1 + r) * m;
    const Complex<T>* in2 = src + (2 * s1 + r) * m;
    const Complex<T>* in3 = src + (3 * s1 + r) * m;
    Complex<T>* o = dst + r * 4 * m;
    for (int64_t k = 0; k < m; ++k) {
      const Complex<T> v0 = in0[k], v1 = in1[k] * tw[k], v2 = in2[k] * tw[m + k], v3 = in3[k] * tw[2 * m + k];
      const Complex<T> a = v0 + v2, b = v0 - v2, c = v1 + v3, e = v1 - v3;
      const Complex<T> d = {e.im, -e.re};  // e * w_4 = e * (-i)
      o[k] = a + c;
      o[m + k] = b + d;
      o[2 * m + k] = a - c;
      o[3 * m + k] = b - d;
    }
  }
}

// An odd prime radix p: the direct p-point sum, roots[j] = w_p^j (p is a template argument so that the
// compiler unrolls the sums and folds the index arithmetic).
template <typename T, int p>
void radix_odd(const Complex<T>* src, Complex<T>* dst, int64_t s1, int64_t m, const Complex<T>* tw,
               const Complex<T>* roots) {
  Complex<T> v[p];
  for (int64_t r = 0; r < s1; ++r) {
    Complex<T>* o = dst + r * p * m;
    for (int64_t k = 0; k < m; ++k) {
      v[0] = src[r * m + k];
      for (int t = 1; t < p; ++t) v[t] = src[(t * s1 + r) * m + k] * tw[(t - 1) * m + k];
      for (int k2 = 0; k2 < p; ++k2) {
        Complex<T> sum = v[0];
        for (int t = 1; t < p; ++t) sum = sum + v[t] * roots[(t * k2) % p];
        o[k2 * m + k] = sum;
      }
    }
  }
}

}  // namespace

template <typename T>
std::shared_ptr<const FftPlan<T>> FftPlan<T>::get(int64_t n) {
  static std::mutex mutex;
  static std::unordered_map<int64_t, std::shared_ptr<const FftPlan>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  if (cache.size() >= 64) cache.clear();  // plans in use stay alive through their shared_ptr
  auto plan = std::make_shared<const FftPlan>(n);
  cache.emplace(n, plan);
  return plan;
}

template <typename T>
FftPlan<T>::FftPlan(int64_t n) : n_(n), workspace_(n) {
  const std::vector<int> ps = n > 1 ? radices(n) : std::vector<int>{};
  if (n > 1 && ps.empty()) {  // Bluestein
    int64_t big = 1;
    while (big < 2 * n - 1) big *= 2;
    inner_ = std::make_shared<const FftPlan>(big);
    workspace_ = big + inner_->workspace();
    chirp_.resize(n);
    for (int64_t j = 0; j < n; ++j) chirp_[j] = root<T>((j * j) % (2 * n), 2 * n);
    std::vector<Complex<T>> b(big, Complex<T>{0, 0}), scratch(inner_->workspace());
    b[0] = conj(chirp_[0]);
    for (int64_t j = 1; j < n; ++j) b[j] = b[big - j] = conj(chirp_[j]);
    inner_->forward(b.data(), scratch.data());
    for (auto& v : b) v = {v.re / static_cast<T>(big), v.im / static_cast<T>(big)};
    spectrum_ = std::move(b);
    return;
  }
  int64_t s = n, m = 1;
  for (int p : ps) {
    Stage stage{p, s, m, std::vector<Complex<T>>((p - 1) * m)};
    for (int t = 1; t < p; ++t) {
      for (int64_t k = 0; k < m; ++k) stage.twiddle[(t - 1) * m + k] = root<T>(t * k, m * p);
    }
    stages_.push_back(std::move(stage));
    s /= p;
    m *= p;
  }
}

template <typename T>
void FftPlan<T>::forward(Complex<T>* x, Complex<T>* scratch) const {
  if (inner_) {
    bluestein(x, scratch);
  } else {
    stockham(x, scratch);
  }
}

template <typename T>
void FftPlan<T>::stockham(Complex<T>* x, Complex<T>* scratch) const {
  Complex<T>* src = x;
  Complex<T>* dst = scratch;
  Complex<T> roots[kMaxRadix];
  for (const Stage& st : stages_) {
    const int64_t s1 = st.s / st.p;
    if (st.p == 4) {
      radix4(src, dst, s1, st.m, st.twiddle.data());
    } else if (st.p == 2) {
      radix2(src, dst, s1, st.m, st.twiddle.data());
    } else {
      for (int j = 0; j < st.p; ++j) roots[j] = root<T>(j, st.p);
      switch (st.p) {
        case 3: radix_odd<T, 3>(src, dst, s1, st.m, st.twiddle.data(), roots); break;
        case 5: radix_odd<T, 5>(src, dst, s1, st.m, st.twiddle.data(), roots); break;
        case 7: radix_odd<T, 7>(src, dst, s1, st.m, st.twiddle.data(), roots); break;
        case 11: radix_odd<T, 11>(src, dst, s1, st.m, st.twiddle.data(), roots); break;
        default: radix_odd<T, 13>(src, dst, s1, st.m, st.twiddle.data(), roots); break;
      }
    }
    std::swap(src, dst);
  }
  if (src != x) std::copy(src, src + n_, x);
}

template <typename T>
void FftPlan<T>::bluestein(Complex<T>* x, Complex<T>* scratch) const {
  const int64_t big = inner_->size();
  Complex<T>* a = scratch;
  for (int64_t j = 0; j < n_; ++j) a[j] = x[j] * chirp_[j];
  std::fill(a + n_, a + big, Complex<T>{0, 0});
  inner_->forward(a, scratch + big);
  for (int64_t k = 0; k < big; ++k) a[k] = conj(a[k] * spectrum_[k]);
  inner_->forward(a, scratch + big);  // conj of the inverse FFT of the product: the convolution, conjugated
  for (int64_t k = 0; k < n_; ++k) x[k] = conj(a[k]) * chirp_[k];
}

template class FftPlan<float>;
template class FftPlan<double>;

}  // namespace mytorch
