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
#include <flowrl/data/dataset_layout.h>
#include <flowrl/data/dt_sampler.h>
#include <flowrl/dist/data_parallel.h>
#include <flowrl/envs/random.h>
#include <flowrl/envs/registry.h>
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
#include <memory>
#include <optional>
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
    popt.recurrent = options.recurrent;
    DTPolicy policy(model, normalizer, popt);
    TargetEvaluation te;
    te.target = target;
    te.result = envs::evaluate(venv, policy,
                               envs::EvaluateOptions(options.episodes).seed(options.seed).first_episode(options.first_episode));
    std::ostringstream t;
    t << target;
    te.result.info["target_return"] = t.str();
    te.result.info["acting"] = acting_name(options.recurrent);
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

double learning_rate(const OptimConfig& t, int64_t step) {
  if (step < t.warmup_steps) return t.lr * static_cast<double>(step + 1) / static_cast<double>(t.warmup_steps);
  if (t.lr_decay == LrDecay::kNone || t.steps <= t.warmup_steps) return t.lr;  // DT's LambdaLR
  const double progress = static_cast<double>(step - t.warmup_steps) / static_cast<double>(t.steps - t.warmup_steps);
  return 0.5 * t.lr * (1.0 + std::cos(M_PI * std::min(progress, 1.0)));
}

namespace {

// One evaluation of a run: the weights it reports (the average when one is kept) and, with an
// average, the last iterate too.
struct EvaluationRound {
  std::vector<TargetEvaluation> reported;
  std::vector<TargetEvaluation> last_iterate;
};

// Per-episode numbers of an evaluation as rows [index, return, length, terminated, normalized or NaN]
// padded with index -1 to `rows`, and back: how ranks send their share of episodes to each other.
torch::Tensor episodes_to_rows(const envs::EvaluationResult& r, int64_t rows) {
  auto t = torch::full({rows, 5}, -1.0, torch::kFloat64);  // [rows, 5]
  auto a = t.accessor<double, 2>();
  for (size_t i = 0; i < r.episodes.size(); ++i) {
    const auto& e = r.episodes[i];
    a[static_cast<int64_t>(i)][0] = static_cast<double>(e.index);
    a[static_cast<int64_t>(i)][1] = e.episode_return;
    a[static_cast<int64_t>(i)][2] = static_cast<double>(e.length);
    a[static_cast<int64_t>(i)][3] = e.terminated ? 1.0 : 0.0;
    a[static_cast<int64_t>(i)][4] = e.normalized ? *e.normalized : std::nan("");
  }
  return t;
}

// A data-parallel run's training: every rank runs this object in lockstep. The phases are the
// methods, in the order run() calls them: set_up (run folder, data, model), resume, then per update
// step() and, at their intervals, log(), evaluate() and save(); finally the final evaluation. Rank 0
// alone touches the run folder; the others only compute.
class AgentTraining {
 public:
  AgentTraining(TrainConfig cfg, const TrainRunOptions& run, dist::Group& group)
      : cfg_(std::move(cfg)), run_(run), group_(group), dir_(run.run_dir) {}

  TrainResult run() {
    set_up();
    TrainResult result;
    // A finished run: nothing to do. One interrupted in its final evaluation goes on to it below.
    if (step_ >= cfg_.train.steps && (cfg_.eval.final_episodes == 0 || fs::exists(dir_ / "eval-final.json"))) {
      result.steps = step_;
      result.already_finished = true;
      return result;
    }
    train(result);
    if (cfg_.eval.final_episodes > 0) final_evaluation(result);
    return result;
  }

 private:
  bool root() const { return group_.root(); }

  // -- set-up ---------------------------------------------------------------------------------
  void set_up() {
    FLOWRL_CHECK(cfg_.train.batch_size >= group_.size(), "train.batch_size ", cfg_.train.batch_size, " is smaller than ",
                 "the ", group_.size(), " ranks: each rank needs at least one window per update. Use fewer ranks ",
                 "or a larger batch");
    streams_ = cfg_.train.sampler_streams > 0 ? cfg_.train.sampler_streams : group_.size();
    FLOWRL_CHECK(group_.size() == 1 || streams_ == group_.size(), "train.sampler_streams ", streams_, " with ",
                 group_.size(), " ranks: a data-parallel run draws one stream per rank (leave the key at 0)");
    FLOWRL_CHECK(streams_ <= cfg_.train.batch_size, "train.sampler_streams ", streams_, " is larger than train.batch_size ",
                 cfg_.train.batch_size, ": each stream draws at least one window");
    torch::set_num_threads(static_cast<int>(cfg_.train.threads));
    set_blas_threads(cfg_.train.blas_threads);
    keep_freed_memory();
    device_ = parse_device(cfg_.device);
    if (device_.is_cuda() && group_.size() > 1) device_ = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(group_.where().local_rank));
    if (cfg_.train.precision == Precision::kBF16 && root()) std::cerr << "train-agent: " << measure_bf16(device_).describe() << "\n";

    // Rank 0 checks the run folder and locks it; the others learn the outcome (and the checkpoint).
    std::string problem;
    if (root()) {
      try {
        check_run_folder();
      } catch (const Error& e) {
        problem = e.what();
      }
    }
    if (group_.size() > 1) {
      problem = group_.broadcast_string(problem);
      checkpoint_ = nonempty(group_.broadcast_string(checkpoint_.value_or("")));
      restart_ = group_.broadcast_string(restart_ ? "1" : "") == "1";
    }
    if (!problem.empty()) {
      if (root()) throw Error(problem);
      fail("rank ", group_.rank(), ": rank 0 could not start the run: ", problem);
    }

    set_up_data();
    set_up_model();
    if (checkpoint_ && run_.resume) {
      resume();
    } else if (root()) {
      if (restart_) {
        truncate_log(dir_ / "log.csv", 0);
        truncate_log(dir_ / "eval.csv", 0);
        truncate_log(dir_ / "eval-raw.csv", 0);
        std::cerr << "train-agent: " << run_.run_dir << " stopped before its first checkpoint; starting it again from update 0\n";
      } else {
        fs::create_directories(dir_);
        write_file_atomically((dir_ / "config.yaml").string(), run_.resolved_yaml);
      }
    }
    if (root()) open_logs();
  }

  static std::optional<std::string> nonempty(const std::string& s) {
    return s.empty() ? std::nullopt : std::optional<std::string>(s);
  }

  void check_run_folder() {
    FLOWRL_CHECK(!run_.resume || fs::is_directory(dir_), "--resume ", run_.run_dir, ": no such run directory");
    lock_.emplace(dir_);
    checkpoint_ = latest_checkpoint(run_.run_dir);
    // A run stopped before its first checkpoint starts again from update 0 under its own config.yaml.
    restart_ = run_.resume && !checkpoint_.has_value();
    if (run_.resume) {
      FLOWRL_CHECK(fs::exists(dir_ / "config.yaml"), "--resume ", run_.run_dir,
                   ": no config.yaml there, so it is not a train-agent run directory");
      if (checkpoint_) {
        const auto st = load_checkpoint_state(*checkpoint_);
        FLOWRL_CHECK(st.ranks == group_.size(), run_.run_dir, " was trained by ", st.ranks, " rank(s), and this start has ",
                     group_.size(), ": resume it with the same number (train-agent --resume ", run_.run_dir, " --nproc ",
                     st.ranks, "), so that every rank's sampler stream goes on where it stopped");
      }
    } else {
      FLOWRL_CHECK(!fs::exists(dir_ / "config.yaml"), run_.run_dir,
                   " already holds a run: pass --resume to continue it, or choose another --out");
      // a fresh run owns its folder: one holding other files (a mistyped --out) is left alone
      std::error_code ec;
      for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
        FLOWRL_CHECK(it->path().filename() == ".lock", run_.run_dir, " already holds files (", it->path().filename().string(),
                     ", ...) but no run; choose a new or empty folder for --out");
      }
    }
  }

  // The dataset (a D4RL file or a Minari dataset, in D4RL's flat form) and the window samplers of this
  // rank's streams (rank r of N owns stream r; one process owns all of train.sampler_streams).
  void set_up_data() {
    const auto where = cfg_.dataset.minari_id.empty() ? data::locate_dataset(cfg_.dataset.path)
                                                      : data::locate_minari_dataset(cfg_.dataset.minari_id);
    auto read = data::D4RLReadOptions().load_infos(false).load_metadata(false).load_next_observations(false);
    // a D4RL file is checked against its env's dims, a Minari dataset against its own metadata
    if (where.layout == data::DatasetLayout::kD4RL) read.env_dims(cfg_.dataset.env);
    auto loaded = data::load_dataset(where, read);
    minari_ = std::move(loaded.minari);
    dataset_ = std::make_shared<const data::D4RLDataset>(std::move(loaded.steps));
    if (minari_ && (cfg_.eval.every > 0 || cfg_.eval.final_episodes > 0)) check_evaluation_env();
    const int64_t first = group_.size() == 1 ? 0 : group_.rank();
    const int64_t last = group_.size() == 1 ? streams_ : group_.rank() + 1;
    for (int64_t s = first; s < last; ++s) {
      auto sopt = data::DTSamplerOptions()
                      .context(cfg_.model.context())
                      .batch_size(cfg_.train.batch_size)
                      .reward_scale(cfg_.dataset.reward_scale)
                      .max_ep_len(cfg_.model.max_ep_len())
                      .sampling(cfg_.episode_context                     ? data::WindowSampling::kEpisodeStart
                                : cfg_.dataset.sampling == "uniform_start" ? data::WindowSampling::kUniformStart
                                                                           : data::WindowSampling::kLengthProportional)
                      .padding(data::WindowPadding::kRight)
                      .trim_padding(cfg_.episode_context)
                      .seed(dist::stream_seed(cfg_.train.seed, s))
                      .device(device_)
                      .keep_trailing_episode(cfg_.dataset.keep_trailing_episode)
                      .normalize_states(cfg_.dataset.normalize_states);
      samplers_.emplace_back(dataset_, sopt);
      shares_.push_back(dist::share_of(cfg_.train.batch_size, static_cast<int>(s), static_cast<int>(streams_)).count);
    }
  }

  // A Minari dataset evaluates in dataset.env (its env_spec's, or the user's): its widths must be the
  // dataset's, known before the first update rather than at the first evaluation.
  void check_evaluation_env() const {
    const auto env = envs::make_env(cfg_.dataset.env);
    const auto obs = static_cast<int64_t>(env->observation_space().dim());
    const auto act = static_cast<int64_t>(env->action_space().dim());
    FLOWRL_CHECK(obs == dataset_->obs_dim() && act == dataset_->act_dim(), cfg_.dataset.label(), " has ",
                 dataset_->obs_dim(), "-D observations and ", dataset_->act_dim(), "-D actions, but env '",
                 cfg_.dataset.env, "' (dataset.env) has ", obs, " and ", act, ": set dataset.env to the env the data was ",
                 "collected in", minari_->env_spec ? " (" + minari_->env_spec->id + ")" : std::string());
  }

  // A Minari dataset's scores are Minari's: 100 (R - ref_min_score) / (ref_max_score - ref_min_score) with
  // the reference scores of its metadata, or none (raw returns only) when it has none; a D4RL file's stay
  // D4RL's (envs::evaluate, by env name).
  void apply_minari_scores(std::vector<TargetEvaluation>& evals) const {
    if (!minari_) return;
    const auto ref = minari_->reference_scores();
    std::ostringstream note;
    if (ref) {
      note << "minari: 100 (R - ref_min_score) / (ref_max_score - ref_min_score), ref_min_score " << ref->ref_min_score
           << ", ref_max_score " << ref->ref_max_score << " from " << minari_->dataset_id;
    } else {
      note << "raw returns only: " << minari_->dataset_id << " has no ref_min_score/ref_max_score in its metadata";
    }
    for (auto& te : evals) {
      for (auto& e : te.result.episodes) {
        e.normalized.reset();
        if (ref) e.normalized = data::minari_normalized_score(*ref, e.episode_return);
      }
      te.result.info["scores"] = note.str();
      envs::finalize_summaries(te.result);
    }
  }

  void set_up_model() {
    cfg_.model.state_dim(dataset_->obs_dim()).act_dim(dataset_->act_dim());
    // The Polyak average of the weights (train.ema_decay > 0) is built before the seed is set, so the
    // training run itself is the same with or without it; it starts as a copy of the initial weights.
    if (cfg_.train.ema_decay > 0) average_ = DecisionTransformer(cfg_.model);
    torch::manual_seed(cfg_.train.seed);
    model_ = DecisionTransformer(cfg_.model);
    model_->to(device_);
    // Every rank starts from rank 0's weights; dropout then draws from a stream of its own.
    dist::broadcast_parameters(group_, model_->parameters());
    dist::broadcast_parameters(group_, model_->buffers());
    if (group_.rank() > 0) torch::manual_seed(dist::stream_seed(cfg_.train.seed, group_.rank()));
    optimizer_ = std::make_unique<torch::optim::AdamW>(
        model_->parameters(), torch::optim::AdamWOptions(cfg_.train.lr).weight_decay(cfg_.train.weight_decay));
    if (average_) {
      average_->to(device_);
      average_->eval();
      torch::NoGradGuard no_grad;
      const auto from = model_->parameters(), to = average_->parameters();
      for (size_t i = 0; i < from.size(); ++i) to[i].copy_(from[i]);
    }
    if (group_.size() > 1) reducer_ = std::make_unique<dist::GradientReducer>(model_->parameters());
  }

  // -- resume ---------------------------------------------------------------------------------
  void resume() {
    auto st = load_checkpoint_state(*checkpoint_);
    const auto& normalizer = samplers_.front().normalizer();
    // The run goes on with the data it started with: a file regenerated since would silently
    // change the state statistics under weights trained on the old ones.
    const bool same_data = st.state_dim == dataset_->obs_dim() && st.act_dim == dataset_->act_dim() &&
                           (st.dataset_rows < 0 || st.dataset_rows == dataset_->size()) &&
                           st.normalizer.mean == normalizer.mean && st.normalizer.std == normalizer.std;
    FLOWRL_CHECK(same_data, cfg_.dataset.label(), " is not the file run ", run_.run_dir, " was trained on (its widths, ",
                 "rows or state statistics differ from ", *checkpoint_, "/state.yaml): put the original file back, ",
                 "or start a new run on this one");
    check_model_matches(st, cfg_.model, *checkpoint_);
    FLOWRL_CHECK(st.step <= cfg_.train.steps, *checkpoint_, " holds ", st.step, " updates, more than the run's ",
                 "train.steps (", cfg_.train.steps, "): was config.yaml or state.yaml edited? Put train.steps back");
    FLOWRL_CHECK(static_cast<int64_t>(st.more_sampler_rngs.size()) + 1 == streams_, *checkpoint_, " holds ",
                 st.more_sampler_rngs.size() + 1, " sampler streams, but the run draws from ", streams_,
                 ": was train.sampler_streams edited? Put it back");
    DecisionTransformer* average = average_ ? &average_ : nullptr;
    load_checkpoint_tensors(*checkpoint_, model_, optimizer_.get(), average);
    // this rank's streams and its dropout stream
    std::vector<std::string> sampler_rngs{st.sampler_rng};
    sampler_rngs.insert(sampler_rngs.end(), st.more_sampler_rngs.begin(), st.more_sampler_rngs.end());
    const int64_t first = group_.size() == 1 ? 0 : group_.rank();
    for (size_t i = 0; i < samplers_.size(); ++i) samplers_[i].set_rng_state(sampler_rngs[static_cast<size_t>(first) + i]);
    const int r = group_.rank();
    set_torch_rng_state(r == 0 ? st.torch_rng : st.more_torch_rngs[static_cast<size_t>(r - 1)]);
    // A GPU run continues its dropout stream (a CPU run resumed on the GPU starts it from the seed).
    const std::string cuda = r == 0 ? st.cuda_rng
                                    : (static_cast<size_t>(r) <= st.more_cuda_rngs.size() ? st.more_cuda_rngs[static_cast<size_t>(r - 1)] : "");
    if (device_.is_cuda() && !cuda.empty()) set_torch_rng_state(cuda, device_);
    step_ = st.step;
    if (root()) {
      truncate_log(dir_ / "log.csv", step_);
      truncate_log(dir_ / "eval.csv", step_);
      truncate_log(dir_ / "eval-raw.csv", step_);
      std::cerr << "train-agent: resuming " << run_.run_dir << " at step " << step_
                << (group_.size() > 1 ? " with " + std::to_string(group_.size()) + " ranks" : "") << "\n";
    }
  }

  void open_logs() {
    log_ = open_log(dir_ / "log.csv", "step,loss,lr,steps_per_s,elapsed_s");
    const std::string eval_header = "step,target,episodes,return_mean,return_std,normalized_mean,normalized_std";
    eval_log_ = open_log(dir_ / "eval.csv", eval_header);
    // With a weight average, each evaluation also scores the last iterate (the weights being
    // trained), in eval-raw.csv and eval-final-raw.json: the same run read both ways.
    if (average_) raw_eval_log_ = open_log(dir_ / "eval-raw.csv", eval_header);
  }

  // -- one update -----------------------------------------------------------------------------
  // The global batch: this rank's streams' shares, side by side.
  data::DTBatch sample() {
    if (samplers_.size() == 1) return samplers_.front().sample(shares_.front());
    std::vector<data::DTBatch> parts;
    for (size_t i = 0; i < samplers_.size(); ++i) parts.push_back(samplers_[i].sample(shares_[i]));
    auto cat = [&](torch::Tensor data::DTBatch::*field) {
      std::vector<torch::Tensor> ts;
      for (const auto& p : parts) ts.push_back(p.*field);
      return torch::cat(ts, 0);
    };
    data::DTBatch b;
    b.states = cat(&data::DTBatch::states);                // [B,K,S]
    b.actions = cat(&data::DTBatch::actions);              // [B,K,A]
    b.rewards = cat(&data::DTBatch::rewards);              // [B,K,1]
    b.returns_to_go = cat(&data::DTBatch::returns_to_go);  // [B,K,1]
    b.timesteps = cat(&data::DTBatch::timesteps);          // [B,K]
    b.mask = cat(&data::DTBatch::mask);                    // [B,K]
    return b;
  }

  // sample -> forward -> masked MSE -> (all-reduce) -> clip -> AdamW; returns the loss tensor.
  torch::Tensor step(double lr) {
    for (auto& group : optimizer_->param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    auto batch = sample();
    auto pred = model_(batch.states, batch.actions, batch.returns_to_go, batch.timesteps);  // [B_r,K,A]
    auto loss = flowrl::masked_action_mse(pred, batch.actions, batch.mask);                 // mean over this rank's steps
    if (group_.size() > 1) {
      // The global batch's loss: this rank's mean weighted by its share of the valid steps, so that the
      // gradients summed over the ranks are the global batch's gradient.
      auto counts = batch.mask.sum().to(torch::kCPU, torch::kFloat64).reshape({1});  // [1]
      const double local = counts.item<double>();
      group_.allreduce(counts);
      loss = loss * (local / std::max(counts.item<double>(), 1.0));
    }
    optimizer_->zero_grad();
    loss.backward();
    if (reducer_) {
      reducer_->allreduce(group_);
      allreduce_ms_ += reducer_->last_milliseconds();
    }
    torch::nn::utils::clip_grad_norm_(params_, cfg_.train.grad_clip);
    optimizer_->step();
    if (average_) {
      // avg <- d avg + (1 - d) w, with d ramped up over the first updates
      torch::NoGradGuard no_grad;
      const double n = static_cast<double>(step_ + 1);
      const double d = std::min(cfg_.train.ema_decay, (1.0 + n) / (10.0 + n));
      for (size_t i = 0; i < params_.size(); ++i) average_params_[i].mul_(d).add_(params_[i].detach(), 1.0 - d);
    }
    return loss;
  }

  // The loss of the global batch (each rank holds its part of it).
  double global_loss(const torch::Tensor& loss) {
    auto v = torch::tensor({loss.item<double>()}, torch::kFloat64);
    group_.allreduce(v);
    return v.item<double>();
  }

  void train(TrainResult& result) {
    params_ = model_->parameters();
    average_params_ = average_ ? average_->parameters() : std::vector<torch::Tensor>{};
    const bool bar_on = run_.progress && root();
    ProgressBar bar(cfg_.train.steps, "train-agent", step_);
    const auto t0 = std::chrono::steady_clock::now();
    const int64_t first = step_;
    double loss_value = 0.0;
    bool loss_logged = false;
    model_->train();
    // Forward and backward in the run's precision; the loss, the gradients and AdamW stay float32.
    const PrecisionGuard precision(cfg_.train.precision);
    while (step_ < cfg_.train.steps) {
      const double lr = learning_rate(cfg_.train, step_);
      const auto loss = step(lr);
      ++step_;
      const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double rate = static_cast<double>(step_ - first) / std::max(elapsed, 1e-9);
      const bool log_now = step_ % cfg_.train.log_every == 0 || step_ == cfg_.train.steps;
      const bool save_now = step_ % cfg_.train.checkpoint_every == 0 || step_ == cfg_.train.steps;
      if (log_now || save_now) {
        loss_value = global_loss(loss);
        loss_logged = true;
        // A diverged run stops before its NaN weights can replace the last good checkpoint.
        FLOWRL_CHECK(std::isfinite(loss_value), "the loss became ", loss_value, " at update ", step_, ": the run diverged, and stops ",
                     "before it writes a checkpoint, so ", run_.run_dir, "/checkpoints keeps the last good one. Start a new ",
                     "run with a lower train.lr or train.grad_clip");
      }
      if (log_now) {
        dist::check_replicas_agree(group_, params_, step_);
        if (root()) log_ << step_ << "," << loss_value << "," << lr << "," << rate << "," << elapsed << "\n" << std::flush;
      }
      if (bar_on) {
        // the loss is read only at logged and checkpoint steps; none is shown before the first
        std::ostringstream extra;
        if (loss_logged) extra << "loss " << std::setprecision(4) << loss_value;
        if (group_.size() > 1) extra << (loss_logged ? ", " : "") << group_.size() << " ranks";
        bar.update(step_, extra.str());
      }
      if (cfg_.eval.every > 0 && step_ % cfg_.eval.every == 0 && step_ < cfg_.train.steps) {
        const auto round = evaluate(cfg_.eval.episodes);
        if (root()) {
          std::cerr << "\nevaluation at update " << step_ << " of " << cfg_.train.steps << ", " << cfg_.eval.episodes
                    << " episode(s) per target" << (average_ ? ", weight average" : "") << ":\n"
                    << format_target_evaluations(round.reported);
          if (average_) std::cerr << "last iterate:\n" << format_target_evaluations(round.last_iterate);
        }
      }
      if (save_now) save();
    }
    if (bar_on) bar.finish();
    result.steps = step_;
    result.last_loss = loss_value;
    result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    result.steps_per_second = static_cast<double>(step_ - first) / std::max(result.wall_seconds, 1e-9);
    result.allreduce_ms_per_step = step_ > first ? allreduce_ms_ / static_cast<double>(step_ - first) : 0.0;
  }

  // -- checkpoints ----------------------------------------------------------------------------
  // Every rank's generator states go into rank 0's checkpoint (a collective: every rank calls it).
  void save() {
    CheckpointState st;
    st.step = step_;
    st.normalizer = samplers_.front().normalizer();
    st.state_dim = cfg_.model.state_dim();
    st.act_dim = cfg_.model.act_dim();
    st.dataset_rows = dataset_->size();
    st.model = model_signature(cfg_.model);
    st.ranks = group_.size();
    // the sampler streams (one process holds all of them, a rank its own), then every rank's generators
    std::vector<std::string> sampler_rngs;
    if (group_.size() == 1) {
      for (const auto& sampler : samplers_) sampler_rngs.push_back(sampler.rng_state());
    } else {
      sampler_rngs = group_.allgather_strings(samplers_.front().rng_state());
    }
    const auto cpu_rngs = group_.allgather_strings(torch_rng_state());
    const auto cuda_rngs = device_.is_cuda() ? group_.allgather_strings(torch_rng_state(device_)) : std::vector<std::string>{};
    if (!root()) return;
    st.sampler_rng = sampler_rngs.front();
    st.more_sampler_rngs.assign(sampler_rngs.begin() + 1, sampler_rngs.end());
    st.torch_rng = cpu_rngs.front();
    st.more_torch_rngs.assign(cpu_rngs.begin() + 1, cpu_rngs.end());
    if (!cuda_rngs.empty()) {
      st.cuda_rng = cuda_rngs.front();
      st.more_cuda_rngs.assign(cuda_rngs.begin() + 1, cuda_rngs.end());
    }
    save_checkpoint(run_.run_dir, model_, optimizer_.get(), st, average_ ? &average_ : nullptr);
  }

  // -- evaluation -----------------------------------------------------------------------------
  // Each rank runs its share of the episodes of every target (batched as usual); the shares are
  // gathered so that every rank holds the whole evaluation, as one process would have run it.
  std::vector<TargetEvaluation> evaluate_weights(DecisionTransformer& model, int64_t episodes) {
    TargetEvaluationOptions eo;
    eo.env = cfg_.dataset.env;
    eo.targets = cfg_.eval.targets;
    eo.seed = cfg_.eval.seed;
    eo.threads = cfg_.eval.threads;
    eo.reward_scale = cfg_.dataset.reward_scale;
    eo.device = device_;
    eo.precision = cfg_.train.precision;
    eo.recurrent = cfg_.acts_recurrently();
    const auto share = dist::share_of(episodes, group_.rank(), group_.size());
    eo.episodes = share.count;
    eo.first_episode = share.begin;
    // Evaluation must not disturb the training RNG streams: it uses only env seeds, and dropout is
    // off in eval mode.
    std::vector<TargetEvaluation> mine;
    if (share.count > 0) {
      mine = evaluate_targets(model, samplers_.front().normalizer(), eo);
      apply_minari_scores(mine);
    } else {
      for (double target : eo.targets) mine.push_back(TargetEvaluation{target, {}});
    }
    if (group_.size() == 1) return mine;
    const int64_t most = dist::share_of(episodes, 0, group_.size()).count;
    for (auto& te : mine) {
      auto& r = te.result;
      const auto gathered = group_.allgather(episodes_to_rows(r, most));  // N x [most, 5]
      auto wall = torch::tensor({r.wall_seconds}, torch::kFloat64);
      group_.allreduce(wall, dist::ReduceOp::kMax);
      std::vector<envs::EpisodeResult> all;
      for (const auto& rows : gathered) {
        auto a = rows.accessor<double, 2>();
        for (int64_t i = 0; i < rows.size(0) && a[i][0] >= 0; ++i) {
          envs::EpisodeResult e;
          e.index = static_cast<int64_t>(a[i][0]);
          e.seed = envs::derive_seed(cfg_.eval.seed, static_cast<uint64_t>(e.index));
          e.episode_return = a[i][1];
          e.length = static_cast<int64_t>(a[i][2]);
          e.terminated = a[i][3] > 0.5;
          if (!std::isnan(a[i][4])) e.normalized = a[i][4];
          all.push_back(e);
        }
      }
      std::sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.index < y.index; });
      r.env = envs::resolve_env_name(cfg_.dataset.env);
      r.seed = cfg_.eval.seed;
      r.episodes = std::move(all);
      r.total_steps = 0;
      for (const auto& e : r.episodes) r.total_steps += e.length;
      r.wall_seconds = wall.item<double>();  // r.info: rank 0's, which always runs episodes
      envs::finalize_summaries(r);
    }
    return mine;
  }

  EvaluationRound evaluate(int64_t episodes) {
    auto write_rows = [&](std::ofstream& out, const std::vector<TargetEvaluation>& evals) {
      for (const auto& e : evals) {
        const auto& r = e.result;
        out << step_ << "," << e.target << "," << r.episodes.size() << "," << r.returns.mean << "," << r.returns.std
            << "," << (r.normalized ? r.normalized->mean : 0.0) << "," << (r.normalized ? r.normalized->std : 0.0)
            << "\n";
      }
      out.flush();
    };
    EvaluationRound round;
    round.reported = evaluate_weights(average_ ? average_ : model_, episodes);
    if (root()) write_rows(eval_log_, round.reported);
    if (average_) {
      round.last_iterate = evaluate_weights(model_, episodes);
      if (root()) write_rows(raw_eval_log_, round.last_iterate);
    }
    model_->train();
    return round;
  }

  // Final evaluation of the last checkpoint (its weight average when one is kept).
  void final_evaluation(TrainResult& result) {
    auto round = evaluate(cfg_.eval.final_episodes);
    result.final_evaluation = std::move(round.reported);
    if (!root()) return;
    if (average_) {
      const EvaluationSource raw{"run_dir", run_.run_dir, step_, cfg_.dataset.env, weights_label(false), cfg_.train.precision};
      write_file_atomically((dir_ / "eval-final-raw.json").string(), target_evaluations_json(round.last_iterate, raw));
    }
    const EvaluationSource source{"run_dir", run_.run_dir, step_, cfg_.dataset.env, weights_label(average_ ? true : false),
                                  cfg_.train.precision};
    // Its presence marks a finished run (scripts/reproduce.sh skips it): written whole or not at all.
    write_file_atomically((dir_ / "eval-final.json").string(), target_evaluations_json(result.final_evaluation, source));
  }

  TrainConfig cfg_;
  const TrainRunOptions& run_;
  dist::Group& group_;
  const fs::path dir_;
  std::optional<RunLock> lock_;  // rank 0 only
  std::optional<std::string> checkpoint_;
  bool restart_ = false;
  int64_t streams_ = 1;
  torch::Device device_ = torch::kCPU;
  std::shared_ptr<const data::D4RLDataset> dataset_;
  std::optional<data::MinariMetadata> minari_;  // a Minari dataset's metadata (its reference scores)
  std::vector<data::DTSampler> samplers_;  // this rank's streams
  std::vector<int64_t> shares_;            // windows each of them draws per update
  DecisionTransformer model_{nullptr};
  DecisionTransformer average_{nullptr};
  std::unique_ptr<torch::optim::AdamW> optimizer_;
  std::unique_ptr<dist::GradientReducer> reducer_;
  std::vector<torch::Tensor> params_, average_params_;
  int64_t step_ = 0;
  double allreduce_ms_ = 0.0;
  std::ofstream log_, eval_log_, raw_eval_log_;  // rank 0 only
};

}  // namespace

TrainResult train_agent(TrainConfig cfg, const TrainRunOptions& run) {
  dist::Group single;
  return AgentTraining(std::move(cfg), run, run.group ? *run.group : single).run();
}

}  // namespace flowrl
