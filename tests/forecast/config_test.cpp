// Forecast configs: strict YAML parsing, --set overrides, error messages naming the key, and every
// shipped configs/forecast/*.yaml.
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/forecast.h>

#include <filesystem>

using namespace flowrl;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const char* kMinimal =
    "name: t\n"
    "data: {file: ETTh1.csv, seq_len: 96, pred_len: 192}\n"
    "model: {head: temporal, d_model: 64, n_heads: 4, attention: softmax, activation: relu}\n"
    "train: {lr: 0.001, lr_schedule: cosine, epochs: 5}\n";

}  // namespace

TEST_CASE("a config maps onto ForecastConfig, absent keys keep their defaults", "[forecast][config]") {
  const auto c = parse_forecast_config(kMinimal);
  CHECK(c.name == "t");
  CHECK(c.data.pred_len == 192);
  CHECK(c.data.split == "auto");
  CHECK(c.model.head == ForecastHead::kTemporal);
  CHECK(c.model.attention == AttentionKind::kSoftmax);
  CHECK(c.model.activation == Activation::kReLU);
  CHECK(c.model.layers == 2);
  CHECK(c.train.lr() == 0.001);
  CHECK(c.train.lr_schedule() == LrSchedule::kCosine);
  CHECK(c.train.epochs() == 5);
  CHECK(c.train.patience() == 3);
  CHECK(c.threads == 1);
  CHECK(c.run_dir() == "runs/forecast/t/seed2021");
  // YAML round trip
  const auto again = parse_forecast_config(forecast_config_to_yaml(c));
  CHECK(again.model.head == ForecastHead::kTemporal);
  CHECK(again.train.lr() == 0.001);
  CHECK(again.data.pred_len == 192);
  CHECK_FALSE(again.model.horizon_tokens);
  CHECK(parse_forecast_config(kMinimal, {"model.horizon_tokens=true"}).model.horizon_tokens);
  CHECK_FALSE(again.model.linear_skip);
  const auto skip = parse_forecast_config(kMinimal, {"model.linear_skip=true", "model.use_marks=false"});
  CHECK(skip.model.linear_skip);
  CHECK(parse_forecast_config(forecast_config_to_yaml(skip)).model.linear_skip);
  CHECK_FALSE(parse_forecast_config(forecast_config_to_yaml(skip)).model.use_marks);
}

TEST_CASE("set overrides dotted keys with YAML-typed values", "[forecast][config]") {
  const auto c = parse_forecast_config(kMinimal, {"train.lr=5e-4", "data.pred_len=336", "model.head=inverted",
                                                  "seed=3", "output.dir=/tmp/x", "data.target="});
  CHECK(c.train.lr() == 5e-4);
  CHECK(c.data.pred_len == 336);
  CHECK(c.model.head == ForecastHead::kInverted);
  CHECK(c.seed == 3);
  CHECK(c.train.seed() == 3);
  CHECK(c.output_dir == "/tmp/x");
  CHECK(c.data.target.empty());
  CHECK(c.run_dir() == "/tmp/x/t/seed3");

  CHECK_THAT(error_of([] { parse_forecast_config(kMinimal, {"train.lr"}); }), Contains("key=value"));
  CHECK_THAT(error_of([] { parse_forecast_config(kMinimal, {"train..lr=1"}); }), Contains("empty component"));
  CHECK_THAT(error_of([] { parse_forecast_config(kMinimal, {"name.x=1"}); }), Contains("'name' is a value"));
  CHECK_THAT(error_of([] { parse_forecast_config(kMinimal, {"train.lrr=1"}); }),
             Contains("unknown config key 'train.lrr'") && Contains("--set"));
  // a bad value names the overrides, since one of them may be its cause
  CHECK_THAT(error_of([] { parse_forecast_config(kMinimal, {"train.lr=-1", "seed=3"}); }),
             Contains("'train.lr' must be positive") && Contains("(with --set overrides: train.lr=-1, seed=3)"));
}

TEST_CASE("config errors name the key and the fix", "[forecast][config][errors]") {
  CHECK_THAT(error_of([] { parse_forecast_config("name: t\nmodel: {d_modl: 3}\n", {}, "x.yaml"); }),
             Contains("x.yaml") && Contains("unknown config key 'model.d_modl'") && Contains("d_model"));
  CHECK_THAT(error_of([] { parse_forecast_config("nme: t\n"); }), Contains("unknown config key 'nme'"));
  CHECK_THAT(error_of([] { parse_forecast_config("train: {epochs: ten}\n"); }),
             Contains("'train.epochs' must be an integer") && Contains("'ten'"));
  CHECK_THAT(error_of([] { parse_forecast_config("train: {lr: fast}\n"); }), Contains("'train.lr' must be a number"));
  CHECK_THAT(error_of([] { parse_forecast_config("data: {seq_len: 9.5}\n"); }),
             Contains("'data.seq_len' must be an integer"));
  CHECK_THAT(error_of([] { parse_forecast_config("model: {instance_norm: maybe}\n"); }),
             Contains("'model.instance_norm' must be true or false"));
  CHECK_THAT(error_of([] { parse_forecast_config("data: {file: [a, b]}\n"); }),
             Contains("'data.file' must be a single value, not a list"));
  CHECK_THAT(error_of([] { parse_forecast_config("model: {head: patch}\n"); }),
             Contains("'model.head' is 'patch'") && Contains("inverted, temporal"));
  CHECK_THAT(error_of([] { parse_forecast_config("model: {d_model: 10, n_heads: 3}\n"); }),
             Contains("model.d_model") && Contains("divisible"));
  CHECK_THAT(error_of([] { parse_forecast_config("model: {dropout: 1.5}\n"); }), Contains("'model.dropout'"));
  CHECK_THAT(error_of([] { parse_forecast_config("seed: -1\n"); }), Contains("'seed' must be >= 0, got -1"));
  CHECK_THAT(error_of([] { parse_forecast_config("data: {seq_len: 4}\nmodel: {value_kernel: 11}\n"); }),
             Contains("'model.value_kernel' (11) must be at most 2 x data.seq_len + 1 (9)"));
  CHECK_THAT(error_of([] { parse_forecast_config("data: {split: weekly}\n"); }), Contains("'data.split'"));
  CHECK_THAT(error_of([] { parse_forecast_config("data: {freq: q}\n"); }), Contains("'data.freq'"));
  CHECK_THAT(error_of([] { parse_forecast_config("train: {lr_schedule: type9}\n"); }),
             Contains("'train.lr_schedule'") && Contains("type1"));
  CHECK_THAT(error_of([] { parse_forecast_config("data: 3\n"); }), Contains("unknown config key 'data'"));
  CHECK_THAT(error_of([] { parse_forecast_config("a: [\n"); }), Contains("not valid YAML"));
  CHECK_THAT(error_of([] { load_forecast_config("/nonexistent/c.yaml"); }),
             Contains("/nonexistent/c.yaml") && Contains("--config"));
  // a missing data file is reported by the loader with the resolved path
  const auto c = parse_forecast_config("data: {dir: /nonexistent, file: ETTm1.csv}\n");
  CHECK_THAT(error_of([&] { load_forecast_series(c); }), Contains("/nonexistent/ETTm1.csv") && Contains("data.dir"));
}

TEST_CASE("every shipped configs/forecast/*.yaml parses and resolves its data file", "[forecast][config][configs]") {
  const fs::path dir = fs::path(FLOWRL_SOURCE_DIR) / "configs" / "forecast";
  REQUIRE(fs::is_directory(dir));
  int count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    INFO(entry.path().string());
    const auto c = load_forecast_config(entry.path().string());
    ++count;
    CHECK(c.name == entry.path().stem().string());
    // ETTm1.csv is not shipped (10 MB); every other data file is
    if (c.data.file != "ETTm1.csv") CHECK(fs::exists(c.data_path()));
    CHECK(fs::path(c.data_path()).parent_path() == fs::path(FLOWRL_SOURCE_DIR) / "data" / "timeseries");
  }
  CHECK(count == 40);
}

TEST_CASE("the ETTh1 configs give the TSLib window counts", "[forecast][config][etth1]") {
  const fs::path dir = fs::path(FLOWRL_SOURCE_DIR) / "configs" / "forecast";
  const std::pair<int, int64_t> expected[] = {{96, 2785}, {192, 2689}, {336, 2545}, {720, 2161}};
  for (const auto& [h, windows] : expected) {
    const auto c = load_forecast_config((dir / ("etth1_inverted_" + std::to_string(h) + ".yaml")).string());
    const auto series = load_forecast_series(c);
    CHECK(series.num_windows(data::Split::kTest) == windows);
    CHECK(series.n_vars == 7);
    CHECK(series.n_marks == 4);
    CHECK(series.scaler.mean.size() == 7);
  }
}

TEST_CASE("make_forecaster builds the head the model config names", "[forecast][config]") {
  const auto table = data::read_timeseries_csv(std::string(FLOWRL_SOURCE_DIR) + "/tests/fixtures/timeseries/sines.csv");
  const auto series = data::make_forecast_series(
      table, data::ForecastSeriesOptions().scheme(data::SplitScheme::kRatio).seq_len(24).pred_len(12));
  ForecastModelConfig m;
  m.d_model = 16;
  m.n_heads = 2;
  m.layers = 1;
  m.head = ForecastHead::kTemporal;
  auto params = make_forecaster(m, series).ptr()->named_parameters();
  CHECK(params.contains("time_embedding.weight"));
  CHECK(params["value_embedding.weight"].sizes() == torch::IntArrayRef({16, 3, 3}));
  m.use_marks = false;  // the temporal head then has no calendar embedding
  CHECK_FALSE(make_forecaster(m, series).ptr()->named_parameters().contains("time_embedding.weight"));
  m.head = ForecastHead::kInverted;
  m.linear_skip = true;
  auto inverted = make_forecaster(m, series).ptr()->named_parameters();
  CHECK(inverted["embedding.weight"].sizes() == torch::IntArrayRef({16, 24}));
  CHECK(inverted.contains("skip.weight"));
  CHECK(inverted.contains("encoder.blocks.0.attn.query_projection.weight"));
  CHECK_FALSE(inverted.contains("encoder.blocks.1.attn.query_projection.weight"));
}
