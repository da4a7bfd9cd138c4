// DTPolicy: batched evaluation equals one-episode-at-a-time inference.
#include <catch2/catch.hpp>
#include <flowrl/agent/dt_policy.h>
#include <torch/torch.h>

using namespace flowrl;

TEST_CASE("batched DT inference with right padding matches per-episode inference", "[agent][policy]") {
  torch::manual_seed(3);
  DecisionTransformer dt(DecisionTransformerOptions(4, 2).embed_dim(16).layers(2).heads(2).context(5));
  auto norm = data::StateNormalizer::identity(4);
  DTPolicyOptions opt;
  opt.target_return = 100;
  opt.reward_scale = 10;
  DTPolicy batched(dt, norm, opt);
  std::vector<DTPolicy> single;
  for (int i = 0; i < 3; ++i) single.emplace_back(dt, norm, opt);

  auto obs = [](int slot, int t) {
    return envs::Observation{0.1 * slot, 0.2 * t, -0.3, 0.05 * slot * t};
  };
  // Slots start at different times, so their histories have different lengths (1..5 steps, then
  // sliding windows of 5).
  std::vector<int> started = {0, 2, 4};
  std::vector<int> age(3, 0);
  for (int step = 0; step < 9; ++step) {
    envs::ActBatch batch;
    for (int slot = 0; slot < 3; ++slot) {
      if (step == started[slot]) {
        batched.start_episode(slot, 0, obs(slot, 0));
        single[slot].start_episode(0, 0, obs(slot, 0));
      }
      if (step >= started[slot]) {
        batch.slots.push_back(slot);
        batch.observations.push_back(obs(slot, age[slot]));
      }
    }
    auto actions = batched.act(batch);
    for (size_t k = 0; k < batch.slots.size(); ++k) {
      const int slot = static_cast<int>(batch.slots[k]);
      envs::ActBatch one;
      one.slots = {0};
      one.observations = {batch.observations[k]};
      auto expected = single[slot].act(one)[0];
      for (size_t j = 0; j < expected.size(); ++j) CHECK(actions[k][j] == Approx(expected[j]).margin(1e-5));
      envs::StepResult r;
      r.observation = obs(slot, age[slot] + 1);
      r.reward = 1.0 + slot;
      batched.observe(slot, actions[k], r);
      single[slot].observe(0, expected, r);
      ++age[slot];
    }
  }
}

TEST_CASE("DTPolicy refuses calls a control loop can get wrong", "[agent][policy]") {
  using Catch::Matchers::Contains;
  torch::manual_seed(3);
  DecisionTransformer dt(DecisionTransformerOptions(4, 2).embed_dim(16).layers(1).heads(1).context(5));
  DTPolicy policy(dt, data::StateNormalizer::identity(4), DTPolicyOptions{});
  const envs::Observation obs{0.1, 0.2, 0.3, 0.4};
  // No episode started on the slot: nothing to act on (once: an action from index -1).
  CHECK_THROWS_WITH(policy.act(envs::ActBatch{{0}, {obs}}), Contains("slot 0 has no running episode"));
  CHECK_THROWS_WITH(policy.observe(3, {0.0, 0.0}, envs::StepResult{}), Contains("slot 3 has no running episode"));
  // Widths that are not the model's (once: reads and writes past the end of a buffer).
  CHECK_THROWS_WITH(policy.start_episode(0, 0, envs::Observation{0.1, 0.2, 0.3}),
                    Contains("an observation has 3 values, but the model was trained on 4"));
  policy.start_episode(0, 0, obs);
  const auto action = policy.act(envs::ActBatch{{0}, {obs}}).front();
  CHECK(action.size() == 2);
  envs::StepResult step;
  step.observation = obs;
  CHECK_THROWS_WITH(policy.observe(0, {0.0, 0.0, 0.0}, step), Contains("the action has 3 values, the model's have 2"));
  // The step that ends an episode ends the slot's episode too.
  step.terminated = true;
  policy.observe(0, action, step);
  CHECK_THROWS_WITH(policy.act(envs::ActBatch{{0}, {obs}}), Contains("slot 0 has no running episode"));
  policy.start_episode(0, 0, obs);
  CHECK(policy.act(envs::ActBatch{{0}, {obs}}).front() == action);  // a fresh episode, the same first action
}
