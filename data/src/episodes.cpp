// episodes.cpp — d4rl.sequence_dataset / d4rl.qlearning_dataset semantics on row indices.
#include <flowrl/core/error.h>
#include <flowrl/core/json.h>
#include <flowrl/data/episodes.h>

#include <algorithm>
#include <cmath>

namespace flowrl::data {

std::vector<Episode> split_episodes(int64_t rows, const uint8_t* terminals, const uint8_t* timeouts,
                                    const float* rewards, const EpisodeOptions& options) {
  FLOWRL_CHECK(terminals != nullptr || rows == 0, "split_episodes: terminals are required.");
  FLOWRL_CHECK(timeouts != nullptr || options.max_episode_steps() > 0,
               "EpisodeOptions::max_episode_steps must be positive for files without timeouts.");
  std::vector<Episode> out;
  int64_t step = 0;  // d4rl's episode_step
  int64_t start = 0;
  double ret = 0.0;
  for (int64_t i = 0; i < rows; ++i) {
    const bool done = terminals[i] != 0;
    const bool final_step = timeouts ? timeouts[i] != 0 : step == options.max_episode_steps() - 1;
    if (rewards) ret += rewards[i];
    if (done || final_step) {
      out.push_back(Episode{start, i + 1 - start, done, final_step, ret});
      start = i + 1;
      ret = 0.0;
      step = 0;
    }
    ++step;  // d4rl increments after the reset: the next episode counts from 1 (v0 quirk)
  }
  if (options.keep_trailing() && start < rows) out.push_back(Episode{start, rows - start, false, false, ret});
  return out;
}

std::vector<Episode> split_episodes(const D4RLDataset& ds, const EpisodeOptions& options) {
  return split_episodes(ds.size(), ds.terminals.data(), ds.has_timeouts() ? ds.timeouts.data() : nullptr,
                        ds.rewards.data(), options);
}

TransitionView qlearning_view(const D4RLDataset& ds, const QLearningOptions& options) {
  const int64_t n = ds.size();
  const bool use_timeouts = ds.has_timeouts();
  FLOWRL_CHECK(use_timeouts || options.max_episode_steps() > 0,
               "QLearningOptions::max_episode_steps must be positive for files without timeouts.");
  TransitionView view;
  view.rows.reserve(static_cast<size_t>(std::max<int64_t>(n - 1, 0)));
  view.dones.reserve(view.rows.capacity());
  int64_t step = 0;
  for (int64_t i = 0; i + 1 < n; ++i) {  // the last row has no next observation: always dropped
    const bool done = ds.terminals[i] != 0;
    const bool final_step = use_timeouts ? ds.timeouts[i] != 0 : step == options.max_episode_steps() - 1;
    if (!options.terminate_on_end() && final_step) {
      step = 0;  // skip the row; the next episode counts from 0
      continue;
    }
    if (done || final_step) step = 0;
    view.rows.push_back(i);
    view.dones.push_back(done);
    ++step;
  }
  return view;
}

QLearningArrays qlearning_dataset(const D4RLDataset& ds, const QLearningOptions& options) {
  const TransitionView view = qlearning_view(ds, options);
  const int64_t m = view.size();
  QLearningArrays out;
  out.observations = FloatMatrix(m, ds.obs_dim());
  out.next_observations = FloatMatrix(m, ds.obs_dim());
  out.actions = FloatMatrix(m, ds.act_dim());
  out.rewards.resize(static_cast<size_t>(m));
  out.terminals = view.dones;
  for (int64_t j = 0; j < m; ++j) {
    const int64_t i = view.rows[j];
    std::copy_n(ds.observations.row(i), ds.obs_dim(), out.observations.row(j));
    std::copy_n(ds.observations.row(i + 1), ds.obs_dim(), out.next_observations.row(j));
    std::copy_n(ds.actions.row(i), ds.act_dim(), out.actions.row(j));
    out.rewards[j] = ds.rewards[i];
  }
  return out;
}

Summary summarize(const std::vector<double>& values) {
  Summary s;
  s.count = static_cast<int64_t>(values.size());
  if (values.empty()) return s;
  double sum = 0.0;
  s.min = values.front();
  s.max = values.front();
  for (double v : values) {
    sum += v;
    s.min = std::min(s.min, v);
    s.max = std::max(s.max, v);
  }
  s.mean = sum / static_cast<double>(s.count);
  double sq = 0.0;
  for (double v : values) sq += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(sq / static_cast<double>(s.count));
  return s;
}

std::string to_json(const Summary& summary) {
  return "{\"count\": " + std::to_string(summary.count) + ", \"mean\": " + json_number(summary.mean, 10) +
         ", \"std\": " + json_number(summary.std, 10) + ", \"min\": " + json_number(summary.min, 10) +
         ", \"max\": " + json_number(summary.max, 10) + "}";
}

DatasetStats dataset_stats(const D4RLDataset& ds, const EpisodeOptions& options) {
  DatasetStats st;
  st.rows = ds.size();
  const auto episodes = split_episodes(ds, EpisodeOptions(options).keep_trailing(false));
  st.episodes = static_cast<int64_t>(episodes.size());
  st.trailing_rows = st.rows - (episodes.empty() ? 0 : episodes.back().end());
  std::vector<double> lengths, returns;
  lengths.reserve(episodes.size());
  returns.reserve(episodes.size());
  for (const auto& e : episodes) {
    lengths.push_back(static_cast<double>(e.length));
    returns.push_back(e.ret);
  }
  st.lengths = summarize(lengths);
  st.returns = summarize(returns);
  for (auto t : ds.terminals) st.terminals += t != 0;
  if (ds.has_timeouts()) {
    for (auto t : ds.timeouts) st.timeouts += t != 0;
  } else {
    for (const auto& e : episodes) st.timeouts += e.timeout;
  }
  st.transitions = qlearning_view(ds, QLearningOptions().max_episode_steps(options.max_episode_steps())).size();
  return st;
}

}  // namespace flowrl::data
