// YAML config of a forecasting run: strict parsing (unknown keys and wrong types name the key),
// dotted `--set` overrides, and the model/data builders.
#include <flowrl/core/error.h>
#include <flowrl/forecast/config.h>
#include <flowrl/forecast/models.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace flowrl {
namespace {

namespace fs = std::filesystem;

// reads one YAML mapping, remembering which keys were used so that the rest can be rejected
class Section {
 public:
  Section(const YAML::Node& node, std::string prefix, const std::string& source)
      : node_(node), prefix_(std::move(prefix)), source_(source) {
    FLOWRL_CHECK(!node_.IsDefined() || node_.IsNull() || node_.IsMap(), source_, ": '", name(""),
                 "' must be a mapping of keys to values");
  }

  // the full dotted name of a key
  std::string name(const std::string& key) const {
    if (prefix_.empty()) return key;
    return key.empty() ? prefix_ : prefix_ + "." + key;
  }

  YAML::Node child(const std::string& key) {
    known_.insert(key);
    if (!node_.IsDefined() || node_.IsNull()) return YAML::Node();
    const YAML::Node& map = node_;  // const lookup: never inserts the key
    return map[key];
  }

  void get(const std::string& key, int64_t& out) { read(key, out, "an integer"); }
  void get(const std::string& key, double& out) { read(key, out, "a number"); }
  void get(const std::string& key, bool& out) { read(key, out, "true or false"); }
  void get(const std::string& key, std::string& out) { read(key, out, "a string"); }

  // a string choice mapped to an enum value
  template <typename E>
  void choice(const std::string& key, E& out, const std::map<std::string, E>& choices) {
    std::string text;
    bool present = false;
    {
      const auto node = child(key);
      present = node.IsDefined() && !node.IsNull();
    }
    if (!present) return;
    get(key, text);
    const auto it = choices.find(text);
    if (it == choices.end()) {
      std::string names;
      for (const auto& [k, v] : choices) names += (names.empty() ? "" : ", ") + k;
      fail(source_, ": config key '", name(key), "' is '", text, "'; use one of: ", names);
    }
    out = it->second;
  }

  // rejects every key that was not asked for
  void finish() const {
    if (!node_.IsDefined() || node_.IsNull()) return;
    for (const auto& kv : node_) {
      const auto key = kv.first.as<std::string>();
      if (known_.count(key)) continue;
      std::string names;
      for (const auto& k : known_) names += (names.empty() ? "" : ", ") + k;
      fail(source_, ": unknown config key '", name(key), "'; known keys", prefix_.empty() ? "" : " of '" + prefix_ + "'",
           ": ", names);
    }
  }

 private:
  template <typename T>
  void read(const std::string& key, T& out, const char* what) {
    const auto node = child(key);
    if (!node.IsDefined() || node.IsNull()) return;  // absent: keep the default
    FLOWRL_CHECK(node.IsScalar(), source_, ": config key '", name(key), "' must be ", what, ", got a ",
                 node.IsMap() ? "mapping" : "list");
    try {
      out = node.as<T>();
    } catch (const YAML::Exception&) {
      fail(source_, ": config key '", name(key), "' must be ", what, ", got '", node.Scalar(), "'");
    }
  }

  YAML::Node node_;
  std::string prefix_;
  const std::string& source_;
  std::set<std::string> known_;
};

// sets root[a][b]... = value for the dotted key, creating mappings on the way
void set_dotted(YAML::Node node, const std::vector<std::string>& parts, size_t i, const YAML::Node& value,
                const std::string& override_text) {
  if (i + 1 == parts.size()) {
    node[parts[i]] = value;
    return;
  }
  YAML::Node child = node[parts[i]];
  if (!child.IsDefined() || child.IsNull()) child = YAML::Node(YAML::NodeType::Map);
  FLOWRL_CHECK(child.IsMap(), "--set ", override_text, ": '", parts[i], "' is a value, not a section");
  set_dotted(child, parts, i + 1, value, override_text);
}

void apply_override(YAML::Node& root, const std::string& text) {
  const auto eq = text.find('=');
  FLOWRL_CHECK(eq != std::string::npos && eq > 0, "--set '", text, "' must look like key=value, e.g. train.lr=0.0005");
  const std::string key = text.substr(0, eq), value_text = text.substr(eq + 1);
  std::vector<std::string> parts;
  std::stringstream ss(key);
  for (std::string part; std::getline(ss, part, '.');) {
    FLOWRL_CHECK(!part.empty(), "--set '", text, "': empty component in key '", key, "'");
    parts.push_back(part);
  }
  FLOWRL_CHECK(!parts.empty() && key.back() != '.', "--set '", text, "': empty component in key '", key, "'");
  YAML::Node value;
  if (value_text.empty()) {
    value = YAML::Node(std::string());
  } else {
    try {
      value = YAML::Load(value_text);
    } catch (const YAML::Exception& e) {
      fail("--set '", text, "': the value is not valid YAML (", e.msg, ")");
    }
  }
  set_dotted(root, parts, 0, value, text);
}

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

ForecastConfig from_yaml(const YAML::Node& root, const std::string& source) {
  ForecastConfig c;
  Section top(root, "", source);
  top.get("name", c.name);
  top.get("seed", c.seed);
  FLOWRL_CHECK(!c.name.empty() && c.name.find('/') == std::string::npos, source,
               ": config key 'name' must be a non-empty folder name without '/', got '", c.name, "'");

  Section data(top.child("data"), "data", source);
  auto& d = c.data;
  data.get("dir", d.dir);
  data.get("file", d.file);
  data.get("target", d.target);
  data.get("split", d.split);
  data.get("freq", d.freq);
  data.get("seq_len", d.seq_len);
  data.get("pred_len", d.pred_len);
  data.get("scale", d.scale);
  data.finish();
  FLOWRL_CHECK(!d.file.empty(), source, ": config key 'data.file' must name the CSV file");
  FLOWRL_CHECK(d.seq_len > 0, source, ": config key 'data.seq_len' must be positive, got ", d.seq_len);
  FLOWRL_CHECK(d.pred_len > 0, source, ": config key 'data.pred_len' must be positive, got ", d.pred_len);
  FLOWRL_CHECK(d.split == "auto" || d.split == "etth" || d.split == "ettm" || d.split == "ratio", source,
               ": config key 'data.split' is '", d.split, "'; use one of: auto, etth, ettm, ratio");
  try {
    data::parse_time_frequency(d.freq);
  } catch (const Error& e) {
    fail(source, ": config key 'data.freq': ", e.what());
  }

  Section model(top.child("model"), "model", source);
  auto& m = c.model;
  model.choice("head", m.head, kHeads);
  model.get("d_model", m.d_model);
  model.get("n_heads", m.n_heads);
  model.get("layers", m.layers);
  model.get("mlp_ratio", m.mlp_ratio);
  model.get("dropout", m.dropout);
  model.choice("attention", m.attention, kAttention);
  model.choice("activation", m.activation, kActivation);
  model.get("clamp", m.clamp);
  model.get("instance_norm", m.instance_norm);
  model.get("use_marks", m.use_marks);
  model.get("linear_skip", m.linear_skip);
  model.get("value_kernel", m.value_kernel);
  model.get("horizon_tokens", m.horizon_tokens);
  model.finish();
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

  Section train(top.child("train"), "train", source);
  auto& t = c.train;
  int64_t batch_size = t.batch_size(), eval_batch_size = t.eval_batch_size(), epochs = t.epochs(),
          patience = t.patience(), max_steps = t.max_steps_per_epoch();
  double lr = t.lr(), weight_decay = t.weight_decay(), grad_clip = t.grad_clip();
  LrSchedule schedule = t.lr_schedule();
  bool progress = t.progress();
  train.get("batch_size", batch_size);
  train.get("eval_batch_size", eval_batch_size);
  train.get("epochs", epochs);
  train.get("lr", lr);
  train.get("weight_decay", weight_decay);
  train.choice("lr_schedule", schedule, kSchedules);
  train.get("patience", patience);
  train.get("grad_clip", grad_clip);
  train.get("max_steps_per_epoch", max_steps);
  train.get("threads", c.threads);
  train.get("progress", progress);
  train.finish();
  const std::pair<const char*, int64_t> positive[] = {
      {"batch_size", batch_size}, {"eval_batch_size", eval_batch_size}, {"epochs", epochs}, {"patience", patience}};
  for (const auto& [key, value] : positive) {
    FLOWRL_CHECK(value > 0, source, ": config key 'train.", key, "' must be positive, got ", value);
  }
  FLOWRL_CHECK(lr > 0.0, source, ": config key 'train.lr' must be positive, got ", lr);
  FLOWRL_CHECK(weight_decay >= 0.0, source, ": config key 'train.weight_decay' must be >= 0, got ", weight_decay);
  FLOWRL_CHECK(grad_clip >= 0.0, source, ": config key 'train.grad_clip' must be >= 0, got ", grad_clip);
  FLOWRL_CHECK(max_steps >= 0, source, ": config key 'train.max_steps_per_epoch' must be >= 0, got ", max_steps);
  FLOWRL_CHECK(c.threads >= 0, source, ": config key 'train.threads' must be >= 0 (0: torch's default), got ",
               c.threads);
  t.batch_size(batch_size).eval_batch_size(eval_batch_size).epochs(epochs).lr(lr).weight_decay(weight_decay);
  t.lr_schedule(schedule).patience(patience).grad_clip(grad_clip).max_steps_per_epoch(max_steps).progress(progress);
  t.seed(static_cast<uint64_t>(c.seed));

  Section output(top.child("output"), "output", source);
  output.get("dir", c.output_dir);
  output.finish();
  FLOWRL_CHECK(!c.output_dir.empty(), source, ": config key 'output.dir' must not be empty");
  top.finish();
  return c;
}

ForecastConfig parse_with_overrides(YAML::Node root, const std::vector<std::string>& overrides,
                                    const std::string& source) {
  if (!root.IsDefined() || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  FLOWRL_CHECK(root.IsMap(), source, ": a forecast config must be a mapping (name:, data:, model:, train:, output:)");
  for (const auto& o : overrides) apply_override(root, o);
  return from_yaml(root, overrides.empty() ? source : source + " (with --set overrides)");
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
  std::ifstream in(path);
  FLOWRL_CHECK(in.good(), "config file '", path, "' cannot be opened; pass an existing YAML file to --config "
               "(examples: configs/forecast/*.yaml)");
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    fail("config file '", path, "' is not valid YAML: ", e.what());
  }
  auto config = parse_with_overrides(root, overrides, path);
  config.base_dir = fs::absolute(fs::path(path)).parent_path().lexically_normal().string();
  return config;
}

ForecastConfig parse_forecast_config(const std::string& yaml, const std::vector<std::string>& overrides,
                                     const std::string& source) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    fail(source, " is not valid YAML: ", e.what());
  }
  auto config = parse_with_overrides(root, overrides, source);
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
