// scores.cpp — D4RL's REF_MIN_SCORE / REF_MAX_SCORE (d4rl/infos.py).
#include <flowrl/envs/scores.h>

#include <flowrl/core/error.h>
#include <flowrl/envs/registry.h>

#include <algorithm>
#include <map>
#include <sstream>

namespace flowrl::envs {
namespace {

// locomotion: every dataset kind and version reuses <env>-random-v0's values
const std::map<std::string, ReferenceScores>& locomotion_scores() {
  static const std::map<std::string, ReferenceScores> scores = {
      {"hopper", {-20.272305, 3234.3}},
      {"halfcheetah", {-280.178953, 12135.0}},
      {"walker2d", {1.629008, 4592.3}},
      {"ant", {-325.6, 3879.7}},
  };
  return scores;
}

// maze datasets, by exact name
const std::map<std::string, ReferenceScores>& maze_scores() {
  static const std::map<std::string, ReferenceScores> scores = [] {
    std::map<std::string, ReferenceScores> s = {
        {"maze2d-open-v0", {0.01, 20.66}},
        {"maze2d-umaze-v1", {23.85, 161.86}},
        {"maze2d-medium-v1", {13.13, 277.39}},
        {"maze2d-large-v1", {6.7, 273.99}},
        {"maze2d-open-dense-v0", {11.17817, 27.166538620695782}},
        {"maze2d-umaze-dense-v1", {68.537689, 193.66285642381482}},
        {"maze2d-medium-dense-v1", {44.264742, 297.4552547777125}},
        {"maze2d-large-dense-v1", {30.569041, 303.4857382709002}},
    };
    for (const char* layout : {"umaze", "umaze-diverse", "medium-play", "medium-diverse", "large-play", "large-diverse"})
      for (const char* version : {"v0", "v2"})
        s[std::string("antmaze-") + layout + "-" + version] = {0.0, 1.0};
    return s;
  }();
  return scores;
}

const std::map<std::string, std::string>& gym_id_envs() {
  static const std::map<std::string, std::string> ids = {
      {"Hopper-v2", "hopper"},   {"Hopper-v3", "hopper"},   {"HalfCheetah-v2", "halfcheetah"},
      {"HalfCheetah-v3", "halfcheetah"}, {"Walker2d-v2", "walker2d"}, {"Walker2d-v3", "walker2d"},
      {"Ant-v2", "ant"},         {"Ant-v3", "ant"},
  };
  return ids;
}

// "<env>-<kind>-v<digits>" with a D4RL locomotion kind -> "<env>"
std::string locomotion_env_of(const std::string& name) {
  if (locomotion_scores().count(name)) return name;
  // a positions-only variant ("hopper-positions") is scored as its env: same task, same returns
  if (const std::string env = full_observation_env(name); env != name && locomotion_scores().count(env)) return env;
  if (auto it = gym_id_envs().find(name); it != gym_id_envs().end()) return it->second;
  const auto v = name.rfind("-v");
  if (v == std::string::npos || v + 2 >= name.size()) return {};
  for (size_t i = v + 2; i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9') return {};
  const std::string stem = name.substr(0, v);
  for (const char* kind : {"-random", "-medium", "-expert", "-medium-replay", "-medium-expert", "-full-replay"}) {
    const std::string suffix = kind;
    if (stem.size() > suffix.size() && stem.compare(stem.size() - suffix.size(), suffix.size(), suffix) == 0) {
      const std::string env = stem.substr(0, stem.size() - suffix.size());
      if (locomotion_scores().count(env)) return env;
    }
  }
  return {};
}

}  // namespace

std::optional<ReferenceScores> find_reference_scores(const std::string& name) {
  if (auto it = maze_scores().find(name); it != maze_scores().end()) return it->second;
  if (std::string env = locomotion_env_of(name); !env.empty()) return locomotion_scores().at(env);
  return std::nullopt;
}

ReferenceScores reference_scores(const std::string& name) {
  if (auto scores = find_reference_scores(name)) return *scores;
  std::ostringstream msg;
  msg << "no D4RL reference scores for '" << name << "'; known: hopper, halfcheetah, walker2d, ant (also as "
      << "<env>-<random|medium|expert|medium-replay|medium-expert|full-replay>-v<N>), and";
  for (const auto& [maze, s] : maze_scores()) msg << " " << maze;
  fail(msg.str());
}

double normalized_score(const std::string& name, double raw_return) {
  const ReferenceScores s = reference_scores(name);
  return 100.0 * (raw_return - s.min_return) / (s.max_return - s.min_return);
}

double raw_return_for_score(const std::string& name, double normalized) {
  const ReferenceScores s = reference_scores(name);
  return normalized / 100.0 * (s.max_return - s.min_return) + s.min_return;
}

std::vector<std::string> scored_names() {
  std::vector<std::string> names;
  for (const auto& [name, s] : locomotion_scores()) names.push_back(name);
  for (const auto& [name, s] : maze_scores()) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace flowrl::envs
