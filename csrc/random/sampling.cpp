// Distributions on the Philox stream.
//
// Each draw splits its output into groups of `per_block` consecutive elements; group b is made from the
// four 32-bit words of block b (counter offset + b) alone. Elements that need 32 random bits take one
// word (4 per block), 64 bits two words (2 per block), 128 bits all four. So for a float32 uniform,
// element i comes from word i % 4 of counter offset + i / 4. Threads take whole blocks, which is why the
// numbers are the same for any thread count; the offset then advances by the number of blocks used.
#include "random/sampling.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "core/errors.h"
#include "core/parallel.h"

namespace mytorch {

namespace {

// Runs f(block, first, count) for every block of a draw of n elements, per_block elements per block:
// block b holds elements [b * per_block, min(n, (b + 1) * per_block)). `cost` is the work per element
// relative to a copy, for parallel_for's threshold. Advances rng past the blocks used.
template <typename F>
void for_each_block(PhiloxRng& rng, int64_t n, int64_t per_block, int64_t cost, F&& f) {
  int64_t blocks = (n + per_block - 1) / per_block;
  parallel_for(blocks, per_block * cost, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      int64_t first = b * per_block;
      f(rng.block(static_cast<uint64_t>(b)), first, std::min(per_block, n - first));
    }
  });
  rng.advance(static_cast<uint64_t>(blocks));
}

uint64_t join64(uint32_t lo, uint32_t hi) { return static_cast<uint64_t>(hi) << 32 | lo; }

// Significand digits (the implicit bit included) of each floating type: a uniform drawn with this many
// bits, k * 2^-digits for k < 2^digits, is exact in the type, so it can never round up to 1.
template <typename T> constexpr int kDigits = 0;
template <> constexpr int kDigits<Half> = 11;
template <> constexpr int kDigits<BFloat16> = 8;
template <> constexpr int kDigits<float> = 24;
template <> constexpr int kDigits<double> = 53;

// [0, 1) from the top `bits` bits of a 32-bit word (bits <= 24: exact in float) ...
inline float unit_float(uint32_t w, int bits) { return static_cast<float>(w >> (32 - bits)) * std::ldexp(1.0f, -bits); }
// ... and with 53 bits from a 64-bit draw (exact in double).
inline double unit_double(uint64_t r) { return static_cast<double>(r >> 11) * 0x1p-53; }

void check_floating(DType dt, const char* op) {
  if (!is_floating(dt)) throw TypeError(std::string(op) + ": expected a floating dtype, got " + dtype_name(dt));
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

std::array<uint8_t, kRngStateBytes> rng_state(const PhiloxRng& rng) {
  std::array<uint8_t, kRngStateBytes> out;
  const uint64_t words[3] = {rng.key(), rng.offset_lo(), rng.offset_hi()};
  for (int w = 0; w < 3; ++w) {
    for (int i = 0; i < 8; ++i) out[8 * w + i] = static_cast<uint8_t>(words[w] >> (8 * i));
  }
  return out;
}

void set_rng_state(PhiloxRng& rng, const uint8_t* state, size_t size) {
  if (size != kRngStateBytes) {
    throw std::runtime_error("Expected an RNG state of " + std::to_string(kRngStateBytes) + " bytes, got " +
                             std::to_string(size));
  }
  uint64_t words[3] = {0, 0, 0};
  for (int w = 0; w < 3; ++w) {
    for (int i = 0; i < 8; ++i) words[w] |= static_cast<uint64_t>(state[8 * w + i]) << (8 * i);
  }
  rng.set(words[0], words[1], words[2]);
}

// u = k * 2^-digits with k uniform in [0, 2^digits), then low + u * (high - low) in compute_t<T>, rounded
// once to T. Types with at most 24 digits take one word per element, float64 two.
Array uniform(PhiloxRng& rng, const Shape& shape, double low, double high, DType dt) {
  check_floating(dt, "uniform");
  Array out(shape, dt);
  int64_t n = out.numel();
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (is_floating_v<T>) {
      using C = compute_t<T>;
      T* y = out.data<T>();
      const C lo = static_cast<C>(low), span = static_cast<C>(high - low);
      if constexpr (std::is_same_v<T, double>) {
        for_each_block(rng, n, 2, 1, [&](const PhiloxBlock& r, int64_t first, int64_t count) {
          for (int64_t k = 0; k < count; ++k) y[first + k] = unit_double(join64(r.w[2 * k], r.w[2 * k + 1])) * span + lo;
        });
      } else {
        for_each_block(rng, n, 4, 1, [&](const PhiloxBlock& r, int64_t first, int64_t count) {
          for (int64_t k = 0; k < count; ++k) y[first + k] = T(unit_float(r.w[k], kDigits<T>) * span + lo);
        });
      }
    }
  });
  return out;
}

// Box-Muller: from u1 in (0, 1] and u2 in [0, 1), z0 = sqrt(-2 ln u1) cos(2 pi u2) and
// z1 = sqrt(-2 ln u1) sin(2 pi u2) are two independent N(0, 1) samples. u1 = 1 - u for a uniform u in
// [0, 1), so ln u1 is never ln 0. Elements 2j and 2j + 1 are the pair (z0, z1) of one (u1, u2).
// float, float16, bfloat16: computed in float from 24-bit uniforms (one word each), so a block gives
// two pairs (|z| <= sqrt(48 ln 2) = 5.8, as PyTorch's CPU float normal). float64: 53-bit uniforms of
// two words each, one pair per block.
Array normal(PhiloxRng& rng, const Shape& shape, double mean, double std, DType dt) {
  check_floating(dt, "normal");
  Array out(shape, dt);
  int64_t n = out.numel();
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (is_floating_v<T>) {
      using C = compute_t<T>;
      T* y = out.data<T>();
      const C mu = static_cast<C>(mean), sigma = static_cast<C>(std);
      constexpr C kTwoPi = static_cast<C>(6.283185307179586476925286766559);
      // writes the pair from uniforms (u1, u2) to elements first and first + 1 (when count > 1)
      auto store_pair = [&](C u1, C u2, int64_t first, int64_t count) {
        C radius = std::sqrt(C(-2) * std::log(u1)), theta = kTwoPi * u2;
        y[first] = T(mu + sigma * radius * std::cos(theta));
        if (count > 1) y[first + 1] = T(mu + sigma * radius * std::sin(theta));
      };
      if constexpr (std::is_same_v<T, double>) {
        for_each_block(rng, n, 2, 16, [&](const PhiloxBlock& r, int64_t first, int64_t count) {
          store_pair(1.0 - unit_double(join64(r.w[0], r.w[1])), unit_double(join64(r.w[2], r.w[3])), first, count);
        });
      } else {
        for_each_block(rng, n, 4, 16, [&](const PhiloxBlock& r, int64_t first, int64_t count) {
          for (int64_t k = 0; k < count; k += 2) {
            store_pair(1.0f - unit_float(r.w[k], 24), unit_float(r.w[k + 1], 24), first + k, count - k);
          }
        });
      }
    }
  });
  return out;
}

// Multiply-shift (Lemire): with r uniform on [0, 2^b), floor(r * span / 2^b) is in [0, span) and each
// value is hit by floor or ceil(2^b / span) of the 2^b values of r, a relative bias of at most
// span / 2^b. No rejection, so each element uses a fixed number of words:
//   span <= 2^32: b = 64 (two words), bias <= 2^-32;
//   span >  2^32: b = 128 (a whole block), bias <= 2^-64.
Array randint(PhiloxRng& rng, const Shape& shape, int64_t low, uint64_t span_minus_1, DType dt) {
  using u128 = unsigned __int128;
  Array out(shape, dt);
  int64_t n = out.numel();
  const u128 span = static_cast<u128>(span_minus_1) + 1;
  dispatch(dt, [&](auto tag) {
    using T = decltype(tag);
    T* y = out.data<T>();
    // low + offset, wrapping in 64 bits, is the value: offset may exceed INT64_MAX when low < 0
    auto value = [&](uint64_t offset) { return from_int<T>(static_cast<int64_t>(static_cast<uint64_t>(low) + offset)); };
    if (span_minus_1 < (uint64_t{1} << 32)) {
      for_each_block(rng, n, 2, 1, [&](const PhiloxBlock& r, int64_t first, int64_t count) {
        for (int64_t k = 0; k < count; ++k) {
          uint64_t bits = join64(r.w[2 * k], r.w[2 * k + 1]);
          y[first + k] = value(static_cast<uint64_t>((static_cast<u128>(bits) * span) >> 64));
        }
      });
    } else {
      // r = hi 2^64 + lo: floor(r span / 2^128) = floor((hi span + floor(lo span / 2^64)) / 2^64), which
      // fits 128 bits since hi, lo < 2^64 and span <= 2^64
      for_each_block(rng, n, 1, 2, [&](const PhiloxBlock& r, int64_t first, int64_t) {
        u128 hi = join64(r.w[2], r.w[3]), lo = join64(r.w[0], r.w[1]);
        y[first] = value(static_cast<uint64_t>((hi * span + ((lo * span) >> 64)) >> 64));
      });
    }
  });
  return out;
}

// Fisher-Yates: for i = n-1 down to 1, swap p[i] with p[j_i], j_i uniform in [0, i]. Only the swaps are
// sequential: every j_i = floor(r_i (i + 1) / 2^64) is drawn first, in parallel, from the 64-bit draw r_i
// of element i (bias <= n / 2^64, as in randint). r_0 is drawn too, unused, so that i indexes the stream.
Array permutation(PhiloxRng& rng, int64_t n) {
  using u128 = unsigned __int128;
  Array out({n}, DType::Int64);
  int64_t* p = out.data<int64_t>();
  std::vector<int64_t> j(static_cast<size_t>(n));
  for_each_block(rng, n, 2, 1, [&](const PhiloxBlock& r, int64_t first, int64_t count) {
    for (int64_t k = 0; k < count; ++k) {
      int64_t i = first + k;
      u128 bits = join64(r.w[2 * k], r.w[2 * k + 1]);
      j[i] = static_cast<int64_t>((bits * static_cast<u128>(i + 1)) >> 64);
    }
  });
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[j[i]]);
  return out;
}

}  // namespace mytorch
