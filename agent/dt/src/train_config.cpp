// Reads a TrainConfig from a strict YAML config.
#include <flowrl/agent/train_config.h>
#include <flowrl/agent/dt_policy.h>
#include <flowrl/config/config.h>
#include <flowrl/core/error.h>
#include <flowrl/core/threads.h>
#include <flowrl/data/dataset_layout.h>
#include <flowrl/envs/registry.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <optional>

namespace flowrl {

namespace {
// The largest train.batch_size accepted: 1000x the recipes' 64, and a guard against a typo (an
// extra digit or three) that would otherwise sample and allocate for minutes before failing.
constexpr int64_t kMaxBatchSize = 65536;
}  // namespace

std::vector<double> default_targets(const std::string& name) {
  std::string env = envs::full_observation_env(name);  // hopper-positions: hopper's task and returns
  // a versioned Gymnasium id (a Minari dataset's Hopper-v5, hopper-v5): the same body, the same targets
  for (auto& ch : env) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  const auto v = env.rfind("-v");
  if (v != std::string::npos && v + 2 < env.size() &&
      env.find_first_not_of("0123456789", v + 2) == std::string::npos)
    env.erase(v);
  if (env == "hopper") return {3600, 1800};
  if (env == "halfcheetah") return {12000, 6000};
  if (env == "walker2d") return {5000, 2500};
  fail("no default target returns for env '", name, "': set eval.targets");
}

namespace {

// A Minari dataset: named by id, or a path that holds one. A path with nothing there is taken for a D4RL
// file (the trainer's load says it is missing), so that a run's config reads without its data.
bool is_minari_dataset(const DatasetConfig& d) {
  if (!d.minari_id.empty()) return true;
  std::error_code ec;
  return std::filesystem::exists(d.path, ec) && data::locate_dataset(d.path).layout == data::DatasetLayout::kMinari;
}

// A D4RL file's env: dataset.env, else the one its file name starts with (hopper-medium-v2.hdf5 -> hopper).
std::string d4rl_env(config::Config& cfg, const std::string& path) {
  std::string inferred;
  const auto base = path.substr(path.find_last_of('/') + 1);
  std::vector<std::string> known;  // the locomotion envs and their positions-only variants
  for (const std::string env : {"hopper", "halfcheetah", "walker2d"}) {
    known.push_back(env);
    known.push_back(env + envs::kPositionsSuffix);
  }
  known.push_back("ant");  // D4RL's ant-*-v2 files (no positions-only variant); set eval.targets for it
  for (const auto& env : known) {  // the longest match: hopper-positions-medium.hdf5 -> hopper-positions
    if (base.rfind(env, 0) == 0 && env.size() > inferred.size()) inferred = env;
  }
  FLOWRL_CHECK(cfg.has("dataset.env") || !inferred.empty(), cfg.source(),
               ": set key 'dataset.env' (hopper, halfcheetah, walker2d, one of them with -positions, or ant): it "
               "cannot be inferred from '", base, "'");
  return cfg.get_choice("dataset.env", inferred, known);
}

// The flowrl env simulating Gymnasium id `id` (Hopper-v5): the registry's name for it, if any.
std::optional<std::string> simulated_env(const std::string& id) {
  std::string lower = id;
  for (auto& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const auto& name : {id, lower}) {
    try {
      return envs::resolve_env_name(name);
    } catch (const Error&) {
    }
  }
  return std::nullopt;
}

// A Minari dataset's env: dataset.env, else the one its metadata names (eval_env_spec, else env_spec, as
// minari picks the evaluation env), as flowrl's registry names it when flowrl simulates it. A run that
// evaluates needs an env flowrl simulates: checked here, before the data is loaded or any step taken.
std::string minari_env(config::Config& cfg, const DatasetConfig& d) {
  std::string env;
  if (cfg.has("dataset.env")) {
    env = cfg.get_string("dataset.env", "");
    env = simulated_env(env).value_or(env);  // Hopper-v5 -> the registry's name, when flowrl simulates it
  } else {
    const auto where = d.minari_id.empty() ? data::locate_dataset(d.path) : data::locate_minari_dataset(d.minari_id);
    const auto meta = data::read_minari_metadata(where.path);
    const auto& spec = meta.evaluation_env_spec();
    FLOWRL_CHECK(spec.has_value(), cfg.source(), ": the Minari dataset ", d.label(), " records no env_spec (the env ",
                 "it was collected in; ", meta.source, "): set key 'dataset.env'");
    env = cfg.get_string("dataset.env", simulated_env(spec->id).value_or(spec->id));
  }
  FLOWRL_CHECK(!env.empty(), cfg.source(), ": key 'dataset.env' is empty");
  const bool evaluates = cfg.get_int("eval.every", 10000) > 0 || cfg.get_int("eval.final_episodes", 100) > 0;
  if (evaluates && !simulated_env(env)) {
    std::string known;
    for (const auto& name : envs::registered_envs()) known += (known.empty() ? "" : ", ") + name;
    fail(cfg.source(), ": the Minari dataset ", d.label(), " is for env '", env, "'",
         cfg.has("dataset.env") ? " (key 'dataset.env')" : " (its metadata's env_spec)",
         ", which flowrl does not simulate (known: ", known, "), so the run cannot evaluate in it. Set eval.every: 0 and ",
         "eval.final_episodes: 0 to train without evaluating, or set dataset.env to a known env to evaluate there");
  }
  return env;
}

}  // namespace

TrainConfig TrainConfig::from(config::Config& cfg) {
  TrainConfig c;
  // dataset: a D4RL file or a Minari dataset (dataset.path names either; dataset.minari_id an id)
  if (cfg.has("dataset.path")) c.dataset.path = cfg.get_string("dataset.path", "");
  if (cfg.has("dataset.minari_id")) c.dataset.minari_id = cfg.get_string("dataset.minari_id", "");
  FLOWRL_CHECK(!c.dataset.path.empty() || !c.dataset.minari_id.empty(), cfg.source(),
               ": key 'dataset.path' is required (a D4RL HDF5 file or a Minari dataset folder), or "
               "'dataset.minari_id' (a Minari dataset id such as mujoco/hopper/medium-v0)");
  FLOWRL_CHECK(c.dataset.path.empty() || c.dataset.minari_id.empty(), cfg.source(),
               ": keys 'dataset.path' and 'dataset.minari_id' both name a dataset; keep one");
  FLOWRL_CHECK(c.dataset.minari_id.empty() || data::is_minari_dataset_id(c.dataset.minari_id), cfg.source(),
               ": key 'dataset.minari_id' is '", c.dataset.minari_id, "', not a Minari dataset id: (namespace/)name(-vN) ",
               "of letters, digits, '_' and '-', such as mujoco/hopper/medium-v0");
  if (is_minari_dataset(c.dataset)) {
    c.dataset.env = minari_env(cfg, c.dataset);
  } else {
    c.dataset.env = d4rl_env(cfg, c.dataset.path);
  }
  c.dataset.keep_trailing_episode = cfg.get_bool("dataset.keep_trailing_episode", false);
  c.dataset.sampling = cfg.get_choice("dataset.sampling", "uniform_start", {"uniform_start", "length_proportional"});
  c.dataset.reward_scale = cfg.get_double("dataset.reward_scale", 1000.0);
  c.dataset.normalize_states = cfg.get_bool("dataset.normalize_states", true);
  FLOWRL_CHECK(c.dataset.reward_scale > 0, cfg.source(), ": key 'dataset.reward_scale' must be positive");

  // model
  auto& m = c.model;
  m.state_dim(0).act_dim(0);
  m.embed_dim(cfg.get_int("model.embed_dim", 256));
  m.layers(cfg.get_int("model.layers", 3));
  m.heads(cfg.get_int("model.heads", 4));
  // model.context: a number of steps, or `episode`: the whole episode (K = max_ep_len, windows are
  // episode prefixes from t = 0, each batch trimmed to its longest episode; docs/recurrent.md)
  const auto context = cfg.get_string("model.context", "20");
  c.episode_context = context == "episode";
  if (!c.episode_context) {
    char* end = nullptr;
    const long long k = std::strtoll(context.c_str(), &end, 10);
    FLOWRL_CHECK(!context.empty() && *end == '\0', cfg.source(), ": key 'model.context' must be a number of steps or ",
                 "`episode` (the whole episode), got '", context, "'");
    m.context(k);
  }
  m.max_ep_len(cfg.get_int("model.max_ep_len", 1000));
  if (c.episode_context) m.context(m.max_ep_len());
  m.dropout(cfg.get_double("model.dropout", 0.1));
  m.attention(cfg.get_choice("model.attention", "flow", {"flow", "softmax"}) == "flow" ? AttentionKind::kFlow
                                                                                       : AttentionKind::kSoftmax);
  m.competition(cfg.get_bool("model.competition", true));
  m.allocation(cfg.get_bool("model.allocation", true));
  m.clamp(cfg.get_double("model.clamp", 10.0));
  m.activation(cfg.get_choice("model.activation", "relu", {"relu", "gelu"}) == "relu" ? Activation::kReLU
                                                                                      : Activation::kGELU);
  // The model's own checks, now, naming the keys; the data's widths are not known yet (stand-ins).
  DecisionTransformerOptions(m).state_dim(1).act_dim(1).validate(cfg.source() + ": key", "model.");

  // train
  auto& t = c.train;
  t.steps = cfg.get_int("train.steps", 100000);
  t.batch_size = cfg.get_int("train.batch_size", 64);
  t.lr = cfg.get_double("train.lr", 1e-3);
  t.weight_decay = cfg.get_double("train.weight_decay", 1e-4);
  t.warmup_steps = cfg.get_int("train.warmup_steps", 10000);
  t.lr_decay = cfg.get_choice("train.lr_decay", "none", {"none", "cosine"}) == "cosine" ? LrDecay::kCosine
                                                                                       : LrDecay::kNone;
  t.grad_clip = cfg.get_double("train.grad_clip", 0.25);
  t.ema_decay = cfg.get_double("train.ema_decay", 0.0);
  t.precision = parse_precision(cfg.get_choice("train.precision", "fp32", {"fp32", "bf16"}), "train.precision");
  const int64_t train_seed = cfg.get_int("train.seed", 0);
  FLOWRL_CHECK(train_seed >= 0, cfg.source(), ": key 'train.seed' must be >= 0, got ", train_seed);
  t.seed = static_cast<uint64_t>(train_seed);
  t.sampler_streams = cfg.get_int("train.sampler_streams", 0);
  FLOWRL_CHECK(t.sampler_streams >= 0 && t.sampler_streams <= 1024, cfg.source(),
               ": key 'train.sampler_streams' must be between 0 (one per rank) and 1024, got ", t.sampler_streams);
  t.threads = cfg.get_int("train.threads", 1);
  t.blas_threads = cfg.get_int("train.blas_threads", 1);
  t.log_every = cfg.get_int("train.log_every", 100);
  t.checkpoint_every = cfg.get_int("train.checkpoint_every", 1000);
  FLOWRL_CHECK(t.steps > 0, cfg.source(), ": key 'train.steps' must be positive");
  FLOWRL_CHECK(t.batch_size > 0 && t.batch_size <= kMaxBatchSize, cfg.source(),
               ": key 'train.batch_size' must be between 1 and ", kMaxBatchSize, ", got ", t.batch_size);
  FLOWRL_CHECK(t.weight_decay >= 0, cfg.source(), ": key 'train.weight_decay' must be >= 0, got ", t.weight_decay);
  FLOWRL_CHECK(t.lr > 0, cfg.source(), ": key 'train.lr' must be positive");
  FLOWRL_CHECK(t.warmup_steps >= 0, cfg.source(), ": key 'train.warmup_steps' must be >= 0");
  FLOWRL_CHECK(t.grad_clip > 0, cfg.source(), ": key 'train.grad_clip' must be positive");
  FLOWRL_CHECK(t.ema_decay >= 0 && t.ema_decay < 1, cfg.source(),
               ": key 'train.ema_decay' must be in [0, 1) (0 turns weight averaging off; 0.999 averages over ",
               "about the last 1000 updates)");
  check_thread_count(t.threads, 1, cfg.source() + ": key 'train.threads'");
  check_thread_count(t.blas_threads, 0, cfg.source() + ": key 'train.blas_threads'", "OpenBLAS's own setting");
  FLOWRL_CHECK(t.log_every > 0 && t.checkpoint_every > 0, cfg.source(),
               ": keys 'train.log_every' and 'train.checkpoint_every' must be positive");

  // eval
  auto& e = c.eval;
  e.every = cfg.get_int("eval.every", 10000);
  e.episodes = cfg.get_int("eval.episodes", 10);
  e.final_episodes = cfg.get_int("eval.final_episodes", 100);
  e.targets = cfg.get_doubles("eval.targets", default_targets(c.dataset.env));
  e.threads = cfg.get_int("eval.threads", 2);
  const int64_t eval_seed = cfg.get_int("eval.seed", 1000);
  FLOWRL_CHECK(eval_seed >= 0, cfg.source(), ": key 'eval.seed' must be >= 0, got ", eval_seed);
  e.seed = static_cast<uint64_t>(eval_seed);
  FLOWRL_CHECK(e.every >= 0 && e.episodes > 0 && e.final_episodes >= 0, cfg.source(),
               ": eval.every, eval.final_episodes must be >= 0 and eval.episodes positive");
  FLOWRL_CHECK(e.episodes <= kMaxEpisodes && e.final_episodes <= kMaxEpisodes, cfg.source(),
               ": keys 'eval.episodes' and 'eval.final_episodes' must be at most ", kMaxEpisodes);
  check_thread_count(e.threads, 1, cfg.source() + ": key 'eval.threads'");
  FLOWRL_CHECK(!e.targets.empty(), cfg.source(), ": key 'eval.targets' is empty");
  for (double target : e.targets) check_target_return(target, cfg.source() + ": key 'eval.targets' holds");

  c.device = cfg.get_choice("device", "cpu", {"cpu", "cuda"});
  cfg.finish();
  return c;
}

}  // namespace flowrl
