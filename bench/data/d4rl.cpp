// bench/data/d4rl.cpp — how fast flowrl loads a big D4RL file and samples DT batches.
//
//   bench_data [--file /tmp/flowrl-bench-me.hdf5] [--rows 2000000] [--batches 2000]
//              [--out docs/benchmarks.md]
// Writes a synthetic halfcheetah-medium-expert-sized file (2M rows: obs 17, act 6, qpos/qvel 9,
// float32 like the D4RL file, gzip level 4, 1000-step episodes ending in timeouts) unless --file
// exists, then measures:
//   - load_d4rl of every key, cold (file pages dropped with posix_fadvise) and warm, with the peak
//     resident memory added by the load (VmHWM after minus VmRSS before);
//   - load_d4rl of the keys DT needs (no infos, no next_observations);
//   - DTSampler construction, and ms per batch (B 64, K 20) for each scheme and padding.
// and replaces the "datasets" section of --out.
#include <fcntl.h>
#include <flowrl/core/error.h>
#include <flowrl/data/d4rl.h>
#include <flowrl/data/dt_sampler.h>
#include <flowrl/data/episodes.h>
#include <flowrl/data/rng.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

#include "common/bench_util.h"

using namespace flowrl;
using namespace flowrl::data;

namespace {

void make_file(const std::string& path, int64_t rows) {
  const int64_t S = 17, A = 6, Q = 9;
  D4RLDataset ds;
  ds.observations = FloatMatrix(rows, S);
  ds.next_observations = FloatMatrix(rows, S);
  ds.actions = FloatMatrix(rows, A);
  ds.rewards.resize(rows);
  ds.terminals.assign(rows, 0);
  ds.timeouts.assign(rows, 0);
  ds.infos.qpos = DoubleMatrix(rows, Q);
  ds.infos.qvel = DoubleMatrix(rows, Q);
  ds.infos.action_log_probs.resize(rows);
  Rng rng(1);
  std::vector<double> x(S, 0.0);
  for (int64_t i = 0; i < rows; ++i) {
    if (i % 1000 == 0) x.assign(S, 0.0);
    for (int64_t j = 0; j < S; ++j) {
      x[j] = 0.95 * x[j] + 0.3 * rng.normal();  // smooth, like joint angles and velocities
      ds.observations.row(i)[j] = static_cast<float>(x[j]);
    }
    for (int64_t j = 0; j < A; ++j) ds.actions.row(i)[j] = static_cast<float>(std::tanh(rng.normal()));
    for (int64_t j = 0; j < Q; ++j) {
      ds.infos.qpos.row(i)[j] = x[j % S];
      ds.infos.qvel.row(i)[j] = x[(j + 8) % S];
    }
    ds.rewards[i] = static_cast<float>(5.0 + rng.normal());
    ds.infos.action_log_probs[i] = static_cast<float>(-3.0 + 0.5 * rng.normal());
    if (i % 1000 == 999) ds.timeouts[i] = 1;
  }
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < S; ++j)
      ds.next_observations.row(i)[j] = ds.observations.row(std::min(i + 1, rows - 1))[j];
  write_d4rl(path, ds, D4RLWriteOptions().infos_float64(false));
}

void drop_page_cache(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return;
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

struct LoadResult {
  double seconds = 0;
  double peak_mib = 0;  // peak RSS added by the load
  double data_mib = 0;  // bytes held by the dataset
};

double dataset_mib(const D4RLDataset& ds) {
  double bytes = 4.0 * (ds.observations.values.size() + ds.actions.values.size() + ds.rewards.size() +
                        ds.next_observations.values.size() + ds.infos.action_log_probs.size()) +
                 8.0 * (ds.infos.qpos.values.size() + ds.infos.qvel.values.size()) +
                 ds.terminals.size() + ds.timeouts.size();
  return bytes / (1024.0 * 1024.0);
}

LoadResult measure_load(const std::string& path, const D4RLReadOptions& options, bool cold) {
  if (cold) drop_page_cache(path);
  bench::reset_peak_rss();
  const double rss0 = bench::proc_status_mib("VmRSS");
  const double t0 = bench::now_s();
  D4RLDataset ds = load_d4rl(path, options);
  LoadResult r;
  r.seconds = bench::now_s() - t0;
  r.peak_mib = bench::proc_status_mib("VmHWM") - rss0;
  r.data_mib = dataset_mib(ds);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const bench::Args args(argc, argv,
                           "usage: bench_data [--file /tmp/flowrl-bench-me.hdf5] [--rows 2000000] [--batches 2000] "
                           "[--out docs/benchmarks.md | -]",
                           {"--file", "--rows", "--batches", "--out"});
    const std::string path = args.text("--file", "/tmp/flowrl-bench-me.hdf5");
    const int64_t rows = args.integer("--rows", 2000000);
    const int64_t batches = args.integer("--batches", 2000);
    const std::string out = args.text("--out", "docs/benchmarks.md");

    if (!std::filesystem::exists(path)) {
      std::cout << "writing " << rows << " rows to " << path << " ..." << std::flush;
      const double t0 = bench::now_s();
      make_file(path, rows);
      std::cout << " " << std::fixed << std::setprecision(1) << bench::now_s() - t0 << " s\n";
    }
    const double file_mib = std::filesystem::file_size(path) / (1024.0 * 1024.0);

    const auto cold = measure_load(path, D4RLReadOptions(), true);
    const auto warm = measure_load(path, D4RLReadOptions(), false);
    const auto dt_only = measure_load(
        path, D4RLReadOptions().load_infos(false).load_next_observations(false).load_metadata(false), false);

    auto ds = std::make_shared<const D4RLDataset>(
        load_d4rl(path, D4RLReadOptions().load_infos(false).load_next_observations(false)));
    const double t_build = bench::now_s();
    DTSampler probe(ds, DTSamplerOptions());
    const double build_s = bench::now_s() - t_build;

    std::ostringstream table;
    table << std::fixed;
    for (auto sampling : {WindowSampling::kUniformStart, WindowSampling::kLengthProportional}) {
      for (auto padding : {WindowPadding::kRight, WindowPadding::kLeft}) {
        DTSampler s(ds, probe.episodes(), probe.normalizer(),
                    DTSamplerOptions().batch_size(64).context(20).sampling(sampling).padding(padding).seed(1));
        for (int i = 0; i < 50; ++i) s.sample();  // warm up the allocator
        const double t0 = bench::now_s();
        for (int64_t i = 0; i < batches; ++i) s.sample();
        const double ms = 1000.0 * (bench::now_s() - t0) / static_cast<double>(batches);
        table << "| " << (sampling == WindowSampling::kUniformStart ? "uniform start" : "length-proportional")
              << " | " << (padding == WindowPadding::kRight ? "right" : "left") << " | "
              << std::setprecision(3) << ms << " |\n";
      }
    }

    std::ostringstream body;
    body << std::fixed << std::setprecision(2);
    body << "## Datasets\n\n"
         << "Machine: " << bench::machine_description() << " (Debian 12 VM). Command: "
         << "`build/bench/data/bench_data --rows " << rows << "` (writes a synthetic "
         << "halfcheetah-medium-expert-sized file to /tmp on first run).\n\n"
         << "File: " << rows << " rows, obs 17, act 6, qpos/qvel 9, float32, gzip 4, "
         << std::setprecision(1) << file_mib << " MiB on disk; " << warm.data_mib
         << " MiB of arrays once loaded (all keys).\n\n"
         << "| load_d4rl | time (s) | peak RSS added (MiB) | arrays held (MiB) |\n|---|---|---|---|\n"
         << std::setprecision(2) << "| all keys, cold page cache | " << cold.seconds << " | "
         << std::setprecision(0) << cold.peak_mib << " | " << cold.data_mib << " |\n"
         << std::setprecision(2) << "| all keys, warm page cache | " << warm.seconds << " | "
         << std::setprecision(0) << warm.peak_mib << " | " << warm.data_mib << " |\n"
         << std::setprecision(2) << "| DT keys only (no infos, no next_observations) | " << dt_only.seconds
         << " | " << std::setprecision(0) << dt_only.peak_mib << " | " << dt_only.data_mib << " |\n\n"
         << "Peak RSS added ~= arrays held: each array is read once, straight into its final buffer "
         << "(HDF5 converts types through its 1 MiB conversion buffer and decompresses chunk by chunk).\n\n"
         << std::setprecision(3) << "DTSampler construction (episode split, state mean/std, per-row RTG): "
         << build_s << " s.\n\n"
         << "| DT sampling (batch 64, K 20, CPU tensors) | padding | ms / batch |\n|---|---|---|\n"
         << table.str() << "\n";
    std::cout << body.str();
    if (out != "-") bench::write_section(out, "datasets", body.str());
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_data: " << e.what() << "\n";
    return 1;
  }
}
