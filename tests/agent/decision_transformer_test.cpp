// DecisionTransformer: token layout, shapes, causality, initialisation, errors.
#include <catch2/catch.hpp>
#include <flowrl/agent/decision_transformer.h>
#include <flowrl/core/error.h>
#include <torch/torch.h>

using namespace flowrl;

namespace {
struct Inputs {
  torch::Tensor states, actions, rtg, timesteps;
};
Inputs random_inputs(int64_t B, int64_t K, int64_t S, int64_t A) {
  return {torch::randn({B, K, S}), torch::rand({B, K, A}) * 2 - 1, torch::randn({B, K, 1}),
          torch::randint(0, 1000, {B, K}, torch::kLong)};
}
}  // namespace

TEST_CASE("DecisionTransformer shapes for both backbones", "[agent][dt]") {
  torch::manual_seed(0);
  for (auto kind : {AttentionKind::kFlow, AttentionKind::kSoftmax}) {
    DecisionTransformer dt(DecisionTransformerOptions(11, 3).embed_dim(32).layers(2).heads(2).context(6).attention(kind));
    auto x = random_inputs(4, 6, 11, 3);
    auto y = dt(x.states, x.actions, x.rtg, x.timesteps);
    CHECK(y.sizes() == torch::IntArrayRef({4, 6, 3}));
    CHECK(y.abs().max().item<double>() <= 1.0);
    // Shorter contexts (the start of an episode) work too.
    auto y2 = dt(x.states.narrow(1, 0, 2), x.actions.narrow(1, 0, 2), x.rtg.narrow(1, 0, 2), x.timesteps.narrow(1, 0, 2));
    CHECK(y2.sizes() == torch::IntArrayRef({4, 2, 3}));
  }
}

TEST_CASE("the action at step t depends only on R_<=t, s_<=t and a_<t", "[agent][dt][causal]") {
  torch::manual_seed(1);
  for (auto kind : {AttentionKind::kFlow, AttentionKind::kSoftmax}) {
    DecisionTransformer dt(DecisionTransformerOptions(5, 2).embed_dim(16).layers(2).heads(2).context(8).attention(kind));
    dt->eval();
    torch::NoGradGuard no_grad;
    auto x = random_inputs(2, 8, 5, 2);
    auto y = dt(x.states, x.actions, x.rtg, x.timesteps);
    const int64_t t = 4;
    auto a2 = x.actions.clone();
    a2.narrow(1, t, 8 - t).uniform_(-1, 1);  // a_t and later: must not change predictions <= t
    auto s2 = x.states.clone();
    s2.narrow(1, t + 1, 8 - t - 1).normal_();
    auto y2 = dt(s2, a2, x.rtg, x.timesteps);
    CHECK((y.narrow(1, 0, t + 1) - y2.narrow(1, 0, t + 1)).abs().max().item<double>() < 1e-6);
    CHECK((y.narrow(1, t + 1, 8 - t - 1) - y2.narrow(1, t + 1, 8 - t - 1)).abs().max().item<double>() > 1e-6);
  }
}

TEST_CASE("DecisionTransformer initialisation and structure", "[agent][dt]") {
  torch::manual_seed(2);
  DecisionTransformer dt(DecisionTransformerOptions(11, 3).embed_dim(64).layers(3).heads(4));
  auto p = dt->named_parameters();
  CHECK(p.contains("embed_timestep.weight"));
  CHECK(p["embed_timestep.weight"].sizes() == torch::IntArrayRef({1000, 64}));
  CHECK(p.contains("transformer.blocks.2.attn.query_projection.weight"));
  CHECK(p["predict_action.bias"].abs().max().item<double>() == 0.0);
  const double std = p["embed_state.weight"].std().item<double>();
  CHECK(std == Approx(0.02).margin(0.004));
  auto bb = dt->options.backbone_options();
  CHECK(bb.causal());
  CHECK(bb.clamp() == 10.0);
}

TEST_CASE("DecisionTransformer errors name the problem", "[agent][dt]") {
  CHECK_THROWS_AS(DecisionTransformer(DecisionTransformerOptions(11, 3).embed_dim(30).heads(4)), Error);
  CHECK_THROWS_AS(DecisionTransformer(DecisionTransformerOptions(0, 3)), Error);
  DecisionTransformer dt(DecisionTransformerOptions(11, 3).embed_dim(16).heads(2).layers(1).context(4));
  auto x = random_inputs(2, 4, 11, 3);
  CHECK_THROWS_AS(dt(torch::randn({2, 4, 10}), x.actions, x.rtg, x.timesteps), Error);
  CHECK_THROWS_AS(dt(x.states, x.actions, x.rtg, x.timesteps.narrow(1, 0, 3)), Error);
  auto long_x = random_inputs(2, 5, 11, 3);  // longer than the context
  CHECK_THROWS_AS(dt(long_x.states, long_x.actions, long_x.rtg, long_x.timesteps), Error);
}
