// bench_train_step — milliseconds per Decision-Transformer training step (sample a batch, forward,
// masked MSE, backward, clip, AdamW), Flow-Attention vs softmax, at the original DT shape
// (embed 128, 3 layers, 1 head) and the Flowformer authors' (256, 3, 4); batch 64, K 20.
//
//   bench_train_step [--threads T] [--blas-threads N] [--steps N] [--out docs/benchmarks.md]
//                    [--shapes E/L/H,E/L/H,...] [--batch B] [--device cpu|cuda] [--section NAME]
//
// --shapes replaces the two default shapes (embed/layers/heads); --section names the block of
// --out that is rewritten (default train_step_t<threads>, or train_step_cuda on the GPU).
//
// Configurations are interleaved round-robin so machine load affects them alike; the sampler runs
// on a synthetic hopper-shaped dataset of 200k rows (its time per batch is reported separately).
#include <flowrl/agent/action_loss.h>
#include <flowrl/agent/decision_transformer.h>
#include <flowrl/agent/trainer.h>
#include <flowrl/data/dt_sampler.h>
#include <torch/torch.h>

#include <torch/cuda.h>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "../common/bench_util.h"
#include "../common/synthetic_data.h"

namespace {

struct Shape {
  std::string name;
  int64_t embed, layers, heads;
};

// "128/3/1,256/3/4" -> shapes; the two published shapes get their names.
std::vector<Shape> parse_shapes(const std::string& text) {
  std::vector<Shape> shapes;
  std::stringstream list(text);
  std::string item;
  while (std::getline(list, item, ',')) {
    Shape s;
    char a = 0, b = 0;
    std::stringstream one(item);
    if (!(one >> s.embed >> a >> s.layers >> b >> s.heads) || a != '/' || b != '/' || !one.eof() || s.embed <= 0 ||
        s.layers <= 0 || s.heads <= 0 || s.embed % s.heads != 0) {
      throw std::runtime_error("--shapes: '" + item + "' is not EMBED/LAYERS/HEADS with HEADS dividing EMBED (e.g. 128/3/1)");
    }
    s.name = item == "128/3/1" ? "original DT (128/3/1)" : item == "256/3/4" ? "Flowformer authors (256/3/4)" : item;
    shapes.push_back(s);
  }
  if (shapes.empty()) throw std::runtime_error("--shapes: empty list");
  return shapes;
}

struct Runner {
  flowrl::DecisionTransformer model{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer;
  std::vector<double> ms, cpu_ms, faults;  // per timed step: wall ms, process CPU ms, minor page faults

  torch::Device device = torch::kCPU;

  Runner(const Shape& s, flowrl::AttentionKind kind, torch::Device dev) : device(dev) {
    torch::manual_seed(0);
    model = flowrl::DecisionTransformer(flowrl::DecisionTransformerOptions(11, 3)
                                            .embed_dim(s.embed)
                                            .layers(s.layers)
                                            .heads(s.heads)
                                            .context(20)
                                            .attention(kind));
    model->to(device);
    model->train();
    optimizer = std::make_unique<torch::optim::AdamW>(model->parameters(),
                                                      torch::optim::AdamWOptions(1e-4).weight_decay(1e-4));
  }
  void step(const flowrl::data::DTBatch& b) {
    const double t0 = flowrl::bench::now_s();
    const auto u0 = flowrl::bench::process_usage();
    auto pred = model(b.states, b.actions, b.returns_to_go, b.timesteps);  // [B,K,A]
    auto loss = flowrl::masked_action_mse(pred, b.actions, b.mask);  // masked MSE
    optimizer->zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(model->parameters(), 0.25);
    optimizer->step();
    if (device.is_cuda()) torch::cuda::synchronize();
    ms.push_back(1000.0 * (flowrl::bench::now_s() - t0));
    const auto u1 = flowrl::bench::process_usage();
    cpu_ms.push_back(u1.cpu_ms - u0.cpu_ms);
    faults.push_back(u1.minor_faults - u0.minor_faults);
  }
  void clear() { ms.clear(), cpu_ms.clear(), faults.clear(); }
  static double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }
};

}  // namespace

int main(int argc, char** argv) try {
  const flowrl::bench::Args args(
      argc, argv,
      "usage: bench_train_step [--threads T] [--blas-threads N] [--steps N] [--out docs/benchmarks.md]\n"
      "                        [--shapes E/L/H,E/L/H,...] [--batch B] [--device cpu|cuda] [--section NAME]\n"
      "                        [--keep-freed-memory 1|0]",
      {"--threads", "--blas-threads", "--steps", "--out", "--shapes", "--batch", "--device", "--section",
       "--keep-freed-memory"});
  const std::string device_name = args.text("--device", "cpu");
  if (device_name != "cpu" && device_name != "cuda") throw std::runtime_error("--device: cpu or cuda, not " + device_name);
  if (device_name == "cuda" && !torch::cuda::is_available()) throw std::runtime_error("--device cuda: no CUDA device");
  const torch::Device device = device_name == "cuda" ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  const int64_t batch_size = args.integer("--batch", 64);
  const std::string shapes_arg = args.text("--shapes", "128/3/1,256/3/4");
  const auto shapes = parse_shapes(shapes_arg);
  const int threads = static_cast<int>(args.integer("--threads", 1));
  const int steps = static_cast<int>(args.integer("--steps", 30));
  const std::string out = args.text("--out", "docs/benchmarks.md");
  const int blas = static_cast<int>(args.integer("--blas-threads", 1));
  torch::set_num_threads(threads);
  flowrl::set_blas_threads(blas);
  const bool keep_freed = args.integer("--keep-freed-memory", 1, 0) != 0;  // as the trainer runs; 0: glibc defaults
  if (keep_freed) flowrl::keep_freed_memory();

  flowrl::data::DTSampler sampler(flowrl::bench::synthetic_hopper_dataset(200000),
                                  flowrl::data::DTSamplerOptions().context(20).batch_size(batch_size).seed(1).device(device));
  std::vector<std::pair<std::string, Runner>> runners;
  for (const auto& s : shapes) {
    runners.emplace_back(s.name + "|flow", Runner(s, flowrl::AttentionKind::kFlow, device));
    runners.emplace_back(s.name + "|softmax", Runner(s, flowrl::AttentionKind::kSoftmax, device));
  }
  // Warm-up, then interleaved timed steps.
  std::vector<double> sample_ms;
  const double load_start = flowrl::bench::load_average();
  for (int i = 0; i < steps + 2; ++i) {
    for (auto& [name, r] : runners) {
      const double t0 = flowrl::bench::now_s();
      auto batch = sampler.sample();
      sample_ms.push_back(1000.0 * (flowrl::bench::now_s() - t0));
      r.step(batch);
      if (i < 2) r.clear();
    }
    std::cerr << "\rbench_train_step: " << i + 1 << "/" << steps + 2 << std::flush;
  }
  std::cerr << "\n";
  std::sort(sample_ms.begin(), sample_ms.end());

  std::ostringstream table;
  table << std::fixed << std::setprecision(1);
  table << "| shape | Flow-Attention ms/step | softmax ms/step | flow / softmax | CPU ms/step (flow, softmax) | "
           "page faults/step (flow, softmax) |\n|---|---|---|---|---|---|\n";
  for (size_t i = 0; i < runners.size(); i += 2) {
    const Runner &flow = runners[i].second, &softmax = runners[i + 1].second;
    const double f = Runner::median(flow.ms), s = Runner::median(softmax.ms);
    const auto name = runners[i].first.substr(0, runners[i].first.find('|'));
    table << "| " << name << " | " << f << " | " << s << " | " << std::setprecision(2) << f / s << "x | "
          << std::setprecision(1) << Runner::median(flow.cpu_ms) << ", " << Runner::median(softmax.cpu_ms) << " | "
          << std::setprecision(0) << Runner::median(flow.faults) << ", " << Runner::median(softmax.faults) << " |\n"
          << std::setprecision(1);
  }
  std::ostringstream command;
  command << "./build/bench/agent/bench_train_step --threads " << threads << " --blas-threads " << blas << " --steps "
          << steps;
  if (args.has("--shapes")) command << " --shapes " << shapes_arg;
  if (batch_size != 64) command << " --batch " << batch_size;
  if (device.is_cuda()) command << " --device cuda";
  const std::string name =
      args.has("--section") ? args.text("--section", "") : device.is_cuda() ? "train_step_cuda" : "train_step_t" + std::to_string(threads);
  if (args.has("--section")) command << " --section " << name;
  if (!keep_freed) command << " --keep-freed-memory 0";

  std::ostringstream section;
  section << "## Decision Transformer training step (batch " << batch_size << ", K 20"
          << (device.is_cuda() ? ", CUDA" : "") << ")\n\n"
          << "Median wall time of one training step (forward, masked MSE, backward, gradient clipping, AdamW) over "
          << steps << " steps after 2 warm-up steps; the " << runners.size()
          << " models step round-robin in one process so that load affects them alike. CPU time (user + system) "
             "and minor page faults are the process's, per step (medians). "
          << (keep_freed ? "The allocator keeps freed memory (flowrl::keep_freed_memory(), as the trainer runs). "
                         : "The allocator runs with glibc's defaults (--keep-freed-memory 0), not as the trainer runs. ")
          << "Sampling one batch of "
          << batch_size << " windows from a 200k-row dataset takes a median of " << std::setprecision(3)
          << sample_ms[sample_ms.size() / 2] << " ms (not included above).\n\n"
          << "- Command: `" << command.str() << "`\n"
          << "- Machine: " << flowrl::bench::machine_description() << (device.is_cuda() ? " with a CUDA GPU" : "")
          << ", LibTorch " << TORCH_VERSION << ", " << threads << " torch thread(s), " << blas << " OpenBLAS thread(s); "
          << flowrl::bench::load_note(load_start, flowrl::bench::load_average()) << "\n\n"
          << table.str() << "\n";
  flowrl::bench::publish_section(out, name, section.str());
  return 0;
} catch (const std::exception& e) {
  std::cerr << "bench_train_step: " << e.what() << "\n";
  return 1;
}
