// PyTorch's CPU generator: the mt19937 engine (Matsumoto and Nishimura, 1998) as PyTorch steps it, the
// cached second normal sample of its Box-Muller draws, and its state layout (torch.get_rng_state()).
//
// The engine holds 624 32-bit words. Seeding (init_genrand) sets w[0] to the seed's low 32 bits and
// w[j] = 1812433253 (w[j-1] xor (w[j-1] >> 30)) + j. A draw hands out the next word, tempered; when all
// 624 are used the whole array is regenerated ("twisted") at once. `left` counts the draws until that
// regeneration plus one and `next` is the index of the next word, as PyTorch keeps them, so states
// convert to and from PyTorch's bytes exactly (a fresh engine has left = 1, next = 0).
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

namespace mytorch {

class Mt19937 {
 public:
  static constexpr int kWords = 624;

  explicit Mt19937(uint64_t seed) : seed_(seed) {
    words_[0] = static_cast<uint32_t>(seed);
    for (int j = 1; j < kWords; ++j) words_[j] = 1812433253u * (words_[j - 1] ^ (words_[j - 1] >> 30)) + j;
  }

  // random(): one 32-bit draw
  uint32_t operator()() {
    if (--left_ == 0) twist();
    return temper(words_[next_++]);
  }

  // n draws into out, the same words as n calls of random(): the run up to the next twist is tempered
  // in one loop the compiler vectorises, and the draw that twists goes through random().
  void fill(uint32_t* out, int64_t n) {
    while (n > 0) {
      const int64_t run = std::min<int64_t>(n, left_ - 1);
#pragma omp simd
      for (int64_t i = 0; i < run; ++i) out[i] = temper(words_[next_ + i]);
      next_ += static_cast<uint32_t>(run), left_ -= static_cast<int>(run), out += run, n -= run;
      if (n > 0) *out++ = (*this)(), --n;
    }
  }

  // random64(): two draws, the first one the high half
  uint64_t random64() {
    uint64_t hi = (*this)();
    return hi << 32 | (*this)();
  }

  uint64_t seed() const { return seed_; }
  int left() const { return left_; }
  uint32_t next() const { return next_; }
  const std::array<uint32_t, kWords>& words() const { return words_; }
  // false (and no change) for a state PyTorch rejects (left outside [1, 624], next > 624) or whose next
  // left - 1 draws would read past the words (next + left > 625, which PyTorch lets through)
  bool set(uint64_t seed, int left, uint32_t next, const std::array<uint32_t, kWords>& words) {
    if (left < 1 || left > kWords || next > kWords || next + left > kWords + 1) return false;
    seed_ = seed, left_ = left, next_ = next, words_ = words;
    return true;
  }

 private:
  static uint32_t temper(uint32_t y) {
    y ^= y >> 11;  // tempering: spreads the bits of a word, which the twist mixes only linearly
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    return y ^ (y >> 18);
  }

  // w[i] = w[i + 397] xor A(upper bit of w[i] | lower 31 bits of w[i + 1]), indices mod 624, in order
  // (so the later words read words already regenerated), A(y) = y >> 1 xor (y odd ? 0x9908b0df : 0).
  // Written as three runs without the `mod 624` (i + 397 < 624; i + 1 < 624; the last word), whose two
  // integer divisions per word were most of dropout's time; the first two runs vectorise.
  static uint32_t twisted(uint32_t w, uint32_t w_next, uint32_t w_far) {
    const uint32_t y = (w & 0x80000000u) | (w_next & 0x7fffffffu);
    return w_far ^ (y >> 1) ^ ((y & 1u) * 0x9908b0dfu);
  }
  void twist() {
    constexpr int kShift = 397, kWrap = kWords - kShift;
    for (int i = 0; i < kWrap; ++i) words_[i] = twisted(words_[i], words_[i + 1], words_[i + kShift]);
    for (int i = kWrap; i < kWords - 1; ++i) words_[i] = twisted(words_[i], words_[i + 1], words_[i - kWrap]);
    words_[kWords - 1] = twisted(words_[kWords - 1], words_[0], words_[kShift - 1]);
    left_ = kWords;
    next_ = 0;
  }

  uint64_t seed_;
  int left_ = 1;
  uint32_t next_ = 0;
  std::array<uint32_t, kWords> words_;
};

// A generator: the engine and the second sample of the last float64 Box-Muller pair, when unused (the
// float32 one is kept only to round-trip PyTorch's state: its CPU kernels draw normals in float64).
struct CpuGenerator {
  explicit CpuGenerator(uint64_t seed) : engine(seed) {}
  Mt19937 engine;
  std::optional<double> next_double_normal;
  std::optional<float> next_float_normal;
};

// PyTorch's CPUGeneratorImplState, byte for byte: the legacy part (seed, engine, the float64 cache in
// the old `normal_y` slot), then the float32 cache.
struct TorchGeneratorStateLegacy {
  uint64_t seed;
  int32_t left;
  int32_t seeded;
  uint64_t next;
  uint64_t words[Mt19937::kWords];
  double normal_x, normal_y, normal_rho;
  int32_t normal_is_valid;
};
struct TorchGeneratorState {
  TorchGeneratorStateLegacy legacy;
  float next_float_normal;
  uint8_t next_float_normal_is_valid;  // a C++ bool, read as its byte: a state from outside may hold any value
};
static_assert(sizeof(TorchGeneratorState) == 5056, "PyTorch's CPU generator state is 5056 bytes");

}  // namespace mytorch
