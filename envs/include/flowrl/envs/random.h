// flowrl/envs/random.h — a small, portable random number generator (xoshiro256**), so that a seed
// gives the same reset noise and the same stochastic actions on every platform and standard library.
#pragma once

#include <cstdint>

namespace flowrl::envs {

/// xoshiro256** seeded through splitmix64, with uniform and normal draws.
class Rng {
 public:
  /// Seeds the generator (any value, 0 included).
  explicit Rng(uint64_t seed = 0) { this->seed(seed); }

  /// Restarts the stream from `seed`.
  void seed(uint64_t seed);
  /// Next 64 random bits.
  uint64_t next_u64();
  /// Uniform in [0, 1) with 53 random bits.
  double uniform();
  /// Uniform in [low, high).
  double uniform(double low, double high) { return low + (high - low) * uniform(); }
  /// Standard normal N(0, 1) (Marsaglia's polar method).
  double normal();

 private:
  uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0.0;
};

/// A seed for sub-stream `index` of `seed` (independent streams for env copies and episodes).
uint64_t derive_seed(uint64_t seed, uint64_t index);

}  // namespace flowrl::envs
