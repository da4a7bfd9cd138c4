// flowrl/envs/vector_env.h — N copies of an env stepped in parallel on a thread pool.
//
// Copy i is seeded with derive_seed(seed, i), and copies share nothing, so the results do not depend
// on the number of threads. There is no auto-reset: a finished copy must be reset before it steps.
//
//   VectorEnv venv("hopper", VectorEnvOptions(8).threads(2));
//   auto obs = venv.reset(/*seed=*/0);
//   auto results = venv.step(actions);       // actions[i] for copy i
#pragma once

#include <flowrl/core/arg.h>
#include <flowrl/envs/env.h>
#include <flowrl/envs/thread_pool.h>

#include <memory>
#include <string>
#include <vector>

namespace flowrl::envs {

/// Options of VectorEnv.
struct VectorEnvOptions {
  /// num_envs: number of env copies.
  explicit VectorEnvOptions(int64_t num_envs = 1) : num_envs_(num_envs) {}

  /// Number of env copies.
  FLOWRL_ARG(int64_t, num_envs);
  /// Threads stepping the copies (the caller included).
  FLOWRL_ARG(int64_t, threads) = 1;
  /// Options every copy is built with.
  FLOWRL_ARG(EnvOptions, env);
};

/// N independent copies of one env, stepped in parallel.
class VectorEnv {
 public:
  /// num_envs copies of make_env(name, options.env()).
  VectorEnv(const std::string& name, const VectorEnvOptions& options);
  /// Takes ownership of existing envs (all with the same spaces).
  VectorEnv(std::vector<std::unique_ptr<Env>> envs, int64_t threads = 1);
  ~VectorEnv();
  VectorEnv(VectorEnv&&) noexcept;
  VectorEnv& operator=(VectorEnv&&) noexcept;

  /// Number of copies.
  int64_t size() const;
  /// Canonical name of the env (copy 0's name()).
  const std::string& name() const;
  /// Observation space of every copy.
  const Box& observation_space() const;
  /// Action space of every copy.
  const Box& action_space() const;
  /// Copy i.
  Env& env(int64_t i);
  /// The pool stepping the copies (also usable for per-copy work such as policy inference).
  ThreadPool& pool();

  /// Resets every copy, copy i with derive_seed(seed, i); returns the first observations.
  std::vector<Observation> reset(uint64_t seed);
  /// Resets copy i with `seed`.
  Observation reset_at(int64_t i, uint64_t seed);
  /// Steps every copy in parallel, actions[i] on copy i.
  std::vector<StepResult> step(const std::vector<Action>& actions);
  /// Steps the listed copies in parallel, actions[k] on copy indices[k] (indices distinct).
  std::vector<StepResult> step(const std::vector<int64_t>& indices, const std::vector<Action>& actions);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowrl::envs
