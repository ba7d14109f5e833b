// FFT plans: everything about one length n that does not depend on the data, computed once and cached.
//
// Mixed-radix Stockham (autosort), for n = p_1 p_2 ... p_r with every p <= kMaxRadix. The work buffer
// holds, for the s subsequences x_(r::s) (r in [0, s)), their DFTs of length m = n / s, subsequence r
// at [r m, r m + m). It starts at s = n, m = 1: each element is its own DFT. A stage of radix p merges
// p of them into one of length mp: subsequence r' of stride s' = s / p interleaves subsequences
// r' + s' t, t in [0, p), so with w_q = e^(-2 pi i / q)
//
//     Y'_r'[k1 + m k2] = sum_t  w_p^(t k2)  *  w_(mp)^(t k1) Y_(r' + s' t)[k1]      k1 < m, k2 < p
//
// a twiddle multiply followed by a p-point DFT (the butterfly). Each stage reads one buffer and writes
// the other in order, so the output needs no bit-reversal pass; after the last stage s = 1, m = n.
// Radix 4 and 2 have their own butterflies (4 first: half the passes of radix 2); 3, 5, 7, 11, 13 use
// the direct p-point sum.
//
// Bluestein (chirp-z) for a length with a prime factor above kMaxRadix: 2jk = j^2 + k^2 - (k - j)^2 gives
//
//     X_k = c_k sum_j (x_j c_j) conj(c_(k-j)),      c_j = e^(-pi i j^2 / n),
//
// a circular convolution of length M (a power of two >= 2n - 1) done with two M-point FFTs and a
// product with the filter's spectrum, which the plan keeps. The inverse M-point FFT is
// conj(FFT(conj(v))), so a plan only ever runs forward.
//
// Twiddles and chirps are computed in double from exact integer angles (t k1 mod mp, j^2 mod 2n), then
// rounded to T: their error stays one rounding whatever n is.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

namespace mytorch {

template <typename T>
struct Complex {
  T re, im;
};

template <typename T>
inline Complex<T> operator*(Complex<T> a, Complex<T> b) {
  return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}
template <typename T>
inline Complex<T> operator+(Complex<T> a, Complex<T> b) { return {a.re + b.re, a.im + b.im}; }
template <typename T>
inline Complex<T> operator-(Complex<T> a, Complex<T> b) { return {a.re - b.re, a.im - b.im}; }
template <typename T>
inline Complex<T> conj(Complex<T> a) { return {a.re, -a.im}; }

constexpr int kMaxRadix = 13;

template <typename T>
class FftPlan {
 public:
  // The plan for length n (n >= 1), shared by every caller and thread.
  static std::shared_ptr<const FftPlan> get(int64_t n);
  explicit FftPlan(int64_t n);

  int64_t size() const { return n_; }
  // complex elements of scratch `forward` needs besides x
  int64_t workspace() const { return workspace_; }
  // x (n contiguous elements) <- its forward DFT, in place; scratch has workspace() elements.
  void forward(Complex<T>* x, Complex<T>* scratch) const;

 private:
  struct Stage {
    int p;                           // radix
    int64_t s, m;                    // subsequences and DFT length before the stage
    std::vector<Complex<T>> twiddle; // w_(mp)^(t k1) at [(t - 1) m + k1], t in [1, p)
  };
  void stockham(Complex<T>* x, Complex<T>* scratch) const;
  void bluestein(Complex<T>* x, Complex<T>* scratch) const;

  int64_t n_;
  int64_t workspace_;
  std::vector<Stage> stages_;            // empty for Bluestein
  std::shared_ptr<const FftPlan> inner_; // Bluestein's M-point plan
  std::vector<Complex<T>> chirp_;        // c_j, j < n
  std::vector<Complex<T>> spectrum_;     // FFT_M(b) / M, b_j = b_(M-j) = conj(c_j)
};

}  // namespace mytorch
