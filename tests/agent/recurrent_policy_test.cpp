// recurrent_policy_test.cpp — DTPolicy acting through the Flowformer's recurrent state: the same
// actions as the window over the whole prefix, at every step, with episodes of different ages in one batch.
#include <catch2/catch.hpp>
#include <flowrl/agent/checkpoint.h>
#include <flowrl/agent/dt_policy.h>
#include <flowrl/agent/trainer.h>
#include <flowrl/core/error.h>

#include <random>

#include "agent_fixtures.h"

using namespace flowrl;

namespace {

DecisionTransformer whole_episode_model(AttentionKind attention) {
  torch::manual_seed(5);
  // a whole-episode model: its context covers max_ep_len steps
  DecisionTransformer m(DecisionTransformerOptions(5, 2).embed_dim(32).layers(2).heads(2).context(40).max_ep_len(40)
                            .dropout(0.0).attention(attention));
  // larger weights than the initialisation's, so that the attention is far from uniform
  torch::NoGradGuard no_grad;
  for (auto& p : m->parameters()) p.add_(torch::randn_like(p) * 0.2);
  return m;
}

data::StateNormalizer identity(int64_t dim) {
  data::StateNormalizer n;
  n.mean.assign(static_cast<size_t>(dim), 0.0f);
  n.std.assign(static_cast<size_t>(dim), 1.0f);
  return n;
}

}  // namespace

TEST_CASE("recurrent acting gives the window's actions at every step of staggered episodes", "[agent][recurrent]") {
  auto model = whole_episode_model(AttentionKind::kFlow);
  DTPolicyOptions window_options;
  window_options.target_return = 300;
  window_options.reward_scale = 100;
  auto recurrent_options = window_options;
  recurrent_options.recurrent = true;
  DTPolicy window(model, identity(5), window_options), recurrent(model, identity(5), recurrent_options);
  std::mt19937 rng(3);
  std::normal_distribution<double> normal;
  auto observation = [&] {
    envs::Observation o(5);
    for (auto& x : o) x = normal(rng);
    return o;
  };
  // slot 0 runs 35 steps; slot 1 starts at step 10, ends at 22 and starts a new episode at 25
  double worst = 0.0;
  int64_t compared = 0;
  std::vector<bool> on(2, false);
  for (int64_t step = 0; step < 35; ++step) {
    for (int64_t slot = 0; slot < 2; ++slot) {
      const bool starts = (slot == 0 && step == 0) || (slot == 1 && (step == 10 || step == 25));
      if (starts) {
        const auto o = observation();
        window.start_episode(slot, 0, o);
        recurrent.start_episode(slot, 0, o);
        on[static_cast<size_t>(slot)] = true;
      }
    }
    envs::ActBatch batch;
    for (int64_t slot = 0; slot < 2; ++slot) {
      if (on[static_cast<size_t>(slot)]) batch.slots.push_back(slot);
    }
    if (step == 0) {  // both slots must exist before the first recurrent step: slot 1 starts idle
      window.start_episode(1, 0, observation());
      recurrent.start_episode(1, 0, observation());
      window.observe(1, {0.0, 0.0}, envs::StepResult{observation(), 0.0, true, false});
      recurrent.observe(1, {0.0, 0.0}, envs::StepResult{observation(), 0.0, true, false});
    }
    for (size_t k = 0; k < batch.slots.size(); ++k) batch.observations.push_back({});
    const auto a = window.act(batch), b = recurrent.act(batch);
    REQUIRE(a.size() == b.size());
    for (size_t k = 0; k < a.size(); ++k) {
      for (size_t j = 0; j < a[k].size(); ++j) worst = std::max(worst, std::abs(a[k][j] - b[k][j]));
      ++compared;
      const auto slot = batch.slots[k];
      const bool ends = slot == 1 && step == 22;
      envs::StepResult r{observation(), normal(rng), ends, false};
      window.observe(slot, a[k], r);
      recurrent.observe(slot, a[k], r);
      if (ends) on[1] = false;
    }
  }
  CHECK(compared == 35 + 13 + 10);
  CHECK(worst < 1e-5);
}

TEST_CASE("recurrent acting refuses a softmax model", "[agent][recurrent]") {
  DTPolicyOptions o;
  o.recurrent = true;
  CHECK_THROWS_AS(DTPolicy(whole_episode_model(AttentionKind::kSoftmax), identity(5), o), Error);
}

TEST_CASE("model.context: episode trains on episode prefixes and evaluates through the recurrent state", "[agent][recurrent]") {
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir, 6, 30);
  auto cfg = test::tiny_config(data, 4);
  cfg.set("model.context=episode");
  cfg.set("model.max_ep_len=64");
  cfg.set("eval.final_episodes=2");
  auto config = TrainConfig::from(cfg);
  CHECK(config.episode_context);
  CHECK(config.model.context() == 64);
  const auto result = test::train_config(config, cfg, dir.file("run"));
  REQUIRE(result.final_evaluation.size() == 1);
  CHECK(result.final_evaluation[0].result.episodes.size() == 2);
  // the run reads back as a whole-episode model; a mistyped context names the key
  CHECK(load_agent(dir.file("run")).config.episode_context);
  auto bad = test::tiny_config(data, 4);
  bad.set("model.context=episodes");
  CHECK_THROWS_WITH(TrainConfig::from(bad), Catch::Matchers::Contains("'model.context' must be a number of steps or `episode`"));
}

TEST_CASE("acting follows the model: a Flow-Attention model whose context covers the episode acts recurrently",
          "[agent][recurrent]") {
  const auto model = [](int64_t context, int64_t max_ep_len, AttentionKind attention) {
    return DecisionTransformerOptions(5, 2).context(context).max_ep_len(max_ep_len).attention(attention);
  };
  // the rule itself: Flow-Attention, and a context that covers max_ep_len (however it was spelled)
  CHECK(recurrent_by_default(model(1000, 1000, AttentionKind::kFlow)));
  CHECK(recurrent_by_default(model(2000, 1000, AttentionKind::kFlow)));
  CHECK_FALSE(recurrent_by_default(model(999, 1000, AttentionKind::kFlow)));
  CHECK_FALSE(recurrent_by_default(model(20, 1000, AttentionKind::kFlow)));
  CHECK_FALSE(recurrent_by_default(model(1000, 1000, AttentionKind::kSoftmax)));

  // auto follows the rule, window always wins, recurrent is refused where it would not give the window's actions
  CHECK(resolve_acting(model(1000, 1000, AttentionKind::kFlow), Acting::kAuto));
  CHECK_FALSE(resolve_acting(model(20, 1000, AttentionKind::kFlow), Acting::kAuto));
  CHECK_FALSE(resolve_acting(model(1000, 1000, AttentionKind::kFlow), Acting::kWindow));
  CHECK(resolve_acting(model(1000, 1000, AttentionKind::kFlow), Acting::kRecurrent));
  CHECK_THROWS_WITH(resolve_acting(model(1000, 1000, AttentionKind::kSoftmax), Acting::kRecurrent),
                    Catch::Matchers::Contains("needs a Flow-Attention model"));
  CHECK_THROWS_WITH(resolve_acting(model(20, 1000, AttentionKind::kFlow), Acting::kRecurrent),
                    Catch::Matchers::Contains("this model's context is 20 steps"));
  CHECK(parse_acting("auto", "--acting") == Acting::kAuto);
  CHECK(parse_acting("window", "--acting") == Acting::kWindow);
  CHECK(parse_acting("recurrent", "--acting") == Acting::kRecurrent);
  CHECK_THROWS_WITH(parse_acting("recurent", "--acting"), Catch::Matchers::Contains("--acting 'recurent'"));

  // a run's config: `model.context: 64` with max_ep_len 64 acts as `model.context: episode` does,
  // though it trains on uniform-start windows (episode_context stays false)
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir, 6, 30);
  const auto config_with = [&](const std::vector<std::string>& sets) {
    auto cfg = test::tiny_config(data, 4);
    for (const auto& s : sets) cfg.set(s);
    return TrainConfig::from(cfg);
  };
  const auto spelled_as_number = config_with({"model.context=64", "model.max_ep_len=64"});
  CHECK_FALSE(spelled_as_number.episode_context);
  CHECK(spelled_as_number.acts_recurrently());
  CHECK(config_with({"model.context=episode", "model.max_ep_len=64"}).acts_recurrently());
  CHECK_FALSE(config_with({"model.context=63", "model.max_ep_len=64"}).acts_recurrently());
  CHECK_FALSE(config_with({"model.context=64", "model.max_ep_len=64", "model.attention=softmax"}).acts_recurrently());

  // make_policy() on a loaded run: auto acts recurrently, Acting::kWindow forces the window
  const auto run = dir.file("run");
  test::train(data, run, 2, false, {"model.context=64", "model.max_ep_len=64"});
  const auto agent = load_agent(run);
  CHECK(make_policy(agent, 100.0).recurrent());
  CHECK_FALSE(make_policy(agent, 100.0, Acting::kWindow).recurrent());
}
