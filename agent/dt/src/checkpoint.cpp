// Atomic checkpoints of train-agent runs.
#include <flowrl/agent/checkpoint.h>
#include <flowrl/config/config.h>
#include <flowrl/core/error.h>
#include <flowrl/core/file.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <mutex>
#include <sstream>
#include <utility>
#include <vector>

namespace flowrl {
namespace fs = std::filesystem;
namespace {

std::string step_name(int64_t step) {
  std::ostringstream s;
  s << "step-" << std::setw(8) << std::setfill('0') << step;
  return s.str();
}

std::string floats(const std::vector<float>& v) {
  std::ostringstream s;
  s << "[";
  s.precision(9);
  for (size_t i = 0; i < v.size(); ++i) s << (i ? ", " : "") << v[i];
  return s.str() + "]";
}

// torch's default generator of a device: the CPU's, or a CUDA device's (which drives GPU dropout).
at::Generator default_generator(torch::Device device) {
  if (device.is_cpu()) return at::detail::getDefaultCPUGenerator();
  return at::globalContext().defaultGenerator(device);
}

// Loads one tensor file of a checkpoint folder into `target` (a module holder or an optimizer), its
// tensors placed on `device` whichever device wrote them (a GPU run evaluated on a CPU, a CPU run
// resumed on a GPU).
template <class T>
void load_tensor_file(const fs::path& dir, const char* file, T& target, torch::Device device) {
  FLOWRL_CHECK(fs::exists(dir / file), dir.string(), " has no ", file, ": the checkpoint is incomplete");
  try {
    torch::load(target, (dir / file).string(), device);
  } catch (const c10::Error& e) {
    fail(dir.string(), ": cannot load the checkpoint tensors (", e.what_without_backtrace(),
         "); the files are corrupt or from a different model config");
  }
}

// Writes one tensor file of a checkpoint folder; torch's own failure (a full disk) becomes a
// flowrl::Error naming the file.
template <class T>
void save_tensor_file(const T& source, const fs::path& path) {
  try {
    torch::save(source, path.string());
  } catch (const c10::Error& e) {
    fail("cannot write the checkpoint file ", path.string(), " (", e.what_without_backtrace(),
         "): check that the disk has space and the run folder is writable");
  }
  sync_to_disk(path.string());
}

// "k=v k=v ..." -> [(k, v), ...]
std::vector<std::pair<std::string, std::string>> split_signature(const std::string& signature) {
  std::vector<std::pair<std::string, std::string>> out;
  std::istringstream in(signature);
  std::string field;
  while (in >> field) {
    const auto eq = field.find('=');
    out.emplace_back(field.substr(0, eq), eq == std::string::npos ? "" : field.substr(eq + 1));
  }
  return out;
}

}  // namespace

std::string model_signature(const DecisionTransformerOptions& m) {
  std::ostringstream s;
  s << "embed_dim=" << m.embed_dim() << " layers=" << m.layers() << " heads=" << m.heads()
    << " context=" << m.context() << " max_ep_len=" << m.max_ep_len() << " dropout=" << m.dropout()
    << " attention=" << (m.attention() == AttentionKind::kFlow ? "flow" : "softmax")
    << " competition=" << (m.competition() ? "true" : "false") << " allocation=" << (m.allocation() ? "true" : "false")
    << " clamp=" << m.clamp() << " activation=" << (m.activation() == Activation::kReLU ? "relu" : "gelu")
    << " state_dim=" << m.state_dim() << " act_dim=" << m.act_dim();
  return s.str();
}

void check_model_matches(const CheckpointState& state, const DecisionTransformerOptions& options,
                         const std::string& checkpoint_dir) {
  if (state.model.empty()) return;  // written before checkpoints recorded their model
  const auto now = model_signature(options);
  if (now == state.model) return;
  const auto trained = split_signature(state.model), configured = split_signature(now);
  std::ostringstream diff;
  for (const auto& [key, value] : configured) {
    for (const auto& [k, v] : trained) {
      if (k == key && v != value) diff << (diff.tellp() > 0 ? ", " : "") << "model." << key << " is " << value << " (trained: " << v << ")";
    }
  }
  // a key only one side has (a signature from another flowrl version): show both in full
  if (diff.tellp() == 0) diff << "trained with '" << state.model << "', configured '" << now << "'";
  fail("the run's config.yaml does not describe the model of ", checkpoint_dir, ": ", diff.str(),
       ". Was config.yaml edited? Put the trained values back (they are in ", checkpoint_dir, "/state.yaml)");
}

std::string torch_rng_state(torch::Device device) {
  auto gen = default_generator(device);
  torch::Tensor state;
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    state = gen.get_state().cpu().contiguous();
  }
  std::ostringstream hex;
  const auto* p = state.data_ptr<uint8_t>();
  for (int64_t i = 0; i < state.numel(); ++i) hex << std::hex << std::setw(2) << std::setfill('0') << int(p[i]);
  return hex.str();
}

void set_torch_rng_state(const std::string& hex, torch::Device device) {
  FLOWRL_CHECK(hex.size() % 2 == 0, "torch RNG state: odd-length hex text");
  auto state = torch::empty({static_cast<int64_t>(hex.size() / 2)}, torch::kUInt8);
  auto* p = state.data_ptr<uint8_t>();
  for (size_t i = 0; i < hex.size() / 2; ++i) p[i] = static_cast<uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  auto gen = default_generator(device);
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);
}

void save_checkpoint(const std::string& run_dir, DecisionTransformer& model, torch::optim::AdamW* optimizer,
                     const CheckpointState& state, DecisionTransformer* average) {
  const fs::path root = fs::path(run_dir) / "checkpoints";
  const auto name = step_name(state.step);
  const fs::path tmp = root / (name + ".tmp"), final_dir = root / name;
  std::error_code ec;
  fs::create_directories(tmp, ec);
  FLOWRL_CHECK(!ec, "cannot create ", tmp.string(), ": ", ec.message());
  // Tensors, then the small state file, each flushed to the disk.
  save_tensor_file(model, tmp / "model.pt");
  if (optimizer) save_tensor_file(*optimizer, tmp / "optimizer.pt");
  if (average) save_tensor_file(*average, tmp / "average.pt");
  std::ostringstream s;
  s << "step: " << state.step << "\n"
    << "state_dim: " << state.state_dim << "\n"
    << "act_dim: " << state.act_dim << "\n"
    << "dataset_rows: " << state.dataset_rows << "\n"
    << "model: \"" << state.model << "\"\n"
    << "sampler_rng: \"" << state.sampler_rng << "\"\n"
    << "torch_rng: \"" << state.torch_rng << "\"\n"
    << "cuda_rng: \"" << state.cuda_rng << "\"\n"
    << "ranks: " << state.ranks << "\n"
    << "sampler_streams: " << state.more_sampler_rngs.size() + 1 << "\n";
  for (size_t i = 0; i < state.more_sampler_rngs.size(); ++i)
    s << "sampler_rng_" << i + 1 << ": \"" << state.more_sampler_rngs[i] << "\"\n";
  for (size_t i = 0; i < state.more_torch_rngs.size(); ++i)
    s << "torch_rng_" << i + 1 << ": \"" << state.more_torch_rngs[i] << "\"\n";
  for (size_t i = 0; i < state.more_cuda_rngs.size(); ++i)
    s << "cuda_rng_" << i + 1 << ": \"" << state.more_cuda_rngs[i] << "\"\n";
  s
    << "normalizer:\n  mean: " << floats(state.normalizer.mean) << "\n  std: " << floats(state.normalizer.std) << "\n";
  write_file((tmp / "state.yaml").string(), s.str());  // inside tmp: the folder's rename publishes it
  sync_to_disk((tmp / "state.yaml").string());
  sync_to_disk(tmp.string());
  // Publish: rename the folder into place, then swap `latest` (both flushed to the disk).
  fs::remove_all(final_dir, ec);
  fs::rename(tmp, final_dir, ec);
  FLOWRL_CHECK(!ec, "cannot rename ", tmp.string(), " to ", final_dir.string(), ": ", ec.message());
  sync_to_disk(root.string());
  write_file_atomically((root / "latest").string(), name + "\n");
  // Older checkpoints are superseded, now that the new one is on the disk.
  for (const auto& entry : fs::directory_iterator(root)) {
    const auto n = entry.path().filename().string();
    if (entry.is_directory() && n.rfind("step-", 0) == 0 && n != name) fs::remove_all(entry.path(), ec);
  }
}

std::optional<std::string> latest_checkpoint(const std::string& run_dir) {
  const fs::path root = fs::path(run_dir) / "checkpoints", latest = root / "latest";
  FLOWRL_CHECK(!fs::is_directory(latest), latest.string(), " is a folder; it must be a file holding the name of the ",
               "newest checkpoint folder: remove it");
  std::ifstream in(latest);
  std::string name;
  if (!(in >> name)) {
    // No name: a run without checkpoints yet, unless checkpoint folders are there (then `latest`
    // was lost or emptied by hand, and starting over would throw them away).
    std::error_code ec;
    std::string newest;
    for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
      const auto n = it->path().filename().string();
      if (it->is_directory() && n.rfind("step-", 0) == 0 && fs::exists(it->path() / "state.yaml")) newest = std::max(newest, n);
    }
    FLOWRL_CHECK(newest.empty(), latest.string(), " is missing or empty, but ", root.string(), " holds the checkpoint ",
                 newest, ": write its name into ", latest.string(), " (echo ", newest, " > ", latest.string(), ")");
    return std::nullopt;
  }
  const auto dir = root / name;
  // `latest` is swapped only after its folder is complete, so a missing one was damaged by hand
  FLOWRL_CHECK(fs::exists(dir / "state.yaml"), latest.string(), " names ", name, ", which is missing or has no ",
               "state.yaml; write the name of a complete checkpoint folder (see ", (fs::path(run_dir) / "checkpoints").string(),
               ") into it");
  return dir.string();
}

CheckpointState load_checkpoint_state(const std::string& checkpoint_dir) {
  auto cfg = config::Config::load((fs::path(checkpoint_dir) / "state.yaml").string());
  CheckpointState st;
  st.step = cfg.get_int("step", -1);
  st.state_dim = cfg.get_int("state_dim", 0);
  st.act_dim = cfg.get_int("act_dim", 0);
  st.dataset_rows = cfg.get_int("dataset_rows", -1);
  st.model = cfg.get_string("model", "");
  st.sampler_rng = cfg.get_string("sampler_rng", "");
  st.torch_rng = cfg.get_string("torch_rng", "");
  st.cuda_rng = cfg.get_string("cuda_rng", "");
  st.ranks = cfg.get_int("ranks", 1);
  const int64_t streams = cfg.get_int("sampler_streams", 1);
  FLOWRL_CHECK(st.ranks >= 1 && st.ranks <= 1 << 16 && streams >= 1 && streams <= 1 << 16, checkpoint_dir,
               "/state.yaml: 'ranks' and 'sampler_streams' must be positive counts");
  for (int64_t i = 1; i < streams; ++i) st.more_sampler_rngs.push_back(cfg.get_string("sampler_rng_" + std::to_string(i), ""));
  for (int64_t i = 1; i < st.ranks; ++i) {
    st.more_torch_rngs.push_back(cfg.get_string("torch_rng_" + std::to_string(i), ""));
    if (cfg.has("cuda_rng_" + std::to_string(i))) st.more_cuda_rngs.push_back(cfg.get_string("cuda_rng_" + std::to_string(i), ""));
  }
  for (double x : cfg.get_doubles("normalizer.mean", {})) st.normalizer.mean.push_back(static_cast<float>(x));
  for (double x : cfg.get_doubles("normalizer.std", {})) st.normalizer.std.push_back(static_cast<float>(x));
  cfg.finish();
  FLOWRL_CHECK(st.step >= 0 && st.state_dim > 0 && st.act_dim > 0 && st.normalizer.dim() == st.state_dim &&
                   static_cast<int64_t>(st.normalizer.std.size()) == st.state_dim,
               checkpoint_dir, "/state.yaml is incomplete or corrupt");
  return st;
}

void load_checkpoint_tensors(const std::string& checkpoint_dir, DecisionTransformer& model,
                             torch::optim::AdamW* optimizer, DecisionTransformer* average) {
  const fs::path dir(checkpoint_dir);
  FLOWRL_CHECK(!average || fs::exists(dir / "average.pt"), checkpoint_dir,
               " has no average.pt, but the run's config sets train.ema_decay: the run was started without weight ",
               "averaging (keep train.ema_decay at 0 for it) or the checkpoint is incomplete");
  // Onto the device the model is on now, which may not be the one the checkpoint was written from.
  const auto device = model->parameters().front().device();
  load_tensor_file(dir, "model.pt", model, device);
  if (optimizer) load_tensor_file(dir, "optimizer.pt", *optimizer, device);
  if (average) load_tensor_file(dir, "average.pt", *average, device);
}

LoadedAgent load_agent(const std::string& run_dir, torch::Device device) {
  const fs::path config_path = fs::path(run_dir) / "config.yaml";
  FLOWRL_CHECK(fs::exists(config_path), run_dir, " is not a train-agent run directory (no config.yaml)");
  auto ckpt = latest_checkpoint(run_dir);
  FLOWRL_CHECK(ckpt.has_value(), run_dir, " has no checkpoint yet (checkpoints/latest): train longer or check the path");
  LoadedAgent agent;
  auto cfg = config::Config::load(config_path.string());
  agent.config = TrainConfig::from(cfg);
  auto st = load_checkpoint_state(*ckpt);
  agent.config.model.state_dim(st.state_dim).act_dim(st.act_dim);
  check_model_matches(st, agent.config.model, *ckpt);
  agent.model = DecisionTransformer(agent.config.model);
  // The policy is the weight average when the run kept one, else the last iterate.
  agent.averaged = agent.config.train.ema_decay > 0;
  agent.model->to(device);
  load_tensor_file(fs::path(*ckpt), agent.averaged ? "average.pt" : "model.pt", agent.model, device);
  agent.model->eval();
  agent.normalizer = st.normalizer;
  agent.step = st.step;
  agent.checkpoint_dir = *ckpt;
  agent.device = device;
  return agent;
}

DTPolicy make_policy(const LoadedAgent& agent, double target_return, Acting acting) {
  DTPolicyOptions options;
  options.target_return = target_return;
  options.reward_scale = agent.config.dataset.reward_scale;
  options.device = agent.device;
  options.precision = agent.config.train.precision;
  options.recurrent = resolve_acting(agent.config.model, acting);
  return DTPolicy(agent.model, agent.normalizer, options);
}

}  // namespace flowrl
