// bf16 training and acting: the loss and gradients against fp32 on a fixed batch, bit-identical
// resume, checkpoints that stay fp32 and evaluate in either precision.
#include <catch2/catch.hpp>
#include <flowrl/agent/checkpoint.h>
#include <flowrl/agent/trainer.h>
#include <flowrl/core/error.h>
#include <torch/torch.h>

#include <fstream>
#include <iterator>

#include "agent_fixtures.h"
#include "torch_support.h"

using namespace flowrl;

namespace {

using test::train;

std::string read(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("bf16 on a fixed batch: the loss within 2% of fp32, every gradient aligned (cosine > 0.99)",
          "[agent][precision]") {
  for (auto kind : {AttentionKind::kFlow, AttentionKind::kSoftmax}) {
    INFO((kind == AttentionKind::kFlow ? "flow" : "softmax"));
    torch::manual_seed(41);
    // the fast-cpu shape (128/3/1, K 20), dropout off so both passes see the same network
    DecisionTransformer dt(DecisionTransformerOptions(17, 6).embed_dim(128).layers(3).heads(1).context(20)
                               .attention(kind).dropout(0));
    auto states = torch::randn({64, 20, 17});                        // [B,K,S]
    auto actions = torch::rand({64, 20, 6}) * 2 - 1;                  // [B,K,A]
    auto rtg = torch::rand({64, 20, 1}) * 5;                          // [B,K,1]
    auto timesteps = torch::randint(0, 1000, {64, 20}, torch::kLong);  // [B,K]
    auto step = [&](Precision p) {
      dt->zero_grad();
      const PrecisionGuard guard(p);
      auto pred = dt(states, actions, rtg, timesteps);  // [B,K,A]
      auto loss = (pred - actions).pow(2).mean();
      loss.backward();
      return loss.item<double>();
    };
    const double loss32 = step(Precision::kFP32);
    std::vector<torch::Tensor> grads32;
    for (const auto& p : dt->parameters()) grads32.push_back(p.grad().clone());
    const double loss16 = step(Precision::kBF16);
    CHECK(std::abs(loss16 - loss32) < 0.02 * loss32);
    const auto params = dt->named_parameters();
    for (size_t i = 0; i < params.size(); ++i) {
      const auto& g = params[i].value().grad();
      INFO(params[i].key() << ": fp32 gradient norm " << grads32[i].norm().item<double>());
      CHECK(g.scalar_type() == torch::kFloat32);
      CHECK(params[i].value().scalar_type() == torch::kFloat32);
      // softmax's key bias shifts all of a query's scores alike: its exact gradient is 0
      if (params[i].key().find("key_projection.bias") != std::string::npos && kind == AttentionKind::kSoftmax) continue;
      const double cosine = (g * grads32[i]).sum().item<double>() / (g.norm().item<double>() * grads32[i].norm().item<double>());
      CHECK(cosine > 0.99);
    }
  }
}

TEST_CASE("a bf16 run resumes bit-identically, keeps fp32 checkpoints and evaluates in either precision",
          "[agent][precision][resume]") {
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  const std::vector<std::string> bf16 = {"train.precision=bf16", "train.checkpoint_every=10"};
  train(data, dir.file("straight"), 20, false, bf16);
  train(data, dir.file("resumed"), 10, false, bf16);
  train(data, dir.file("resumed"), 20, /*resume=*/true, bf16);
  train(data, dir.file("fp32"), 20, false, {"train.checkpoint_every=10"});
  auto a = load_agent(dir.file("straight")), b = load_agent(dir.file("resumed")), c = load_agent(dir.file("fp32"));
  REQUIRE(a.config.train.precision == Precision::kBF16);
  bool any_differs = false;
  for (const auto& p : a.model->named_parameters()) {
    INFO(p.key());
    CHECK(p.value().scalar_type() == torch::kFloat32);  // the checkpoint holds the fp32 master weights
    CHECK(torch::equal(p.value(), b.model->named_parameters()[p.key()]));
    any_differs = any_differs || !torch::equal(p.value(), c.model->named_parameters()[p.key()]);
  }
  CHECK(any_differs);  // bf16 really trained differently from fp32
  CHECK(read(dir.file("straight") + "/log.csv").substr(0, 200) != read(dir.file("fp32") + "/log.csv").substr(0, 200));

  // The run's policy acts in bf16 by default; a policy of either precision acts sensibly.
  const envs::Observation obs(11, 0.1);
  auto act = [&](Precision p) {
    auto policy = make_policy(a, 100.0);
    DTPolicyOptions o;
    o.target_return = 100.0;
    o.reward_scale = a.config.dataset.reward_scale;
    o.precision = p;
    DTPolicy explicit_policy(a.model, a.normalizer, o);
    explicit_policy.start_episode(0, 0, obs);
    return explicit_policy.act(envs::ActBatch{{0}, {obs}}).front();
  };
  auto run_default = make_policy(a, 100.0);
  run_default.start_episode(0, 0, obs);
  const auto by_default = run_default.act(envs::ActBatch{{0}, {obs}}).front();
  const auto in_bf16 = act(Precision::kBF16), in_fp32 = act(Precision::kFP32);
  CHECK(by_default == in_bf16);
  REQUIRE(in_fp32.size() == in_bf16.size());
  for (size_t j = 0; j < in_fp32.size(); ++j) CHECK(std::abs(in_fp32[j] - in_bf16[j]) < 0.05);
}

TEST_CASE("a bf16 run's evaluations say so, and both precisions score a checkpoint", "[agent][precision][eval]") {
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  train(data, dir.file("run"), 10, false, {"train.precision=bf16", "eval.final_episodes=2"});
  CHECK_THAT(read(dir.file("run") + "/eval-final.json"), Catch::Contains("\"precision\": \"bf16\""));
  auto agent = load_agent(dir.file("run"));
  for (auto p : {Precision::kFP32, Precision::kBF16}) {
    TargetEvaluationOptions eo;
    eo.env = "hopper";
    eo.targets = {100.0};
    eo.episodes = 2;
    eo.reward_scale = agent.config.dataset.reward_scale;
    eo.precision = p;
    auto evals = evaluate_targets(agent.model, agent.normalizer, eo);
    REQUIRE(evals.size() == 1);
    CHECK(std::isfinite(evals[0].result.returns.mean));
  }
}

TEST_CASE("train.precision takes fp32 or bf16", "[agent][precision][config]") {
  test::TempDir dir;
  auto cfg = test::tiny_config("x.hdf5", 10);
  CHECK(TrainConfig::from(cfg).train.precision == Precision::kFP32);
  auto bad = test::tiny_config("x.hdf5", 10);
  bad.set("train.precision=fp16");
  CHECK_THROWS_WITH(TrainConfig::from(bad), Catch::Contains("train.precision") && Catch::Contains("bf16"));
}

TEST_CASE("bf16 training and acting on CUDA", "[agent][precision][cuda]") {
  FLOWRL_SKIP_WITHOUT_CUDA();
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  train(data, dir.file("run"), 10, false, {"train.precision=bf16", "device=cuda", "eval.final_episodes=2"});
  CHECK_THAT(read(dir.file("run") + "/eval-final.json"), Catch::Contains("\"precision\": \"bf16\""));
  auto agent = load_agent(dir.file("run"), torch::kCUDA);
  for (const auto& p : agent.model->parameters()) CHECK(p.scalar_type() == torch::kFloat32);
}
