// env_test_util.h — small helpers shared by the per-env tests.
#pragma once

#include <flowrl/envs/locomotion_env.h>

#include <cmath>
#include <numeric>
#include <vector>

namespace flowrl::test {

/// Sum of squares.
inline double sum_sq(const std::vector<double>& v) {
  return std::inner_product(v.begin(), v.end(), v.begin(), 0.0);
}

/// qpos0 + delta at index i (a state for health-check tests), zero velocities.
inline envs::MujocoState state_with(const envs::LocomotionEnv& env, int i, double value, bool velocity = false) {
  envs::MujocoState s;
  s.qpos.assign(static_cast<size_t>(env.model_summary().nq), 0.0);
  s.qvel.assign(static_cast<size_t>(env.model_summary().nv), 0.0);
  // joint refs: qpos0 is the reset state without noise
  auto summary = env.model_summary();
  for (size_t k = 0; k < summary.joints.size() && k < s.qpos.size(); ++k) s.qpos[k] = summary.joints[k].qpos0;
  (velocity ? s.qvel : s.qpos)[static_cast<size_t>(i)] = value;
  return s;
}

}  // namespace flowrl::test
