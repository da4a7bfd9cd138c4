// collect_test_util.h — shared helpers of the flowrl::collect tests.
#pragma once

#include <flowrl/collect/rollout.h>
#include <flowrl/core/error.h>

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

/// The message of the flowrl::Error that `f()` throws; "(no error)" when it returns.
template <typename F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace flowrl::test
