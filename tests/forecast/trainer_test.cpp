// Forecast trainer: evaluation over every window, lr schedule, checkpoints, a tiny training run whose
// loss goes down, and the end-to-end experiment writing result.json.
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/forecast.h>
#include <torch/torch.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <unistd.h>

#include "torch_support.h"

using namespace flowrl;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) {
  return std::string(FLOWRL_SOURCE_DIR) + "/tests/fixtures/timeseries/" + name;
}

data::ForecastSeries sines(int64_t seq_len = 24, int64_t pred_len = 12) {
  const auto table = data::read_timeseries_csv(fixture("sines.csv"));
  return data::make_forecast_series(
      table, data::ForecastSeriesOptions().scheme(data::SplitScheme::kRatio).seq_len(seq_len).pred_len(pred_len));
}

fs::path temp_dir(const std::string& name) {
  const char* tmp = std::getenv("TMPDIR");
  auto dir = fs::path(tmp ? tmp : "/tmp") / ("flowrl_forecast_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// predicts the last look-back value for every horizon step ("repeat last value")
struct RepeatLastImpl : torch::nn::Module {
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor&, const torch::Tensor&) {
    return x.narrow(1, x.size(1) - 1, 1).expand({x.size(0), 12, x.size(2)}).contiguous();  // [B,H,N]
  }
};
TORCH_MODULE(RepeatLast);

}  // namespace

TEST_CASE("evaluate_forecaster covers every window and averages over all elements", "[forecast][trainer]") {
  const auto series = sines();
  const int64_t windows = series.num_windows(data::Split::kTest);
  REQUIRE(windows % 7 != 0);
  torch::nn::AnyModule model(RepeatLast{});
  // batch 7 leaves a partial last batch: it must still be evaluated
  const auto m = evaluate_forecaster(model, series, data::Split::kTest, 7);
  CHECK(m.windows == windows);
  double sq = 0.0, abs = 0.0;
  for (int64_t i = 0; i < windows; ++i) {
    const float* x = series.input(data::Split::kTest, i);
    const float* y = series.target(data::Split::kTest, i);
    for (int64_t h = 0; h < 12; ++h) {
      for (int64_t n = 0; n < 3; ++n) {
        const double e = double(x[23 * 3 + n]) - y[h * 3 + n];
        sq += e * e;
        abs += std::abs(e);
      }
    }
  }
  CHECK(m.mse == Approx(sq / (windows * 36)).epsilon(1e-6));
  CHECK(m.mae == Approx(abs / (windows * 36)).epsilon(1e-6));
  CHECK(evaluate_forecaster(model, series, data::Split::kTest, 1000).mse == Approx(m.mse).epsilon(1e-9));
}

TEST_CASE("learning-rate schedules", "[forecast][trainer]") {
  auto o = ForecastTrainerOptions().lr(1e-3).epochs(4);
  // TSLib type1: epochs 1 and 2 at lr, then halving
  CHECK(forecast_learning_rate(o, 0) == 1e-3);
  CHECK(forecast_learning_rate(o, 1) == 1e-3);
  CHECK(forecast_learning_rate(o, 2) == 5e-4);
  CHECK(forecast_learning_rate(o, 3) == 2.5e-4);
  CHECK(forecast_learning_rate(ForecastTrainerOptions(o).lr_schedule(LrSchedule::kConstant), 3) == 1e-3);
  CHECK(forecast_learning_rate(ForecastTrainerOptions(o).lr_schedule(LrSchedule::kCosine), 0) == Approx(1e-3));
  CHECK(forecast_learning_rate(ForecastTrainerOptions(o).lr_schedule(LrSchedule::kCosine), 2) == Approx(5e-4));
}

TEST_CASE("a tiny training run lowers the loss and restores the best checkpoint", "[forecast][trainer][smoke]") {
  torch::manual_seed(4);
  const auto series = sines();
  const auto dir = temp_dir("smoke");
  for (int variant = 0; variant < 3; ++variant) {
    const auto head = variant == 0 ? ForecastHead::kInverted : ForecastHead::kTemporal;
    INFO("variant " << variant << " (0 inverted, 1 temporal, 2 temporal with horizon tokens)");
    ForecastModelConfig mc;
    mc.head = head;
    mc.horizon_tokens = variant == 2;
    mc.d_model = 32;
    mc.n_heads = 4;
    mc.mlp_ratio = 2;
    mc.dropout = 0.0;
    auto model = make_forecaster(mc, series);
    const auto before = evaluate_forecaster(model, series, data::Split::kVal);
    const auto checkpoint = (dir / "best.pt").string();
    auto options = ForecastTrainerOptions()
                       .epochs(3)
                       .lr(3e-3)
                       .batch_size(16)
                       .max_steps_per_epoch(15)
                       .progress(false)
                       .checkpoint(checkpoint);
    const auto result = train_forecaster(model, series, options);
    REQUIRE(result.epochs.size() == 3);
    CHECK(result.epochs.back().train_mse < result.epochs.front().train_mse);
    CHECK(result.val.mse < 0.5 * before.mse);
    CHECK(result.test.windows == series.num_windows(data::Split::kTest));
    CHECK(fs::exists(checkpoint));
    // the restored model is the best-validation one
    double best = 1e30;
    for (const auto& e : result.epochs) best = std::min(best, e.val_mse);
    CHECK(result.val.mse == Approx(best).epsilon(1e-5));

    // a fresh model loaded from the checkpoint predicts the same
    torch::manual_seed(99);
    auto fresh = make_forecaster(mc, series);
    load_forecaster(fresh, checkpoint);
    CHECK(evaluate_forecaster(fresh, series, data::Split::kTest).mse == Approx(result.test.mse).epsilon(1e-6));
  }
  torch::nn::AnyModule other(RepeatLast{});
  CHECK_THROWS_AS(load_forecaster(other, (dir / "missing.pt").string()), Error);
  fs::remove_all(dir);
}

TEST_CASE("a forecaster trains on CUDA and its checkpoint loads on the CPU", "[forecast][trainer][cuda]") {
  FLOWRL_SKIP_WITHOUT_CUDA();
  torch::manual_seed(4);
  const auto series = sines();
  const auto dir = temp_dir("cuda");
  for (const auto head : {ForecastHead::kInverted, ForecastHead::kTemporal}) {
    ForecastModelConfig mc;
    mc.head = head;
    mc.d_model = 32;
    mc.n_heads = 4;
    mc.mlp_ratio = 2;
    mc.dropout = 0.1;
    auto model = make_forecaster(mc, series);
    const auto checkpoint = (dir / "best.pt").string();
    const auto options = ForecastTrainerOptions().epochs(2).lr(3e-3).batch_size(16).max_steps_per_epoch(5)
                             .progress(false).checkpoint(checkpoint);
    const auto result = train_forecaster(model, series, options, torch::kCUDA);
    REQUIRE(result.epochs.size() == 2);
    CHECK(std::isfinite(result.test.mse));
    CHECK(model.ptr()->parameters().front().device().is_cuda());
    // The GPU-written checkpoint, into a CPU model: the same test error up to float rounding.
    auto on_cpu = make_forecaster(mc, series);
    load_forecaster(on_cpu, checkpoint);
    CHECK(on_cpu.ptr()->parameters().front().device().is_cpu());
    CHECK(evaluate_forecaster(on_cpu, series, data::Split::kTest).mse == Approx(result.test.mse).epsilon(1e-4));
  }
  fs::remove_all(dir);
}

TEST_CASE("early stopping ends the run after `patience` epochs without improvement", "[forecast][trainer]") {
  torch::manual_seed(5);
  const auto series = sines();
  ForecastModelConfig mc;
  mc.d_model = 16;
  mc.n_heads = 2;
  mc.dropout = 0.0;
  auto model = make_forecaster(mc, series);
  // a huge constant lr makes validation worse after the first epoch
  const auto result = train_forecaster(
      model, series,
      ForecastTrainerOptions().epochs(20).lr(0.5).lr_schedule(LrSchedule::kConstant).patience(2).batch_size(16)
          .max_steps_per_epoch(3).grad_clip(1.0).progress(false));
  CHECK(result.epochs.size() < 20);
  CHECK(result.stopped_early);
  CHECK(static_cast<int64_t>(result.epochs.size()) == result.best_epoch + 2);
  CHECK_THROWS_AS(train_forecaster(model, series, ForecastTrainerOptions().batch_size(0)), Error);
}

TEST_CASE("run_forecast_experiment writes config.yaml, best.pt and result.json", "[forecast][experiment]") {
  const auto dir = temp_dir("experiment");
  auto config = parse_forecast_config(
      "name: smoke\nseed: 7\n"
      "data: {dir: " + std::string(FLOWRL_SOURCE_DIR) + "/tests/fixtures/timeseries, file: sines.csv, split: ratio, "
      "seq_len: 24, pred_len: 12}\n"
      "model: {head: inverted, d_model: 16, n_heads: 2}\n"
      "train: {epochs: 1, max_steps_per_epoch: 2, progress: false, threads: 1}\n",
      {"output.dir=" + dir.string()});
  const auto result = run_forecast_experiment(config, "cpu");
  CHECK(result.run_dir == (dir / "smoke" / "seed7").string());
  CHECK(fs::exists(result.checkpoint));
  CHECK(fs::exists(fs::path(result.run_dir) / "config.yaml"));
  std::ifstream in(result.result_json);
  std::stringstream text;
  text << in.rdbuf();
  using Catch::Matchers::Contains;
  CHECK_THAT(text.str(), Contains("\"test_mse\": ") && Contains("\"test_windows\": 109") &&
                             Contains("\"dataset\": \"sines\"") && Contains("\"seed\": 7"));
  // the recorded config reproduces the run's config
  const auto again = load_forecast_config((fs::path(result.run_dir) / "config.yaml").string());
  CHECK(again.model.d_model == 16);
  CHECK(again.train.max_steps_per_epoch() == 2);
  CHECK(again.data_path() == config.data_path());
  // a few test windows and their forecasts, for scripts/plot-forecast.py
  std::ifstream windows(result.windows_csv);
  std::string line;
  std::getline(windows, line);
  CHECK(line == "window,variate,step,value,forecast");
  int64_t rows = 0, forecasts = 0;
  std::set<std::string> window_ids;
  while (std::getline(windows, line)) {
    ++rows;
    window_ids.insert(line.substr(0, line.find(',')));
    if (line.back() != ',') ++forecasts;  // horizon rows carry a forecast
  }
  const int64_t n_vars = 3;  // sines.csv: s1, s2, OT
  CHECK(window_ids == std::set<std::string>{"0", "36", "72", "108"});  // round(k (109 - 1) / 3)
  CHECK(rows == 4 * n_vars * (24 + 12));
  CHECK(forecasts == 4 * n_vars * 12);
  CHECK_THROWS_AS(run_forecast_experiment(config, "tpu"), Error);
  fs::remove_all(dir);
}

TEST_CASE("a bf16 forecasting run: close to fp32, recorded as bf16, its config reproduces it",
          "[forecast][experiment][precision]") {
  const auto dir = temp_dir("experiment-bf16");
  const std::string yaml =
      "name: smoke\nseed: 7\n"
      "data: {dir: " + std::string(FLOWRL_SOURCE_DIR) + "/tests/fixtures/timeseries, file: sines.csv, split: ratio, "
      "seq_len: 24, pred_len: 12}\n"
      "model: {head: inverted, d_model: 16, n_heads: 2, dropout: 0}\n"
      "train: {epochs: 1, max_steps_per_epoch: 4, progress: false, threads: 1}\n";
  auto fp32 = parse_forecast_config(yaml, {"output.dir=" + (dir / "fp32").string()});
  auto bf16 = parse_forecast_config(yaml, {"output.dir=" + (dir / "bf16").string(), "train.precision=bf16"});
  CHECK(fp32.precision == Precision::kFP32);
  REQUIRE(bf16.precision == Precision::kBF16);
  const auto a = run_forecast_experiment(fp32, "cpu");
  const auto b = run_forecast_experiment(bf16, "cpu");
  CHECK(std::abs(b.train.test.mse - a.train.test.mse) < 0.05 * a.train.test.mse);
  CHECK(b.train.test.mse != a.train.test.mse);
  std::ifstream in(b.result_json);
  std::stringstream text;
  text << in.rdbuf();
  CHECK_THAT(text.str(), Catch::Matchers::Contains("\"precision\": \"bf16\""));
  CHECK(load_forecast_config((fs::path(b.run_dir) / "config.yaml").string()).precision == Precision::kBF16);
  CHECK_THROWS_WITH(parse_forecast_config(yaml, {"train.precision=half"}), Catch::Contains("train.precision"));
  fs::remove_all(dir);
}
