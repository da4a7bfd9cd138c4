// bench_attention — forward+backward time and peak memory of causal attention kernels:
// Flow-Attention (chunked), the reference's naive cumulative formula, and causal softmax.
//
//   bench_attention [--threads T] [--out docs/benchmarks.md] [--max-gib G]
//
// Each configuration runs in a child process (this program re-executed with --case ...), so the
// peak resident memory it reports belongs to that configuration alone. d_model 128, 4 heads.
#include <flowrl/backbone.h>
#include <torch/torch.h>

#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/bench_util.h"

namespace {

constexpr int64_t kHeads = 4, kHeadDim = 32;  // d_model 128

struct Result {
  double ms = 0;        // mean forward+backward time
  double peak_mib = 0;  // peak resident memory above the inputs
  int iters = 0;
};

torch::Tensor run_kernel(const std::string& kind, const torch::Tensor& q, const torch::Tensor& k,
                         const torch::Tensor& v) {
  flowrl::flow::KernelOptions opt;
  opt.clamp = 10.0;
  // Sequences up to 64 tokens run as one chunk, as the Decision Transformer configures it
  // (chunk = 3K): dense masked products, no carried state. Longer ones use the default chunk.
  if (q.size(2) <= 64) opt.chunk_size = q.size(2);
  if (kind == "flow") return flowrl::flow::causal(q, k, v, opt);
  if (kind == "naive") return flowrl::flow::causal_naive(q, k, v, opt);
  return flowrl::softmax::kernel(q, k, v, /*causal=*/true);
}

// One configuration, in this process: warm up, then time iterations until ~1.5 s or 20 iterations.
Result run_case(const std::string& kind, int64_t B, int64_t L, bool memory_only) {
  torch::manual_seed(0);
  auto make = [&] { return torch::randn({B, kHeads, L, kHeadDim}).requires_grad_(true); };
  auto q = make(), k = make(), v = make();   // [B,H,L,d]
  auto w = torch::randn({B, kHeads, L, kHeadDim});
  auto step = [&] {
    auto out = run_kernel(kind, q, k, v);    // [B,H,L,d]
    (out * w).sum().backward();
    q.mutable_grad().reset();
    k.mutable_grad().reset();
    v.mutable_grad().reset();
  };
  const double base = flowrl::bench::proc_status_mib("VmRSS");
  flowrl::bench::reset_peak_rss();
  step();  // warm-up (and peak-memory measurement)
  Result r;
  r.peak_mib = flowrl::bench::proc_status_mib("VmHWM") - base;
  if (memory_only) return r;
  const double t0 = flowrl::bench::now_s();
  double t = t0;
  while (r.iters < 20 && (t - t0 < 1.5 || r.iters < 3)) {
    step();
    ++r.iters;
    t = flowrl::bench::now_s();
  }
  r.ms = 1000.0 * (t - t0) / r.iters;
  return r;
}

// Rough upper bound of a configuration's memory, to skip those that would not fit.
double estimate_gib(const std::string& kind, int64_t B, int64_t L) {
  const double bhl = static_cast<double>(B * kHeads * L);
  double floats = 20 * bhl * kHeadDim;                                   // inputs, grads, factors
  if (kind == "naive") floats += 6 * bhl * kHeadDim * kHeadDim;          // (B,H,L,d,d) and its grads
  if (kind == "softmax") floats += 5 * bhl * L;                          // scores, probs, grads
  return floats * 4 / (1024.0 * 1024 * 1024);
}

std::string child_command(const std::string& self, const std::string& kind, int64_t B, int64_t L, int threads,
                          const char* measure) {
  std::ostringstream cmd;
  cmd << self << " --case " << kind << " --batch " << B << " --len " << L << " --threads " << threads
      << " --measure " << measure;
  return cmd.str();
}

// Runs one configuration in a child process; false if it failed.
bool run_child(const std::string& command, Result& r) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  return pipe && std::fscanf(pipe.get(), "%lf %lf %d", &r.ms, &r.peak_mib, &r.iters) == 3;
}

}  // namespace

int main(int argc, char** argv) try {
  // --case, --batch, --len and --measure are the child's (internal) options.
  const flowrl::bench::Args args(argc, argv, "usage: bench_attention [--threads T] [--out docs/benchmarks.md] [--max-gib G]",
                                 {"--threads", "--out", "--max-gib", "--case", "--batch", "--len", "--measure"});
  const int threads = static_cast<int>(args.integer("--threads", 1));
  torch::set_num_threads(threads);

  if (args.has("--case")) {  // child: one configuration, one line of output
    // Memory runs serve every large block by mmap (fixed threshold), so freed tensors leave the
    // resident set at once and the peak RSS is the peak of live tensors, not of malloc's cached heap.
    // Timing runs keep the default allocator.
    const bool memory_run = args.text("--measure", "time") == "memory";
    if (memory_run) mallopt(M_MMAP_THRESHOLD, 64 * 1024);
    auto r = run_case(args.text("--case", ""), args.integer("--batch", 1), args.integer("--len", 1), memory_run);
    std::printf("%.3f %.1f %d\n", r.ms, r.peak_mib, r.iters);
    return 0;
  }

  const std::string out_path = args.text("--out", "docs/benchmarks.md");
  const double max_gib = args.real("--max-gib", 8.0);
  const std::string self = "/proc/" + std::to_string(::getpid()) + "/exe";
  const std::vector<std::string> kinds = {"flow", "naive", "softmax"};
  const std::map<std::string, std::string> label = {
      {"flow", "Flow-Attention, chunked"}, {"naive", "Flow-Attention, naive cumulative"}, {"softmax", "softmax"}};
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{1, 256}, {1, 1024}, {1, 4096}, {1, 16384}, {64, 60}};

  const double load_start = flowrl::bench::load_average();
  std::ostringstream table;
  table << "| B | L | kernel | fwd+bwd ms | peak MiB | vs chunked (time) | vs chunked (memory) |\n"
        << "|---|---|---|---|---|---|---|\n";
  for (auto [B, L] : shapes) {
    std::map<std::string, Result> row;
    for (const auto& kind : kinds) {
      std::cerr << "bench_attention: B=" << B << " L=" << L << " " << kind << " ... " << std::flush;
      const double est = estimate_gib(kind, B, L);
      if (est > max_gib) {
        std::cerr << "skipped (needs about " << std::fixed << std::setprecision(1) << est << " GiB)\n";
        table << "| " << B << " | " << L << " | " << label.at(kind) << " | skipped: needs about " << std::fixed
              << std::setprecision(1) << est << " GiB (> --max-gib " << max_gib << ") | | | |\n";
        continue;
      }
      Result r, mem;
      if (!run_child(child_command(self, kind, B, L, threads, "time"), r) ||
          !run_child(child_command(self, kind, B, L, threads, "memory"), mem)) {
        std::cerr << "failed\n";
        table << "| " << B << " | " << L << " | " << label.at(kind) << " | failed | | | |\n";
        continue;
      }
      r.peak_mib = mem.peak_mib;
      std::cerr << std::fixed << std::setprecision(2) << r.ms << " ms, " << r.peak_mib << " MiB\n";
      row[kind] = r;
      table << "| " << B << " | " << L << " | " << label.at(kind) << " | " << std::fixed << std::setprecision(2)
            << r.ms << " | " << std::setprecision(1) << r.peak_mib << " | ";
      if (row.count("flow") && kind != "flow") {
        table << std::setprecision(2) << r.ms / row["flow"].ms << "x | " << r.peak_mib / std::max(row["flow"].peak_mib, 0.1)
              << "x |\n";
      } else {
        table << "1x | 1x |\n";
      }
    }
  }

  std::ostringstream section;
  section << "## Attention kernels (causal, d_model 128, 4 heads)\n\n"
          << "Forward+backward of the attention kernel alone (inputs already projected and split into heads, "
          << "float32, CPU), mean over up to 20 iterations after one warm-up. Peak memory is the peak resident "
          << "memory of one forward+backward above what the process held before, measured in a separate run of "
          << "the configuration in its own process with malloc's mmap threshold fixed at 64 KiB (so a freed "
          << "tensor leaves the resident set at once). The naive formula is the reference's (B, H, L, d, d) "
          << "cumulative sum; Flow-Attention chunked uses chunk_size " << flowrl::flow::KernelOptions().chunk_size
          << " (the default), and one chunk of L for L <= 64 (as the Decision Transformer configures it). The "
          << "ratios compare configurations measured in the same run.\n\n"
          << "- Command: `./build/bench/bench_attention --threads " << threads << "`\n"
          << "- Machine: " << flowrl::bench::machine_description() << ", LibTorch " << TORCH_VERSION
          << ", " << threads << " torch thread(s); "
          << flowrl::bench::load_note(load_start, flowrl::bench::load_average()) << "\n\n"
          << table.str() << "\n";
  flowrl::bench::publish_section(out_path, "attention", section.str());
  return 0;
} catch (const std::exception& e) {
  std::cerr << "bench_attention: " << e.what() << "\n";
  return 1;
}
