// env_test_util.h — small helpers shared by the per-env tests.
#pragma once

#include <flowrl/envs/locomotion_env.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

namespace flowrl::test {

/// Sum of squares.
inline double sum_sq(const std::vector<double>& v) {
  return std::inner_product(v.begin(), v.end(), v.begin(), 0.0);
}

/// Mean, population standard deviation and largest |x| of a sample.
struct SampleStats {
  double mean = 0.0;     ///< sample mean
  double std = 0.0;      ///< population standard deviation
  double max_abs = 0.0;  ///< largest |x|
};

/// The SampleStats of `x` (non-empty).
inline SampleStats sample_stats(const std::vector<double>& x) {
  SampleStats s;
  double sum = 0.0, sum_sq = 0.0;
  for (double v : x) {
    sum += v;
    sum_sq += v * v;
    s.max_abs = std::max(s.max_abs, std::abs(v));
  }
  const double n = static_cast<double>(x.size());
  s.mean = sum / n;
  s.std = std::sqrt(sum_sq / n - s.mean * s.mean);
  return s;
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
