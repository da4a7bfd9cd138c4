// conformance.cpp — the shared env conformance suite.
#include "conformance.h"

#include <flowrl/core/error.h>
#include <flowrl/envs/random.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

namespace flowrl::test {
namespace {

using envs::Action;
using envs::Env;
using envs::EnvOptions;
using envs::Observation;
using envs::StepResult;

// a reproducible random action inside the action space
Action random_action(const Env& env, envs::Rng& rng) {
  const auto& box = env.action_space();
  Action a(box.dim());
  for (size_t i = 0; i < a.size(); ++i) a[i] = rng.uniform(box.low[i], box.high[i]);
  return a;
}

bool all_finite(const std::vector<double>& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

// one recorded episode
struct Trajectory {
  std::vector<Observation> observations;
  std::vector<double> rewards;
  std::vector<bool> terminated, truncated;
};

Trajectory rollout(Env& env, uint64_t seed, uint64_t action_seed, int64_t max_steps) {
  envs::Rng rng(action_seed);
  Trajectory t;
  t.observations.push_back(env.reset(seed));
  for (int64_t k = 0; k < max_steps; ++k) {
    StepResult r = env.step(random_action(env, rng));
    t.observations.push_back(r.observation);
    t.rewards.push_back(r.reward);
    t.terminated.push_back(r.terminated);
    t.truncated.push_back(r.truncated);
    if (r.done()) break;
  }
  return t;
}

}  // namespace

void check_env_conformance(const EnvMaker& make) {
  SECTION("spaces and shapes") {
    auto env = make(EnvOptions());
    const auto& obs_space = env->observation_space();
    const auto& act_space = env->action_space();
    REQUIRE(obs_space.dim() > 0);
    REQUIRE(obs_space.high.size() == obs_space.dim());
    REQUIRE(act_space.dim() > 0);
    REQUIRE(act_space.high.size() == act_space.dim());
    for (size_t i = 0; i < act_space.dim(); ++i) {
      CHECK(std::isfinite(act_space.low[i]));
      CHECK(std::isfinite(act_space.high[i]));
      CHECK(act_space.low[i] < act_space.high[i]);
    }
    CHECK(env->max_episode_steps() == 1000);
    CHECK(!env->name().empty());
    CHECK(env->needs_reset());
    Observation obs = env->reset(0);
    CHECK(obs.size() == obs_space.dim());
    CHECK(obs_space.contains(obs));
    CHECK_FALSE(env->needs_reset());
    CHECK(env->elapsed_steps() == 0);
    StepResult r = env->step(Action(act_space.dim(), 0.0));
    CHECK(r.observation.size() == obs_space.dim());
    CHECK(obs_space.contains(r.observation));
    CHECK(env->elapsed_steps() == 1);
  }

  SECTION("same seed gives an identical trajectory; other seeds differ") {
    auto a = make(EnvOptions());
    auto b = make(EnvOptions());
    Trajectory ta = rollout(*a, 123, 7, 200);
    Trajectory tb = rollout(*b, 123, 7, 200);
    REQUIRE(ta.observations.size() == tb.observations.size());
    for (size_t k = 0; k < ta.observations.size(); ++k) REQUIRE(ta.observations[k] == tb.observations[k]);
    CHECK(ta.rewards == tb.rewards);
    CHECK(ta.terminated == tb.terminated);
    CHECK(ta.truncated == tb.truncated);
    // the same env object reseeded reproduces it too
    Trajectory tc = rollout(*a, 123, 7, 200);
    CHECK(tc.observations == ta.observations);
    CHECK(a->reset(124) != a->reset(123));
  }

  SECTION("values stay finite under random actions") {
    auto env = make(EnvOptions());
    for (uint64_t episode = 0; episode < 3; ++episode) {
      Trajectory t = rollout(*env, episode, 100 + episode, 300);
      for (const auto& o : t.observations) REQUIRE(all_finite(o));
      REQUIRE(all_finite(t.rewards));
    }
  }

  SECTION("reset without a seed continues the random stream; noise 0 resets deterministically") {
    auto env = make(EnvOptions().seed(5));
    Observation first = env->reset();
    Observation second = env->reset();
    CHECK(first != second);
    auto again = make(EnvOptions().seed(5));
    CHECK(again->reset() == first);  // options.seed seeds the first unseeded reset
    auto quiet = make(EnvOptions().reset_noise_scale(0.0));
    CHECK(quiet->reset(1) == quiet->reset(2));
  }

  SECTION("truncation exactly at max_episode_steps") {
    auto env = make(EnvOptions().max_episode_steps(5));
    CHECK(env->max_episode_steps() == 5);
    env->reset(0);
    const Action zero(env->action_space().dim(), 0.0);
    for (int k = 1; k <= 5; ++k) {
      StepResult r = env->step(zero);
      if (r.terminated) break;  // an env may terminate first; then no truncation claim
      CHECK(r.truncated == (k == 5));
      CHECK(r.done() == (k == 5));
    }
    CHECK(env->needs_reset());
    CHECK_THROWS_AS(env->step(zero), Error);
  }

  SECTION("terminated/truncated semantics over full episodes, reset after done") {
    auto env = make(EnvOptions());
    envs::Rng rng(3);
    for (uint64_t episode = 0; episode < 2; ++episode) {
      env->reset(episode);
      StepResult r;
      int64_t steps = 0;
      do {
        r = env->step(random_action(*env, rng));
        ++steps;
        CHECK(env->elapsed_steps() == steps);
        if (!r.done()) CHECK(steps < env->max_episode_steps());
      } while (!r.done());
      CHECK(steps <= env->max_episode_steps());
      CHECK(r.truncated == (steps == env->max_episode_steps()));
      if (r.terminated) CHECK(steps <= env->max_episode_steps());
      CHECK(env->needs_reset());
      CHECK_THROWS_WITH(env->step(random_action(*env, rng)), Catch::Contains("reset()"));
      // reset after done starts a fresh episode
      Observation obs = env->reset();
      CHECK(obs.size() == env->observation_space().dim());
      CHECK(env->elapsed_steps() == 0);
      CHECK_NOTHROW(env->step(random_action(*env, rng)));
    }
  }

  SECTION("actions outside the space are clipped to it") {
    auto a = make(EnvOptions());
    auto b = make(EnvOptions());
    a->reset(9);
    b->reset(9);
    const auto& box = a->action_space();
    Action big(box.dim()), clipped(box.dim());
    for (size_t i = 0; i < box.dim(); ++i) {
      big[i] = (i % 2 ? 1.0 : -1.0) * 1e6;
      clipped[i] = i % 2 ? box.high[i] : box.low[i];
    }
    StepResult ra = a->step(big);
    StepResult rb = b->step(clipped);
    CHECK(ra.observation == rb.observation);
    CHECK(ra.reward == rb.reward);  // the control cost sees the clipped action
  }

  SECTION("bad input is an error, never a crash") {
    auto env = make(EnvOptions());
    const size_t dim = env->action_space().dim();
    // before the first reset
    CHECK_THROWS_WITH(env->step(Action(dim, 0.0)), Catch::Contains("before the first reset()"));
    env->reset(0);
    // wrong sizes
    CHECK_THROWS_WITH(env->step(Action(dim + 1, 0.0)), Catch::Contains("action has " + std::to_string(dim + 1)));
    CHECK_THROWS_AS(env->step(Action()), Error);
    // NaN and inf
    Action nan(dim, 0.0);
    nan[dim - 1] = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH(env->step(nan), Catch::Contains("finite"));
    Action inf(dim, 0.0);
    inf[0] = -std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH(env->step(inf), Catch::Contains("finite"));
    // rejected actions leave the episode untouched
    CHECK(env->elapsed_steps() == 0);
    CHECK_NOTHROW(env->step(Action(dim, 0.0)));
    CHECK(env->elapsed_steps() == 1);
  }
}

}  // namespace flowrl::test
