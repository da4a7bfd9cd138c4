// collect_test_util.h — shared helpers of the flowrl::collect tests (and test::error_of).
#pragma once

#include <flowrl/collect/rollout.h>

#include "error_of.h"

#include <string>

namespace flowrl::test {

/// The shipped behaviour policy `name` (data/policies/<name>).
inline std::string policy_file(const std::string& name) { return std::string(FLOWRL_POLICIES_DIR) + "/" + name; }

/// A behaviour acting with the shipped policy `name`.
inline collect::Behaviour shipped(const std::string& name, bool stochastic, double action_noise = 0.0) {
  collect::Behaviour b;
  b.policy = policy_file(name);
  b.stochastic = stochastic;
  b.action_noise = action_noise;
  return b;
}

}  // namespace flowrl::test
