// evaluate.cpp — episodes scheduled over a VectorEnv's copies, summaries, text and JSON reports.
#include <flowrl/envs/evaluate.h>

#include <flowrl/core/error.h>
#include <flowrl/core/file.h>
#include <flowrl/core/json.h>
#include <flowrl/envs/random.h>
#include <flowrl/envs/scores.h>
#include <flowrl/envs/vector_env.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <sstream>

namespace flowrl::envs {
namespace {

// the episode a slot is running
struct SlotState {
  int64_t episode = -1;  // -1: idle
  uint64_t seed = 0;
  Observation observation;
  double episode_return = 0.0;
  int64_t length = 0;
};

void check_actions(const std::vector<Action>& actions, size_t expected) {
  FLOWRL_CHECK(actions.size() == expected, "evaluate: the policy returned ", actions.size(), " actions for a batch of ",
               expected, " observations");
}

std::string json_summary(const Summary& s) {
  return "{\"mean\": " + json_number(s.mean) + ", \"std\": " + json_number(s.std) + ", \"min\": " + json_number(s.min) +
         ", \"max\": " + json_number(s.max) + "}";
}

std::string fixed(double x, int digits) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << x;
  return out.str();
}

}  // namespace

Summary summarize(const std::vector<double>& values) {
  Summary s;
  if (values.empty()) return s;
  double sum = 0.0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(values.size());
  double sq = 0.0;
  for (double v : values) sq += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(sq / static_cast<double>(values.size()));
  s.min = *std::min_element(values.begin(), values.end());
  s.max = *std::max_element(values.begin(), values.end());
  return s;
}

void finalize_summaries(EvaluationResult& result) {
  std::vector<double> returns, lengths, normalized;
  result.total_steps = 0;
  for (const auto& e : result.episodes) {
    returns.push_back(e.episode_return);
    lengths.push_back(static_cast<double>(e.length));
    if (e.normalized) normalized.push_back(*e.normalized);
    result.total_steps += e.length;
  }
  result.returns = summarize(returns);
  result.lengths = summarize(lengths);
  if (!normalized.empty() && normalized.size() == returns.size())
    result.normalized = summarize(normalized);
  else
    result.normalized.reset();
}

EvaluationResult evaluate(VectorEnv& venv, Policy& policy, const EvaluateOptions& options) {
  FLOWRL_CHECK(options.episodes() >= 1, "evaluate: episodes must be >= 1, got ", options.episodes());
  const auto start_time = std::chrono::steady_clock::now();
  const int64_t episodes = options.episodes();
  const int64_t n_slots = std::min<int64_t>(venv.size(), episodes);
  const auto references = find_reference_scores(venv.name());

  EvaluationResult result;
  result.env = venv.name();
  result.seed = options.seed();
  result.episodes.resize(static_cast<size_t>(episodes));
  std::vector<SlotState> slots(static_cast<size_t>(n_slots));
  int64_t next_episode = 0;
  EpisodeObserver* const observer = options.observer();
  if (observer) observer->on_evaluation_start(result.env, episodes);

  // episode e: env seed derive_seed(seed, e), policy seed derive_seed(seed ^ salt, e), whatever the slot
  auto start = [&](int64_t slot) {
    SlotState& s = slots[static_cast<size_t>(slot)];
    s.episode = next_episode++;
    const auto global = static_cast<uint64_t>(options.first_episode() + s.episode);
    s.seed = derive_seed(options.seed(), global);
    s.observation = venv.reset_at(slot, s.seed);
    s.episode_return = 0.0;
    s.length = 0;
    policy.start_episode(slot, derive_seed(options.seed() ^ kPolicySeedSalt, global), s.observation);
    if (observer) observer->on_reset(s.episode, venv.env(slot));
  };
  for (int64_t slot = 0; slot < n_slots; ++slot) start(slot);

  std::vector<int64_t> active;
  for (;;) {
    active.clear();
    for (int64_t slot = 0; slot < n_slots; ++slot)
      if (slots[static_cast<size_t>(slot)].episode >= 0) active.push_back(slot);
    if (active.empty()) break;

    // act and step every active slot
    std::vector<Action> actions(active.size());
    std::vector<StepResult> results(active.size());
    if (policy.concurrent_slots()) {
      venv.pool().parallel_for(static_cast<int64_t>(active.size()), [&](int64_t k) {
        const auto ku = static_cast<size_t>(k);
        const int64_t slot = active[ku];
        ActBatch batch{{slot}, {slots[static_cast<size_t>(slot)].observation}};
        std::vector<Action> one = policy.act(batch);
        check_actions(one, 1);
        actions[ku] = std::move(one[0]);
        try {
          results[ku] = venv.env(slot).step(actions[ku]);
        } catch (const Error& e) {
          fail("env copy ", slot, ": ", e.what());
        }
        policy.observe(slot, actions[ku], results[ku]);
      });
    } else {
      ActBatch batch;
      batch.slots = active;
      for (int64_t slot : active) batch.observations.push_back(slots[static_cast<size_t>(slot)].observation);
      actions = policy.act(batch);
      check_actions(actions, active.size());
      results = venv.step(active, actions);
      for (size_t k = 0; k < active.size(); ++k) policy.observe(active[k], actions[k], results[k]);
    }

    // book-keeping in slot order (deterministic episode assignment)
    for (size_t k = 0; k < active.size(); ++k) {
      SlotState& s = slots[static_cast<size_t>(active[k])];
      StepResult& r = results[k];
      s.episode_return += r.reward;
      ++s.length;
      if (observer) observer->on_step(s.episode, venv.env(active[k]), r);
      if (!r.done()) {
        s.observation = std::move(r.observation);
        continue;
      }
      EpisodeResult& e = result.episodes[static_cast<size_t>(s.episode)];
      e.index = options.first_episode() + s.episode;
      e.seed = s.seed;
      e.episode_return = s.episode_return;
      e.length = s.length;
      e.terminated = r.terminated;
      if (references)
        e.normalized = 100.0 * (s.episode_return - references->min_return) /
                       (references->max_return - references->min_return);
      s.episode = -1;
      if (observer) observer->on_episode_end(e);
      if (next_episode < episodes) start(active[k]);
    }
  }

  finalize_summaries(result);
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  if (observer) observer->on_evaluation_end(result);
  return result;
}

std::string format_episodes(const EvaluationResult& result) {
  std::ostringstream out;
  for (const auto& e : result.episodes) {
    out << "episode " << std::setw(4) << e.index << "  return " << std::setw(10) << fixed(e.episode_return, 2);
    if (e.normalized) out << "  normalized " << std::setw(7) << fixed(*e.normalized, 2);
    out << "  length " << std::setw(5) << e.length << "  " << (e.terminated ? "terminated" : "truncated") << "\n";
  }
  return out.str();
}

std::string format_summary(const EvaluationResult& result) {
  std::ostringstream out;
  const Summary& r = result.returns;
  out << result.env << ": " << result.episodes.size() << " episodes, " << result.total_steps << " steps, "
      << fixed(result.wall_seconds, 2) << " s\n";
  out << "return      " << fixed(r.mean, 2) << " ± " << fixed(r.std, 2) << "  (min " << fixed(r.min, 2) << ", max "
      << fixed(r.max, 2) << ")\n";
  if (result.normalized) {
    const Summary& n = *result.normalized;
    out << "normalized  " << fixed(n.mean, 2) << " ± " << fixed(n.std, 2) << "  (min " << fixed(n.min, 2) << ", max "
        << fixed(n.max, 2) << ")\n";
  }
  const Summary& l = result.lengths;
  out << "length      " << fixed(l.mean, 1) << " ± " << fixed(l.std, 1) << "  (min " << fixed(l.min, 0) << ", max "
      << fixed(l.max, 0) << ")\n";
  return out.str();
}

std::string to_json(const EvaluationResult& result) {
  std::ostringstream out;
  out << "{\n  \"env\": " << json_string(result.env) << ",\n  \"seed\": " << result.seed
      << ",\n  \"episodes\": " << result.episodes.size() << ",\n  \"total_steps\": " << result.total_steps
      << ",\n  \"wall_seconds\": " << json_number(result.wall_seconds) << ",\n  \"return\": " << json_summary(result.returns)
      << ",\n  \"normalized_return\": " << (result.normalized ? json_summary(*result.normalized) : "null")
      << ",\n  \"length\": " << json_summary(result.lengths) << ",\n  \"info\": {";
  bool first = true;
  for (const auto& [key, value] : result.info) {
    out << (first ? "" : ",") << "\n    " << json_string(key) << ": " << json_string(value);
    first = false;
  }
  out << (result.info.empty() ? "" : "\n  ") << "},\n  \"per_episode\": [";
  for (size_t i = 0; i < result.episodes.size(); ++i) {
    const auto& e = result.episodes[i];
    out << (i ? "," : "") << "\n    {\"index\": " << e.index << ", \"seed\": " << e.seed
        << ", \"return\": " << json_number(e.episode_return)
        << ", \"normalized_return\": " << (e.normalized ? json_number(*e.normalized) : "null")
        << ", \"length\": " << e.length << ", \"terminated\": " << (e.terminated ? "true" : "false") << "}";
  }
  out << (result.episodes.empty() ? "" : "\n  ") << "]\n}\n";
  return out.str();
}

void write_json(const EvaluationResult& result, const std::string& path) {
  write_file_atomically(path, to_json(result));
}

}  // namespace flowrl::envs
