// bench_act_latency — the latency of one control step of a deployed Decision Transformer: one
// environment, DTPolicy::act() on the last <= K steps (batch 1), as in a robot's control loop.
// Flow-Attention vs softmax at the original DT shape (128/3/1) and the authors' (256/3/4), K 20.
//
//   bench_act_latency [--threads T] [--blas-threads N] [--steps N] [--out docs/benchmarks.md]
//
// The models are untrained (latency does not depend on the weights). HalfCheetah never terminates,
// so every episode is 1000 steps and all but its first 19 actions see the full context. The four
// models act round-robin, one control step each, so that load affects them alike.
#include <flowrl/agent/dt_policy.h>
#include <flowrl/backbone.h>
#include <flowrl/backbone/runtime.h>
#include <flowrl/envs/registry.h>
#include <torch/torch.h>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../common/bench_util.h"

namespace {

struct Shape {
  int64_t embed, layers, heads;
  std::string name;

  // The DT of this shape for an env of these widths (K 20).
  flowrl::DecisionTransformerOptions dt(int64_t obs_dim, int64_t act_dim, flowrl::AttentionKind kind) const {
    return flowrl::DecisionTransformerOptions(obs_dim, act_dim).embed_dim(embed).layers(layers).heads(heads).context(20)
        .attention(kind);
  }
};

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

// One deployed model: its policy, its environment and the timings of its act() calls.
struct Controller {
  std::string shape, attention;
  std::unique_ptr<flowrl::DTPolicy> policy;
  std::unique_ptr<flowrl::envs::Env> env;
  flowrl::envs::Observation observation;
  std::vector<double> act_us, step_us;  // per control step: act() and env step, microseconds
  uint64_t episode = 0;

  Controller(const Shape& s, flowrl::AttentionKind kind) : shape(s.name) {
    attention = kind == flowrl::AttentionKind::kFlow ? "Flow-Attention" : "softmax";
    env = flowrl::envs::make_env("halfcheetah");
    const auto obs_dim = static_cast<int64_t>(env->observation_space().dim());
    const auto act_dim = static_cast<int64_t>(env->action_space().dim());
    torch::manual_seed(0);
    flowrl::DecisionTransformer model(s.dt(obs_dim, act_dim, kind));
    flowrl::DTPolicyOptions options;
    options.target_return = 6000;
    policy = std::make_unique<flowrl::DTPolicy>(model, flowrl::data::StateNormalizer::identity(obs_dim), options);
    start();
  }
  void start() {
    observation = env->reset(episode);
    policy->start_episode(0, episode++, observation);
  }
  // one control step: the action for the current observation, then the env step
  void control_step() {
    const double t0 = flowrl::bench::now_s();
    const auto action = policy->act(flowrl::envs::ActBatch{{0}, {observation}}).front();
    const double t1 = flowrl::bench::now_s();
    const auto result = env->step(action);
    const double t2 = flowrl::bench::now_s();
    policy->observe(0, action, result);
    act_us.push_back(1e6 * (t1 - t0));
    step_us.push_back(1e6 * (t2 - t1));
    observation = result.observation;
    if (result.done()) start();
  }
};

// Median microseconds of one forward pass of each attention module alone on [1, 60, embed] (the DT's
// full context), without gradients, the two modules alternating call by call.
struct AttentionTimes {
  double flow_us = 0, softmax_us = 0;
};
AttentionTimes attention_alone(const Shape& s, int64_t reps) {
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);
  // as the DT's Flowformer configures its blocks (causal, clamp 10, one chunk per 3K-token window)
  const auto options = s.dt(/*HalfCheetah widths; unused here*/ 17, 6, flowrl::AttentionKind::kFlow)
                           .backbone_options()
                           .attention_options();
  flowrl::FlowAttention flow(options);
  flowrl::SoftmaxAttention softmax(options);
  flow->eval();
  softmax->eval();
  const auto x = torch::randn({1, 60, s.embed});  // [B=1, 3K=60, E]
  std::vector<double> f, m;
  for (int64_t i = 0; i < reps + 20; ++i) {
    const double t0 = flowrl::bench::now_s();
    flow(x, x, x);
    const double t1 = flowrl::bench::now_s();
    softmax(x, x, x);
    const double t2 = flowrl::bench::now_s();
    if (i >= 20) f.push_back(1e6 * (t1 - t0)), m.push_back(1e6 * (t2 - t1));
  }
  return {quantile(f, 0.5), quantile(m, 0.5)};
}

}  // namespace

int main(int argc, char** argv) try {
  const flowrl::bench::Args args(
      argc, argv, "usage: bench_act_latency [--threads T] [--blas-threads N] [--steps N] [--out docs/benchmarks.md]",
      {"--threads", "--blas-threads", "--steps", "--out"});
  const int threads = static_cast<int>(args.integer("--threads", 1));
  const int blas = static_cast<int>(args.integer("--blas-threads", 1));
  const int64_t steps = args.integer("--steps", 2000, 100);
  const std::string out = args.text("--out", "docs/benchmarks.md");
  torch::set_num_threads(threads);
  flowrl::set_blas_threads(blas);
  flowrl::keep_freed_memory();  // as evaluate-policy runs

  const std::vector<Shape> shapes = {{128, 3, 1, "original DT (128/3/1)"}, {256, 3, 4, "Flowformer authors (256/3/4)"}};
  std::vector<Controller> controllers;
  controllers.reserve(4);
  for (const Shape& s : shapes) {
    controllers.emplace_back(s, flowrl::AttentionKind::kFlow);
    controllers.emplace_back(s, flowrl::AttentionKind::kSoftmax);
  }
  // Warm-up (a first episode's worth of context), then the timed steps, round-robin.
  const double load_start = flowrl::bench::load_average();
  for (int64_t i = 0; i < 50 + steps; ++i) {
    for (auto& c : controllers) {
      c.control_step();
      if (i < 50) c.act_us.clear(), c.step_us.clear();
    }
    if (i % 100 == 0) std::cerr << "\rbench_act_latency: " << i << "/" << 50 + steps << std::flush;
  }
  std::cerr << "\n";
  std::ostringstream alone;
  alone << std::fixed << std::setprecision(0)
        << "| shape | Flow-Attention us | softmax us | flow / softmax | x 3 layers: flow - softmax |\n"
           "|---|---|---|---|---|\n";
  for (size_t i = 0; i < controllers.size(); i += 2) {
    const Shape& s = shapes[i / 2];
    const auto t = attention_alone(s, steps);
    alone << "| " << s.name << " | " << t.flow_us << " | " << t.softmax_us << " | " << std::setprecision(2)
          << t.flow_us / t.softmax_us << "x | " << 3e-3 * (t.flow_us - t.softmax_us) << " ms |\n"
          << std::setprecision(0);
  }
  const double load_end = flowrl::bench::load_average();

  std::ostringstream table;
  table << std::fixed << std::setprecision(2);
  table << "| shape | attention | act() median ms | act() p99 ms | env step median ms | control rate at the median |\n"
           "|---|---|---|---|---|---|\n";
  for (const auto& c : controllers) {
    const double act = quantile(c.act_us, 0.5) / 1e3, p99 = quantile(c.act_us, 0.99) / 1e3;
    const double env = quantile(c.step_us, 0.5) / 1e3;
    table << "| " << c.shape << " | " << c.attention << " | " << act << " | " << p99 << " | " << std::setprecision(3)
          << env << " | " << std::setprecision(0) << 1e3 / (act + env) << " Hz |\n"
          << std::setprecision(2);
  }
  std::ostringstream section;
  section << "## Decision Transformer control-step latency (one environment, batch 1, K 20)\n\n"
          << "What a deployed policy costs per control step: `DTPolicy::act()` on one HalfCheetah "
             "observation (its context: the last <= 20 steps, up to 60 tokens), then the environment step, "
             "as in `tests/package/consumer/deploy.cpp`. Untrained models (latency does not depend on the "
             "weights); "
          << steps << " timed control steps per model after 50 warm-up steps, the four models stepping round-robin. "
             "Every HalfCheetah episode is 1000 steps, so all but 19 in 1000 actions see the full context.\n\n"
          << "- Command: `./build/bench/agent/bench_act_latency --threads " << threads << " --blas-threads " << blas
          << " --steps " << steps << "`\n"
          << "- Machine: " << flowrl::bench::machine_description() << ", LibTorch " << TORCH_VERSION << ", "
          << threads << " torch thread(s), " << blas << " OpenBLAS thread(s); "
          << flowrl::bench::load_note(load_start, load_end) << "\n\n"
          << table.str() << "\n"
          << "The attention modules alone, as the DT's Flowformer configures them (causal; Flow-Attention with "
             "clamp 10 and one chunk of 60 tokens), one forward pass on [1, 60, embed] without gradients, median "
             "over " << steps << " calls, the two modules alternating:\n\n"
          << alone.str() << "\n";
  flowrl::bench::publish_section(out, "act_latency", section.str());
  return 0;
} catch (const std::exception& e) {
  std::cerr << "bench_act_latency: " << e.what() << "\n";
  return 1;
}
