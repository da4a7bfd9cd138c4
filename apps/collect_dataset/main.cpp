// collect-dataset — make a D4RL-layout dataset by rolling a behaviour policy in the vectorized env.
//
//   collect-dataset --env hopper --policy data/policies/hopper-trpo.h5 --transitions 1000000 --out x.hdf5
//   collect-dataset --env hopper --policy random --transitions 1000000 --seed 0 --threads 2 --out r.hdf5
//   collect-dataset --env walker2d --recipe medium-expert --out walker2d_medium_expert-flowrl.hdf5
//
// After writing, the file is read back through load_d4rl (the reader's validation), its MuJoCo
// states are replayed (D4RL's infos/qpos, infos/qvel consistency check), and with
// --check-episodes E the policy is evaluated for E fresh episodes and its mean return compared with
// the dataset's. A failed check exits 1; errors print the message and exit 1 (2 for bad usage).
#include <boost/program_options.hpp>
#include <flowrl/behaviour/behaviour_policy.h>
#include <flowrl/core/error.h>
#include <flowrl/core/file.h>
#include <flowrl/core/json.h>
#include <flowrl/core/threads.h>
#include <flowrl/data/d4rl.h>
#include <flowrl/data/episodes.h>
#include <flowrl/envs/evaluate.h>
#include <flowrl/envs/registry.h>
#include <flowrl/envs/scores.h>
#include <flowrl/envs/vector_env.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "recipes.h"
#include "rollout.h"

namespace po = boost::program_options;
using namespace flowrl;

namespace {

// more rows than any machine this runs on would hold (D4RL's largest file has 2M)
constexpr int64_t kMaxTransitions = 100000000;

std::string default_policies_dir() {
  if (const char* env = std::getenv("FLOWRL_POLICIES_DIR"); env && *env) return env;
#ifdef FLOWRL_SOURCE_POLICIES_DIR
  if (std::filesystem::is_directory(FLOWRL_SOURCE_POLICIES_DIR)) return FLOWRL_SOURCE_POLICIES_DIR;
#endif
  return "data/policies";
}

struct Args {
  std::string env, policy, recipe, out, policies_dir, json;
  int64_t transitions = 0;
  bool stochastic = false;
  std::optional<double> noise_std;
  double action_noise = 0.0;
  int64_t seed = 0;  // signed, so that Boost does not wrap "-1" to 2^64 - 1
  int64_t threads = 1;
  int64_t num_envs = 0;
  int64_t check_rows = 20000;
  int64_t check_episodes = 0;
  bool no_progress = false;
  bool no_velocities = false;
};

int run(int argc, char** argv) {
  Args a;
  po::options_description opts(
      "collect-dataset: roll a behaviour policy and write a D4RL-layout HDF5 dataset\n\nUsage:\n"
      "  collect-dataset --env NAME --policy FILE.h5|random --transitions N --out FILE.hdf5 [options]\n"
      "  collect-dataset --env NAME --recipe random|medium|expert|medium-expert|mixed --out FILE.hdf5 [options]\n\n"
      "Options");
  opts.add_options()("help,h", "show this help")(
      "env", po::value(&a.env), "environment: hopper, halfcheetah, walker2d (or a D4RL name like hopper-medium-v2; hopper-positions etc.: as --no-velocities)")(
      "policy", po::value(&a.policy), "behaviour policy: an mlp-policy/1 file (data/policies/*.h5) or 'random'")(
      "recipe", po::value(&a.recipe), "a named recipe instead of --policy (see docs/datasets.md)")(
      "transitions", po::value(&a.transitions), "rows to write (required with --policy; recipes default to D4RL's size)")(
      "stochastic", po::bool_switch(&a.stochastic), "sample actions from the policy (else its deterministic action)")(
      "noise-std", po::value<double>(), "Gaussian std for --stochastic with policies without a log-std (ARS)")(
      "action-noise", po::value(&a.action_noise)->default_value(0.0), "extra N(0, s^2) noise on every action, clipped to [-1, 1]")(
      "seed", po::value(&a.seed)->default_value(0), "seed: episode k resets with derive_seed(seed, k)")(
      "threads", po::value(&a.threads)->default_value(std::max<int64_t>(1, std::thread::hardware_concurrency())),
      "threads (the file does not depend on it)")(
      "num-envs", po::value(&a.num_envs)->default_value(0), "env copies at once (0: 8 x threads; no effect on the file)")(
      "out", po::value(&a.out), "output file (.hdf5)")(
      "policies-dir", po::value(&a.policies_dir), "folder of the recipes' policy files (default: $FLOWRL_POLICIES_DIR, "
                                                  "else the source tree's data/policies)")(
      "check-rows", po::value(&a.check_rows)->default_value(20000),
      "rows whose MuJoCo state is replayed against observations (0: all)")(
      "check-episodes", po::value(&a.check_episodes)->default_value(0),
      "also evaluate the policy for this many episodes and compare mean returns (single policy, no action noise)")(
      "json", po::value(&a.json), "also write a JSON report (rows, episodes, returns, checks)")(
      "no-velocities", po::bool_switch(&a.no_velocities),
      "record positions only (qpos[1:], no joint velocities): a dataset for the env <env>-positions; the "
      "behaviour still acts on full observations")(
      "no-progress", po::bool_switch(&a.no_progress), "no progress bar");
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(opts).positional({}).run(), vm);
  if (vm.count("help") || argc == 1) {
    std::cout << opts << "\n";
    return 0;
  }
  po::notify(vm);
  if (vm.count("noise-std")) a.noise_std = vm["noise-std"].as<double>();
  FLOWRL_CHECK(!a.env.empty(), "--env is required (hopper, halfcheetah, walker2d).");
  FLOWRL_CHECK(!a.out.empty(), "--out FILE.hdf5 is required.");
  FLOWRL_CHECK(a.policy.empty() != a.recipe.empty(), "pass exactly one of --policy FILE.h5|random and --recipe NAME.");
  FLOWRL_CHECK(!a.recipe.empty() || a.transitions > 0, "--transitions N (N >= 1) is required with --policy.");
  FLOWRL_CHECK(a.check_episodes >= 0, "--check-episodes must be >= 0.");
  if (a.policies_dir.empty()) a.policies_dir = default_policies_dir();
  std::string env = envs::resolve_env_name(a.env);
  if (a.no_velocities && !envs::is_positions_only(env)) env = envs::resolve_env_name(env + envs::kPositionsSuffix);
  FLOWRL_CHECK(a.seed >= 0, "--seed must be >= 0, got ", a.seed, ".");
  check_thread_count(a.threads, 1, "--threads");
  FLOWRL_CHECK(a.num_envs >= 0 && a.num_envs <= kMaxEnvCopies, "--num-envs must be between 0 (8 x threads) and ",
               kMaxEnvCopies, ", got ", a.num_envs, ".");
  FLOWRL_CHECK(a.transitions <= kMaxTransitions, "--transitions must be at most ", kMaxTransitions,
               " (D4RL's largest file has 2,000,000 rows), got ", a.transitions, ".");
  check_output_folder(a.out, "--out");
  if (!a.json.empty()) check_output_folder(a.json, "--json");
  if (a.policy != "random") {
    check_not_input(a.out, "--out", a.policy, "the --policy file");
    check_not_input(a.json, "--json", a.policy, "the --policy file");
  }
  check_not_input(a.json, "--json", a.out, "the --out dataset");

  collect::RolloutOptions ro;
  ro.env = env;
  ro.seed = static_cast<uint64_t>(a.seed);
  ro.threads = a.threads;
  ro.num_envs = a.num_envs;
  ro.progress = !a.no_progress;

  // --- collect
  data::D4RLDataset ds;
  std::optional<collect::Behaviour> single;  // the one behaviour, when there is one
  std::string what;
  // --check-episodes needs one policy file without extra noise: said before the collection
  const auto check_ok = [&](const collect::Behaviour& b) { return b.policy != "random" && b.action_noise == 0.0; };
  const char* check_needs = "--check-episodes needs a single policy file without --action-noise (not random, not a "
                            "stitched or mixed recipe).";
  if (!a.recipe.empty()) {
    const collect::Recipe recipe = collect::find_recipe(env, a.recipe, a.policies_dir);
    FLOWRL_CHECK(a.check_episodes == 0 || (recipe.kind == collect::RecipeKind::kSingle &&
                                           check_ok(recipe.rungs.front().behaviour)), check_needs);
    for (const auto& rung : recipe.rungs)
      if (rung.behaviour.policy != "random")
        FLOWRL_CHECK(std::filesystem::exists(rung.behaviour.policy), "recipe ", recipe.id(), " needs ",
                     rung.behaviour.policy, ", which does not exist; pass --policies-dir (the folder of "
                     "data/policies/*.h5).");
    if (recipe.kind == collect::RecipeKind::kSingle) single = recipe.rungs.front().behaviour;
    ds = collect::build_recipe(recipe, a.transitions, ro);
    what = "recipe " + recipe.id();
    std::string rungs;
    for (const auto& r : recipe.rungs) rungs += (rungs.empty() ? "" : "; ") + r.label + ": " + r.behaviour.describe();
    ds.metadata.strings["flowrl/recipe"] = recipe.name;
    ds.metadata.strings["flowrl/behaviour"] = rungs;
  } else {
    collect::Behaviour b;
    b.policy = a.policy;
    b.stochastic = a.stochastic;
    b.noise_std = a.noise_std;
    b.action_noise = a.action_noise;
    FLOWRL_CHECK(a.check_episodes == 0 || check_ok(b), check_needs);
    ro.transitions = a.transitions;
    ro.label = env;
    ds = collect::collect(b, ro);
    single = b;
    what = b.describe();
    ds.metadata.strings["flowrl/behaviour"] = b.describe();
  }
  if (single && single->policy != "random") {
    // D4RL's medium/expert files name the algorithm
    std::string alg = behaviour::MlpPolicy::load(single->policy).info().algorithm;
    std::transform(alg.begin(), alg.end(), alg.begin(), ::toupper);
    ds.metadata.strings["algorithm"] = alg;
  }
  ds.metadata.strings["flowrl/env"] = env;
  ds.metadata.strings["flowrl/seed"] = std::to_string(a.seed);
  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
  ds.metadata.strings["flowrl/command"] = command;

  // --- write, then read back through the validating reader
  data::write_d4rl(a.out, ds);
  const auto probe = envs::make_env(env);
  const data::D4RLDataset back = data::load_d4rl(
      a.out, data::D4RLReadOptions()
                 .obs_dim(static_cast<int64_t>(probe->observation_space().dim()))
                 .act_dim(static_cast<int64_t>(probe->action_space().dim()))
                 .env_name(env));
  const auto stats = data::dataset_stats(back);
  const auto ref = envs::find_reference_scores(env);
  auto norm = [&](double r) { return ref ? envs::normalized_score(env, r) : std::nan(""); };

  std::cout << std::fixed << std::setprecision(2);
  std::cout << "wrote " << a.out << ": " << what << "\n"
            << "  rows " << stats.rows << ", episodes " << stats.episodes << " (+ trailing " << stats.trailing_rows
            << " rows), terminals " << stats.terminals << ", timeouts " << stats.timeouts << "\n"
            << "  episode length " << stats.lengths.mean << " +- " << stats.lengths.std << "\n"
            << "  return " << stats.returns.mean << " +- " << stats.returns.std << " (min " << stats.returns.min
            << ", max " << stats.returns.max << "), normalized " << norm(stats.returns.mean) << "\n"
            << "  check: the reader's validation passed\n";

  // --- D4RL's qpos/qvel consistency check
  bool ok = true;
  const auto cons = collect::check_qpos_consistency(back, env, a.check_rows);
  const bool cons_ok = cons.max_squared_error < 1e-8;
  ok = ok && cons_ok;
  std::cout << std::scientific << std::setprecision(2) << "  check: qpos/qvel reproduce observations on "
            << cons.rows_checked << " rows, max squared error " << cons.max_squared_error << " (row "
            << cons.worst_row << ") " << (cons_ok ? "< 1e-8: ok" : ">= 1e-8: FAILED") << "\n"
            << std::fixed;

  // --- the dataset's mean return vs a fresh evaluation of the same behaviour
  std::optional<envs::EvaluationResult> eval;
  double z = 0.0;
  if (a.check_episodes > 0) {
    behaviour::BehaviourPolicy policy(behaviour::MlpPolicy::load(single->policy),
                                      behaviour::BehaviourPolicyOptions()
                                          .stochastic(single->stochastic)
                                          .noise_std(single->noise_std));
    envs::VectorEnv venv(envs::full_observation_env(env),  // the behaviour sees full observations
                         envs::VectorEnvOptions(std::min<int64_t>(a.check_episodes, 8 * a.threads)).threads(a.threads));
    // seeds disjoint from the dataset's episodes
    eval = envs::evaluate(venv, policy, envs::EvaluateOptions(a.check_episodes).seed(static_cast<uint64_t>(a.seed) + 0x9e3779b97f4a7c15ULL));
    const double n1 = double(stats.returns.count), n2 = double(a.check_episodes);
    const double se = std::sqrt(stats.returns.std * stats.returns.std / std::max(n1, 1.0) +
                                eval->returns.std * eval->returns.std / n2);
    z = se > 0 ? std::abs(stats.returns.mean - eval->returns.mean) / se : 0.0;
    const bool ret_ok = z < 4.0 || std::abs(stats.returns.mean - eval->returns.mean) < 1e-6 * std::abs(eval->returns.mean) + 1e-9;
    ok = ok && ret_ok;
    std::cout << "  check: evaluation over " << a.check_episodes << " fresh episodes: return " << eval->returns.mean
              << " +- " << eval->returns.std << "; dataset - evaluation = "
              << stats.returns.mean - eval->returns.mean << " (" << z << " standard errors) "
              << (ret_ok ? "< 4: ok" : ">= 4: FAILED") << "\n";
  }

  if (!a.json.empty()) {
    std::ostringstream j;
    j << "{\n  \"file\": " << json_string(a.out) << ",\n  \"env\": " << json_string(env)
      << ",\n  \"what\": " << json_string(what) << ",\n  \"seed\": " << a.seed << ",\n  \"rows\": " << stats.rows
      << ",\n  \"episodes\": " << stats.episodes << ",\n  \"trailing_rows\": " << stats.trailing_rows
      << ",\n  \"terminals\": " << stats.terminals << ",\n  \"timeouts\": " << stats.timeouts
      << ",\n  \"lengths\": " << data::to_json(stats.lengths) << ",\n  \"returns\": " << data::to_json(stats.returns)
      << ",\n  \"normalized_mean\": " << (ref ? json_number(norm(stats.returns.mean), 10) : "null")
      << ",\n  \"consistency_max_squared_error\": " << json_number(cons.max_squared_error, 10)
      << ",\n  \"consistency_rows\": " << cons.rows_checked;
    if (eval)
      j << ",\n  \"evaluation\": {\"episodes\": " << a.check_episodes << ", \"mean\": "
        << json_number(eval->returns.mean, 10) << ", \"std\": " << json_number(eval->returns.std, 10)
        << ", \"z\": " << json_number(z, 10) << "}";
    j << ",\n  \"checks_passed\": " << (ok ? "true" : "false") << "\n}\n";
    write_file_atomically(a.json, j.str());
  }
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const po::error& e) {
    std::cerr << "collect-dataset: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const Error& e) {
    std::cerr << "collect-dataset: " << e.what() << "\n";
    return 1;
  }
}
