// d4rl_ops.cpp — slice / trim / concat / stitch of D4RL datasets (see d4rl_ops.h).
#include <flowrl/core/error.h>
#include <flowrl/data/d4rl_ops.h>

#include <algorithm>

namespace flowrl::data {

namespace {

template <typename T>
Matrix<T> slice(const Matrix<T>& m, int64_t begin, int64_t end) {
  if (m.empty()) return Matrix<T>();
  Matrix<T> out;
  out.rows = end - begin;
  out.cols = m.cols;
  out.values.assign(m.values.begin() + begin * m.cols, m.values.begin() + end * m.cols);
  return out;
}

template <typename T>
std::vector<T> slice(const std::vector<T>& v, int64_t begin, int64_t end) {
  if (v.empty()) return {};
  return std::vector<T>(v.begin() + begin, v.begin() + end);
}

template <typename T>
void append(Matrix<T>& to, const Matrix<T>& from) {
  if (from.empty()) return;
  if (to.empty()) to.cols = from.cols;
  to.values.insert(to.values.end(), from.values.begin(), from.values.end());
  to.rows += from.rows;
}

template <typename T>
void append(std::vector<T>& to, const std::vector<T>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

std::string name_of(const D4RLDataset& ds, size_t i) {
  return "part " + std::to_string(i) + (ds.source.empty() ? std::string() : " (" + ds.source + ")");
}

}  // namespace

D4RLDataset slice_rows(const D4RLDataset& ds, int64_t begin, int64_t end) {
  FLOWRL_CHECK(0 <= begin && begin <= end && end <= ds.size(), "slice_rows: [", begin, ", ", end,
               ") is outside the dataset's ", ds.size(), " rows.");
  D4RLDataset out;
  out.source = ds.source;
  out.observations = slice(ds.observations, begin, end);
  out.observations.cols = ds.obs_dim();
  out.actions = slice(ds.actions, begin, end);
  out.actions.cols = ds.act_dim();
  out.rewards = slice(ds.rewards, begin, end);
  out.terminals = slice(ds.terminals, begin, end);
  out.timeouts = slice(ds.timeouts, begin, end);
  out.next_observations = slice(ds.next_observations, begin, end);
  out.infos.qpos = slice(ds.infos.qpos, begin, end);
  out.infos.qvel = slice(ds.infos.qvel, begin, end);
  out.infos.action_log_probs = slice(ds.infos.action_log_probs, begin, end);
  out.metadata = ds.metadata;
  return out;
}

D4RLDataset trim_after_last_done(const D4RLDataset& ds) {
  int64_t end = ds.size();
  while (end > 0 && !ds.terminals[end - 1] && !(ds.has_timeouts() && ds.timeouts[end - 1])) --end;
  return slice_rows(ds, 0, end);
}

D4RLDataset concat_d4rl(const std::vector<D4RLDataset>& parts) {
  FLOWRL_CHECK(!parts.empty(), "concat_d4rl: no dataset given.");
  // the first part with rows sets the layout: an empty part has none to compare (nor timeouts)
  size_t ref_index = 0;
  while (ref_index + 1 < parts.size() && parts[ref_index].size() == 0) ++ref_index;
  const D4RLDataset& ref = parts[ref_index];
  D4RLDataset out;
  out.metadata = ref.metadata;
  out.observations.cols = ref.obs_dim();
  out.actions.cols = ref.act_dim();
  for (size_t i = 0; i < parts.size(); ++i) {
    const D4RLDataset& p = parts[i];
    if (p.size() == 0) continue;
    FLOWRL_CHECK(p.obs_dim() == ref.obs_dim() && p.act_dim() == ref.act_dim(), "concat_d4rl: ", name_of(p, i),
                 " has obs/act dims ", p.obs_dim(), "/", p.act_dim(), ", part ", ref_index, " has ", ref.obs_dim(), "/",
                 ref.act_dim(), ".");
    FLOWRL_CHECK(p.has_timeouts() == ref.has_timeouts() &&
                     p.next_observations.empty() == ref.next_observations.empty() &&
                     p.infos.qpos.empty() == ref.infos.qpos.empty() &&
                     p.infos.qvel.empty() == ref.infos.qvel.empty() &&
                     p.infos.action_log_probs.empty() == ref.infos.action_log_probs.empty(),
                 "concat_d4rl: ", name_of(p, i), " does not have the same optional keys as part ", ref_index, " "
                 "(timeouts, next_observations, infos/*).");
    append(out.observations, p.observations);
    append(out.actions, p.actions);
    append(out.rewards, p.rewards);
    append(out.terminals, p.terminals);
    append(out.timeouts, p.timeouts);
    append(out.next_observations, p.next_observations);
    append(out.infos.qpos, p.infos.qpos);
    append(out.infos.qvel, p.infos.qvel);
    append(out.infos.action_log_probs, p.infos.action_log_probs);
  }
  return out;
}

D4RLDataset stitch_d4rl(const D4RLDataset& first, const D4RLDataset& second) {
  D4RLDataset out = concat_d4rl({trim_after_last_done(first), second});
  out.metadata = D4RLMetadata();
  return out;
}

}  // namespace flowrl::data
