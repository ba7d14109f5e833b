// The random primitives of the backend contract (mytorch/backends/base.py, "randomness") on the Philox
// stream of philox.h. Every draw is reproducible from the seed and independent of the thread count:
// output element i is computed from a block fixed by i alone (sampling.cpp says which), whatever
// thread computes it.
#pragma once
#include <array>
#include <cstdint>

#include "core/array.h"
#include "random/philox.h"

namespace mytorch {

// The state as bytes: the key (the seed), then the counter offset's low and high 64 bits, each 8 bytes
// little-endian; 24 bytes in all.
constexpr size_t kRngStateBytes = 24;
std::array<uint8_t, kRngStateBytes> rng_state(const PhiloxRng& rng);
void set_rng_state(PhiloxRng& rng, const uint8_t* state, size_t size);

// Values in [low, high), floating dt only; for [0, 1) never 1 after rounding to dt.
Array uniform(PhiloxRng& rng, const Shape& shape, double low, double high, DType dt);
// mean + std * N(0, 1), floating dt only.
Array normal(PhiloxRng& rng, const Shape& shape, double mean, double std, DType dt);
// Integers in [low, low + span_minus_1] (span_minus_1 + 1 values, up to 2^64), cast to dt (any dtype).
Array randint(PhiloxRng& rng, const Shape& shape, int64_t low, uint64_t span_minus_1, DType dt);
// A random permutation of 0 .. n-1, int64.
Array permutation(PhiloxRng& rng, int64_t n);

}  // namespace mytorch
