// Training and evaluation of the Decision Transformer.
//
// Shape legend: B batch, K context steps, S state dim, A action dim.
#include <flowrl/agent/action_loss.h>
#include <flowrl/agent/checkpoint.h>
#include <flowrl/agent/dt_policy.h>
#include <flowrl/agent/trainer.h>
#include <flowrl/backbone/runtime.h>
#include <flowrl/core/error.h>
#include <flowrl/core/file.h>
#include <flowrl/core/json.h>
#include <flowrl/core/progress.h>
#include <flowrl/data/d4rl.h>
#include <flowrl/data/dt_sampler.h>
#include <flowrl/envs/vector_env.h>
#include <fcntl.h>
#include <sys/file.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

namespace flowrl {
namespace fs = std::filesystem;

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  FLOWRL_CHECK(name == "cuda", "unknown device '", name, "': use cpu or cuda");
  FLOWRL_CHECK(torch::cuda::is_available(), "--device cuda: no CUDA device is available (this LibTorch build or ",
               "machine has none); use --device cpu");
  return torch::kCUDA;
}

// ---------------------------------------------------------------------------------------------
// Evaluation: one vector env per target, all episodes of a target in lockstep.

std::vector<TargetEvaluation> evaluate_targets(DecisionTransformer model, const data::StateNormalizer& normalizer,
                                               const TargetEvaluationOptions& options) {
  FLOWRL_CHECK(options.episodes > 0, "evaluation needs at least one episode");
  const int64_t copies = std::min<int64_t>(options.episodes, 256);
  envs::VectorEnv venv(options.env, envs::VectorEnvOptions(copies).threads(options.threads));
  FLOWRL_CHECK(static_cast<int64_t>(venv.observation_space().dim()) == model->options.state_dim() &&
                   static_cast<int64_t>(venv.action_space().dim()) == model->options.act_dim(),
               "env '", options.env, "' has observation/action dims ", venv.observation_space().dim(), "/",
               venv.action_space().dim(), " but the model was trained on ", model->options.state_dim(), "/",
               model->options.act_dim());
  std::vector<TargetEvaluation> out;
  for (double target : options.targets) {
    DTPolicyOptions popt;
    popt.target_return = target;
    popt.reward_scale = options.reward_scale;
    popt.device = options.device;
    popt.precision = options.precision;
    DTPolicy policy(model, normalizer, popt);
    TargetEvaluation te;
    te.target = target;
    te.result = envs::evaluate(venv, policy, envs::EvaluateOptions(options.episodes).seed(options.seed));
    std::ostringstream t;
    t << target;
    te.result.info["target_return"] = t.str();
    out.push_back(std::move(te));
  }
  return out;
}

std::string format_target_evaluations(const std::vector<TargetEvaluation>& evaluations) {
  std::ostringstream s;
  s << std::fixed;
  for (const auto& e : evaluations) {
    const auto& r = e.result;
    s << "target " << std::setprecision(0) << e.target << ": ";
    if (r.normalized) {
      s << "normalized " << std::setprecision(1) << r.normalized->mean << " +- " << r.normalized->std << " (";
    }
    s << "return " << std::setprecision(1) << r.returns.mean << " +- " << r.returns.std << (r.normalized ? ")" : "")
      << ", length " << r.lengths.mean << ", " << r.episodes.size() << " episodes, " << std::setprecision(1)
      << r.wall_seconds << " s\n";
  }
  return s.str();
}

std::string target_evaluations_json(const std::vector<TargetEvaluation>& evaluations,
                                    const std::optional<EvaluationSource>& source) {
  std::ostringstream s;
  s << "{\n";
  if (source) {
    s << json_string(source->dir_key) << ": " << json_string(source->dir) << ", \"step\": " << source->step
      << ", \"env\": " << json_string(source->env) << ", \"weights\": " << json_string(source->weights)
      << ", \"precision\": " << json_string(precision_name(source->precision)) << ",\n";
  }
  s << "\"targets\": [\n";
  for (size_t i = 0; i < evaluations.size(); ++i) {
    s << "{\"target\": " << json_number(evaluations[i].target) << ", \"evaluation\": " << envs::to_json(evaluations[i].result) << "}"
      << (i + 1 < evaluations.size() ? ",\n" : "\n");
  }
  s << "]\n}\n";
  return s.str();
}

// ---------------------------------------------------------------------------------------------
// Training.

namespace {

// Keeps only the rows of a CSV log whose first column (the step) is <= `step`, so that a resumed
// run continues the log without duplicate rows.
void truncate_log(const fs::path& path, int64_t step) {
  std::ifstream in(path);
  if (!in) return;
  std::string header, line, kept;
  std::getline(in, header);
  kept = header + "\n";
  while (std::getline(in, line)) {
    // a line cut short by a stopped machine has no step to read and goes too
    char* end = nullptr;
    const long long row_step = std::strtoll(line.c_str(), &end, 10);
    if (end != line.c_str() && *end == ',' && row_step <= step) kept += line + "\n";
  }
  in.close();
  write_file_atomically(path.string(), kept);
}

std::ofstream open_log(const fs::path& path, const std::string& header) {
  const bool fresh = !fs::exists(path);
  std::ofstream out(path, std::ios::app);
  FLOWRL_CHECK(out.good(), "cannot write ", path.string());
  if (fresh) out << header << "\n" << std::flush;
  return out;
}

// An exclusive flock on RUN_DIR/.lock for as long as a process trains the run, so that a second
// train-agent on the same directory stops with an error instead of interleaving checkpoints. The
// kernel drops the lock when the process exits, however it exits. A folder the lock created is
// removed again when an error ends the run before it wrote anything there (say, a mistyped dataset
// path), so a failed command leaves no folder behind.
class RunLock {
 public:
  explicit RunLock(const fs::path& dir) : dir_(dir) {
    std::error_code ec;
    for (fs::path p = dir; !p.empty() && !fs::exists(p, ec) && !ec; p = p.parent_path()) created_top_ = p;
    fs::create_directories(dir, ec);
    FLOWRL_CHECK(!ec && fs::is_directory(dir), "cannot use ", dir.string(), " as the run directory (",
                 ec ? ec.message() : "it is a file", "): choose another --out");
    const auto path = (dir / ".lock").string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    FLOWRL_CHECK(fd_ >= 0, "cannot create ", path, ": check that the run directory is writable");
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd_);
      fail(dir.string(), " is being trained by another process (", path,
           " is locked): wait for it to finish, or choose another --out");
    }
  }
  ~RunLock() {
    // a failed run that wrote nothing: unlink the lock while still holding it, then the folders
    const bool remove = !created_top_.empty() && std::uncaught_exceptions() > uncaught_ && only_the_lock();
    std::error_code ec;
    if (remove) fs::remove(dir_ / ".lock", ec);
    ::close(fd_);
    for (fs::path p = dir_; remove && !p.empty(); p = p.parent_path()) {
      if (!fs::remove(p, ec) || p == created_top_) break;  // a folder that is not empty stays
    }
  }
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  bool only_the_lock() const {
    std::error_code ec;
    fs::directory_iterator it(dir_, ec), end;
    if (ec || it == end || it->path().filename() != ".lock") return false;
    it.increment(ec);
    return !ec && it == end;
  }

  fs::path dir_;
  fs::path created_top_;  // the outermost folder this lock created (empty: the folder existed)
  int uncaught_ = std::uncaught_exceptions();
  int fd_ = -1;
};

}  // namespace

namespace {
// One evaluation of a run: the weights it reports (the average when one is kept) and, with an
// average, the last iterate too.
struct EvaluationRound {
  std::vector<TargetEvaluation> reported;
  std::vector<TargetEvaluation> last_iterate;
};
}  // namespace

double learning_rate(const OptimConfig& t, int64_t step) {
  if (step < t.warmup_steps) return t.lr * static_cast<double>(step + 1) / static_cast<double>(t.warmup_steps);
  if (t.lr_decay == LrDecay::kNone || t.steps <= t.warmup_steps) return t.lr;  // DT's LambdaLR
  const double progress = static_cast<double>(step - t.warmup_steps) / static_cast<double>(t.steps - t.warmup_steps);
  return 0.5 * t.lr * (1.0 + std::cos(M_PI * std::min(progress, 1.0)));
}

TrainResult train_agent(TrainConfig cfg, const TrainRunOptions& run) {
  const fs::path dir(run.run_dir);
  FLOWRL_CHECK(!run.resume || fs::is_directory(dir), "--resume ", run.run_dir, ": no such run directory");
  const RunLock lock(dir);
  auto checkpoint = latest_checkpoint(run.run_dir);
  // A run stopped before its first checkpoint starts again from update 0 under its own config.yaml.
  const bool restart = run.resume && !checkpoint.has_value();
  if (run.resume) {
    FLOWRL_CHECK(fs::exists(dir / "config.yaml"), "--resume ", run.run_dir,
                 ": no config.yaml there, so it is not a train-agent run directory");
  } else {
    FLOWRL_CHECK(!fs::exists(dir / "config.yaml"), run.run_dir,
                 " already holds a run: pass --resume to continue it, or choose another --out");
    // a fresh run owns its folder: one holding other files (a mistyped --out) is left alone
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      FLOWRL_CHECK(it->path().filename() == ".lock", run.run_dir, " already holds files (", it->path().filename().string(),
                   ", ...) but no run; choose a new or empty folder for --out");
    }
  }
  torch::set_num_threads(static_cast<int>(cfg.train.threads));
  set_blas_threads(cfg.train.blas_threads);
  keep_freed_memory();
  const auto device = parse_device(cfg.device);
  if (cfg.train.precision == Precision::kBF16) std::cerr << "train-agent: " << measure_bf16(device).describe() << "\n";

  // Data: the D4RL file, its episodes, the window sampler.
  auto read = data::D4RLReadOptions().env_dims(cfg.dataset.env).load_infos(false).load_metadata(false)
                  .load_next_observations(false);
  auto dataset = std::make_shared<const data::D4RLDataset>(data::load_d4rl(cfg.dataset.path, read));
  auto sopt = data::DTSamplerOptions()
                  .context(cfg.model.context())
                  .batch_size(cfg.train.batch_size)
                  .reward_scale(cfg.dataset.reward_scale)
                  .max_ep_len(cfg.model.max_ep_len())
                  .sampling(cfg.dataset.sampling == "uniform_start" ? data::WindowSampling::kUniformStart
                                                                    : data::WindowSampling::kLengthProportional)
                  .padding(data::WindowPadding::kRight)
                  .seed(cfg.train.seed)
                  .device(device)
                  .keep_trailing_episode(cfg.dataset.keep_trailing_episode)
                  .normalize_states(cfg.dataset.normalize_states);
  data::DTSampler sampler(dataset, sopt);

  // Model and optimizer.
  cfg.model.state_dim(dataset->obs_dim()).act_dim(dataset->act_dim());
  // The Polyak average of the weights (train.ema_decay > 0) is built before the seed is set, so the
  // training run itself is the same with or without it; it starts as a copy of the initial weights.
  DecisionTransformer average{nullptr};
  if (cfg.train.ema_decay > 0) average = DecisionTransformer(cfg.model);
  DecisionTransformer* average_ptr = average ? &average : nullptr;
  torch::manual_seed(cfg.train.seed);
  DecisionTransformer model(cfg.model);
  model->to(device);
  torch::optim::AdamW optimizer(model->parameters(),
                                torch::optim::AdamWOptions(cfg.train.lr).weight_decay(cfg.train.weight_decay));
  if (average) {
    average->to(device);
    average->eval();
    torch::NoGradGuard no_grad;
    const auto from = model->parameters(), to = average->parameters();
    for (size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
  }

  int64_t step = 0;
  if (restart) {
    truncate_log(dir / "log.csv", 0);
    truncate_log(dir / "eval.csv", 0);
    std::cerr << "train-agent: " << run.run_dir << " stopped before its first checkpoint; starting it again from update 0\n";
  } else if (run.resume) {
    auto st = load_checkpoint_state(*checkpoint);
    // The run goes on with the data it started with: a file regenerated since would silently
    // change the state statistics under weights trained on the old ones.
    const bool same_data = st.state_dim == dataset->obs_dim() && st.act_dim == dataset->act_dim() &&
                           (st.dataset_rows < 0 || st.dataset_rows == dataset->size()) &&
                           st.normalizer.mean == sampler.normalizer().mean && st.normalizer.std == sampler.normalizer().std;
    FLOWRL_CHECK(same_data, cfg.dataset.path, " is not the file run ", run.run_dir, " was trained on (its widths, ",
                 "rows or state statistics differ from ", *checkpoint, "/state.yaml): put the original file back, ",
                 "or start a new run on this one");
    check_model_matches(st, cfg.model, *checkpoint);
    FLOWRL_CHECK(st.step <= cfg.train.steps, *checkpoint, " holds ", st.step, " updates, more than the run's ",
                 "train.steps (", cfg.train.steps, "): was config.yaml or state.yaml edited? Put train.steps back");
    load_checkpoint_tensors(*checkpoint, model, &optimizer, average_ptr);
    sampler.set_rng_state(st.sampler_rng);
    set_torch_rng_state(st.torch_rng);
    // A GPU run continues its dropout stream (a CPU run resumed on the GPU starts it from the seed).
    if (device.is_cuda() && !st.cuda_rng.empty()) set_torch_rng_state(st.cuda_rng, device);
    step = st.step;
    truncate_log(dir / "log.csv", step);
    truncate_log(dir / "eval.csv", step);
    std::cerr << "train-agent: resuming " << run.run_dir << " at step " << step << "\n";
  } else {
    fs::create_directories(dir);
    write_file_atomically((dir / "config.yaml").string(), run.resolved_yaml);
  }
  auto log = open_log(dir / "log.csv", "step,loss,lr,steps_per_s,elapsed_s");
  const std::string eval_header = "step,target,episodes,return_mean,return_std,normalized_mean,normalized_std";
  auto eval_log = open_log(dir / "eval.csv", eval_header);
  // With a weight average, each evaluation also scores the last iterate (the weights being
  // trained), in eval-raw.csv and eval-final-raw.json: the same run read both ways.
  std::ofstream raw_eval_log;
  if (average) {
    if (run.resume && !restart) truncate_log(dir / "eval-raw.csv", step);
    if (restart) truncate_log(dir / "eval-raw.csv", 0);
    raw_eval_log = open_log(dir / "eval-raw.csv", eval_header);
  }

  auto state = [&] {
    CheckpointState st;
    st.step = step;
    st.sampler_rng = sampler.rng_state();
    st.torch_rng = torch_rng_state();
    if (device.is_cuda()) st.cuda_rng = torch_rng_state(device);
    st.normalizer = sampler.normalizer();
    st.state_dim = cfg.model.state_dim();
    st.act_dim = cfg.model.act_dim();
    st.dataset_rows = dataset->size();
    st.model = model_signature(cfg.model);
    return st;
  };
  auto evaluate_now = [&](int64_t episodes) {
    TargetEvaluationOptions eo;
    eo.env = cfg.dataset.env;
    eo.targets = cfg.eval.targets;
    eo.episodes = episodes;
    eo.seed = cfg.eval.seed;
    eo.threads = cfg.eval.threads;
    eo.reward_scale = cfg.dataset.reward_scale;
    eo.device = device;
    eo.precision = cfg.train.precision;
    // Evaluation must not disturb the training RNG streams: it uses only env seeds, and dropout is
    // off in eval mode.
    auto write_rows = [&](std::ofstream& out, const std::vector<TargetEvaluation>& evals) {
      for (const auto& e : evals) {
        const auto& r = e.result;
        out << step << "," << e.target << "," << r.episodes.size() << "," << r.returns.mean << "," << r.returns.std
            << "," << (r.normalized ? r.normalized->mean : 0.0) << "," << (r.normalized ? r.normalized->std : 0.0)
            << "\n";
      }
      out.flush();
    };
    EvaluationRound round;
    round.reported = evaluate_targets(average ? average : model, sampler.normalizer(), eo);
    write_rows(eval_log, round.reported);
    if (average) {
      round.last_iterate = evaluate_targets(model, sampler.normalizer(), eo);
      write_rows(raw_eval_log, round.last_iterate);
    }
    model->train();
    return round;
  };

  TrainResult result;
  // A finished run: nothing to do. One interrupted in its final evaluation goes on to it below.
  if (step >= cfg.train.steps && (cfg.eval.final_episodes == 0 || fs::exists(dir / "eval-final.json"))) {
    result.steps = step;
    result.already_finished = true;
    return result;
  }

  // The loop: sample -> forward -> masked MSE -> AdamW step.
  const auto params = model->parameters();
  const auto average_params = average ? average->parameters() : std::vector<torch::Tensor>{};
  ProgressBar bar(cfg.train.steps, "train-agent", step);
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t first = step;
  double loss_value = 0.0;
  bool loss_logged = false;
  model->train();
  // Forward and backward in the run's precision; the loss, the gradients and AdamW stay float32.
  const PrecisionGuard precision(cfg.train.precision);
  while (step < cfg.train.steps) {
    const double lr = learning_rate(cfg.train, step);
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    auto batch = sampler.sample();
    auto pred = model(batch.states, batch.actions, batch.returns_to_go, batch.timesteps);  // [B,K,A]
    auto loss = flowrl::masked_action_mse(pred, batch.actions, batch.mask);  // masked MSE
    optimizer.zero_grad();
    loss.backward();
    torch::nn::utils::clip_grad_norm_(params, cfg.train.grad_clip);
    optimizer.step();
    ++step;
    if (average) {
      // avg <- d avg + (1 - d) w, with d ramped up over the first updates
      torch::NoGradGuard no_grad;
      const double d = std::min(cfg.train.ema_decay, (1.0 + static_cast<double>(step)) / (10.0 + static_cast<double>(step)));
      for (size_t i = 0; i < params.size(); ++i) average_params[i].mul_(d).add_(params[i].detach(), 1.0 - d);
    }

    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double rate = static_cast<double>(step - first) / std::max(elapsed, 1e-9);
    const bool log_now = step % cfg.train.log_every == 0 || step == cfg.train.steps;
    const bool save_now = step % cfg.train.checkpoint_every == 0 || step == cfg.train.steps;
    if (log_now || save_now) {
      loss_value = loss.item<double>();
      loss_logged = true;
    }
    if (log_now) log << step << "," << loss_value << "," << lr << "," << rate << "," << elapsed << "\n" << std::flush;
    // A diverged run stops before its NaN weights can replace the last good checkpoint.
    if (log_now || save_now) {
      FLOWRL_CHECK(std::isfinite(loss_value), "the loss became ", loss_value, " at update ", step, ": the run diverged, and stops ",
                   "before it writes a checkpoint, so ", run.run_dir, "/checkpoints keeps the last good one. Start a new ",
                   "run with a lower train.lr or train.grad_clip");
    }
    if (run.progress) {
      // the loss is read only at logged and checkpoint steps; none is shown before the first
      std::ostringstream extra;
      if (loss_logged) extra << "loss " << std::setprecision(4) << loss_value;
      bar.update(step, extra.str());
    }
    if (cfg.eval.every > 0 && step % cfg.eval.every == 0 && step < cfg.train.steps) {
      const auto round = evaluate_now(cfg.eval.episodes);
      std::cerr << "\nevaluation at update " << step << " of " << cfg.train.steps << ", "
                << cfg.eval.episodes << " episode(s) per target" << (average ? ", weight average" : "") << ":\n"
                << format_target_evaluations(round.reported);
      if (average) std::cerr << "last iterate:\n" << format_target_evaluations(round.last_iterate);
    }
    if (save_now) {
      save_checkpoint(run.run_dir, model, &optimizer, state(), average_ptr);
    }
  }
  if (run.progress) bar.finish();
  result.steps = step;
  result.last_loss = loss_value;
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  result.steps_per_second = static_cast<double>(step - first) / std::max(result.wall_seconds, 1e-9);

  // Final evaluation of the last checkpoint (its weight average when one is kept).
  if (cfg.eval.final_episodes > 0) {
    auto round = evaluate_now(cfg.eval.final_episodes);
    result.final_evaluation = std::move(round.reported);
    if (average) {
      const EvaluationSource raw{"run_dir", run.run_dir, step, cfg.dataset.env, weights_label(false), cfg.train.precision};
      write_file_atomically((dir / "eval-final-raw.json").string(), target_evaluations_json(round.last_iterate, raw));
    }
    const EvaluationSource source{"run_dir", run.run_dir, step, cfg.dataset.env, weights_label(average_ptr != nullptr),
                                  cfg.train.precision};
    // Its presence marks a finished run (scripts/reproduce.sh skips it): written whole or not at all.
    write_file_atomically((dir / "eval-final.json").string(), target_evaluations_json(result.final_evaluation, source));
  }
  return result;
}

}  // namespace flowrl
