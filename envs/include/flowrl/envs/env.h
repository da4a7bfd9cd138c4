// flowrl/envs/env.h — the environment interface: reset(seed) -> observation, step(action) -> StepResult.
//
// Semantics follow Gym/Gymnasium: an episode ends when the env *terminates* (a terminal state, e.g.
// the hopper fell) or is *truncated* by the time limit (max_episode_steps, 1000 for the locomotion
// envs). At the step that reaches the limit `truncated` is true even if `terminated` is also true
// (Gymnasium's TimeLimit). After either, step() throws until reset() is called.
#pragma once

#include <flowrl/core/arg.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flowrl::envs {

/// An observation: float64 values, laid out as the env documents.
using Observation = std::vector<double>;
/// An action: one value per actuator.
using Action = std::vector<double>;

/// A box in R^n: low[i] <= x[i] <= high[i]. Bounds may be infinite (unbounded observations).
struct Box {
  /// Lower bounds, one per dimension.
  std::vector<double> low;
  /// Upper bounds, one per dimension.
  std::vector<double> high;

  /// Number of dimensions.
  size_t dim() const { return low.size(); }
  /// True when x has dim() entries, all finite-or-infinite values within [low, high] (NaN never is).
  bool contains(const std::vector<double>& x) const;
};

/// What step() returns.
struct StepResult {
  /// Observation after the step.
  Observation observation;
  /// Reward of the step.
  double reward = 0.0;
  /// The env reached a terminal state (e.g. unhealthy); no bootstrapping past it.
  bool terminated = false;
  /// The episode hit max_episode_steps.
  bool truncated = false;

  /// The episode is over (terminated or truncated); reset() before stepping again.
  bool done() const { return terminated || truncated; }
};

/// Options common to every environment.
///
///   auto env = make_env("hopper", EnvOptions().reset_noise_scale(0.0).seed(7));
struct EnvOptions {
  /// Reset-noise scale with Gym v3's meaning (hopper/walker2d: qpos, qvel += U(-s, s), default 5e-3;
  /// halfcheetah, ant: qpos += U(-s, s), qvel += s * N(0, 1), default 0.1). Unset: the env's default;
  /// 0: a deterministic reset.
  FLOWRL_ARG(std::optional<double>, reset_noise_scale);
  /// Steps after which an episode is truncated (Gym's TimeLimit).
  FLOWRL_ARG(int64_t, max_episode_steps) = 1000;
  /// Folder holding the MJCF model files. Empty: $FLOWRL_ASSETS_DIR, else the folder installed with
  /// the library (see flowrl/envs/assets.h).
  FLOWRL_ARG(std::string, assets_dir);
  /// Seed used by a reset() without a seed when the env has never been seeded.
  FLOWRL_ARG(uint64_t, seed) = 0;
  /// False: observations hold positions only, without the joint velocities (locomotion envs:
  /// qpos[1:], e.g. 5 of hopper's 11 values), so a policy must infer velocity from history. The
  /// registry's "<env>-positions" names set it (make_env("hopper-positions")); the name() of such an
  /// env carries the suffix. Dynamics, rewards and terminations are unchanged.
  FLOWRL_ARG(bool, observe_velocities) = true;
};

/// Suffix of the registered positions-only variants ("hopper-positions").
inline constexpr const char* kPositionsSuffix = "-positions";

/// An episodic environment with continuous observations and actions.
class Env {
 public:
  virtual ~Env() = default;

  /// Canonical name, e.g. "hopper".
  virtual const std::string& name() const = 0;
  /// Observation space (float64; the locomotion envs are unbounded).
  virtual const Box& observation_space() const = 0;
  /// Action space; actions outside it are clipped before use.
  virtual const Box& action_space() const = 0;
  /// Episode length cap; the step that reaches it is truncated.
  virtual int64_t max_episode_steps() const = 0;

  /// Starts an episode and returns its first observation. With a seed, the env's random stream is
  /// reseeded (same seed -> same episode for the same actions); without, the stream continues.
  virtual Observation reset(std::optional<uint64_t> seed = std::nullopt) = 0;
  /// Applies an action of action_space().dim() finite values. Throws flowrl::Error on a wrong size,
  /// a NaN/inf value, or when the episode is over (or never started) and reset() was not called.
  virtual StepResult step(const Action& action) = 0;

  /// Steps taken in the current episode.
  virtual int64_t elapsed_steps() const = 0;
  /// True before the first reset() and after an episode ended.
  virtual bool needs_reset() const = 0;
};

}  // namespace flowrl::envs
