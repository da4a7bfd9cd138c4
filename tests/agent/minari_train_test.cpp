// minari_train_test.cpp — a Minari dataset in train-agent: the config (dataset.path / dataset.minari_id,
// the env from its metadata, the early check of an env flowrl does not simulate), training on it as on
// a D4RL file, and evaluations scored the way Minari states them.
#include <catch2/catch.hpp>
#include <flowrl/agent/train_config.h>
#include <flowrl/agent/trainer.h>
#include <flowrl/config/config.h>
#include <flowrl/core/error.h>
#include <flowrl/data/minari.h>
#include <flowrl/envs/registry.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "agent_fixtures.h"
#include "apps_support.h"
#include "error_of.h"
#include "scoped_env.h"

using namespace flowrl;
using Catch::Matchers::Contains;

namespace {

const std::string kMinariRoot = std::string(FLOWRL_SOURCE_DIR) + "/tests/fixtures/minari/datasets";
const std::string kHopper = kMinariRoot + "/flowrl-fixtures/hopper/sac-v0";        // reference scores -10 / 2990
const std::string kNoRef = kMinariRoot + "/flowrl-fixtures/hopper/sac-noref-v0";   // no reference scores

TrainConfig parse(const std::string& yaml) {
  auto cfg = config::Config::parse(yaml, "m.yaml");
  return TrainConfig::from(cfg);
}

// The registry's name for Gymnasium's Hopper-v5 once flowrl simulates it; nullopt until then.
std::optional<std::string> simulated_hopper_v5() {
  for (const std::string name : {"Hopper-v5", "hopper-v5"}) {
    try {
      return envs::resolve_env_name(name);
    } catch (const Error&) {
    }
  }
  return std::nullopt;
}

const char* const kNoEval = "eval:\n  every: 0\n  final_episodes: 0\n";

}  // namespace

TEST_CASE("dataset.path takes a Minari folder and dataset.minari_id an id, the env coming from the metadata",
          "[agent][config][minari]") {
  const auto v5 = simulated_hopper_v5();
  const std::string env = v5.value_or("Hopper-v5");  // the registry's name when flowrl simulates it, else the id
  auto c = parse("dataset:\n  path: " + kHopper + "\n" + kNoEval);
  CHECK(c.dataset.path == kHopper);
  CHECK(c.dataset.minari_id.empty());
  CHECK(c.dataset.label() == kHopper);
  CHECK(c.dataset.env == env);
  CHECK(c.eval.targets == std::vector<double>{3600, 1800});  // Hopper's, for Hopper-v5 too

  test::ScopedEnv root("MINARI_DATASETS_PATH", kMinariRoot);
  auto cfg = config::Config::parse(std::string("dataset:\n  minari_id: flowrl-fixtures/hopper/sac-noref-v0\n") + kNoEval, "m.yaml");
  c = TrainConfig::from(cfg);
  CHECK(c.dataset.minari_id == "flowrl-fixtures/hopper/sac-noref-v0");
  CHECK(c.dataset.path.empty());
  CHECK(c.dataset.label() == "flowrl-fixtures/hopper/sac-noref-v0");
  CHECK(c.dataset.env == env);
  // the resolved config names the env, so that a run's config.yaml reads again without the data
  const std::string resolved = cfg.resolved_yaml();
  CHECK_THAT(resolved, Contains("minari_id: flowrl-fixtures/hopper/sac-noref-v0") && Contains("env: " + env));
  CHECK_THAT(resolved, !Contains("path:"));
  auto again = config::Config::parse(resolved, "config.yaml");
  unsetenv("MINARI_DATASETS_PATH");
  CHECK(TrainConfig::from(again).dataset.env == env);

  // an explicit dataset.env wins (here flowrl's Gym-v3 hopper, which it simulates: evaluation allowed)
  c = parse("dataset:\n  path: " + kHopper + "\n  env: hopper\neval:\n  final_episodes: 2\n");
  CHECK(c.dataset.env == "hopper");

  // versioned ids keep their body's default targets; an unknown body still has none
  CHECK(default_targets("Hopper-v5") == std::vector<double>{3600, 1800});
  CHECK(default_targets("walker2d-v5") == std::vector<double>{5000, 2500});
  CHECK(default_targets("HalfCheetah-v5") == std::vector<double>{12000, 6000});
  CHECK_THROWS_WITH(default_targets("Swimmer-v5"), Contains("no default target returns for env 'Swimmer-v5'"));
}

TEST_CASE("a Minari run that would evaluate in an env flowrl does not simulate fails at once, saying what to do",
          "[agent][config][minari]") {
  // an env no build of flowrl simulates: refused whenever the run evaluates (periodically or at the end)
  for (const std::string eval : {"eval:\n  every: 0\n", "eval:\n  every: 5\n  final_episodes: 0\n"}) {
    const auto msg = test::error_of([&] { parse("dataset:\n  path: " + kHopper + "\n  env: Walker2d-v99\n" + eval); });
    CHECK_THAT(msg, Contains("m.yaml: the Minari dataset " + kHopper + " is for env 'Walker2d-v99' (key 'dataset.env')") &&
                        Contains("which flowrl does not simulate (known: ") && Contains("halfcheetah") &&
                        Contains("Set eval.every: 0 and eval.final_episodes: 0 to train without evaluating"));
  }
  CHECK(parse("dataset:\n  path: " + kHopper + "\n  env: Walker2d-v99\n" + kNoEval).dataset.env == "Walker2d-v99");
  // the dataset's own env: refused as long as flowrl has no Hopper-v5
  const auto msg = test::error_of([&] { parse("dataset:\n  path: " + kHopper + "\n"); });
  if (simulated_hopper_v5()) {
    CHECK(msg.empty());
  } else {
    CHECK_THAT(msg, Contains("is for env 'Hopper-v5' (its metadata's env_spec), which flowrl does not simulate"));
  }
  // one dataset key, not two; none is an error naming both
  CHECK_THAT(test::error_of([&] { parse("dataset:\n  path: " + kHopper + "\n  minari_id: a/b-v0\n" + kNoEval); }),
             Contains("keys 'dataset.path' and 'dataset.minari_id' both name a dataset"));
  CHECK_THAT(test::error_of([&] { parse(std::string("dataset:\n  env: hopper\n") + kNoEval); }),
             Contains("'dataset.minari_id'") && Contains("key 'dataset.path' is required"));
  // an id that is not there: the resolution's message
  test::ScopedEnv root("MINARI_DATASETS_PATH", kMinariRoot);
  CHECK_THAT(test::error_of([&] { parse(std::string("dataset:\n  minari_id: mujoco/hopper/medium-v0\n") + kNoEval); }),
             Contains("Minari dataset 'mujoco/hopper/medium-v0' not found") && Contains("minari download"));
  // a folder that is no dataset is said so while reading the config
  CHECK_THAT(test::error_of([&] { parse("dataset:\n  path: " + kMinariRoot + "\n" + kNoEval); }),
             Contains("a folder, but not a Minari dataset"));
}

TEST_CASE("train-agent trains on a Minari dataset as on a D4RL file", "[agent][apps][minari]") {
#ifdef FLOWRL_TRAIN_AGENT_EXE
  test::TempDir tmp;
  {
    std::ofstream cfg(tmp.file("minari.yaml"));
    cfg << test::tiny_config_yaml(kHopper, 4);  // dataset.env hopper, evaluation off
  }
  const auto run_dir = tmp.file("run");
  auto r = test::run_command(std::string(FLOWRL_TRAIN_AGENT_EXE) + " --config " + tmp.file("minari.yaml") +
                                 " --set dataset.env=Hopper-v5 --no-progress --out " + run_dir,
                             tmp.file("log"));
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.output, Contains("dataset " + kHopper) && Contains("train-agent: 4 steps"));
  CHECK(std::filesystem::exists(run_dir + "/checkpoints/latest"));
  std::ifstream in(run_dir + "/config.yaml");
  std::stringstream yaml;
  yaml << in.rdbuf();
  CHECK_THAT(yaml.str(), Contains("path: " + kHopper) && Contains("env: Hopper-v5"));
  // by id, under MINARI_DATASETS_PATH
  {
    std::string by_id = test::tiny_config_yaml(kHopper, 2);
    by_id.replace(by_id.find("path: " + kHopper), 6 + kHopper.size(), "minari_id: flowrl-fixtures/hopper/sac-v0");
    std::ofstream(tmp.file("by-id.yaml")) << by_id;
  }
  r = test::run_command("MINARI_DATASETS_PATH=" + kMinariRoot + " " + FLOWRL_TRAIN_AGENT_EXE + " --config " +
                            tmp.file("by-id.yaml") + " --no-progress --out " + tmp.file("by-id"),
                        tmp.file("log"));
  CHECK(r.code == 0);
  CHECK_THAT(r.output, Contains("dataset flowrl-fixtures/hopper/sac-v0") && Contains("train-agent: 2 steps"));
#else
  WARN("train-agent not built: skipped");
#endif
}

TEST_CASE("a Minari run's evaluations are scored with the dataset's reference scores, or raw when it has none",
          "[agent][minari]") {
  test::TempDir tmp;
  const std::vector<std::string> evaluate{"eval.final_episodes=2", "eval.targets=[250]"};
  auto result = test::train(kHopper, tmp.file("ref"), 2, false, evaluate);  // dataset.env hopper: simulated
  REQUIRE(result.final_evaluation.size() == 1);
  const auto& r = result.final_evaluation[0].result;
  REQUIRE(r.episodes.size() == 2);
  for (const auto& e : r.episodes) {
    REQUIRE(e.normalized.has_value());
    CHECK(*e.normalized == Approx(100.0 * (e.episode_return + 10.0) / 3000.0));  // not D4RL's Hopper table
  }
  REQUIRE(r.normalized.has_value());
  CHECK(r.normalized->mean == Approx(100.0 * (r.returns.mean + 10.0) / 3000.0));
  CHECK_THAT(r.info.at("scores"), Contains("ref_min_score -10, ref_max_score 2990 from flowrl-fixtures/hopper/sac-v0"));
  std::ifstream in(tmp.file("ref") + "/eval-final.json");
  std::stringstream json;
  json << in.rdbuf();
  CHECK_THAT(json.str(), Contains("\"scores\": \"minari: 100 (R - ref_min_score) / (ref_max_score - ref_min_score)"));

  result = test::train(kNoRef, tmp.file("noref"), 2, false, evaluate);
  const auto& raw = result.final_evaluation[0].result;
  CHECK_FALSE(raw.normalized.has_value());
  for (const auto& e : raw.episodes) CHECK_FALSE(e.normalized.has_value());
  CHECK_THAT(raw.info.at("scores"), Contains("raw returns only: flowrl-fixtures/hopper/sac-noref-v0 has no "
                                             "ref_min_score/ref_max_score"));

  // an evaluation env whose widths are not the dataset's is refused before the first update
  CHECK_THROWS_WITH(test::train(kHopper, tmp.file("walker"), 2, false,
                                {"dataset.env=walker2d", "eval.final_episodes=1", "eval.targets=[250]"}),
                    Contains(kHopper + " has 11-D observations and 3-D actions, but env 'walker2d' (dataset.env) has 17 and 6") &&
                        Contains("(Hopper-v5)"));
  CHECK_FALSE(std::filesystem::exists(tmp.file("walker") + "/checkpoints"));
}

TEST_CASE("a Minari dataset evaluates in the Gymnasium v5 env of its env_spec, with Minari-normalized scores",
          "[agent][minari]") {
  // no dataset.env: the env comes from the dataset's metadata (Hopper-v5), which flowrl simulates
  REQUIRE(simulated_hopper_v5() == std::optional<std::string>("hopper-v5"));
  test::TempDir tmp;
  auto yaml = test::tiny_config_yaml(kHopper, 2);
  const std::string env_line = "  env: hopper\n";
  REQUIRE(yaml.find(env_line) != std::string::npos);
  yaml.erase(yaml.find(env_line), env_line.size());
  auto cfg = config::Config::parse(yaml, "v5.yaml");
  cfg.set("eval.final_episodes=2");
  const auto config = TrainConfig::from(cfg);
  CHECK(config.dataset.env == "hopper-v5");
  const auto result = test::train_config(config, cfg, tmp.file("run"));
  REQUIRE(result.final_evaluation.size() == 1);
  const auto& r = result.final_evaluation[0].result;
  CHECK(r.env == "hopper-v5");
  REQUIRE(r.episodes.size() == 2);
  REQUIRE(r.normalized.has_value());
  CHECK(r.normalized->mean == Approx(100.0 * (r.returns.mean + 10.0) / 3000.0));  // the dataset's -10 / 2990
  CHECK_THAT(r.info.at("scores"), Contains("ref_min_score -10, ref_max_score 2990"));
}
