// mlp_policy_test.cpp — the mlp-policy/1 reader and the action formulas, on small hand-made files.
#include "policy_writer.h"

#include <flowrl/behaviour/mlp_policy.h>
#include <flowrl/core/error.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>

using namespace flowrl;
using namespace flowrl::behaviour;
using test::LayerSpec;
using test::PolicySpec;

namespace {

// A2C-like: normalized obs, tanh hidden layer, linear output, clip, parameter log-std
PolicySpec clip_spec() {
  PolicySpec s;
  s.int_attrs["normalize_obs"] = 1;
  s.float_attrs = {{"obs_clip", 10.0}, {"obs_eps", 1e-8}, {"zoo_eval_last_mean", 12.5}, {"zoo_eval_best_mean", 20.0}};
  s.string_attrs["log_std_kind"] = "parameter";
  s.obs_mean = {1.0, -1.0};
  s.obs_var = {4.0, 0.25};
  s.layers = {LayerSpec{3, 2, {1, -1, 0.5, 2, -0.25, 0.75}, {0.5, -0.25, 0}, "tanh"},
              LayerSpec{2, 3, {2, 1, -1, 0.5, -3, 1.5}, {0.125, -0.5}, "none"}};
  s.log_std_value = {-1.0, 0.5};
  return s;
}

// SAC-like: raw obs, relu hidden layers, tanh output, state-dependent log-std head
PolicySpec tanh_spec() {
  PolicySpec s;
  s.string_attrs["output"] = "tanh";
  s.string_attrs["log_std_kind"] = "state_dependent";
  s.string_attrs["env_id"] = "HalfCheetah-v3";
  s.layers = {LayerSpec{2, 3, {1, 0, -1, 0.5, 0.5, 0.5}, {0, 0.25}, "relu"},
              LayerSpec{2, 2, {1, -1, 0.25, 1}, {-0.5, 0}, "none"}};
  s.log_std_head = LayerSpec{2, 2, {0.5, -0.5, 1, 1}, {-1, 0}, "none"};
  return s;
}

// ARS-like: one linear layer, no bias, no log-std
PolicySpec ars_spec() {
  PolicySpec s;
  s.layers = {LayerSpec{2, 2, {0.5, -0.5, 2, 1}, {}, "none"}};
  return s;
}

std::string write(const std::string& name, const PolicySpec& spec) {
  const std::string path = test::temp_path(name);
  test::write_policy(path, spec);
  return path;
}

// the reference computation of clip_spec()'s mean for obs
std::vector<double> clip_mean(const std::vector<double>& obs) {
  const double n0 = std::clamp((obs[0] - 1.0) / std::sqrt(4.0 + 1e-8), -10.0, 10.0);
  const double n1 = std::clamp((obs[1] + 1.0) / std::sqrt(0.25 + 1e-8), -10.0, 10.0);
  const double h0 = std::tanh(1 * n0 - 1 * n1 + 0.5);
  const double h1 = std::tanh(0.5 * n0 + 2 * n1 - 0.25);
  const double h2 = std::tanh(-0.25 * n0 + 0.75 * n1 + 0);
  return {2 * h0 + 1 * h1 - 1 * h2 + 0.125, 0.5 * h0 - 3 * h1 + 1.5 * h2 - 0.5};
}

}  // namespace

TEST_CASE("clip-output policy: normalization, layers, deterministic and stochastic actions", "[behaviour]") {
  const std::string path = write("clip.h5", clip_spec());
  MlpPolicy p = MlpPolicy::load(path);
  CHECK(p.obs_dim() == 2);
  CHECK(p.act_dim() == 2);
  CHECK(p.output() == OutputKind::kClip);
  CHECK(p.log_std_kind() == LogStdKind::kParameter);
  CHECK(p.normalizes_observations());
  CHECK(p.info().format == "mlp-policy/1");
  CHECK(p.info().env_id == "Hopper-v3");
  CHECK(p.info().license == "MIT");
  CHECK(p.info().zoo_eval_last_mean == 12.5);
  REQUIRE(p.layers().size() == 2);
  CHECK(p.layers()[0].activation == ActivationKind::kTanh);

  for (const std::vector<double>& obs : {std::vector<double>{0.3, -0.7}, {3.0, 1.0}, {1000.0, -1000.0}}) {
    const auto mean = clip_mean(obs);
    const auto dist = p.distribution(obs);
    CHECK(dist.mean[0] == Approx(mean[0]).epsilon(1e-12));
    CHECK(dist.mean[1] == Approx(mean[1]).epsilon(1e-12));
    CHECK(dist.log_std == std::vector<double>{-1.0, 0.5});
    const auto a = p.act(obs);
    CHECK(a[0] == Approx(std::clamp(mean[0], -1.0, 1.0)).epsilon(1e-12));
    CHECK(a[1] == Approx(std::clamp(mean[1], -1.0, 1.0)).epsilon(1e-12));

    // stochastic: clip(mu + exp(log_std) z, -1, 1) with z from the same stream
    envs::Rng rng(9), ref(9);
    const auto s = p.sample(obs, rng);
    CHECK(s[0] == Approx(std::clamp(mean[0] + std::exp(-1.0) * ref.normal(), -1.0, 1.0)).epsilon(1e-12));
    CHECK(s[1] == Approx(std::clamp(mean[1] + std::exp(0.5) * ref.normal(), -1.0, 1.0)).epsilon(1e-12));
  }
  // the clip on normalized observations: 1000 and 2000 both normalize to +10
  CHECK(p.preprocess({1000.0, 0.0})[0] == 10.0);
  CHECK(p.act({1000.0, -1.0}) == p.act({2000.0, -1.0}));
  std::remove(path.c_str());
}

TEST_CASE("tanh-output policy: relu layers and the state-dependent log-std head", "[behaviour]") {
  const std::string path = write("tanh.h5", tanh_spec());
  MlpPolicy p = MlpPolicy::load(path);
  CHECK(p.output() == OutputKind::kTanh);
  CHECK(p.log_std_kind() == LogStdKind::kStateDependent);
  CHECK_FALSE(p.normalizes_observations());

  const std::vector<double> obs = {0.5, -2.0, 1.0};
  const double h0 = std::max(0.0, 0.5 - 1.0), h1 = std::max(0.0, 0.5 * (0.5 - 2.0 + 1.0) + 0.25);
  const double mu0 = h0 - h1 - 0.5, mu1 = 0.25 * h0 + h1;
  const double ls0 = 0.5 * h0 - 0.5 * h1 - 1, ls1 = h0 + h1;
  const auto dist = p.distribution(obs);
  CHECK(dist.mean[0] == Approx(mu0));
  CHECK(dist.mean[1] == Approx(mu1));
  CHECK(dist.log_std[0] == Approx(ls0));
  CHECK(dist.log_std[1] == Approx(ls1));
  const auto a = p.act(obs);
  CHECK(a[0] == Approx(std::tanh(mu0)));
  CHECK(a[1] == Approx(std::tanh(mu1)));
  envs::Rng rng(4), ref(4);
  const auto s = p.sample(obs, rng);
  CHECK(s[0] == Approx(std::tanh(mu0 + std::exp(ls0) * ref.normal())));
  CHECK(s[1] == Approx(std::tanh(mu1 + std::exp(ls1) * ref.normal())));
  std::remove(path.c_str());

  // log-std is clamped to [-20, 2]
  PolicySpec wide = tanh_spec();
  wide.log_std_head.bias = {-100, 100};
  const std::string wide_path = write("tanh_wide.h5", wide);
  const auto clamped = MlpPolicy::load(wide_path).distribution(obs);
  CHECK(clamped.log_std == std::vector<double>{-20.0, 2.0});
  std::remove(wide_path.c_str());
}

TEST_CASE("ARS policy: no bias, no log-std, stochastic actions need a noise std", "[behaviour]") {
  const std::string path = write("ars.h5", ars_spec());
  MlpPolicy p = MlpPolicy::load(path);
  CHECK(p.log_std_kind() == LogStdKind::kNone);
  CHECK(p.layers()[0].bias.empty());
  CHECK(p.act({0.4, 0.2}) == std::vector<double>{0.5 * 0.4 - 0.5 * 0.2, 1.0});  // 2*0.4+0.2 = 1.0 (clip edge)
  CHECK(p.act({1.0, 1.0})[1] == 1.0);                                              // 3 clipped
  envs::Rng rng(1), ref(1);
  CHECK_THROWS_WITH(p.sample({0.1, 0.1}, rng), Catch::Contains("no log-std") && Catch::Contains("noise"));
  const auto s = p.sample({0.1, 0.1}, rng, 0.3);
  CHECK(s[0] == Approx(std::clamp(0.0 + 0.3 * ref.normal(), -1.0, 1.0)));
  CHECK(p.sample({0.1, 0.1}, rng, 0.0) == p.act({0.1, 0.1}));
  CHECK_THROWS_WITH(p.act({1.0}), Catch::Contains("expects observations of 2 values, got 1"));
  std::remove(path.c_str());
}

TEST_CASE("malformed policy files are clear errors naming the file and key", "[behaviour]") {
  CHECK_THROWS_WITH(MlpPolicy::load("/nonexistent/policy.h5"), Catch::Contains("/nonexistent/policy.h5 does not exist"));

  const std::string text = test::temp_path("not_hdf5.h5");
  {
    std::FILE* f = std::fopen(text.c_str(), "w");
    std::fputs("hello", f);
    std::fclose(f);
  }
  CHECK_THROWS_WITH(MlpPolicy::load(text), Catch::Contains("not an HDF5 file"));
  std::remove(text.c_str());

  // a policy file cut short: named as damaged (HDF5's own error stack is not printed)
  const std::string whole = write("whole.h5", clip_spec()), cut = test::temp_path("cut.h5");
  {
    std::ifstream in(whole, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, 2000);
  }
  CHECK_THROWS_WITH(MlpPolicy::load(cut), Catch::Contains("cut.h5") && Catch::Contains("damaged"));
  std::remove(cut.c_str());
  // a file without the format attribute: not a policy
  {
    PolicySpec s = clip_spec();
    s.string_attrs.erase("format");
    const auto path = write("no_format.h5", s);
    CHECK_THROWS_WITH(MlpPolicy::load(path), Catch::Contains("is not an mlp-policy/1 file"));
  }
  CHECK_THROWS_WITH(MlpPolicy::load("/tmp"), Catch::Contains("is a folder"));

  struct Case {
    const char* what;
    PolicySpec spec;
    const char* message;
  };
  std::vector<Case> cases;
  {
    PolicySpec s = clip_spec();
    s.string_attrs["format"] = "mlp-policy/2";
    cases.push_back({"format", s, "expected 'mlp-policy/1'"});
  }
  {
    PolicySpec s = clip_spec();
    s.string_attrs.erase("output");
    cases.push_back({"no output", s, "missing attribute 'output'"});
  }
  {
    PolicySpec s = clip_spec();
    s.string_attrs["output"] = "softmax";
    cases.push_back({"output", s, "expected tanh or clip"});
  }
  {
    PolicySpec s = clip_spec();
    s.layers[0].activation = "gelu";
    cases.push_back({"activation", s, "layers/0@activation is 'gelu'"});
  }
  {
    PolicySpec s = clip_spec();
    s.layers[1] = LayerSpec{2, 4, std::vector<double>(8, 0.0), {0, 0}, "none"};
    cases.push_back({"chain", s, "layers/1/weight has 4 inputs but layer 0 has 3 outputs"});
  }
  {
    PolicySpec s = clip_spec();
    s.layers[0].bias = {1, 2};
    cases.push_back({"bias", s, "layers/0/bias must have shape [3]"});
  }
  {
    PolicySpec s = clip_spec();
    s.obs_var = {1.0};
    cases.push_back({"obs_var", s, "obs_mean and obs_var must have 2 values"});
  }
  {
    PolicySpec s = clip_spec();
    s.obs_mean.clear();
    cases.push_back({"obs_mean", s, "missing dataset 'obs_mean'"});
  }
  {
    PolicySpec s = clip_spec();
    s.float_attrs.erase("obs_clip");
    cases.push_back({"obs_clip", s, "missing attribute 'obs_clip'"});
  }
  {
    PolicySpec s = clip_spec();
    s.log_std_value = {0.0};
    cases.push_back({"log_std", s, "log_std/value must have 2 values"});
  }
  {
    PolicySpec s = clip_spec();
    s.string_attrs["log_std_kind"] = "learned";
    cases.push_back({"log_std_kind", s, "expected state_dependent or parameter"});
  }
  {
    PolicySpec s = tanh_spec();
    s.log_std_head.in = 3;
    s.log_std_head.weight = std::vector<double>(6, 0.0);
    cases.push_back({"log_std head", s, "log_std/weight must have shape [2, 2]"});
  }
  {
    PolicySpec s = clip_spec();
    s.write_n_layers = false;
    cases.push_back({"n_layers", s, "missing attribute 'n_layers'"});
  }
  {
    PolicySpec s = clip_spec();
    s.int_attrs["n_layers"] = 3;
    s.write_n_layers = false;
    cases.push_back({"missing layer", s, "group 'layers/2' is missing"});
  }
  {
    PolicySpec s = clip_spec();
    s.layers[0].weight[1] = NAN;
    cases.push_back({"nan", s, "layers/0 holds a non-finite value"});
  }
  for (const auto& c : cases) {
    INFO(c.what);
    const std::string path = write("bad.h5", c.spec);
    CHECK_THROWS_WITH(MlpPolicy::load(path), Catch::Contains(path) && Catch::Contains(c.message));
    std::remove(path.c_str());
  }
}
