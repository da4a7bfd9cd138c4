// bench_recurrent_act — what acting through the Flowformer's recurrent state buys a whole-episode
// Decision Transformer: act() latency against the episode step t, and the wall time of a 100-episode
// batched HalfCheetah evaluation, against the K = 20 window model.
//
//   bench_recurrent_act [--episodes N] [--threads T] [--out docs/benchmarks.md]
//
// Models at the original DT shape (128/3/1), untrained (the cost does not depend on the weights):
//   K 20 window          the usual model: act() runs forward() over the last <= 20 steps
//   whole-episode window  context 1000: act() runs forward() over the whole prefix (cost grows with t)
//   whole-episode recurrent  context 1000: act() feeds a_{t-1}, R_t, s_t into the recurrent state
//   softmax whole-episode window  the quadratic baseline
// HalfCheetah episodes are always 1000 steps. Latency: one environment, batch 1, the controllers stepping
// round-robin through one episode each; the median act() over t in [t-5, t+5) is reported.
#include <flowrl/agent/dt_policy.h>
#include <flowrl/backbone/runtime.h>
#include <flowrl/envs/registry.h>
#include <flowrl/envs/vector_env.h>
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

struct Model {
  std::string name;
  int64_t context;
  flowrl::AttentionKind attention;
  bool recurrent;
};

flowrl::DTPolicy make_policy(const Model& m, int64_t obs_dim, int64_t act_dim) {
  torch::manual_seed(0);
  flowrl::DecisionTransformer model(flowrl::DecisionTransformerOptions(obs_dim, act_dim).embed_dim(128).layers(3).heads(1)
                                        .context(m.context).max_ep_len(1000).attention(m.attention));
  flowrl::DTPolicyOptions o;
  o.target_return = 6000;
  o.recurrent = m.recurrent;
  return flowrl::DTPolicy(model, flowrl::data::StateNormalizer::identity(obs_dim), o);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) try {
  const flowrl::bench::Args args(argc, argv, "usage: bench_recurrent_act [--episodes N] [--threads T] [--out docs/benchmarks.md]",
                                 {"--episodes", "--threads", "--out"});
  const int64_t episodes = args.integer("--episodes", 100, 1);
  const int threads = static_cast<int>(args.integer("--threads", 2));
  const std::string out = args.text("--out", "docs/benchmarks.md");
  torch::set_num_threads(1);
  flowrl::set_blas_threads(1);
  flowrl::keep_freed_memory();
  const double load_start = flowrl::bench::load_average();

  const std::vector<Model> models = {{"K 20 window (Flow-Attention)", 20, flowrl::AttentionKind::kFlow, false},
                                     {"whole-episode window (Flow-Attention)", 1000, flowrl::AttentionKind::kFlow, false},
                                     {"whole-episode recurrent (Flow-Attention)", 1000, flowrl::AttentionKind::kFlow, true},
                                     {"whole-episode window (softmax)", 1000, flowrl::AttentionKind::kSoftmax, false}};
  // 1. act() latency against t: one HalfCheetah episode per model, round-robin.
  const std::vector<int64_t> at = {10, 100, 1000};
  std::vector<std::vector<double>> us(models.size(), std::vector<double>(1000, 0.0));
  {
    std::vector<flowrl::DTPolicy> policies;
    std::vector<std::unique_ptr<flowrl::envs::Env>> envs;
    std::vector<flowrl::envs::Observation> obs;
    for (const auto& m : models) {
      envs.push_back(flowrl::envs::make_env("halfcheetah"));
      policies.push_back(make_policy(m, static_cast<int64_t>(envs.back()->observation_space().dim()),
                                     static_cast<int64_t>(envs.back()->action_space().dim())));
      obs.push_back(envs.back()->reset(0));
      policies.back().start_episode(0, 0, obs.back());
    }
    for (int64_t t = 0; t < 1000; ++t) {
      for (size_t i = 0; i < models.size(); ++i) {
        const double t0 = flowrl::bench::now_s();
        const auto action = policies[i].act(flowrl::envs::ActBatch{{0}, {obs[i]}}).front();
        us[i][static_cast<size_t>(t)] = 1e6 * (flowrl::bench::now_s() - t0);
        auto r = envs[i]->step(action);
        policies[i].observe(0, action, r);
        obs[i] = r.observation;
      }
      if (t % 100 == 0) std::cerr << "\rbench_recurrent_act: latency " << t << "/1000" << std::flush;
    }
  }
  std::ostringstream latency;
  latency << std::fixed << std::setprecision(2) << "| model | act() ms at t = 10 | t = 100 | t = 1000 |\n|---|---|---|---|\n";
  for (size_t i = 0; i < models.size(); ++i) {
    latency << "| " << models[i].name;
    for (int64_t t : at) {
      const auto from = static_cast<size_t>(std::max<int64_t>(0, t - 5)), to = static_cast<size_t>(std::min<int64_t>(1000, t + 5));
      latency << " | " << median(std::vector<double>(us[i].begin() + static_cast<long>(from), us[i].begin() + static_cast<long>(to))) / 1e3;
    }
    latency << " |\n";
  }

  // 2. A batched evaluation: `episodes` HalfCheetah episodes stepping together (one forward or recurrent
  // step per environment step for all of them), as evaluate-policy and train-agent run it.
  std::ostringstream eval;
  eval << std::fixed << std::setprecision(1) << "| model | " << episodes << " episodes wall s | env steps/s |\n|---|---|---|\n";
  for (size_t i : {size_t{0}, size_t{2}}) {
    flowrl::envs::VectorEnv venv("halfcheetah", flowrl::envs::VectorEnvOptions(episodes).threads(threads));
    auto policy = make_policy(models[i], static_cast<int64_t>(venv.observation_space().dim()),
                              static_cast<int64_t>(venv.action_space().dim()));
    std::cerr << "\rbench_recurrent_act: evaluating " << models[i].name << std::flush;
    const auto r = flowrl::envs::evaluate(venv, policy, flowrl::envs::EvaluateOptions(episodes).seed(0));
    eval << "| " << models[i].name << " | " << r.wall_seconds << " | " << std::setprecision(0)
         << static_cast<double>(r.total_steps) / r.wall_seconds << " |\n"
         << std::setprecision(1);
  }
  std::cerr << "\n";
  const double load_end = flowrl::bench::load_average();

  std::ostringstream section;
  section << "## Whole-episode acting: recurrent Flow-Attention against the window (HalfCheetah, 128/3/1)\n\n"
          << "`DTPolicyOptions::recurrent` feeds each step's a_{t-1}, R_t, s_t into the Flowformer's recurrent "
             "state (docs/recurrent.md) instead of running forward() over the context window. Untrained models "
             "(the cost does not depend on the weights), max_ep_len 1000.\n\n"
          << "- Command: `./build/bench/agent/bench_recurrent_act --episodes " << episodes << " --threads " << threads << "`\n"
          << "- Machine: " << flowrl::bench::machine_description() << ", LibTorch " << TORCH_VERSION
          << ", 1 torch thread, 1 OpenBLAS thread, " << threads << " env-stepping thread(s); "
          << flowrl::bench::load_note(load_start, load_end) << "\n\n"
          << "act() latency, one environment (batch 1), median over the 10 steps around t, the four models "
             "stepping round-robin through one episode each:\n\n"
          << latency.str() << "\n"
          << "A batched evaluation (all episodes step together, as evaluate-policy and train-agent run them):\n\n"
          << eval.str() << "\n";
  flowrl::bench::publish_section(out, "recurrent_act", section.str());
  return 0;
} catch (const std::exception& e) {
  std::cerr << "bench_recurrent_act: " << e.what() << "\n";
  return 1;
}
