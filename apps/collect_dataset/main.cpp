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
#include <flowrl/collect.h>
#include <flowrl/core/error.h>
#include <flowrl/core/file.h>
#include <flowrl/core/json.h>
#include <flowrl/core/threads.h>
#include <flowrl/data/episodes.h>
#include <flowrl/envs/registry.h>
#include <flowrl/envs/scores.h>

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

  const auto options = collect::CollectOptions(a.transitions)
                           .seed(static_cast<uint64_t>(a.seed))
                           .threads(a.threads)
                           .num_envs(a.num_envs)
                           .progress(!a.no_progress);

  // --- collect
  std::optional<collect::Recipe> recipe;
  collect::Behaviour behaviour;
  std::optional<collect::Behaviour> single;  // the one behaviour, when there is one
  if (!a.recipe.empty()) {
    recipe = collect::recipe(env, a.recipe, a.policies_dir);
    single = recipe->single_behaviour();
  } else {
    behaviour.policy = a.policy;
    behaviour.stochastic = a.stochastic;
    behaviour.noise_std = a.noise_std;
    behaviour.action_noise = a.action_noise;
    single = behaviour;
  }
  // said before the collection
  FLOWRL_CHECK(a.check_episodes == 0 || (single && collect::returns_checkable(*single)),
               "--check-episodes needs a single policy file without --action-noise (not random, not a "
               "stitched or mixed recipe).");
  collect::CollectSummary made =
      recipe ? collect::collect(*recipe, options) : collect::collect(env, behaviour, options);
  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
  made.dataset.metadata.strings["flowrl/command"] = command;

  // --- write, then read back through the validating reader and replay the MuJoCo states
  const collect::WrittenDataset written = collect::write_dataset(a.out, made.dataset, env, a.check_rows);
  const auto& stats = written.stats;
  const auto ref = envs::find_reference_scores(env);
  auto norm = [&](double r) { return ref ? envs::normalized_score(env, r) : std::nan(""); };

  std::cout << std::fixed << std::setprecision(2);
  std::cout << "wrote " << a.out << ": " << made.description << "\n"
            << "  rows " << stats.rows << ", episodes " << stats.episodes << " (+ trailing " << stats.trailing_rows
            << " rows), terminals " << stats.terminals << ", timeouts " << stats.timeouts << "\n"
            << "  episode length " << stats.lengths.mean << " +- " << stats.lengths.std << "\n"
            << "  return " << stats.returns.mean << " +- " << stats.returns.std << " (min " << stats.returns.min
            << ", max " << stats.returns.max << "), normalized " << norm(stats.returns.mean) << "\n"
            << "  check: the reader's validation passed\n";
  const auto& cons = written.consistency;
  bool ok = cons.ok();
  std::cout << std::scientific << std::setprecision(2) << "  check: qpos/qvel reproduce observations on "
            << cons.rows_checked << " rows, max squared error " << cons.max_squared_error << " (row "
            << cons.worst_row << ") " << (cons.ok() ? "< 1e-8: ok" : ">= 1e-8: FAILED") << "\n"
            << std::fixed;

  // --- the dataset's mean return vs a fresh evaluation of the same behaviour
  std::optional<collect::ReturnCheck> check;
  if (a.check_episodes > 0) {
    check = collect::check_returns(
        env, *single, stats.returns,
        collect::ReturnCheckOptions(a.check_episodes).seed(static_cast<uint64_t>(a.seed)).threads(a.threads));
    ok = ok && check->ok;
    std::cout << "  check: evaluation over " << a.check_episodes << " fresh episodes: return "
              << check->evaluation.returns.mean << " +- " << check->evaluation.returns.std
              << "; dataset - evaluation = " << check->difference << " (" << check->z << " standard errors) "
              << (check->ok ? "< 4: ok" : ">= 4: FAILED") << "\n";
  }

  if (!a.json.empty()) {
    std::ostringstream j;
    j << "{\n  \"file\": " << json_string(a.out) << ",\n  \"env\": " << json_string(env)
      << ",\n  \"what\": " << json_string(made.description) << ",\n  \"seed\": " << a.seed
      << ",\n  \"rows\": " << stats.rows
      << ",\n  \"episodes\": " << stats.episodes << ",\n  \"trailing_rows\": " << stats.trailing_rows
      << ",\n  \"terminals\": " << stats.terminals << ",\n  \"timeouts\": " << stats.timeouts
      << ",\n  \"lengths\": " << data::to_json(stats.lengths) << ",\n  \"returns\": " << data::to_json(stats.returns)
      << ",\n  \"normalized_mean\": " << (ref ? json_number(norm(stats.returns.mean), 10) : "null")
      << ",\n  \"consistency_max_squared_error\": " << json_number(cons.max_squared_error, 10)
      << ",\n  \"consistency_rows\": " << cons.rows_checked;
    if (check)
      j << ",\n  \"evaluation\": {\"episodes\": " << a.check_episodes << ", \"mean\": "
        << json_number(check->evaluation.returns.mean, 10) << ", \"std\": "
        << json_number(check->evaluation.returns.std, 10) << ", \"z\": " << json_number(check->z, 10) << "}";
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
