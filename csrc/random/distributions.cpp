// PyTorch's CPU distributions on its generator. This file is compiled with -ffp-contract=off: every
// a * b + c PyTorch's compiled kernels fuse is an explicit std::fma here, and no other is fused.
#include "random/distributions.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "core/errors.h"

namespace mytorch {

namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;

// A uniform in [0, 1), exact in its type: k 2^-24 from the low 24 bits of one draw as a float (what every
// type but float64 draws), k 2^-53 from the low 53 bits of random64 as a double.
template <typename C> C unit(Mt19937& engine) {
  if constexpr (std::is_same_v<C, double>) {
    return static_cast<double>(engine.random64() & ((uint64_t{1} << 53) - 1)) * 0x1p-53;
  } else {
    return static_cast<float>(engine() & ((uint32_t{1} << 24) - 1)) * 0x1p-24f;
  }
}

// unit<C> of n draws in a row, in chunks: f(first, u, count) gets u[j] = the (first + j)-th. The words come
// from Mt19937::fill and are converted in loops the compiler vectorises (a double's 53 bits as two exact
// uint32 -> double conversions: AVX2 has no 64-bit integer one), which makes a float64 draw several
// times cheaper than unit<double>'s two random() calls and scalar conversion.
template <typename C, typename F> void for_units(Mt19937& engine, int64_t n, F&& f) {
  constexpr int64_t kChunk = 512, kDraws = sizeof(C) / 4;  // random() calls per value: 2 for double
  uint32_t w[kChunk * kDraws];
  C u[kChunk];
  for (int64_t first = 0; first < n; first += kChunk) {
    const int64_t count = std::min(kChunk, n - first);
    engine.fill(w, count * kDraws);
    if constexpr (std::is_same_v<C, double>) {
#pragma omp simd
      for (int64_t j = 0; j < count; ++j) {
        u[j] = (static_cast<double>(w[2 * j] & 0x1fffffu) * 0x1p32 + static_cast<double>(w[2 * j + 1])) * 0x1p-53;
      }
    } else {
#pragma omp simd
      for (int64_t j = 0; j < count; ++j) u[j] = static_cast<float>(w[j] & 0xffffffu) * 0x1p-24f;
    }
    f(first, u, count);
  }
}

// The type a distribution computes in for elements of type T: float64 for float64, float32 for the rest.
template <typename T> using real_t = std::conditional_t<std::is_same_v<T, double>, double, float>;

// An array of `shape` and floating `dt`, written by fill(y, n): y its T* (T the C++ type of dt), n elements.
template <typename F> Array floating_array(const Shape& shape, DType dt, const char* op, F&& fill) {
  if (!is_floating(dt)) throw TypeError(std::string(op) + ": expected a floating dtype, got " + dtype_name(dt));
  Array out(shape, dt);
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (is_floating_v<T>) fill(out.data<T>(), out.numel());
  });
  return out;
}

// ---- float32 Box-Muller blocks: avx_mathfun.h's Cephes log and sincos, as PyTorch's AVX2 kernel rounds ----

// ln x for x in (0, 1]: x = m 2^e, m in [sqrt(1/2), sqrt(2)), ln x = ln m + e ln 2 with ln m from
// f = m - 1 as f - f^2/2 + f^3 P(f), ln 2 split in two so that e * ln2_hi is exact.
float cephes_log(float x) {
  constexpr float p[9] = {7.0376836292e-2f, -1.1514610310e-1f, 1.1676998740e-1f, -1.2420140846e-1f,
                          1.4249322787e-1f, -1.6668057665e-1f, 2.0000714765e-1f, -2.4999993993e-1f,
                          3.3333331174e-1f};
  int32_t bits;
  std::memcpy(&bits, &x, 4);
  float e = static_cast<float>((bits >> 23) - 126);
  bits = (bits & ~0x7F800000) | 0x3F000000;  // the significand scaled into [1/2, 1)
  float m;
  std::memcpy(&m, &bits, 4);
  bool small = m < 0.707106781186547524f;
  if (small) e -= 1.0f;
  float f = (m - 1.0f) + (small ? m : 0.0f);
  float z = f * f;
  float y = p[0];
  for (int k = 1; k < 9; ++k) y = std::fma(y, f, p[k]);
  y = std::fma(y * f, z, e * -2.12194440e-4f);
  y = std::fma(-z, 0.5f, y);
  return std::fma(e, 0.693359375f, f + y);
}

// sin x and cos x for x >= 0: j = the even integer at or above trunc(x 4/pi), x - j pi/4 reduced in
// three exact parts, a polynomial for each of sin and cos there, swapped and negated by the octant j.
void cephes_sincos(float x, float& sin_x, float& cos_x) {
  int32_t j = static_cast<int32_t>(x * 1.27323954473516f);
  j = (j + 1) & ~1;
  float y = static_cast<float>(j);
  x = std::fma(y, -0.78515625f, x);
  x = std::fma(y, -2.4187564849853515625e-4f, x);
  x = std::fma(y, -3.77489497744594108e-8f, x);
  float z = x * x;
  float c = std::fma(std::fma(2.443315711809948e-5f, z, -1.388731625493765e-3f), z, 4.166664568298827e-2f) * z;
  c = std::fma(c, z, -(z * 0.5f)) + 1.0f;
  float s = std::fma(std::fma(-1.9515295891e-4f, z, 8.3321608736e-3f), z, -1.6666654611e-1f) * z;
  s = std::fma(s, x, x);
  if (j & 2) std::swap(s, c);
  sin_x = (j & 4) ? -s : s;
  cos_x = ((j - 2) & 4) ? c : -c;
}

// One block of 16: u1 = 1 - x[j], u2 = x[j + 8] for j < 8; r = sqrt(-2 ln u1), t = 2 pi u2;
// x[j] = r cos t * std + mean, x[j + 8] = r sin t * std + mean.
void box_muller16(float* x, float mean, float std) {
  for (int j = 0; j < 8; ++j) {
    float r = std::sqrt(-2.0f * cephes_log(1.0f - x[j]));
    float s, c;
    cephes_sincos(static_cast<float>(kTwoPi) * x[j + 8], s, c);
    x[j] = std::fma(r * c, std, mean);
    x[j + 8] = std::fma(r * s, std, mean);
  }
}

// The same block in float64 with the C library's log, cos and sin.
void box_muller16(double* x, double mean, double std) {
  for (int j = 0; j < 8; ++j) {
    double r = std::sqrt(-2.0 * std::log(1.0 - x[j])), t = kTwoPi * x[j + 8];
    x[j] = std::fma(r * std::cos(t), std, mean);
    x[j + 8] = std::fma(r * std::sin(t), std, mean);
  }
}

// The fill path, in C = real_t<T>: n uniforms, Box-Muller on each whole block of 16, then (when 16 does
// not divide n) a last block written over the last 16 elements: 16 fresh uniforms for float32 and
// float64; for half types, which PyTorch computes in float32 and rounds at the end, the partial
// block's own uniforms completed by fresh ones.
template <typename T> void normal_fill(Mt19937& engine, T* y, int64_t n, double mean, double std) {
  using C = real_t<T>;
  std::vector<C> buffer;
  C* x;
  if constexpr (std::is_same_v<T, C>) {
    x = y;
  } else {
    buffer.resize(n);
    x = buffer.data();
  }
  const C mu = static_cast<C>(mean), sigma = static_cast<C>(std);
  for_units<C>(engine, n, [&](int64_t first, const C* u, int64_t count) { std::copy(u, u + count, x + first); });
  const int64_t whole = n - n % 16;
  for (int64_t i = 0; i < whole; i += 16) box_muller16(x + i, mu, sigma);
  if (whole < n) {
    C tail[16];
    int64_t kept = std::is_same_v<T, C> ? 0 : n - whole;
    for (int64_t i = 0; i < 16; ++i) tail[i] = i < kept ? x[whole + i] : unit<C>(engine);
    box_muller16(tail, mu, sigma);
    std::copy(tail, tail + 16, x + n - 16);
  }
  if constexpr (!std::is_same_v<T, C>) {
    for (int64_t i = 0; i < n; ++i) y[i] = T(x[i]);
  }
}

// The scalar path: z from the cache, or a new pair (r cos t, r sin t) with r = sqrt(-2 log1p(-u2)),
// t = 2 pi u1 from two float64 uniforms, r sin t cached; then z * std + mean.
double normal_scalar(CpuGenerator& gen, double mean, double std) {
  double z;
  if (gen.next_double_normal) {
    z = *gen.next_double_normal;
    gen.next_double_normal.reset();
  } else {
    double u1 = unit<double>(gen.engine), u2 = unit<double>(gen.engine);
    double r = std::sqrt(-2.0 * std::log1p(-u2)), t = kTwoPi * u1;
    gen.next_double_normal = r * std::sin(t);
    z = r * std::cos(t);
  }
  return std::fma(z, std, mean);
}

// A drawn integer stored as T; half types go through float, as every kernel stores them.
template <typename T> T from_int(int64_t v) {
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    return T(static_cast<float>(v));
  } else {
    return static_cast<T>(v);
  }
}

}  // namespace

std::vector<uint8_t> rng_state(const CpuGenerator& gen) {
  TorchGeneratorState s;
  std::memset(&s, 0, sizeof s);  // padding included: the bytes are compared with PyTorch's
  const Mt19937& e = gen.engine;
  s.legacy.seed = e.seed();
  s.legacy.left = e.left();
  s.legacy.seeded = 1;
  s.legacy.next = e.next();
  for (int i = 0; i < Mt19937::kWords; ++i) s.legacy.words[i] = e.words()[i];
  if (gen.next_double_normal) s.legacy.normal_is_valid = 1, s.legacy.normal_y = *gen.next_double_normal;
  if (gen.next_float_normal) s.next_float_normal_is_valid = 1, s.next_float_normal = *gen.next_float_normal;
  std::vector<uint8_t> out(sizeof s);
  std::memcpy(out.data(), &s, sizeof s);
  return out;
}

void set_rng_state(CpuGenerator& gen, const uint8_t* state, size_t size) {
  if (size != sizeof(TorchGeneratorState)) {
    throw std::runtime_error("Expected a CPUGeneratorImplState of size " + std::to_string(sizeof(TorchGeneratorState)) +
                             " but found the input RNG state size to be " + std::to_string(size));
  }
  TorchGeneratorState s;
  std::memcpy(&s, state, sizeof s);
  std::array<uint32_t, Mt19937::kWords> words;
  for (int i = 0; i < Mt19937::kWords; ++i) words[i] = static_cast<uint32_t>(s.legacy.words[i]);
  if (!s.legacy.seeded || s.legacy.next > Mt19937::kWords ||
      !gen.engine.set(s.legacy.seed, s.legacy.left, static_cast<uint32_t>(s.legacy.next), words)) {
    throw std::runtime_error("Invalid mt19937 state");
  }
  gen.next_double_normal = s.legacy.normal_is_valid ? std::optional<double>(s.legacy.normal_y) : std::nullopt;
  gen.next_float_normal = s.next_float_normal_is_valid ? std::optional<float>(s.next_float_normal) : std::nullopt;
}

// u * (to - from) + from, one fused multiply-add in C = real_t<T> with from and to rounded to C (and
// their difference too). Half types round that float value and take one that rounds up to `to` back
// to `from`, so the range stays half-open.
Array uniform(CpuGenerator& gen, const Shape& shape, double low, double high, DType dt) {
  return floating_array(shape, dt, "uniform", [&](auto* y, int64_t n) {
    using T = std::remove_pointer_t<decltype(y)>;
    using C = real_t<T>;
    const C from = static_cast<C>(low), to = static_cast<C>(high), span = to - from;
    const float top = static_cast<float>(T(to));
    for_units<C>(gen.engine, n, [&](int64_t first, const C* u, int64_t count) {
      for (int64_t j = 0; j < count; ++j) {
        T v = T(std::fma(u[j], span, from));
        if constexpr (!std::is_same_v<T, C>) {
          if (static_cast<float>(v) >= top) v = T(from);
        }
        y[first + j] = v;
      }
    });
  });
}

Array normal(CpuGenerator& gen, const Shape& shape, double mean, double std, DType dt, bool fill) {
  return floating_array(shape, dt, "normal", [&](auto* y, int64_t n) {
    using T = std::remove_pointer_t<decltype(y)>;
    if (fill && n >= 16) {
      normal_fill(gen.engine, y, n, mean, std);
    } else {
      for (int64_t i = 0; i < n; ++i) y[i] = T(static_cast<compute_t<T>>(normal_scalar(gen, mean, std)));
    }
  });
}

Array exponential(CpuGenerator& gen, const Shape& shape, double lambd, DType dt) {
  return floating_array(shape, dt, "exponential", [&](auto* y, int64_t n) {
    using T = std::remove_pointer_t<decltype(y)>;
    for (int64_t i = 0; i < n; ++i) {
      y[i] = T(static_cast<compute_t<T>>(-1.0 / lambd * std::log1p(-unit<double>(gen.engine))));
    }
  });
}

// 64 random bits when the range holds 2^32 values or more and dt is one PyTorch draws them for
// (int64, float64, float32, bfloat16), else 32; (w mod span) + low wraps in 64 bits.
Array randint(CpuGenerator& gen, const Shape& shape, int64_t low, uint64_t span_minus_1, DType dt) {
  Array out(shape, dt);
  int64_t n = out.numel();
  const bool wide = span_minus_1 >= 0xFFFFFFFFu &&
                    (dt == DType::Int64 || dt == DType::Float64 || dt == DType::Float32 || dt == DType::BFloat16);
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    T* y = out.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      uint64_t w = wide ? gen.engine.random64() : gen.engine();
      // the whole int64 range (low = -2^63) is random64() itself, as PyTorch takes it
      uint64_t v = span_minus_1 == UINT64_MAX ? w : static_cast<uint64_t>(low) + w % (span_minus_1 + 1);
      y[i] = from_int<T>(static_cast<int64_t>(v));
    }
  });
  return out;
}

// Below 2^32 / 20 elements: p[i] <-> p[i + random() mod (n - i)] for i < n - 1. Above: the inside-out
// shuffle p[i] = p[z], p[z] = i with z = random64() mod (i + 1).
Array permutation(CpuGenerator& gen, int64_t n) {
  Array out({n}, DType::Int64);
  int64_t* p = out.data<int64_t>();
  if (n < static_cast<int64_t>(UINT32_MAX / 20)) {
    for (int64_t i = 0; i < n; ++i) p[i] = i;
    for (int64_t i = 0; i < n - 1; ++i) std::swap(p[i], p[i + static_cast<int64_t>(gen.engine() % (n - i))]);
  } else {
    for (int64_t i = 0; i < n; ++i) {
      int64_t z = static_cast<int64_t>(gen.engine.random64() % static_cast<uint64_t>(i + 1));
      p[i] = p[z];
      p[z] = i;
    }
  }
  return out;
}

}  // namespace mytorch
