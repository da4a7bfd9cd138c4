// inspect-dataset — what is in a dataset (a D4RL HDF5 file, or a Minari dataset: its folder or its
// id): keys with dtypes and shapes, rows, episodes, episode-length and return statistics (raw and
// normalized), after full validation.
//
//   inspect-dataset DATASET [--env NAME] [--json OUT] [--max-episode-steps 1000]
// DATASET is a path when something is there, else a Minari dataset id (mujoco/hopper/medium-v0, under
// $MINARI_DATASETS_PATH or ~/.minari/datasets). A D4RL file's normalized scores use D4RL's references
// for its env: --env, else metadata/flowrl/env (written by collect-dataset), else the file name when it
// is a D4RL one (hopper_medium-v2.hdf5). A Minari dataset's use the reference scores in its own
// metadata, and raw returns only (saying so) when it has none; --env then only checks the dims. A
// malformed dataset prints the validation message and exits 1.
#include <boost/program_options.hpp>
#include <flowrl/core/error.h>
#include <flowrl/core/file.h>
#include <flowrl/core/json.h>
#include <flowrl/data/d4rl.h>
#include <flowrl/data/dataset_layout.h>
#include <flowrl/data/episodes.h>
#include <flowrl/envs/registry.h>
#include <flowrl/envs/scores.h>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

namespace po = boost::program_options;
using namespace flowrl;

namespace {

namespace fs = std::filesystem;

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) s += ",";
  return s + ")";
}

// the env a file is for: --env, metadata/flowrl/env, or a D4RL file name
std::optional<std::string> guess_env(const std::string& path, const data::D4RLDataset& ds) {
  auto it = ds.metadata.strings.find("flowrl/env");
  if (it != ds.metadata.strings.end()) return it->second;
  const std::string stem = std::filesystem::path(path).stem().string();  // hopper_medium-v2
  try {
    return envs::resolve_env_name(stem);
  } catch (const Error&) {
  }
  const auto cut = stem.find_first_of("_-");
  try {
    return envs::resolve_env_name(stem.substr(0, cut));
  } catch (const Error&) {
    return std::nullopt;
  }
}

// normalized summary: the map is affine with positive slope, so it maps mean/min/max and scales std
data::Summary normalize(const data::Summary& s, const envs::ReferenceScores& ref) {
  const double k = 100.0 / (ref.max_return - ref.min_return);
  data::Summary n = s;
  n.mean = (s.mean - ref.min_return) * k;
  n.std = s.std * k;
  n.min = (s.min - ref.min_return) * k;
  n.max = (s.max - ref.min_return) * k;
  return n;
}

// What the normalized returns are relative to: D4RL's table for the env, or a Minari dataset's own
// reference scores; none (raw returns only) with the reason.
struct ScoreBasis {
  std::optional<envs::ReferenceScores> ref;
  std::string text;  // the line under the returns
  std::string json;  // "score_reference"
};

ScoreBasis score_basis(const data::LoadedDataset& loaded, const std::optional<std::string>& env) {
  ScoreBasis b;
  if (loaded.minari) {
    const auto& m = *loaded.minari;
    if (const auto r = m.reference_scores()) {
      b.ref = envs::ReferenceScores{r->ref_min_score, r->ref_max_score};
      b.text = "(Minari normalized x100 from the dataset's metadata: ref_min_score " + json_number(r->ref_min_score) +
               ", ref_max_score " + json_number(r->ref_max_score) + ")";
      b.json = "{\"source\": \"minari\", \"min\": " + json_number(r->ref_min_score) +
               ", \"max\": " + json_number(r->ref_max_score) + "}";
    } else {
      b.text = "n/a (" + m.dataset_id + " has no ref_min_score/ref_max_score in its metadata: raw returns only)";
      b.json = "{\"source\": \"none\", \"reason\": " +
               json_string(m.dataset_id + " has no ref_min_score/ref_max_score in its metadata: raw returns only") + "}";
    }
    return b;
  }
  if (env) b.ref = envs::find_reference_scores(*env);
  if (b.ref) {
    std::ostringstream t;
    t << "(D4RL normalized x100 for " << *env << ": min " << b.ref->min_return << ", max " << b.ref->max_return << ")";
    b.text = t.str();
    b.json = "{\"source\": \"d4rl\", \"env\": " + json_string(*env) + ", \"min\": " + json_number(b.ref->min_return) +
             ", \"max\": " + json_number(b.ref->max_return) + "}";
  } else {
    b.text = "n/a (pass --env to get D4RL normalized returns)";
    b.json = "null";
  }
  return b;
}

// the keys to list: a D4RL file's, or a Minari file's first episode's (every episode has the same keys)
std::vector<data::HDF5DatasetInfo> listed_keys(const data::LoadedDataset& loaded) {
  auto keys = data::list_hdf5_datasets(loaded.location.main_file());
  if (!loaded.minari) return keys;
  std::vector<data::HDF5DatasetInfo> first;
  for (auto& k : keys)
    if (k.key.rfind("episode_0/", 0) == 0) first.push_back(std::move(k));
  return first;
}

// the "minari" member of the JSON report
std::string minari_json(const data::LoadedDataset& loaded) {
  if (!loaded.minari) return "null";
  const auto& m = *loaded.minari;
  auto shape = [](const std::vector<int64_t>& s) {
    std::string out = "[";
    for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
  };
  const auto& spec = m.env_spec;
  std::ostringstream j;
  j << "{\"dataset_id\": " << json_string(m.dataset_id) << ", \"minari_version\": " << json_string(m.minari_version)
    << ", \"folder\": " << json_string(loaded.location.path)
    << ", \"env_spec_id\": " << (spec ? json_string(spec->id) : "null")
    << ", \"max_episode_steps\": " << (spec && spec->max_episode_steps ? std::to_string(*spec->max_episode_steps) : "null")
    << ", \"total_episodes\": " << m.total_episodes << ", \"total_steps\": " << m.total_steps
    << ", \"observation_space\": {\"dtype\": " << json_string(m.observation_space.dtype)
    << ", \"shape\": " << shape(m.observation_space.shape) << "}, \"action_space\": {\"dtype\": "
    << json_string(m.action_space.dtype) << ", \"shape\": " << shape(m.action_space.shape)
    << "}, \"ref_min_score\": " << (m.ref_min_score ? json_number(*m.ref_min_score) : "null")
    << ", \"ref_max_score\": " << (m.ref_max_score ? json_number(*m.ref_max_score) : "null")
    << ", \"unflagged_ends\": " << loaded.minari_unflagged_ends << "}";
  return j.str();
}

int run(int argc, char** argv) {
  std::string file, env_arg, json_out;
  int64_t max_steps = 1000;
  po::options_description visible(
      "inspect-dataset DATASET [options]\nDATASET: a D4RL HDF5 file, a Minari dataset folder, or a Minari dataset id "
      "(mujoco/hopper/medium-v0, under $MINARI_DATASETS_PATH or ~/.minari/datasets)");
  visible.add_options()("help,h", "this help")(
      "env", po::value(&env_arg), "env the data is for (hopper, halfcheetah-medium-v2, ...): checks dims, "
                                  "adds normalized returns")(
      "json", po::value(&json_out), "also write the report as JSON to this file")(
      "max-episode-steps", po::value(&max_steps)->default_value(1000),
      "time limit used to split files without timeouts (v0)");
  po::options_description all;
  all.add(visible).add_options()("file", po::value(&file));
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help") || file.empty()) {
    std::cout << visible << "\n";
    return file.empty() && !vm.count("help") ? 2 : 0;
  }
  if (!json_out.empty()) check_output_folder(json_out, "--json");
  check_not_input(json_out, "--json", file, "the dataset being inspected");
  FLOWRL_CHECK(max_steps >= 1, "--max-episode-steps must be >= 1, got ", max_steps);

  // env first (its dims validate the file)
  data::D4RLReadOptions read;
  std::optional<std::string> env;
  if (!env_arg.empty()) {
    env = envs::resolve_env_name(env_arg);  // throws with the known names
    const auto instance = envs::make_env(*env);
    read.obs_dim(static_cast<int64_t>(instance->observation_space().dim()))
        .act_dim(static_cast<int64_t>(instance->action_space().dim()))
        .env_name(env_arg);
  }
  const data::LoadedDataset loaded = data::load_dataset(data::locate_dataset_or_id(file), read);
  const data::D4RLDataset& ds = loaded.steps;
  const std::string main_file = loaded.location.main_file();
  const auto keys = listed_keys(loaded);
  if (!env && !loaded.minari) {
    // a guess is only used when its dims fit the file
    env = guess_env(main_file, ds);
    const auto dims = env ? data::d4rl_env_dims(*env) : std::nullopt;
    if (env && (!dims || dims->obs_dim != ds.obs_dim() || dims->act_dim != ds.act_dim())) env.reset();
  }
  const auto stats = data::dataset_stats(ds, data::EpisodeOptions().max_episode_steps(max_steps));
  const ScoreBasis basis = score_basis(loaded, env);
  const auto& ref = basis.ref;

  // text report
  std::cout << "file: " << main_file << " (" << std::fixed << std::setprecision(1)
            << fs::file_size(main_file) / (1024.0 * 1024.0) << " MiB)\n";
  if (loaded.minari) {
    const auto& m = *loaded.minari;
    std::cout << "minari: " << m.dataset_id << " (minari " << m.minari_version << "), collected in "
              << (m.env_spec ? m.env_spec->id : std::string("an unrecorded env (no env_spec)")) << ", "
              << m.total_episodes << " episodes, " << m.total_steps << " steps\n";
    if (loaded.minari_unflagged_ends > 0)
      std::cout << "note: " << loaded.minari_unflagged_ends << " episodes end without termination or truncation; "
                << "their last step counts as a timeout\n";
  }
  size_t width = 4;
  for (const auto& k : keys) width = std::max(width, k.key.size());
  std::cout << (loaded.minari ? "keys (of episode_0; every episode has the same):\n" : "keys:\n");
  for (const auto& k : keys)
    std::cout << "  " << std::left << std::setw(static_cast<int>(width)) << k.key << "  " << std::setw(8)
              << k.dtype << " " << shape_str(k.shape) << "\n";
  std::cout << std::right;
  std::cout << "rows: " << stats.rows << "   obs_dim: " << ds.obs_dim() << "   act_dim: " << ds.act_dim()
            << "   layout: "
            << (loaded.minari ? "minari (N + 1 observations per episode, read as N rows with next observations)"
                              : ds.has_timeouts() ? "v1/v2 (timeouts)" : "v0 (no timeouts)")
            << "\n";
  std::cout << "episodes: " << stats.episodes << " ending in a terminal or timeout";
  if (stats.trailing_rows > 0) std::cout << ", plus a trailing partial episode of " << stats.trailing_rows << " rows";
  std::cout << "\nterminals: " << stats.terminals << "   timeouts: " << stats.timeouts
            << "   qlearning transitions: " << stats.transitions << "\n";
  auto line = [](const char* what, const data::Summary& s, int precision) {
    std::cout << what << std::setprecision(precision) << s.mean << " +- " << s.std << "  (min " << s.min
              << ", max " << s.max << ")\n";
  };
  line("episode length: ", stats.lengths, 1);
  line("return:         ", stats.returns, 2);
  if (ref) {
    line("normalized:     ", normalize(stats.returns, *ref), 2);
    std::cout << basis.text << "\n";
  } else {
    std::cout << "normalized:     " << basis.text << "\n";
  }

  if (!json_out.empty()) {
    std::ostringstream j;
    j << "{\n  \"file\": " << json_string(main_file) << ",\n  \"layout\": "
      << json_string(data::layout_name(loaded.location.layout)) << ",\n  \"env\": " << (env ? json_string(*env) : "null")
      << ",\n  \"minari\": " << minari_json(loaded) << ",\n  \"keys\": [";
    for (size_t i = 0; i < keys.size(); ++i) {
      j << (i ? ",\n" : "\n") << "    {\"key\": " << json_string(keys[i].key)
        << ", \"dtype\": " << json_string(keys[i].dtype) << ", \"shape\": [";
      for (size_t d = 0; d < keys[i].shape.size(); ++d) j << (d ? ", " : "") << keys[i].shape[d];
      j << "]}";
    }
    j << "\n  ],\n  \"rows\": " << stats.rows << ",\n  \"obs_dim\": " << ds.obs_dim()
      << ",\n  \"act_dim\": " << ds.act_dim() << ",\n  \"has_timeouts\": " << (ds.has_timeouts() ? "true" : "false")
      << ",\n  \"episodes\": " << stats.episodes << ",\n  \"trailing_rows\": " << stats.trailing_rows
      << ",\n  \"terminals\": " << stats.terminals << ",\n  \"timeouts\": " << stats.timeouts
      << ",\n  \"transitions\": " << stats.transitions << ",\n  \"lengths\": " << data::to_json(stats.lengths)
      << ",\n  \"returns\": " << data::to_json(stats.returns) << ",\n  \"normalized_returns\": "
      << (ref ? data::to_json(normalize(stats.returns, *ref)) : "null") << ",\n  \"score_reference\": " << basis.json
      << ",\n  \"metadata\": {";
    bool first = true;
    for (const auto& [k, v] : ds.metadata.strings) {
      j << (first ? "\n" : ",\n") << "    " << json_string(k) << ": " << json_string(v);
      first = false;
    }
    for (const auto& [k, v] : ds.metadata.integers) {
      j << (first ? "\n" : ",\n") << "    " << json_string(k) << ": " << v;
      first = false;
    }
    j << (first ? "}" : "\n  }") << "\n}\n";
    write_file_atomically(json_out, j.str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Error& e) {
    std::cerr << "inspect-dataset: " << e.what() << "\n";
    return 1;
  } catch (const po::error& e) {
    std::cerr << "inspect-dataset: " << e.what() << " (see --help)\n";
    return 2;
  }
}
