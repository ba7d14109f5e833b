// Philox4x32-10, the counter-based generator of Salmon, Moraes, Dror and Shaw, "Parallel random numbers:
// as easy as 1, 2, 3" (SC 2011), and the stream mytorch's C++ backend draws its random numbers from.
//
// A counter-based generator is a keyed bijection: block(counter, key) maps a 128-bit counter to 128 random
// bits. There is no sequential state to step through, so block b of a draw can be computed by whichever
// thread owns it, and the numbers do not depend on how the work was split. A random state (`PhiloxRng`)
// is the key (from the seed) and the 128-bit counter at which the next draw starts; a draw that uses
// B blocks reads counters offset, offset + 1, ..., offset + B - 1 and then advances the offset by B.
#pragma once
#include <cstdint>

namespace mytorch {

struct PhiloxBlock {
  uint32_t w[4];
};

// One Philox round on counter words (c0, c1, c2, c3) and key (k0, k1):
//   (hi0, lo0) = M0 * c0 and (hi1, lo1) = M1 * c2, full 64-bit products split into 32-bit halves;
//   c' = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0).
// The multipliers M0, M1 were chosen by the authors for good avalanche (every output bit depends on
// every input bit after a few rounds); the swap of the two lanes spreads each product over both halves.
constexpr uint32_t kPhiloxM0 = 0xD2511F53u;
constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
// The key schedule adds these Weyl constants after every round, so that the ten rounds use ten distinct
// keys: W0 is the golden ratio's fractional part and W1 is sqrt(3) - 1, both scaled by 2^32.
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;
constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;
// Ten rounds: the authors found 7 the fewest that pass the BigCrush statistical battery and recommend
// 10 for a safety margin; it is also what cuRAND and PyTorch's CUDA generator use.
constexpr int kPhiloxRounds = 10;

inline PhiloxBlock philox4x32(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1) {
  for (int r = 0; r < kPhiloxRounds; ++r) {
    uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * c0;
    uint64_t p1 = static_cast<uint64_t>(kPhiloxM1) * c2;
    uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += kPhiloxW0;
    k1 += kPhiloxW1;
  }
  return {{c0, c1, c2, c3}};
}

// A random state: the key is the 64-bit seed (k0 its low half, k1 its high half) and the counter is the
// 128-bit offset of the next unused block, (lo, hi) with lo the low 64 bits.
class PhiloxRng {
 public:
  explicit PhiloxRng(uint64_t seed) : key_(seed) {}

  // The random bits of block `b` of the current draw: counter offset + b (mod 2^128).
  PhiloxBlock block(uint64_t b) const {
    uint64_t lo = lo_ + b;
    uint64_t hi = hi_ + (lo < lo_);  // the carry out of the low 64 bits
    return philox4x32(static_cast<uint32_t>(lo), static_cast<uint32_t>(lo >> 32), static_cast<uint32_t>(hi),
                      static_cast<uint32_t>(hi >> 32), static_cast<uint32_t>(key_),
                      static_cast<uint32_t>(key_ >> 32));
  }

  // Marks `blocks` counters as used, so the next draw starts after them.
  void advance(uint64_t blocks) {
    uint64_t lo = lo_ + blocks;
    hi_ += (lo < lo_);
    lo_ = lo;
  }

  uint64_t key() const { return key_; }
  uint64_t offset_lo() const { return lo_; }
  uint64_t offset_hi() const { return hi_; }
  void set(uint64_t key, uint64_t lo, uint64_t hi) {
    key_ = key;
    lo_ = lo;
    hi_ = hi;
  }

 private:
  uint64_t key_;
  uint64_t lo_ = 0, hi_ = 0;
};

}  // namespace mytorch
