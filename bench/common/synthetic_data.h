// synthetic_data.h — a hopper-shaped D4RL dataset of noise for the benchmarks that sample training
// windows (their speed does not depend on the values).
#pragma once

#include <flowrl/data/d4rl.h>

#include <memory>
#include <random>

namespace flowrl::bench {

/// `rows` rows of 11 observations and 3 actions, uniform in [-1, 1], reward 1, episodes of 20-1000
/// steps ending in terminals; the same for every call.
inline std::shared_ptr<const data::D4RLDataset> synthetic_hopper_dataset(int64_t rows) {
  auto ds = std::make_shared<data::D4RLDataset>();
  ds->observations = data::FloatMatrix(rows, 11);
  ds->actions = data::FloatMatrix(rows, 3);
  ds->rewards.assign(static_cast<size_t>(rows), 1.f);
  ds->terminals.assign(static_cast<size_t>(rows), 0);
  ds->timeouts.assign(static_cast<size_t>(rows), 0);
  std::mt19937 rng(0);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::uniform_int_distribution<int> len(20, 1000);
  for (auto& x : ds->observations.values) x = u(rng);
  for (auto& x : ds->actions.values) x = u(rng);
  for (int64_t i = len(rng); i < rows; i += len(rng)) ds->terminals[static_cast<size_t>(i)] = 1;
  ds->terminals.back() = 1;
  return ds;
}

}  // namespace flowrl::bench
