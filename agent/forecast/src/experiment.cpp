// One forecasting run end to end: seed, threads, data, model, training, result files.
#include <flowrl/core/error.h>
#include <flowrl/core/file.h>
#include <flowrl/core/json.h>
#include <flowrl/dist/group.h>
#include <flowrl/forecast/experiment.h>
#include <flowrl/forecast/models.h>
#include <torch/cuda.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <flowrl/backbone/runtime.h>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <sys/resource.h>

namespace flowrl {
namespace {

namespace fs = std::filesystem;

// user + system CPU seconds of this process so far
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

}  // namespace

std::string forecast_result_json(const ForecastConfig& c, const ForecastExperimentResult& r, const std::string& device,
                                 int64_t threads) {
  const auto& t = r.train;
  std::ostringstream j;
  j << "{\n";
  j << "  \"name\": " << json_string(c.name) << ",\n";
  j << "  \"dataset\": " << json_string(fs::path(c.data.file).stem().string()) << ",\n";
  j << "  \"head\": " << json_string(c.model.head == ForecastHead::kInverted ? "inverted" : "temporal") << ",\n";
  j << "  \"attention\": " << json_string(c.model.attention == AttentionKind::kFlow ? "flow" : "softmax") << ",\n";
  j << "  \"seq_len\": " << c.data.seq_len << ",\n";
  j << "  \"pred_len\": " << c.data.pred_len << ",\n";
  j << "  \"seed\": " << c.seed << ",\n";
  j << "  \"test_mse\": " << json_number(t.test.mse) << ",\n";
  j << "  \"test_mae\": " << json_number(t.test.mae) << ",\n";
  j << "  \"test_windows\": " << t.test.windows << ",\n";
  j << "  \"val_mse\": " << json_number(t.val.mse) << ",\n";
  j << "  \"val_mae\": " << json_number(t.val.mae) << ",\n";
  j << "  \"val_windows\": " << t.val.windows << ",\n";
  j << "  \"best_epoch\": " << t.best_epoch << ",\n";
  j << "  \"epochs_run\": " << t.epochs.size() << ",\n";
  j << "  \"stopped_early\": " << (t.stopped_early ? "true" : "false") << ",\n";
  j << "  \"parameters\": " << r.parameters << ",\n";
  j << "  \"train_seconds\": " << json_number(t.train_seconds) << ",\n";
  j << "  \"test_seconds\": " << json_number(t.test_seconds) << ",\n";
  j << "  \"total_seconds\": " << json_number(r.total_seconds) << ",\n";
  j << "  \"cpu_seconds\": " << json_number(r.cpu_seconds) << ",\n";
  j << "  \"device\": " << json_string(device) << ",\n";
  j << "  \"threads\": " << threads << ",\n";
  j << "  \"precision\": " << json_string(precision_name(c.precision)) << ",\n";
  j << "  \"scale\": \"normalized\",\n";
  j << "  \"checkpoint\": " << json_string(r.checkpoint) << ",\n";
  j << "  \"epochs\": [";
  for (size_t i = 0; i < t.epochs.size(); ++i) {
    const auto& e = t.epochs[i];
    j << (i ? ",\n" : "\n") << "    {\"epoch\": " << e.epoch << ", \"lr\": " << json_number(e.lr)
      << ", \"train_mse\": " << json_number(e.train_mse) << ", \"val_mse\": " << json_number(e.val_mse)
      << ", \"steps\": " << e.steps << ", \"seconds\": " << json_number(e.seconds) << "}";
  }
  j << "\n  ]\n}\n";
  return j.str();
}

std::string forecast_windows_csv(torch::nn::AnyModule& model, const data::ForecastSeries& series, torch::Device device) {
  const auto split = data::Split::kTest;
  const int64_t W = series.num_windows(split), L = series.seq_len, H = series.pred_len, N = series.n_vars;
  std::ostringstream csv;
  csv << "window,variate,step,value,forecast\n";
  if (W == 0) return csv.str();
  std::vector<int64_t> indices;
  for (int k = 0; k < 4; ++k) {
    const auto i = static_cast<int64_t>(std::lround(static_cast<double>(k) * static_cast<double>(W - 1) / 3.0));
    if (indices.empty() || indices.back() != i) indices.push_back(i);
  }
  model.ptr()->eval();
  torch::NoGradGuard no_grad;
  auto batch = make_forecast_batch(series, split, indices, device);
  auto pred = model.forward<torch::Tensor>(batch.x, batch.x_mark, batch.y_mark)  // [B,H,N]
                  .to(torch::kCPU, torch::kFloat64).contiguous();
  const double* p = pred.data_ptr<double>();
  auto name = [](const std::string& s) {  // a CSV field, quoted when it must be
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  csv.precision(9);
  for (size_t b = 0; b < indices.size(); ++b) {
    const float* x = series.input(split, indices[b]);   // [L,N]
    const float* y = series.target(split, indices[b]);  // [H,N]
    for (int64_t v = 0; v < N; ++v) {
      const auto var = name(series.columns[static_cast<size_t>(v)]);
      for (int64_t t = 0; t < L; ++t) csv << indices[b] << "," << var << "," << t - (L - 1) << "," << x[t * N + v] << ",\n";
      for (int64_t t = 0; t < H; ++t) {
        csv << indices[b] << "," << var << "," << t + 1 << "," << y[t * N + v] << ","
            << p[(static_cast<int64_t>(b) * H + t) * N + v] << "\n";
      }
    }
  }
  return csv.str();
}

ForecastExperimentResult run_forecast_experiment(const ForecastConfig& config, const std::string& device_name,
                                                 dist::GroupPtr group) {
  const bool root = group == nullptr || group->root();
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_seconds();
  FLOWRL_CHECK(device_name == "cpu" || device_name == "cuda", "--device must be cpu or cuda, got '", device_name, "'");
  FLOWRL_CHECK(device_name == "cpu" || torch::cuda::is_available(),
               "--device cuda: no CUDA device is available to this LibTorch build; use --device cpu");
  const torch::Device device = device_name != "cuda" ? torch::Device(torch::kCPU)
                              : group != nullptr && group->size() > 1
                                  ? torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(group->where().local_rank))
                                  : torch::Device(torch::kCUDA);
  if (config.threads > 0) {
    torch::set_num_threads(static_cast<int>(config.threads));
    set_blas_threads(config.threads);
  }
  keep_freed_memory();
  if (config.precision == Precision::kBF16 && root) std::cerr << "train-forecaster: " << measure_bf16(device).describe() << "\n";
  // training, validation and test in the run's precision (the loss and AdamW stay float32)
  const PrecisionGuard precision(config.precision);
  torch::manual_seed(static_cast<uint64_t>(config.seed));

  // data and model
  const auto series = load_forecast_series(config);
  auto model = make_forecaster(config.model, series);
  ForecastExperimentResult result;
  for (const auto& p : model.ptr()->parameters()) result.parameters += p.numel();

  // run folder
  result.run_dir = config.run_dir();
  result.checkpoint = (fs::path(result.run_dir) / "best.pt").string();
  result.result_json = (fs::path(result.run_dir) / "result.json").string();
  if (root) {
    std::error_code ec;
    fs::create_directories(result.run_dir, ec);
    FLOWRL_CHECK(!ec, "cannot create the run folder '", result.run_dir, "': ", ec.message(),
                 "; set output.dir to a writable folder (--set output.dir=DIR)");
    write_file_atomically((fs::path(result.run_dir) / "config.yaml").string(), forecast_config_to_yaml(config));
  }

  auto options = config.train;
  options.checkpoint(result.checkpoint).seed(static_cast<uint64_t>(config.seed)).group(group);
  result.train = train_forecaster(model, series, options, device);
  result.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  result.cpu_seconds = cpu_seconds() - cpu_start;

  result.windows_csv = (fs::path(result.run_dir) / "test-windows.csv").string();
  if (!root) return result;
  write_file_atomically(result.windows_csv, forecast_windows_csv(model, series, device));
  // result.json last: its presence marks a finished run (scripts/reproduce-forecast.sh resumes on it)
  write_file_atomically(result.result_json, forecast_result_json(config, result, device_name, torch::get_num_threads()));
  return result;
}

}  // namespace flowrl
