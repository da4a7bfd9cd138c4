// flowrl/data/rng.h — a small seeded random generator whose whole state can be saved and restored.
//
// std::mt19937_64 plus distributions written here (std::uniform_int_distribution is implementation
// defined), so a seed gives the same numbers with every standard library, and state()/set_state()
// resume a stream bit-identically (the trainer stores it in checkpoints). Torch-free, header-only.
//
//   Rng rng(42);
//   auto i = rng.below(10);            // uniform in [0, 10)
//   auto saved = rng.state(); ...; rng.set_state(saved);
#pragma once

#include <flowrl/core/error.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>

namespace flowrl::data {

/// Seeded 64-bit Mersenne Twister with portable distributions and a saveable state.
class Rng {
 public:
  /// A generator seeded with `seed`.
  explicit Rng(uint64_t seed = 0) : engine_(seed) {}

  /// Restarts the stream from `seed`.
  void seed(uint64_t seed) { engine_.seed(seed); }
  /// 64 random bits.
  uint64_t next() { return engine_(); }
  /// Uniform integer in [0, n); n must be positive. Unbiased (rejection sampling).
  uint64_t below(uint64_t n) {
    FLOWRL_CHECK(n > 0, "Rng::below: n must be positive.");
    const uint64_t max = std::numeric_limits<uint64_t>::max();
    const uint64_t limit = max - (max % n + 1) % n;  // largest accepted value: limit + 1 is a multiple of n
    uint64_t x = next();
    while (x > limit) x = next();
    return x % n;
  }
  /// Uniform double in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  /// Standard normal (Box-Muller, two uniforms per call; no cached value, so state() is complete).
  double normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  /// The whole generator state as text (about 6 KB).
  std::string state() const {
    std::ostringstream out;
    out << engine_;
    return out.str();
  }
  /// Restores a state from state(); throws flowrl::Error if `text` is not one.
  void set_state(const std::string& text) {
    std::istringstream in(text);
    std::mt19937_64 engine;
    in >> engine;
    FLOWRL_CHECK(!in.fail(), "Rng::set_state: not a generator state (expected the text of Rng::state()).");
    engine_ = engine;
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace flowrl::data
