// Forecasting heads: shapes, instance-norm de-normalization, structure, shape errors; batching.
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/forecast.h>
#include <torch/torch.h>

#include <numeric>

using namespace flowrl;

namespace {

FlowformerOptions small_backbone(AttentionKind kind = AttentionKind::kFlow) {
  return FlowformerOptions(16, 4).layers(2).mlp_ratio(2).attention(kind).dropout(0.0);
}

}  // namespace

TEST_CASE("inverted head: shapes for both attentions, with and without time-feature tokens", "[forecast][models]") {
  torch::manual_seed(1);
  for (auto kind : {AttentionKind::kFlow, AttentionKind::kSoftmax}) {
    for (bool marks : {true, false}) {
      InvertedForecaster net(InvertedForecasterOptions(24, 12, small_backbone(kind)).use_marks(marks));
      auto x = torch::randn({3, 24, 5});       // [B,L,N]
      auto x_mark = torch::rand({3, 24, 4});   // [B,L,F]
      auto y_mark = torch::rand({3, 12, 4});   // [B,H,F]
      auto y = net(x, x_mark, y_mark);         // [B,H,N]
      CHECK(y.sizes() == torch::IntArrayRef({3, 12, 5}));
      CHECK(torch::isfinite(y).all().item<bool>());
    }
  }
  InvertedForecaster net(InvertedForecasterOptions(24, 12, small_backbone()));
  auto params = net->named_parameters();
  CHECK(params["embedding.weight"].sizes() == torch::IntArrayRef({16, 24}));
  CHECK(params["projection.weight"].sizes() == torch::IntArrayRef({12, 16}));
  CHECK(params.contains("encoder.blocks.1.attn.query_projection.weight"));
  CHECK_FALSE(net->encoder->options.causal());
  CHECK_FALSE(params.contains("skip.weight"));
  InvertedForecaster with_skip(InvertedForecasterOptions(24, 12, small_backbone()).linear_skip(true));
  CHECK(with_skip->named_parameters()["skip.weight"].sizes() == torch::IntArrayRef({12, 24}));
  CHECK(with_skip(torch::randn({3, 24, 5}), torch::rand({3, 24, 4}), torch::Tensor()).sizes() ==
        torch::IntArrayRef({3, 12, 5}));
  CHECK_THROWS_AS(net(torch::randn({2, 23, 5}), torch::rand({2, 23, 4}), torch::Tensor()), Error);
}

TEST_CASE("temporal head: shapes, both horizon decodings, calendar embedding optional", "[forecast][models]") {
  torch::manual_seed(2);
  for (auto kind : {AttentionKind::kFlow, AttentionKind::kSoftmax}) {
    for (bool tokens : {false, true}) {
      TemporalForecaster net(TemporalForecasterOptions(24, 12, 5, 4, small_backbone(kind)).horizon_tokens(tokens));
      auto y = net(torch::randn({2, 24, 5}), torch::rand({2, 24, 4}), torch::rand({2, 12, 4}));  // [B,H,N]
      CHECK(y.sizes() == torch::IntArrayRef({2, 12, 5}));
      CHECK(torch::isfinite(y).all().item<bool>());
      CHECK(net->named_parameters().contains("horizon_token") == tokens);
      CHECK(net->named_parameters().contains("time_projection.weight") == !tokens);
    }
  }
  for (bool tokens : {false, true}) {
    TemporalForecaster no_marks(TemporalForecasterOptions(24, 12, 5, 0, small_backbone()).horizon_tokens(tokens));
    CHECK(no_marks(torch::randn({2, 24, 5}), torch::Tensor(), torch::Tensor()).sizes() ==
          torch::IntArrayRef({2, 12, 5}));
  }
  TemporalForecaster net(TemporalForecasterOptions(24, 12, 5, 4, small_backbone()));
  CHECK(net->positions.sizes() == torch::IntArrayRef({36, 16}));
  CHECK(net->value_embedding->weight.sizes() == torch::IntArrayRef({16, 5, 3}));
  CHECK_THROWS_AS(net(torch::randn({2, 24, 6}), torch::rand({2, 24, 4}), torch::rand({2, 12, 4})), Error);
  CHECK_THROWS_AS(net(torch::randn({2, 24, 5}), torch::rand({2, 24, 3}), torch::rand({2, 12, 3})), Error);
  CHECK_THROWS_AS(TemporalForecaster(TemporalForecasterOptions(24, 12, 5, 4, small_backbone()).value_kernel(2)), Error);
  // a kernel wider than the circular padding can wrap (once: torch's "Padding value causes wrapping around")
  CHECK_THROWS_WITH(TemporalForecaster(TemporalForecasterOptions(4, 12, 5, 4, small_backbone()).value_kernel(11)),
                    Catch::Contains("at most 2 x seq_len + 1 (9)"));
  CHECK_NOTHROW(TemporalForecaster(TemporalForecasterOptions(4, 12, 5, 4, small_backbone()).value_kernel(9)));
}

TEST_CASE("instance norm: predictions follow a per-variate affine change of the input", "[forecast][models][norm]") {
  // with instance norm, f(a x + b) = a f(x) + b per variate (up to the variance eps)
  torch::manual_seed(3);
  torch::NoGradGuard no_grad;
  auto x = torch::randn({2, 24, 3}, torch::kFloat64) * 2.0;            // [B,L,N]
  auto x_mark = torch::rand({2, 24, 4}, torch::kFloat64) - 0.5;        // [B,L,F]
  auto y_mark = torch::rand({2, 12, 4}, torch::kFloat64) - 0.5;        // [B,H,F]
  auto a = torch::tensor({3.0, 0.5, 10.0}, torch::kFloat64).view({1, 1, 3});
  auto b = torch::tensor({-7.0, 100.0, 0.25}, torch::kFloat64).view({1, 1, 3});
  InvertedForecaster inverted(InvertedForecasterOptions(24, 12, small_backbone()));
  TemporalForecaster temporal(TemporalForecasterOptions(24, 12, 3, 4, small_backbone()));
  TemporalForecaster tokens(TemporalForecasterOptions(24, 12, 3, 4, small_backbone()).horizon_tokens(true));
  InvertedForecaster skip(InvertedForecasterOptions(24, 12, small_backbone()).linear_skip(true));
  for (torch::nn::Module* m : {static_cast<torch::nn::Module*>(inverted.get()),
                               static_cast<torch::nn::Module*>(skip.get()),
                               static_cast<torch::nn::Module*>(temporal.get()),
                               static_cast<torch::nn::Module*>(tokens.get())}) {
    m->to(torch::kFloat64);
    m->eval();
  }
  for (std::string name : {"inverted", "inverted with linear skip", "temporal", "temporal with horizon tokens"}) {
    INFO(name);
    auto f = [&](const torch::Tensor& in) {
      if (name == "inverted") return inverted(in, x_mark, y_mark);
      if (name == "inverted with linear skip") return skip(in, x_mark, y_mark);
      return name == "temporal" ? temporal(in, x_mark, y_mark) : tokens(in, x_mark, y_mark);
    };
    auto expected = f(x) * a + b;  // [B,H,N]
    auto got = f(x * a + b);       // [B,H,N]
    CHECK((got - expected).abs().max().item<double>() < 1e-4 * expected.abs().max().item<double>());
  }

  SECTION("InstanceNorm round trip and statistics") {
    auto norm = InstanceNorm::of(x, 1e-5);
    CHECK(norm.mean.sizes() == torch::IntArrayRef({2, 1, 3}));
    auto z = norm.normalize(x);
    CHECK(z.mean(1).abs().max().item<double>() < 1e-12);
    CHECK((z.var(1, false) - 1.0).abs().max().item<double>() < 1e-4);
    CHECK((norm.denormalize(z) - x).abs().max().item<double>() < 1e-12);
  }
  SECTION("without instance norm the affine property does not hold") {
    InvertedForecaster raw(InvertedForecasterOptions(24, 12, small_backbone()).instance_norm(false));
    raw->to(torch::kFloat64);
    raw->eval();
    auto expected = raw(x, x_mark, y_mark) * a + b;
    CHECK((raw(x * a + b, x_mark, y_mark) - expected).abs().max().item<double>() > 1e-2);
  }
}

TEST_CASE("make_forecast_batch copies windows and their time features", "[forecast][batch]") {
  data::TimeSeriesTable table;
  table.path = "synthetic";
  table.columns = {"a", "OT"};
  for (int r = 0; r < 200; ++r) {
    data::CalendarTime t;
    t.year = 2020;
    t.month = 1 + r / 24 / 28;
    t.day = 1 + (r / 24) % 28;
    t.hour = r % 24;
    table.times.push_back(t);
    table.values.push_back(r);
    table.values.push_back(-r);
  }
  const auto series = data::make_forecast_series(
      table, data::ForecastSeriesOptions().scheme(data::SplitScheme::kRatio).seq_len(10).pred_len(5).scale(false));
  auto batch = make_forecast_batch(series, data::Split::kTest, {0, 3});
  CHECK(batch.x.sizes() == torch::IntArrayRef({2, 10, 2}));
  CHECK(batch.y.sizes() == torch::IntArrayRef({2, 5, 2}));
  CHECK(batch.x_mark.sizes() == torch::IntArrayRef({2, 10, 4}));
  CHECK(batch.y_mark.sizes() == torch::IntArrayRef({2, 5, 4}));
  const int64_t start = series.window_start(data::Split::kTest, 3);
  CHECK(batch.x[1][0][0].item<float>() == static_cast<float>(start));
  CHECK(batch.y[1][0][1].item<float>() == -static_cast<float>(start + 10));
  CHECK(batch.y[1][4][0].item<float>() == static_cast<float>(start + 14));
  CHECK(batch.y_mark[1][0][0].item<float>() == Approx(((start + 10) % 24) / 23.0 - 0.5));
  CHECK_THROWS_AS(make_forecast_batch(series, data::Split::kTest, {series.num_windows(data::Split::kTest)}), Error);
}
