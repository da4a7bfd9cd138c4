// flowrl/envs/evaluate.h — run a policy for N episodes on a VectorEnv and summarize the returns.
//
// Episode e always starts from reset(derive_seed(seed, e)) and the policy gets the episode seed
// derive_seed(seed ^ kPolicySeedSalt, e), whichever env copy runs it, so the results are the same for
// any number of threads or copies. Any agent plugs in through the Policy interface (an MLP behaviour
// policy, a Decision Transformer conditioned on a target return, ...).
//
//   VectorEnv venv("hopper", VectorEnvOptions(10).threads(2));
//   EvaluationResult r = evaluate(venv, policy, EvaluateOptions(/*episodes=*/30).seed(0));
//   std::cout << format_summary(r);  write_json(r, "eval.json");
#pragma once

#include <flowrl/core/arg.h>
#include <flowrl/envs/env.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace flowrl::envs {

class VectorEnv;

/// The observations a policy acts on at one step: entry k belongs to env copy slots[k].
struct ActBatch {
  /// Env copy ("slot") of each entry.
  std::vector<int64_t> slots;
  /// Current observation of each entry.
  std::vector<Observation> observations;
};

/// An agent driven by evaluate(). Each slot runs one episode at a time.
class Policy {
 public:
  virtual ~Policy() = default;
  /// An episode starts in `slot`; `seed` seeds whatever randomness the policy uses in it.
  virtual void start_episode(int64_t slot, uint64_t seed, const Observation& first_observation) {
    (void)slot, (void)seed, (void)first_observation;
  }
  /// One action per batch entry, in batch order.
  virtual std::vector<Action> act(const ActBatch& batch) = 0;
  /// The outcome of the action just taken in `slot` (e.g. to update a return-to-go).
  virtual void observe(int64_t slot, const Action& action, const StepResult& result) {
    (void)slot, (void)action, (void)result;
  }
  /// True when act()/observe() on different slots may run concurrently; evaluate() then calls them
  /// with one-entry batches on the pool's threads. False: one batch per step on the calling thread.
  virtual bool concurrent_slots() const { return false; }
};

struct EpisodeResult;
struct EvaluationResult;

/// Watches the episodes evaluate() runs, e.g. to record a video (flowrl/envs/render.h). evaluate()
/// calls it on its own thread, never concurrently, and an observer only reads the env: the episodes'
/// numbers are the same with and without one.
class EpisodeObserver {
 public:
  virtual ~EpisodeObserver() = default;
  /// An evaluation of `episodes` episodes on `env_name` begins (episode indices restart at 0).
  virtual void on_evaluation_start(const std::string& env_name, int64_t episodes) { (void)env_name, (void)episodes; }
  /// Episode `episode` has started; `env` is in its reset state.
  virtual void on_reset(int64_t episode, const Env& env) { (void)episode, (void)env; }
  /// Episode `episode` took a step; `env` is in the state after it (the last step's state included).
  virtual void on_step(int64_t episode, const Env& env, const StepResult& result) {
    (void)episode, (void)env, (void)result;
  }
  /// Episode `result.index` is over.
  virtual void on_episode_end(const EpisodeResult& result) { (void)result; }
  /// Every episode is over (called before evaluate() returns).
  virtual void on_evaluation_end(const EvaluationResult& result) { (void)result; }
};

/// A pointer to an observer (FLOWRL_ARG needs a one-word type).
using EpisodeObserverPtr = EpisodeObserver*;

/// Options of evaluate().
struct EvaluateOptions {
  /// episodes: how many episodes to run.
  explicit EvaluateOptions(int64_t episodes = 10) : episodes_(episodes) {}

  /// Number of episodes.
  FLOWRL_ARG(int64_t, episodes);
  /// Seed from which every episode's env and policy seeds are derived.
  FLOWRL_ARG(uint64_t, seed) = 0;
  /// Index of the first episode: episodes first_episode .. first_episode + episodes - 1 are run,
  /// with the seeds they have in a longer evaluation (a data-parallel run splits one evaluation over
  /// its ranks this way). The observer still counts from 0.
  FLOWRL_ARG(int64_t, first_episode) = 0;
  /// Watches every episode (not owned; nullptr: none).
  FLOWRL_ARG(EpisodeObserverPtr, observer) = nullptr;
};

/// Mean, population std (ddof = 0, as numpy's np.std), min and max of a sample.
struct Summary {
  double mean = 0.0;  ///< arithmetic mean
  double std = 0.0;   ///< population standard deviation
  double min = 0.0;   ///< smallest value
  double max = 0.0;   ///< largest value
};

/// Summary of `values` (all zeros when empty).
Summary summarize(const std::vector<double>& values);

/// One finished episode.
struct EpisodeResult {
  int64_t index = 0;          ///< episode number, 0-based
  uint64_t seed = 0;          ///< seed of its reset()
  double episode_return = 0;  ///< sum of rewards
  int64_t length = 0;         ///< steps taken
  bool terminated = false;    ///< ended in a terminal state (false: truncated by the time limit)
  std::optional<double> normalized;  ///< D4RL normalized return (x100), when the env has references
};

/// What evaluate() returns.
struct EvaluationResult {
  std::string env;                      ///< canonical env name
  uint64_t seed = 0;                    ///< EvaluateOptions::seed
  std::vector<EpisodeResult> episodes;  ///< in episode order
  Summary returns;                      ///< of the raw returns
  Summary lengths;                      ///< of the episode lengths
  std::optional<Summary> normalized;    ///< of the normalized returns, when the env has references
  int64_t total_steps = 0;              ///< env steps over all episodes
  double wall_seconds = 0.0;            ///< wall time of the evaluation
  std::map<std::string, std::string> info;  ///< caller's annotations (policy file, mode, ...), in JSON
};

/// Salt separating policy seeds from env seeds.
inline constexpr uint64_t kPolicySeedSalt = 0x5eed'9011'c1e5'0001ULL;

/// Runs options.episodes() episodes of `policy` on the copies of `venv` (at most venv.size() at a
/// time) and summarizes them. Throws flowrl::Error if the policy returns a wrong number of actions or
/// an env rejects an action.
EvaluationResult evaluate(VectorEnv& venv, Policy& policy, const EvaluateOptions& options);

/// Recomputes returns/lengths/normalized summaries from result.episodes.
void finalize_summaries(EvaluationResult& result);

/// One line per episode: index, seed, return, normalized return, length, how it ended.
std::string format_episodes(const EvaluationResult& result);
/// The closing lines: mean +- std (min..max) of raw and normalized returns and of lengths.
std::string format_summary(const EvaluationResult& result);

/// The result as a JSON document (episodes, summaries, info).
std::string to_json(const EvaluationResult& result);
/// Writes to_json(result) to `path`. Throws flowrl::Error naming the path when it cannot be written.
void write_json(const EvaluationResult& result, const std::string& path);

}  // namespace flowrl::envs
