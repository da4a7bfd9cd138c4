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
