// YAML config of a forecasting run, read with flowrl::config (strict: unknown keys and wrong types
// name the key; dotted `--set` overrides), its YAML record, and the model/data builders.
#include <flowrl/config/config.h>
#include <flowrl/core/error.h>
#include <flowrl/core/threads.h>
#include <flowrl/forecast/config.h>
#include <flowrl/forecast/models.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace flowrl {
namespace {

namespace fs = std::filesystem;

template <typename E>
std::string enum_name(E value, const std::map<std::string, E>& choices) {
  for (const auto& [k, v] : choices) {
    if (v == value) return k;
  }
  return "?";
}

const std::map<std::string, ForecastHead> kHeads = {{"inverted", ForecastHead::kInverted},
                                                    {"temporal", ForecastHead::kTemporal}};
const std::map<std::string, AttentionKind> kAttention = {{"flow", AttentionKind::kFlow},
                                                         {"softmax", AttentionKind::kSoftmax}};
const std::map<std::string, Activation> kActivation = {{"relu", Activation::kReLU}, {"gelu", Activation::kGELU}};
const std::map<std::string, LrSchedule> kSchedules = {
    {"type1", LrSchedule::kType1}, {"constant", LrSchedule::kConstant}, {"cosine", LrSchedule::kCosine}};

// a string choice mapped to an enum value; the error lists the choices
template <typename E>
E get_enum(config::Config& cfg, const std::string& key, E fallback, const std::map<std::string, E>& choices) {
  std::vector<std::string> names;
  for (const auto& [name, value] : choices) names.push_back(name);
  return choices.at(cfg.get_choice(key, enum_name(fallback, choices), names));
}

ForecastConfig from_config(config::Config& cfg) {
  const std::string& source = cfg.source();
  ForecastConfig c;
  c.name = cfg.get_string("name", c.name);
  c.seed = cfg.get_int("seed", c.seed);
  FLOWRL_CHECK(c.seed >= 0, source, ": config key 'seed' must be >= 0, got ", c.seed);
  FLOWRL_CHECK(!c.name.empty() && c.name.find('/') == std::string::npos, source,
               ": config key 'name' must be a non-empty folder name without '/', got '", c.name, "'");

  auto& d = c.data;
  d.dir = cfg.get_string("data.dir", d.dir);
  d.file = cfg.get_string("data.file", d.file);
  d.target = cfg.get_string("data.target", d.target);
  d.split = cfg.get_choice("data.split", d.split, {"auto", "etth", "ettm", "ratio"});
  d.freq = cfg.get_string("data.freq", d.freq);
  d.seq_len = cfg.get_int("data.seq_len", d.seq_len);
  d.pred_len = cfg.get_int("data.pred_len", d.pred_len);
  d.scale = cfg.get_bool("data.scale", d.scale);
  FLOWRL_CHECK(!d.file.empty(), source, ": config key 'data.file' must name the CSV file");
  FLOWRL_CHECK(d.seq_len > 0, source, ": config key 'data.seq_len' must be positive, got ", d.seq_len);
  FLOWRL_CHECK(d.pred_len > 0, source, ": config key 'data.pred_len' must be positive, got ", d.pred_len);
  try {
    data::parse_time_frequency(d.freq);
  } catch (const Error& e) {
    fail(source, ": config key 'data.freq': ", e.what());
  }

  auto& m = c.model;
  m.head = get_enum(cfg, "model.head", m.head, kHeads);
  m.d_model = cfg.get_int("model.d_model", m.d_model);
  m.n_heads = cfg.get_int("model.n_heads", m.n_heads);
  m.layers = cfg.get_int("model.layers", m.layers);
  m.mlp_ratio = cfg.get_int("model.mlp_ratio", m.mlp_ratio);
  m.dropout = cfg.get_double("model.dropout", m.dropout);
  m.attention = get_enum(cfg, "model.attention", m.attention, kAttention);
  m.activation = get_enum(cfg, "model.activation", m.activation, kActivation);
  m.clamp = cfg.get_double("model.clamp", m.clamp);
  m.instance_norm = cfg.get_bool("model.instance_norm", m.instance_norm);
  m.use_marks = cfg.get_bool("model.use_marks", m.use_marks);
  m.linear_skip = cfg.get_bool("model.linear_skip", m.linear_skip);
  m.value_kernel = cfg.get_int("model.value_kernel", m.value_kernel);
  m.horizon_tokens = cfg.get_bool("model.horizon_tokens", m.horizon_tokens);
  FLOWRL_CHECK(m.d_model > 0 && m.n_heads > 0 && m.d_model % m.n_heads == 0, source,
               ": config keys 'model.d_model' (", m.d_model, ") and 'model.n_heads' (", m.n_heads,
               ") must be positive with d_model divisible by n_heads");
  FLOWRL_CHECK(m.layers > 0, source, ": config key 'model.layers' must be positive, got ", m.layers);
  FLOWRL_CHECK(m.mlp_ratio > 0, source, ": config key 'model.mlp_ratio' must be positive, got ", m.mlp_ratio);
  FLOWRL_CHECK(m.dropout >= 0.0 && m.dropout < 1.0, source, ": config key 'model.dropout' must be in [0, 1), got ",
               m.dropout);
  FLOWRL_CHECK(m.clamp > 0.0, source, ": config key 'model.clamp' must be positive, got ", m.clamp);
  FLOWRL_CHECK(m.value_kernel > 0 && m.value_kernel % 2 == 1, source,
               ": config key 'model.value_kernel' must be odd and positive, got ", m.value_kernel);
  // the temporal head's circular padding wraps around the look-back window at most once
  FLOWRL_CHECK(m.value_kernel / 2 <= d.seq_len, source, ": config key 'model.value_kernel' (", m.value_kernel,
               ") must be at most 2 x data.seq_len + 1 (", 2 * d.seq_len + 1, ")");

  auto& t = c.train;
  const auto batch_size = cfg.get_int("train.batch_size", t.batch_size());
  const auto eval_batch_size = cfg.get_int("train.eval_batch_size", t.eval_batch_size());
  const auto epochs = cfg.get_int("train.epochs", t.epochs());
  const auto lr = cfg.get_double("train.lr", t.lr());
  const auto weight_decay = cfg.get_double("train.weight_decay", t.weight_decay());
  const auto schedule = get_enum(cfg, "train.lr_schedule", t.lr_schedule(), kSchedules);
  const auto patience = cfg.get_int("train.patience", t.patience());
  const auto grad_clip = cfg.get_double("train.grad_clip", t.grad_clip());
  const auto max_steps = cfg.get_int("train.max_steps_per_epoch", t.max_steps_per_epoch());
  c.threads = cfg.get_int("train.threads", c.threads);
  c.precision = parse_precision(cfg.get_string("train.precision", precision_name(c.precision)),
                                source + ": config key 'train.precision'");
  const auto progress = cfg.get_bool("train.progress", t.progress());
  const std::pair<const char*, int64_t> positive[] = {
      {"batch_size", batch_size}, {"eval_batch_size", eval_batch_size}, {"epochs", epochs}, {"patience", patience}};
  for (const auto& [key, value] : positive) {
    FLOWRL_CHECK(value > 0, source, ": config key 'train.", key, "' must be positive, got ", value);
  }
  FLOWRL_CHECK(lr > 0.0, source, ": config key 'train.lr' must be positive, got ", lr);
  FLOWRL_CHECK(weight_decay >= 0.0, source, ": config key 'train.weight_decay' must be >= 0, got ", weight_decay);
  FLOWRL_CHECK(grad_clip >= 0.0, source, ": config key 'train.grad_clip' must be >= 0, got ", grad_clip);
  FLOWRL_CHECK(max_steps >= 0, source, ": config key 'train.max_steps_per_epoch' must be >= 0, got ", max_steps);
  check_thread_count(c.threads, 0, source + ": config key 'train.threads'", "torch's default");
  t.batch_size(batch_size).eval_batch_size(eval_batch_size).epochs(epochs).lr(lr).weight_decay(weight_decay);
  t.lr_schedule(schedule).patience(patience).grad_clip(grad_clip).max_steps_per_epoch(max_steps).progress(progress);
  t.seed(static_cast<uint64_t>(c.seed));

  c.output_dir = cfg.get_string("output.dir", c.output_dir);
  FLOWRL_CHECK(!c.output_dir.empty(), source, ": config key 'output.dir' must not be empty");
  cfg.finish();
  return c;
}

// applies the --set overrides, then reads the config; an error names the overrides too
ForecastConfig from_config(config::Config cfg, const std::vector<std::string>& overrides) {
  return config::read_noting_overrides(overrides, [&] {
    for (const auto& o : overrides) cfg.set(o);
    return from_config(cfg);
  });
}

}  // namespace

std::string ForecastConfig::data_path() const {
  const fs::path dir(data.dir);
  const fs::path full = dir.is_absolute() ? dir / data.file : fs::path(base_dir) / dir / data.file;
  return full.lexically_normal().string();
}

std::string ForecastConfig::run_dir() const {
  return (fs::path(output_dir) / name / ("seed" + std::to_string(seed))).lexically_normal().string();
}

ForecastConfig load_forecast_config(const std::string& path, const std::vector<std::string>& overrides) {
  FLOWRL_CHECK(std::ifstream(path).good(), "config file '", path, "' cannot be opened; pass an existing YAML file to "
               "--config (examples: configs/forecast/*.yaml)");
  auto config = from_config(config::Config::load(path), overrides);
  config.base_dir = fs::absolute(fs::path(path)).parent_path().lexically_normal().string();
  return config;
}

ForecastConfig parse_forecast_config(const std::string& yaml, const std::vector<std::string>& overrides,
                                     const std::string& source) {
  auto config = from_config(config::Config::parse(yaml, source), overrides);
  config.base_dir = fs::current_path().string();
  return config;
}

std::string forecast_config_to_yaml(const ForecastConfig& c) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << c.name;
  out << YAML::Key << "seed" << YAML::Value << c.seed;
  out << YAML::Key << "data" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "dir" << YAML::Value << c.data.dir;
  out << YAML::Key << "file" << YAML::Value << c.data.file;
  out << YAML::Key << "target" << YAML::Value << c.data.target;
  out << YAML::Key << "split" << YAML::Value << c.data.split;
  out << YAML::Key << "freq" << YAML::Value << c.data.freq;
  out << YAML::Key << "seq_len" << YAML::Value << c.data.seq_len;
  out << YAML::Key << "pred_len" << YAML::Value << c.data.pred_len;
  out << YAML::Key << "scale" << YAML::Value << c.data.scale;
  out << YAML::EndMap;
  out << YAML::Key << "model" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "head" << YAML::Value << enum_name(c.model.head, kHeads);
  out << YAML::Key << "d_model" << YAML::Value << c.model.d_model;
  out << YAML::Key << "n_heads" << YAML::Value << c.model.n_heads;
  out << YAML::Key << "layers" << YAML::Value << c.model.layers;
  out << YAML::Key << "mlp_ratio" << YAML::Value << c.model.mlp_ratio;
  out << YAML::Key << "dropout" << YAML::Value << c.model.dropout;
  out << YAML::Key << "attention" << YAML::Value << enum_name(c.model.attention, kAttention);
  out << YAML::Key << "activation" << YAML::Value << enum_name(c.model.activation, kActivation);
  out << YAML::Key << "clamp" << YAML::Value << c.model.clamp;
  out << YAML::Key << "instance_norm" << YAML::Value << c.model.instance_norm;
  out << YAML::Key << "use_marks" << YAML::Value << c.model.use_marks;
  out << YAML::Key << "linear_skip" << YAML::Value << c.model.linear_skip;
  out << YAML::Key << "value_kernel" << YAML::Value << c.model.value_kernel;
  out << YAML::Key << "horizon_tokens" << YAML::Value << c.model.horizon_tokens;
  out << YAML::EndMap;
  out << YAML::Key << "train" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "batch_size" << YAML::Value << c.train.batch_size();
  out << YAML::Key << "eval_batch_size" << YAML::Value << c.train.eval_batch_size();
  out << YAML::Key << "epochs" << YAML::Value << c.train.epochs();
  out << YAML::Key << "lr" << YAML::Value << c.train.lr();
  out << YAML::Key << "weight_decay" << YAML::Value << c.train.weight_decay();
  out << YAML::Key << "lr_schedule" << YAML::Value << enum_name(c.train.lr_schedule(), kSchedules);
  out << YAML::Key << "patience" << YAML::Value << c.train.patience();
  out << YAML::Key << "grad_clip" << YAML::Value << c.train.grad_clip();
  out << YAML::Key << "max_steps_per_epoch" << YAML::Value << c.train.max_steps_per_epoch();
  out << YAML::Key << "threads" << YAML::Value << c.threads;
  out << YAML::Key << "precision" << YAML::Value << precision_name(c.precision);
  out << YAML::Key << "progress" << YAML::Value << c.train.progress();
  out << YAML::EndMap;
  out << YAML::Key << "output" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "dir" << YAML::Value << c.output_dir;
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

data::ForecastSeries load_forecast_series(const ForecastConfig& config) {
  const auto path = config.data_path();
  const auto table = data::read_timeseries_csv(path, data::TimeSeriesCsvOptions().target(config.data.target));
  const auto scheme = config.data.split == "auto" ? data::split_scheme_for(path)
                                                  : data::parse_split_scheme(config.data.split);
  return data::make_forecast_series(table, data::ForecastSeriesOptions()
                                               .scheme(scheme)
                                               .seq_len(config.data.seq_len)
                                               .pred_len(config.data.pred_len)
                                               .freq(data::parse_time_frequency(config.data.freq))
                                               .scale(config.data.scale));
}

torch::nn::AnyModule make_forecaster(const ForecastModelConfig& m, const data::ForecastSeries& series) {
  const auto backbone = FlowformerOptions(m.d_model, m.n_heads)
                            .layers(m.layers)
                            .mlp_ratio(m.mlp_ratio)
                            .dropout(m.dropout)
                            .attention(m.attention)
                            .activation(m.activation)
                            .clamp(m.clamp)
                            .causal(false);
  if (m.head == ForecastHead::kInverted) {
    return torch::nn::AnyModule(InvertedForecaster(InvertedForecasterOptions(series.seq_len, series.pred_len, backbone)
                                                       .instance_norm(m.instance_norm)
                                                       .use_marks(m.use_marks)
                                                       .linear_skip(m.linear_skip)));
  }
  return torch::nn::AnyModule(TemporalForecaster(
      TemporalForecasterOptions(series.seq_len, series.pred_len, series.n_vars, m.use_marks ? series.n_marks : 0,
                                backbone)
          .instance_norm(m.instance_norm)
          .value_kernel(m.value_kernel)
          .horizon_tokens(m.horizon_tokens)));
}

}  // namespace flowrl
