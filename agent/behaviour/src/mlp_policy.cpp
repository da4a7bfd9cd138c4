// mlp_policy.cpp — reading mlp-policy/1 files and computing deterministic/stochastic actions.
#include <flowrl/behaviour/mlp_policy.h>

#include <flowrl/core/error.h>

#include "h5_reader.h"

#include <algorithm>
#include <cmath>

namespace flowrl::behaviour {
namespace {

constexpr const char* kFormat = "mlp-policy/1";
constexpr double kLogStdMin = -20.0;
constexpr double kLogStdMax = 2.0;

ActivationKind parse_activation(const std::string& file, const std::string& group, const std::string& name) {
  if (name == "relu") return ActivationKind::kReLU;
  if (name == "tanh") return ActivationKind::kTanh;
  if (name == "none") return ActivationKind::kNone;
  fail(file, ": ", group, "@activation is '", name, "'; expected relu, tanh or none");
}

// a dense layer from <group>/weight [out, in] and optional <group>/bias [out]
DenseLayer read_dense(const detail::H5Reader& h5, const std::string& group, ActivationKind activation,
                      bool bias_required) {
  DenseLayer layer;
  detail::H5Array w = h5.dataset(group + "/weight");
  FLOWRL_CHECK(w.shape.size() == 2 && w.shape[0] > 0 && w.shape[1] > 0, h5.path(), ": ", group,
               "/weight must be a non-empty [out, in] matrix");
  layer.out = w.shape[0];
  layer.in = w.shape[1];
  layer.weight = std::move(w.values);
  if (h5.has(group + "/bias")) {
    detail::H5Array b = h5.dataset(group + "/bias");
    FLOWRL_CHECK(b.shape.size() == 1 && b.shape[0] == layer.out, h5.path(), ": ", group, "/bias must have shape [",
                 layer.out, "] to match ", group, "/weight");
    layer.bias = std::move(b.values);
  } else {
    FLOWRL_CHECK(!bias_required, h5.path(), ": missing dataset '", group, "/bias'");
  }
  layer.activation = activation;
  return layer;
}

void check_finite(const std::string& file, const std::string& key, const std::vector<double>& values) {
  for (double v : values) FLOWRL_CHECK(std::isfinite(v), file, ": ", key, " holds a non-finite value");
}

}  // namespace

std::vector<double> DenseLayer::forward(const std::vector<double>& x) const {
  std::vector<double> y(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) {
    const double* row = weight.data() + o * in;
    double acc = bias.empty() ? 0.0 : bias[static_cast<size_t>(o)];
    for (int64_t i = 0; i < in; ++i) acc += row[i] * x[static_cast<size_t>(i)];
    switch (activation) {
      case ActivationKind::kReLU: acc = acc > 0.0 ? acc : 0.0; break;
      case ActivationKind::kTanh: acc = std::tanh(acc); break;
      case ActivationKind::kNone: break;
    }
    y[static_cast<size_t>(o)] = acc;
  }
  return y;
}

MlpPolicy MlpPolicy::load(const std::string& path) {
  detail::H5Reader h5(path);
  MlpPolicy p;

  // root attributes
  p.info_.file = path;
  FLOWRL_CHECK(h5.has_attr("/", "format"), path, " is not an mlp-policy/1 file (no 'format' attribute on /",
               h5.has("observations") ? "; it holds 'observations': a dataset, not a policy" : "", ")");
  p.info_.format = h5.attr_string("/", "format");
  FLOWRL_CHECK(p.info_.format == kFormat, path, ": format is '", p.info_.format, "', expected '", kFormat, "'");
  p.info_.env_id = h5.attr_string("/", "env_id");
  p.info_.algorithm = h5.attr_string("/", "algorithm");
  p.info_.source = h5.has_attr("/", "source") ? h5.attr_string("/", "source") : "";
  p.info_.license = h5.has_attr("/", "license") ? h5.attr_string("/", "license") : "";
  p.info_.zoo_eval_last_mean = h5.has_attr("/", "zoo_eval_last_mean") ? h5.attr_double("/", "zoo_eval_last_mean") : NAN;
  p.info_.zoo_eval_best_mean = h5.has_attr("/", "zoo_eval_best_mean") ? h5.attr_double("/", "zoo_eval_best_mean") : NAN;

  const std::string output = h5.attr_string("/", "output");
  if (output == "tanh")
    p.output_ = OutputKind::kTanh;
  else if (output == "clip")
    p.output_ = OutputKind::kClip;
  else
    fail(path, ": output is '", output, "'; expected tanh or clip");

  // layers
  const double n_layers = h5.attr_double("/", "n_layers");
  FLOWRL_CHECK(n_layers >= 1 && n_layers == std::floor(n_layers), path, ": n_layers must be a positive integer, got ",
               n_layers);
  for (int i = 0; i < static_cast<int>(n_layers); ++i) {
    const std::string group = "layers/" + std::to_string(i);
    FLOWRL_CHECK(h5.has(group), path, ": n_layers is ", n_layers, " but group '", group, "' is missing");
    const ActivationKind act = parse_activation(path, group, h5.attr_string(group, "activation"));
    p.layers_.push_back(read_dense(h5, group, act, /*bias_required=*/false));
    check_finite(path, group, p.layers_.back().weight);
    check_finite(path, group, p.layers_.back().bias);
    if (i > 0)
      FLOWRL_CHECK(p.layers_[i].in == p.layers_[i - 1].out, path, ": ", group, "/weight has ", p.layers_[i].in,
                   " inputs but layer ", i - 1, " has ", p.layers_[i - 1].out, " outputs");
  }
  const int64_t obs_dim = p.layers_.front().in;
  const int64_t act_dim = p.layers_.back().out;

  // observation normalization
  p.normalize_obs_ = h5.attr_double("/", "normalize_obs") != 0.0;
  if (p.normalize_obs_) {
    p.obs_clip_ = h5.attr_double("/", "obs_clip");
    p.obs_eps_ = h5.attr_double("/", "obs_eps");
    p.obs_mean_ = h5.dataset("obs_mean").values;
    p.obs_var_ = h5.dataset("obs_var").values;
    FLOWRL_CHECK(static_cast<int64_t>(p.obs_mean_.size()) == obs_dim && static_cast<int64_t>(p.obs_var_.size()) == obs_dim,
                 path, ": obs_mean and obs_var must have ", obs_dim, " values (the first layer's input width)");
    check_finite(path, "obs_mean", p.obs_mean_);
    check_finite(path, "obs_var", p.obs_var_);
    for (double v : p.obs_var_) FLOWRL_CHECK(v + p.obs_eps_ > 0, path, ": obs_var + obs_eps must be positive");
  }

  // stochastic head
  if (!h5.has_attr("/", "log_std_kind")) {
    p.log_std_kind_ = LogStdKind::kNone;
  } else if (const std::string kind = h5.attr_string("/", "log_std_kind"); kind == "state_dependent") {
    p.log_std_kind_ = LogStdKind::kStateDependent;
    p.log_std_head_ = read_dense(h5, "log_std", ActivationKind::kNone, /*bias_required=*/true);
    const int64_t hidden = p.layers_.back().in;
    FLOWRL_CHECK(p.log_std_head_.out == act_dim && p.log_std_head_.in == hidden, path,
                 ": log_std/weight must have shape [", act_dim, ", ", hidden, "] (actions x last hidden width)");
  } else if (kind == "parameter") {
    p.log_std_kind_ = LogStdKind::kParameter;
    p.log_std_ = h5.dataset("log_std/value").values;
    FLOWRL_CHECK(static_cast<int64_t>(p.log_std_.size()) == act_dim, path, ": log_std/value must have ", act_dim,
                 " values (one per action)");
    check_finite(path, "log_std/value", p.log_std_);
  } else {
    fail(path, ": log_std_kind is '", kind, "'; expected state_dependent or parameter");
  }
  return p;
}

int64_t MlpPolicy::obs_dim() const { return layers_.front().in; }
int64_t MlpPolicy::act_dim() const { return layers_.back().out; }

std::vector<double> MlpPolicy::preprocess(const Observation& obs) const {
  FLOWRL_CHECK(static_cast<int64_t>(obs.size()) == obs_dim(), info_.file, ": the policy expects observations of ",
               obs_dim(), " values, got ", obs.size());
  if (!normalize_obs_) return obs;
  std::vector<double> h(obs.size());
  for (size_t i = 0; i < obs.size(); ++i)
    h[i] = std::clamp((obs[i] - obs_mean_[i]) / std::sqrt(obs_var_[i] + obs_eps_), -obs_clip_, obs_clip_);
  return h;
}

std::vector<double> MlpPolicy::forward(const Observation& obs, std::vector<double>* last_hidden) const {
  std::vector<double> h = preprocess(obs);
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (last_hidden && i + 1 == layers_.size()) *last_hidden = h;
    h = layers_[i].forward(h);
  }
  return h;
}

ActionDistribution MlpPolicy::distribution(const Observation& obs) const {
  ActionDistribution dist;
  std::vector<double> hidden;
  dist.mean = forward(obs, log_std_kind_ == LogStdKind::kStateDependent ? &hidden : nullptr);
  switch (log_std_kind_) {
    case LogStdKind::kStateDependent:
      dist.log_std = log_std_head_.forward(hidden);
      for (double& v : dist.log_std) v = std::clamp(v, kLogStdMin, kLogStdMax);
      break;
    case LogStdKind::kParameter: dist.log_std = log_std_; break;
    case LogStdKind::kNone: break;
  }
  return dist;
}

Action MlpPolicy::act(const Observation& obs) const {
  Action a = forward(obs, nullptr);
  for (double& v : a) v = output_ == OutputKind::kTanh ? std::tanh(v) : std::clamp(v, -1.0, 1.0);
  return a;
}

Action MlpPolicy::sample(const Observation& obs, envs::Rng& rng, std::optional<double> noise_std) const {
  const ActionDistribution dist = distribution(obs);
  if (log_std_kind_ == LogStdKind::kNone)
    FLOWRL_CHECK(noise_std && std::isfinite(*noise_std) && *noise_std >= 0, info_.file, ": the ", info_.algorithm,
                 " policy has no log-std; stochastic actions need a noise std >= 0 (e.g. --noise-std 0.1)");
  Action a(dist.mean.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const double std = log_std_kind_ == LogStdKind::kNone ? *noise_std : std::exp(dist.log_std[i]);
    const double u = dist.mean[i] + std * rng.normal();
    a[i] = output_ == OutputKind::kTanh ? std::tanh(u) : std::clamp(u, -1.0, 1.0);
  }
  return a;
}

}  // namespace flowrl::behaviour
