// recipes_test.cpp — recipe(env, name, dir) and collect(recipe, options): the table, lookup errors,
// sizes, how the rungs are put together, and what a missing policy file or too few rows say.
#include "collect_test_util.h"

#include <flowrl/collect/recipes.h>
#include <flowrl/core/error.h>
#include <flowrl/data/d4rl_ops.h>
#include <flowrl/envs/random.h>

#include <catch2/catch.hpp>

#include <numeric>

using namespace flowrl;
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;

namespace {

const std::string kPolicies = FLOWRL_POLICIES_DIR;

}  // namespace

TEST_CASE("collect::recipe: the named recipes of each env", "[collect]") {
  CHECK(collect::recipe_names() == std::vector<std::string>{"random", "medium", "expert", "medium-expert", "mixed"});

  const auto medium = collect::recipe("hopper", "medium", kPolicies);
  CHECK(medium.id() == "hopper-medium");
  CHECK(medium.kind == collect::RecipeKind::kSingle);
  CHECK(medium.default_transitions == 1000000);
  REQUIRE(medium.rungs.size() == 1);
  CHECK(medium.rungs[0].behaviour.policy == kPolicies + "/hopper-sac.h5");
  CHECK(medium.rungs[0].behaviour.stochastic);
  REQUIRE(medium.single_behaviour());
  CHECK(medium.single_behaviour()->policy == medium.rungs[0].behaviour.policy);

  const auto expert = collect::recipe("walker2d", "expert", kPolicies);
  REQUIRE(expert.rungs.size() == 1);
  CHECK_THAT(expert.rungs[0].behaviour.policy, EndsWith("/walker2d-trpo.h5"));
  CHECK_FALSE(expert.rungs[0].behaviour.stochastic);

  const auto me = collect::recipe("halfcheetah", "medium-expert", kPolicies);
  CHECK(me.kind == collect::RecipeKind::kStitch);
  CHECK(me.default_transitions == 2000000);
  REQUIRE(me.rungs.size() == 2);
  CHECK_THAT(me.rungs[0].behaviour.policy, EndsWith("/halfcheetah-ars.h5"));
  CHECK_THAT(me.rungs[1].behaviour.policy, EndsWith("/halfcheetah-tqc.h5"));
  CHECK_FALSE(me.single_behaviour());

  // mixed: D4RL's medium-replay size per env, rungs from random to medium whose shares sum to 1
  CHECK(collect::recipe("hopper", "mixed", kPolicies).default_transitions == 402000);
  CHECK(collect::recipe("halfcheetah", "mixed", kPolicies).default_transitions == 202000);
  const auto mixed = collect::recipe("walker2d", "mixed", kPolicies);
  CHECK(mixed.default_transitions == 302000);
  CHECK(mixed.kind == collect::RecipeKind::kLadder);
  REQUIRE(mixed.rungs.size() == 5);
  CHECK(mixed.rungs.front().behaviour.policy == "random");
  CHECK(mixed.rungs[1].behaviour.action_noise == 0.3);
  CHECK_THAT(mixed.rungs.back().behaviour.policy, EndsWith("/walker2d-ppo.h5"));
  const double shares = std::accumulate(mixed.rungs.begin(), mixed.rungs.end(), 0.0,
                                        [](double s, const collect::Rung& r) { return s + r.share; });
  CHECK(shares == Approx(1.0));
  CHECK_FALSE(mixed.single_behaviour());

  // env names resolve as everywhere; a positions-only variant keeps its name and its env's policies
  CHECK(collect::recipe("hopper-medium-v2", "random", kPolicies).id() == "hopper-random");
  const auto positions = collect::recipe("hopper-positions", "medium", kPolicies);
  CHECK(positions.id() == "hopper-positions-medium");
  CHECK(positions.rungs[0].behaviour.policy == medium.rungs[0].behaviour.policy);
}

TEST_CASE("collect::recipe: an unknown recipe or env is a flowrl::Error listing the known ones", "[collect]") {
  const std::string unknown = test::error_of([] { collect::recipe("hopper", "medium-replay", kPolicies); });
  CHECK_THAT(unknown, Contains("unknown recipe 'medium-replay'") &&
                          Contains("known recipes: random, medium, expert, medium-expert, mixed."));
  CHECK_THAT(test::error_of([] { collect::recipe("hoper", "medium", kPolicies); }),
             Contains("unknown environment 'hoper'") && Contains("hopper"));
  // the files are not opened by the lookup: a wrong folder is said when collecting, before any rollout
  const auto r = collect::recipe("hopper", "mixed", "/no/such/folder");
  CHECK_THAT(test::error_of([&] { collect::collect(r, collect::CollectOptions(4000)); }),
             Contains("recipe hopper-mixed needs /no/such/folder/hopper-a2c.h5, which does not exist"));
}

TEST_CASE("collect::collect(recipe): mixed has exactly N rows, every rung but the last ends on a done", "[collect]") {
  const auto r = collect::recipe("hopper", "mixed", kPolicies);
  const auto made = collect::collect(r, collect::CollectOptions(4000).seed(2).threads(2));
  const data::D4RLDataset& ds = made.dataset;
  REQUIRE(ds.size() == 4000);
  CHECK(made.description == "recipe hopper-mixed");
  CHECK_FALSE(made.behaviour);
  CHECK(made.env_steps >= 4000);
  CHECK(ds.metadata.strings.at("flowrl/recipe") == "mixed");
  CHECK(ds.metadata.strings.at("flowrl/seed") == "2");
  CHECK_THAT(ds.metadata.strings.at("flowrl/behaviour"),
             Contains("random: random (uniform actions); low+noise: hopper-a2c.h5 stochastic + N(0, 0.3^2)"));
  CHECK(ds.metadata.strings.count("algorithm") == 0);  // several policies made it
  // rung 0 is random actions with seed derive_seed(2, 0), cut after its last done: the file starts with it
  const auto random = collect::collect("hopper", collect::Behaviour(),
                                       collect::CollectOptions(400).seed(envs::derive_seed(2, 0)).threads(1));
  const auto first = data::trim_after_last_done(random.dataset);
  REQUIRE(first.size() > 0);
  for (int64_t t = 0; t < first.size(); ++t) REQUIRE(ds.rewards[t] == first.rewards[t]);
  CHECK((ds.terminals[first.size() - 1] || ds.timeouts[first.size() - 1]));
}

TEST_CASE("collect::collect(recipe): medium-expert is the medium and expert rows of the same seed", "[collect]") {
  const auto me = collect::collect(collect::recipe("hopper", "medium-expert", kPolicies),
                                   collect::CollectOptions(3000).seed(4).threads(2));
  const auto medium =
      collect::collect(collect::recipe("hopper", "medium", kPolicies), collect::CollectOptions(1500).seed(4));
  const auto expert =
      collect::collect(collect::recipe("hopper", "expert", kPolicies), collect::CollectOptions(1500).seed(4));
  const auto head = data::trim_after_last_done(medium.dataset);
  REQUIRE(head.size() > 0);
  REQUIRE(me.dataset.size() == head.size() + 1500);
  CHECK(data::slice_rows(me.dataset, 0, head.size()).observations.values == head.observations.values);
  CHECK(data::slice_rows(me.dataset, head.size(), me.dataset.size()).actions.values == expert.dataset.actions.values);
  CHECK(me.dataset.metadata.strings.at("flowrl/recipe") == "medium-expert");
  CHECK(me.dataset.metadata.strings.count("algorithm") == 0);
  // single-policy recipes name the algorithm, as D4RL's files do
  CHECK(medium.dataset.metadata.strings.at("algorithm") == "SAC");
  CHECK(expert.dataset.metadata.strings.at("algorithm") == "TRPO");
  CHECK(expert.dataset.metadata.strings.at("flowrl/recipe") == "expert");
}

TEST_CASE("collect::collect(recipe): too few rows for the rungs are said", "[collect]") {
  const auto me = collect::recipe("hopper", "medium-expert", kPolicies);
  CHECK_THAT(test::error_of([&] { collect::collect(me, collect::CollectOptions(1)); }),
             Contains("too small for its two halves"));
  // a medium half of 2 rows has no finished episode to keep
  CHECK_THAT(test::error_of([&] { collect::collect(me, collect::CollectOptions(4)); }),
             Contains("leaves its first half") && Contains("without a finished episode"));
  const auto mixed = collect::recipe("hopper", "mixed", kPolicies);
  CHECK_THAT(test::error_of([&] { collect::collect(mixed, collect::CollectOptions(50)); }),
             Contains("without a finished episode; pass more transitions"));
}
