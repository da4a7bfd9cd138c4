// collect_dataset_test.cpp — the collect-dataset program end to end (skipped when not built).
#include <catch2/catch.hpp>
#include <filesystem>
#include <flowrl/data/d4rl.h>
#include <flowrl/data/episodes.h>

#include <cmath>

#include "apps_support.h"
#include "d4rl_fixtures.h"

using namespace flowrl;
using Catch::Matchers::Contains;

#ifdef FLOWRL_COLLECT_DATASET_EXE
namespace {
const std::string kExe = FLOWRL_COLLECT_DATASET_EXE;
const std::string kPolicies = std::string(FLOWRL_DATA_TEST_SOURCE_DIR) + "/data/policies";
}  // namespace

TEST_CASE("collect-dataset --policy random writes a valid D4RL file", "[data][apps]") {
  test::TempDir tmp;
  const auto out = tmp.file("hopper_random.hdf5");
  const auto r = test::run_command(kExe + " --env hopper --policy random --transitions 3000 --seed 1 --threads 1 "
                                          "--no-progress --check-rows 0 --out " + out, tmp.file("log"));
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.output, Contains("qpos/qvel reproduce observations on 3000 rows"));
  const auto ds = data::load_d4rl(out, data::D4RLReadOptions().env_dims("hopper"));
  CHECK(ds.size() == 3000);
  CHECK(ds.infos.qpos.cols == 6);
  CHECK(ds.infos.qvel.cols == 6);
  CHECK(ds.next_observations.rows == 3000);
  for (float lp : ds.infos.action_log_probs) REQUIRE(lp == Approx(-3 * std::log(2.0)));
  for (int64_t i = 0; i < ds.size(); ++i) {
    REQUIRE(std::abs(ds.actions.at(i, 0)) <= 1.0f);
    REQUIRE_FALSE((ds.terminals[i] && ds.timeouts[i]));
  }
  // random hopper episodes fall within a few dozen steps: terminals, no timeouts
  const auto stats = data::dataset_stats(ds);
  CHECK(stats.terminals > 50);
  CHECK(stats.timeouts == 0);
  CHECK(ds.metadata.strings.at("flowrl/env") == "hopper");
  // s_{t+1} is the next row's s_t inside an episode
  const auto eps = data::split_episodes(ds);
  const auto& e = eps.at(1);
  CHECK(ds.next_observations.at(e.start, 2) == ds.observations.at(e.start + 1, 2));
}

TEST_CASE("collect-dataset: 1000-step episodes end in timeouts, the last one is cut unflagged", "[data][apps]") {
  test::TempDir tmp;
  const auto out = tmp.file("hopper_expert.hdf5");
  const auto r = test::run_command(kExe + " --env hopper --policy " + kPolicies +
                                       "/hopper-trpo.h5 --transitions 2500 --threads 2 --no-progress --out " + out,
                                   tmp.file("log"));
  INFO(r.output);
  REQUIRE(r.code == 0);
  const auto ds = data::load_d4rl(out);
  // the deterministic TRPO hopper survives 1000 steps
  CHECK(ds.timeouts[999] == 1);
  CHECK(ds.terminals[999] == 0);
  CHECK(ds.timeouts[1999] == 1);
  CHECK(ds.terminals[2499] == 0);
  CHECK(ds.timeouts[2499] == 0);
  CHECK(data::split_episodes(ds).size() == 2);
  CHECK(ds.metadata.strings.at("algorithm") == "TRPO");
}

TEST_CASE("collect-dataset files do not depend on threads or env copies", "[data][apps]") {
  test::TempDir tmp;
  const std::string base = kExe + " --env halfcheetah --policy " + kPolicies +
                           "/halfcheetah-a2c.h5 --stochastic --action-noise 0.2 --transitions 1500 --seed 3 --no-progress";
  REQUIRE(test::run_command(base + " --threads 1 --num-envs 1 --out " + tmp.file("a.hdf5"), tmp.file("log")).code == 0);
  REQUIRE(test::run_command(base + " --threads 2 --num-envs 5 --out " + tmp.file("b.hdf5"), tmp.file("log")).code == 0);
  const auto a = data::load_d4rl(tmp.file("a.hdf5"));
  const auto b = data::load_d4rl(tmp.file("b.hdf5"));
  CHECK(a.observations.values == b.observations.values);
  CHECK(a.actions.values == b.actions.values);
  CHECK(a.rewards == b.rewards);
  CHECK(a.infos.qpos.values == b.infos.qpos.values);
  CHECK(a.infos.action_log_probs == b.infos.action_log_probs);
}

TEST_CASE("collect-dataset recipes: mixed has exactly N rows, usage errors exit non-zero", "[data][apps]") {
  test::TempDir tmp;
  const auto out = tmp.file("mixed.hdf5");
  auto r = test::run_command(kExe + " --env hopper --recipe mixed --transitions 4000 --no-progress --threads 2 --out " +
                                 out, tmp.file("log"));
  INFO(r.output);
  REQUIRE(r.code == 0);
  const auto ds = data::load_d4rl(out);
  CHECK(ds.size() == 4000);
  CHECK(ds.metadata.strings.at("flowrl/recipe") == "mixed");

  r = test::run_command(kExe + " --env hopper --policy random --out " + tmp.file("x.hdf5"), tmp.file("log"));
  CHECK(r.code != 0);
  CHECK_THAT(r.output, Contains("--transitions"));
  // too few rows for a recipe's parts: said before anything is written (once: a concat_d4rl error)
  r = test::run_command(kExe + " --env hopper --recipe mixed --transitions 50 --threads 1 --no-progress --out " +
                            tmp.file("x.hdf5"), tmp.file("log"));
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("without a finished episode; pass more transitions"));
  r = test::run_command(kExe + " --env hopper --recipe medium-expert --transitions 1 --no-progress --out " +
                            tmp.file("x.hdf5"), tmp.file("log"));
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("too small for its two halves"));
  CHECK_FALSE(std::filesystem::exists(tmp.file("x.hdf5")));
  // a medium half with no finished episode is named (once: "does not have the same optional keys")
  r = test::run_command(kExe + " --env hopper --recipe medium-expert --transitions 2 --threads 1 --no-progress --out " +
                            tmp.file("x.hdf5"), tmp.file("log"));
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("leaves its first half") && Contains("without a finished episode"));
  CHECK_FALSE(std::filesystem::exists(tmp.file("x.hdf5")));
  // --check-episodes without a policy to check: said before collecting (once: after writing the file)
  r = test::run_command(kExe + " --env hopper --policy random --transitions 10 --check-episodes 2 --out " +
                            tmp.file("x.hdf5"), tmp.file("log"));
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("--check-episodes needs a single policy file"));
  CHECK_FALSE(std::filesystem::exists(tmp.file("x.hdf5")));
  // an output that is an input is refused (once: the dataset was replaced by its JSON report)
  r = test::run_command(kExe + " --env hopper --policy random --transitions 10 --out " + tmp.file("y.hdf5") +
                            " --json " + tmp.file("y.hdf5"), tmp.file("log"));
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("one would overwrite the other"));
  r = test::run_command(kExe + " --env hopper --recipe nope --out " + tmp.file("x.hdf5"), tmp.file("log"));
  CHECK(r.code != 0);
  CHECK_THAT(r.output, Contains("unknown recipe") && Contains("medium-expert"));
  r = test::run_command(kExe + " --env hopper --policy " + kPolicies + "/walker2d-ppo.h5 --transitions 10 --out " +
                            tmp.file("x.hdf5"), tmp.file("log"));
  CHECK(r.code != 0);
}
TEST_CASE("collect-dataset --no-velocities records positions only, the same rows otherwise", "[data][apps]") {
  // the medium policy acts on full observations; the file keeps qpos[1:] and the full MuJoCo state
  test::TempDir tmp;
  const std::string args = " --policy " + kPolicies + "/hopper-sac.h5 --transitions 1500 --seed 3 --threads 1 "
                           "--no-progress --check-rows 0 --out ";
  auto r = test::run_command(kExe + " --env hopper" + args + tmp.file("full.hdf5"), tmp.file("log"));
  REQUIRE(r.code == 0);
  r = test::run_command(kExe + " --env hopper --no-velocities" + args + tmp.file("pos.hdf5"), tmp.file("log"));
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.output, Contains("qpos/qvel reproduce observations on 1500 rows"));
  const auto full = data::load_d4rl(tmp.file("full.hdf5"), data::D4RLReadOptions().env_dims("hopper"));
  const auto pos = data::load_d4rl(tmp.file("pos.hdf5"), data::D4RLReadOptions().env_dims("hopper-positions"));
  REQUIRE(pos.obs_dim() == 5);
  REQUIRE(pos.size() == full.size());
  CHECK(pos.metadata.strings.at("flowrl/env") == "hopper-positions");
  CHECK(pos.actions.values == full.actions.values);
  CHECK(pos.rewards == full.rewards);
  CHECK(pos.infos.qvel.values == full.infos.qvel.values);
  for (int64_t i = 0; i < pos.size(); ++i)
    for (int64_t j = 0; j < 5; ++j) {
      REQUIRE(pos.observations.at(i, j) == full.observations.at(i, j));
      REQUIRE(pos.next_observations.at(i, j) == full.next_observations.at(i, j));
    }
  // --env hopper-positions is the same request; a full-observation reader refuses the file
  r = test::run_command(kExe + " --env hopper-positions" + args + tmp.file("pos2.hdf5"), tmp.file("log"));
  REQUIRE(r.code == 0);
  CHECK(data::load_d4rl(tmp.file("pos2.hdf5")).observations.values == pos.observations.values);
  CHECK_THROWS(data::load_d4rl(tmp.file("pos.hdf5"), data::D4RLReadOptions().env_dims("hopper")));
  // a recipe too
  r = test::run_command(kExe + " --env walker2d --no-velocities --recipe mixed --transitions 3000 --threads 1 "
                               "--no-progress --out " + tmp.file("mixed.hdf5"), tmp.file("log"));
  REQUIRE(r.code == 0);
  CHECK(data::load_d4rl(tmp.file("mixed.hdf5"), data::D4RLReadOptions().env_dims("walker2d-positions")).obs_dim() == 8);
}
#else
TEST_CASE("collect-dataset end to end", "[data][apps]") { WARN("collect-dataset not built: skipped"); }
#endif
