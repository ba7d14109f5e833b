// The random primitives of the backend contract (mytorch/backends/base.py, "randomness"): PyTorch's CPU
// distributions on PyTorch's generator (mt19937.h), number for number. Every element takes its draws in
// turn, on one thread, as PyTorch's serial kernels do, so the numbers never depend on the thread count.
// mytorch/backends/_np_random.py is the same algorithm in NumPy and states each one.
#pragma once
#include <cstdint>
#include <vector>

#include "core/array.h"
#include "random/mt19937.h"

namespace mytorch {

// The state in PyTorch's layout (TorchGeneratorState); set_rng_state throws std::runtime_error with
// PyTorch's message for a wrong size or an invalid engine state.
std::vector<uint8_t> rng_state(const CpuGenerator& gen);
void set_rng_state(CpuGenerator& gen, const uint8_t* state, size_t size);

// Values in [low, high): one draw each (float64: random64), u * (high - low) + low fused; floating dt only.
Array uniform(CpuGenerator& gen, const Shape& shape, double low, double high, DType dt);
// N(mean, std^2), floating dt only: `fill` as PyTorch fills a contiguous tensor (Box-Muller on blocks
// of 16 from 16 elements on), else element by element with the cached second sample.
Array normal(CpuGenerator& gen, const Shape& shape, double mean, double std, DType dt, bool fill);
// Exp(lambd): -1 / lambd * log1p(-u), u a float64 uniform, rounded to dt (floating).
Array exponential(CpuGenerator& gen, const Shape& shape, double lambd, DType dt);
// Integers low + (w mod span), span = span_minus_1 + 1 values (up to 2^64: then w itself), cast to dt.
Array randint(CpuGenerator& gen, const Shape& shape, int64_t low, uint64_t span_minus_1, DType dt);
// torch.randperm(n)'s shuffle, int64.
Array permutation(CpuGenerator& gen, int64_t n);

}  // namespace mytorch
