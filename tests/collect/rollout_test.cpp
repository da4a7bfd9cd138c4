// rollout_test.cpp — collect(env, behaviour, options): D4RL's shapes and flags, what the rows depend on,
// the metadata, and option errors.
#include "collect_test_util.h"

#include <flowrl/collect/rollout.h>
#include <flowrl/core/error.h>
#include <flowrl/data/episodes.h>

#include <catch2/catch.hpp>

#include <cmath>

using namespace flowrl;
using Catch::Matchers::Contains;

TEST_CASE("collect::collect: random hopper rows have D4RL's shapes and flags", "[collect]") {
  const auto made = collect::collect("hopper", collect::Behaviour(), collect::CollectOptions(2000).seed(1));
  const data::D4RLDataset& ds = made.dataset;
  REQUIRE(ds.size() == 2000);
  CHECK(ds.obs_dim() == 11);
  CHECK(ds.act_dim() == 3);
  CHECK(ds.next_observations.rows == 2000);
  CHECK(ds.next_observations.cols == 11);
  CHECK(ds.infos.qpos.rows == 2000);
  CHECK(ds.infos.qpos.cols == 6);
  CHECK(ds.infos.qvel.cols == 6);
  CHECK(ds.terminals.size() == 2000);
  CHECK(ds.timeouts.size() == 2000);
  REQUIRE(ds.infos.action_log_probs.size() == 2000);
  for (float lp : ds.infos.action_log_probs) REQUIRE(lp == Approx(-3 * std::log(2.0)));  // uniform on [-1, 1]^3
  for (float a : ds.actions.values) REQUIRE(std::abs(a) <= 1.0f);
  for (int64_t i = 0; i < ds.size(); ++i) REQUIRE_FALSE((ds.terminals[i] && ds.timeouts[i]));
  // random hopper episodes fall within a few dozen steps: terminals, no timeouts
  const auto stats = data::dataset_stats(ds);
  CHECK(stats.terminals > 20);
  CHECK(stats.timeouts == 0);
  // s_{t+1} is the next row's s_t inside an episode; the first row of the next episode is a reset
  const auto episodes = data::split_episodes(ds);
  REQUIRE(episodes.size() >= 2);
  const auto& e = episodes.at(0);
  for (int64_t t = e.start; t + 1 < e.start + e.length; ++t)
    for (int64_t j = 0; j < ds.obs_dim(); ++j) REQUIRE(ds.next_observations.at(t, j) == ds.observations.at(t + 1, j));
  // counters: every row is an env step; the episodes cover the rows
  CHECK(made.env_steps >= 2000);
  CHECK(made.episodes_started >= static_cast<int64_t>(episodes.size()));
  CHECK(made.seconds > 0);
  // what made it, and the metadata every collected file carries (no algorithm for random actions)
  CHECK(made.description == "random (uniform actions)");
  REQUIRE(made.behaviour);
  CHECK(made.behaviour->policy == "random");
  CHECK(ds.metadata.strings.at("flowrl/env") == "hopper");
  CHECK(ds.metadata.strings.at("flowrl/seed") == "1");
  CHECK(ds.metadata.strings.at("flowrl/behaviour") == "random (uniform actions)");
  CHECK(ds.metadata.strings.count("algorithm") == 0);
}

TEST_CASE("collect::collect: 1000-step episodes end in a timeout, the last episode is cut unflagged", "[collect]") {
  const auto made = collect::collect("hopper-medium-v2", test::shipped("hopper-trpo.h5", false),
                                     collect::CollectOptions(1200).threads(2));
  const data::D4RLDataset& ds = made.dataset;
  REQUIRE(ds.size() == 1200);
  // the deterministic TRPO hopper survives 1000 steps: D4RL flags its 1000th step a timeout only
  CHECK(ds.timeouts[999] == 1);
  CHECK(ds.terminals[999] == 0);
  for (int64_t t = 1000; t < 1200; ++t) {
    REQUIRE(ds.terminals[t] == 0);
    REQUIRE(ds.timeouts[t] == 0);
  }
  CHECK(data::split_episodes(ds).size() == 1);
  CHECK(ds.metadata.strings.at("flowrl/env") == "hopper");  // the D4RL name resolved
  CHECK(ds.metadata.strings.at("algorithm") == "TRPO");
  CHECK(made.description == "hopper-trpo.h5 deterministic");
}

TEST_CASE("collect::collect: the rows depend on the seed, not on threads or env copies", "[collect]") {
  const auto behaviour = test::shipped("hopper-sac.h5", true, 0.2);
  const auto a = collect::collect("hopper", behaviour, collect::CollectOptions(1500).seed(3).threads(1).num_envs(1));
  const auto b = collect::collect("hopper", behaviour, collect::CollectOptions(1500).seed(3).threads(2).num_envs(5));
  CHECK(a.dataset.observations.values == b.dataset.observations.values);
  CHECK(a.dataset.next_observations.values == b.dataset.next_observations.values);
  CHECK(a.dataset.actions.values == b.dataset.actions.values);
  CHECK(a.dataset.rewards == b.dataset.rewards);
  CHECK(a.dataset.terminals == b.dataset.terminals);
  CHECK(a.dataset.timeouts == b.dataset.timeouts);
  CHECK(a.dataset.infos.qpos.values == b.dataset.infos.qpos.values);
  CHECK(a.dataset.infos.action_log_probs == b.dataset.infos.action_log_probs);
  CHECK(a.dataset.metadata.strings == b.dataset.metadata.strings);
  const auto c = collect::collect("hopper", behaviour, collect::CollectOptions(1500).seed(4).threads(2));
  CHECK(c.dataset.observations.values != a.dataset.observations.values);
  CHECK(c.dataset.actions.values != a.dataset.actions.values);
  CHECK(c.dataset.metadata.strings.at("flowrl/seed") == "4");
  CHECK(a.dataset.metadata.strings.at("flowrl/behaviour") ==
        "hopper-sac.h5 stochastic + N(0, 0.2^2) action noise");
}

TEST_CASE("collect::collect: positions-only envs keep qpos[1:] of the same rows", "[collect]") {
  const auto behaviour = test::shipped("hopper-sac.h5", true);
  const auto full = collect::collect("hopper", behaviour, collect::CollectOptions(800).seed(5));
  const auto pos = collect::collect("hopper-positions", behaviour, collect::CollectOptions(800).seed(5));
  REQUIRE(pos.dataset.obs_dim() == 5);
  CHECK(pos.dataset.actions.values == full.dataset.actions.values);
  CHECK(pos.dataset.infos.qvel.values == full.dataset.infos.qvel.values);
  for (int64_t t : {0, 399, 799})
    for (int64_t j = 0; j < 5; ++j) REQUIRE(pos.dataset.observations.at(t, j) == full.dataset.observations.at(t, j));
  CHECK(pos.dataset.metadata.strings.at("flowrl/env") == "hopper-positions");
}

TEST_CASE("collect::collect: a bad option or policy is a flowrl::Error naming it", "[collect]") {
  CHECK_THAT(test::error_of([] { collect::collect("hopper", collect::Behaviour(), collect::CollectOptions(0)); }),
             Contains("transitions must be >= 1, got 0"));
  CHECK_THROWS_AS(collect::collect("hopper", collect::Behaviour(), collect::CollectOptions(10).threads(0)), Error);
  collect::Behaviour noisy;
  noisy.action_noise = -0.1;
  CHECK_THROWS_AS(collect::collect("hopper", noisy, collect::CollectOptions(10)), Error);
  // a walker2d policy in hopper, a policy file that does not exist, an unknown env
  CHECK_THROWS_AS(collect::collect("hopper", test::shipped("walker2d-ppo.h5", false), collect::CollectOptions(10)),
                  Error);
  CHECK_THROWS_AS(collect::collect("hopper", test::shipped("no-such-policy.h5", false), collect::CollectOptions(10)),
                  Error);
  CHECK_THAT(test::error_of([] { collect::collect("hoper", collect::Behaviour(), collect::CollectOptions(10)); }),
             Contains("unknown environment 'hoper'"));
}
