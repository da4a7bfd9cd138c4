// bench_context_scaling — a Decision Transformer training step against the context K (20, 100, 250,
// 1000 steps = 60 .. 3000 tokens), causal Flow-Attention (chunked) against softmax attention, at
// the same tokens per update (2000 steps: batch 100, 20, 8, 2), 128/3/1: milliseconds per step
// (forward, masked MSE, backward, AdamW) and the step's peak memory. Softmax is the quadratic baseline.
//
//   bench_context_scaling [--steps N] [--out docs/benchmarks.md]
//
// Each configuration runs in a process of its own (this program with --one K/kind), so that its
// peak resident memory is its own: peak RSS after the steps minus the RSS before the first one.
#include <flowrl/agent/action_loss.h>
#include <flowrl/agent/decision_transformer.h>
#include <flowrl/backbone/runtime.h>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "../common/bench_util.h"

namespace {

constexpr int64_t kStepsPerUpdate = 2000;

// One configuration, in this process: prints "ms_per_step peak_mib".
int run_one(int64_t K, const std::string& kind, int64_t steps) {
  torch::set_num_threads(1);
  flowrl::set_blas_threads(1);
  flowrl::keep_freed_memory();
  const int64_t B = kStepsPerUpdate / K, S = 17, A = 6;
  torch::manual_seed(0);
  flowrl::DecisionTransformer model(flowrl::DecisionTransformerOptions(S, A).embed_dim(128).layers(3).heads(1).context(K)
                                        .max_ep_len(1000).attention(kind == "flow" ? flowrl::AttentionKind::kFlow
                                                                                   : flowrl::AttentionKind::kSoftmax));
  torch::optim::AdamW opt(model->parameters(), torch::optim::AdamWOptions(1e-4));
  auto states = torch::randn({B, K, S});                                          // [B,K,S]
  auto actions = torch::rand({B, K, A}) * 2 - 1;                                  // [B,K,A]
  auto rtg = torch::randn({B, K, 1});                                             // [B,K,1]
  auto timesteps = torch::arange(K).unsqueeze(0).expand({B, K}).contiguous();    // [B,K]
  auto mask = torch::ones({B, K}, torch::kBool);                                  // [B,K]
  auto step = [&] {
    auto pred = model(states, actions, rtg, timesteps);                           // [B,K,A]
    auto loss = flowrl::masked_action_mse(pred, actions, mask);
    opt.zero_grad();
    loss.backward();
    opt.step();
  };
  step();  // warm-up (allocations, first-call costs)
  flowrl::bench::reset_peak_rss();
  const double rss0 = flowrl::bench::proc_status_mib("VmRSS");
  const double t0 = flowrl::bench::now_s();
  for (int64_t i = 0; i < steps; ++i) step();
  const double ms = 1e3 * (flowrl::bench::now_s() - t0) / static_cast<double>(steps);
  std::printf("%.3f %.1f\n", ms, flowrl::bench::proc_status_mib("VmHWM") - rss0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  const flowrl::bench::Args args(argc, argv, "usage: bench_context_scaling [--steps N] [--out docs/benchmarks.md]",
                                 {"--steps", "--out", "--one"});
  const int64_t steps = args.integer("--steps", 5);
  if (args.has("--one")) {
    const auto one = args.text("--one", "");
    const auto slash = one.find('/');
    return run_one(std::stoll(one.substr(0, slash)), one.substr(slash + 1), steps);
  }
  const std::string out = args.text("--out", "docs/benchmarks.md");
  const double load_start = flowrl::bench::load_average();
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();  // this program, for popen's shell
  std::ostringstream table;
  table << std::fixed << std::setprecision(0)
        << "| K (tokens) | batch | Flow-Attention ms/step | softmax ms/step | flow / softmax | Flow-Attention peak MiB | softmax peak MiB |\n"
           "|---|---|---|---|---|---|---|\n";
  for (int64_t K : {20, 100, 250, 1000}) {
    double ms[2] = {0, 0}, mib[2] = {0, 0};
    const char* kinds[2] = {"flow", "softmax"};
    for (int i = 0; i < 2; ++i) {
      const std::string cmd = self + " --one " + std::to_string(K) + "/" + kinds[i] + " --steps " +
                              std::to_string(steps);
      std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
      if (!pipe || std::fscanf(pipe.get(), "%lf %lf", &ms[i], &mib[i]) != 2) throw std::runtime_error("a configuration failed: " + cmd);
      std::cerr << "bench_context_scaling: K " << K << " " << kinds[i] << ": " << ms[i] << " ms, " << mib[i] << " MiB\n";
    }
    table << "| " << K << " (" << 3 * K << ") | " << kStepsPerUpdate / K << " | " << ms[0] << " | " << ms[1] << " | "
          << std::setprecision(2) << ms[0] / ms[1] << "x | " << std::setprecision(0) << mib[0] << " | " << mib[1] << " |\n";
  }
  const double load_end = flowrl::bench::load_average();
  std::ostringstream section;
  section << "## Decision Transformer training step against the context (whole-episode models)\n\n"
          << "A training step (forward, masked MSE, backward, AdamW) at 128/3/1 on random inputs, the same "
          << kStepsPerUpdate << " steps per update at every K (batch " << kStepsPerUpdate << " / K), causal "
             "Flow-Attention (chunked kernel) against softmax attention. Mean over " << steps
          << " steps after one warm-up step; peak memory is the peak resident set of the steps minus the resident "
             "set before them, each configuration in a process of its own.\n\n"
          << "- Command: `./build/bench/agent/bench_context_scaling --steps " << steps << "`\n"
          << "- Machine: " << flowrl::bench::machine_description() << ", LibTorch " << TORCH_VERSION
          << ", 1 torch thread, 1 OpenBLAS thread; " << flowrl::bench::load_note(load_start, load_end) << "\n\n"
          << table.str() << "\n";
  flowrl::bench::publish_section(out, "context_scaling", section.str());
  return 0;
} catch (const std::exception& e) {
  std::cerr << "bench_context_scaling: " << e.what() << "\n";
  return 1;
}
