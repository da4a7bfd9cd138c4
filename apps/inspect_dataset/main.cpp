// inspect-dataset — what is in a D4RL HDF5 file: keys with dtypes and shapes, rows, episodes,
// episode-length and return statistics (raw and D4RL-normalized), after full validation.
//
//   inspect-dataset FILE.hdf5 [--env NAME] [--json OUT] [--max-episode-steps 1000]
// The env (for the dims check and normalized scores) is --env, else metadata/flowrl/env (written by
// collect-dataset), else the file name when it is a D4RL one (hopper_medium-v2.hdf5). A malformed
// file prints the validation message and exits 1.
#include <boost/program_options.hpp>
#include <flowrl/core/error.h>
#include <flowrl/core/file.h>
#include <flowrl/core/json.h>
#include <flowrl/data/d4rl.h>
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

int run(int argc, char** argv) {
  std::string file, env_arg, json_out;
  int64_t max_steps = 1000;
  po::options_description visible("inspect-dataset FILE.hdf5 [options]");
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
  const auto keys = data::list_hdf5_datasets(file);
  const data::D4RLDataset ds = data::load_d4rl(file, read);
  if (!env) {
    // a guess is only used when its dims fit the file
    env = guess_env(file, ds);
    const auto dims = env ? data::d4rl_env_dims(*env) : std::nullopt;
    if (env && (!dims || dims->obs_dim != ds.obs_dim() || dims->act_dim != ds.act_dim())) env.reset();
  }
  const auto stats = data::dataset_stats(ds, data::EpisodeOptions().max_episode_steps(max_steps));
  std::optional<envs::ReferenceScores> ref;
  if (env) ref = envs::find_reference_scores(*env);

  // text report
  std::cout << "file: " << file << " (" << std::fixed << std::setprecision(1)
            << std::filesystem::file_size(file) / (1024.0 * 1024.0) << " MiB)\n";
  size_t width = 4;
  for (const auto& k : keys) width = std::max(width, k.key.size());
  std::cout << "keys:\n";
  for (const auto& k : keys)
    std::cout << "  " << std::left << std::setw(static_cast<int>(width)) << k.key << "  " << std::setw(8)
              << k.dtype << " " << shape_str(k.shape) << "\n";
  std::cout << std::right;
  std::cout << "rows: " << stats.rows << "   obs_dim: " << ds.obs_dim() << "   act_dim: " << ds.act_dim()
            << "   layout: " << (ds.has_timeouts() ? "v1/v2 (timeouts)" : "v0 (no timeouts)") << "\n";
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
    std::cout << "(D4RL normalized x100 for " << *env << ": min " << ref->min_return << ", max " << ref->max_return
              << ")\n";
  } else {
    std::cout << "normalized:     n/a (pass --env to get D4RL normalized returns)\n";
  }

  if (!json_out.empty()) {
    std::ostringstream j;
    j << "{\n  \"file\": " << json_string(file) << ",\n  \"env\": " << (env ? json_string(*env) : "null")
      << ",\n  \"keys\": [";
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
      << (ref ? data::to_json(normalize(stats.returns, *ref)) : "null") << ",\n  \"metadata\": {";
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
