// evaluate-policy — run an agent for N episodes on a MuJoCo env, in parallel, and report per-episode
// returns and lengths plus mean ± std of raw and D4RL-normalized returns (optionally as JSON).
//
//   evaluate-policy --policy data/policies/hopper-trpo.h5 --env hopper --episodes 30 --seed 0
//
//   evaluate-policy --checkpoint runs/hopper-medium-seed0 --env hopper --target-return 3600 1800 --episodes 100
//
//   evaluate-policy --policy data/policies/hopper-sac.h5 --env hopper --episodes 1 --video hopper.gif
//
// Agents: --policy FILE.h5 (an mlp-policy/1 behaviour policy) or --checkpoint RUN_DIR (a Decision
// Transformer trained by train-agent, conditioned on each --target-return in turn; all episodes of a
// target run together, one batched forward pass per environment step). The evaluation options, the
// env, the episode loop and the report are agent-independent (run_evaluation below). --video records
// the first episodes of each evaluation (flowrl/envs/render.h); the episodes' numbers do not change.
#include <flowrl/agent/checkpoint.h>
#include <flowrl/agent/dt_policy.h>
#include <flowrl/agent/trainer.h>
#include <flowrl/backbone/runtime.h>
#include <flowrl/behaviour/behaviour_policy.h>
#include <flowrl/core/error.h>
#include <flowrl/core/file.h>
#include <flowrl/core/threads.h>
#include <flowrl/envs/evaluate.h>
#include <flowrl/envs/registry.h>
#include <flowrl/envs/render.h>
#include <flowrl/envs/vector_env.h>

#include <boost/program_options.hpp>
#include <fstream>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

namespace po = boost::program_options;
using namespace flowrl;

namespace {

// options every agent kind shares
struct EvalArgs {
  std::string env;
  int64_t episodes = 10;
  std::optional<int64_t> seed;  // signed, so that Boost does not wrap "-1" to 2^64 - 1; unset: the agent's default
  std::optional<double> reset_noise_scale;
  int64_t threads = 1;
  int64_t num_envs = 0;
  std::string json;
  bool quiet = false;
};

// --video: record episodes
struct VideoArgs {
  std::string path;
  int64_t episodes = 1;
  std::string size = "320x240";
  double fps = 30;
  std::string quality = "high";
};

po::options_description video_options(VideoArgs& a) {
  po::options_description d("Video (MuJoCo's renderer, offscreen; needs OpenGL at run time, see docs/videos.md)");
  d.add_options()
      ("video", po::value(&a.path), "record the first episodes to this file: .gif (written by flowrl) or .mp4 "
                                    "(H.264, needs the ffmpeg program); with several --target-return, the first "
                                    "episodes of each target in turn")
      ("video-episodes", po::value(&a.episodes)->default_value(1), "episodes to record (per target)")
      ("video-size", po::value(&a.size)->default_value("320x240"), "picture size, WIDTHxHEIGHT")
      ("video-fps", po::value(&a.fps)->default_value(30), "frames per second, at most: a frame every "
                                                           "round(1 / (fps x env dt)) env steps, played in real time")
      ("video-quality", po::value(&a.quality)->default_value("high"),
       "high (anti-aliased, shadows, floor reflection), medium (not anti-aliased: ~3x faster in software) or fast "
       "(none of them: ~7x faster)");
  return d;
}

po::options_description eval_options(EvalArgs& a) {
  po::options_description d("Evaluation");
  d.add_options()
      ("env", po::value(&a.env)->required(), "environment: hopper, halfcheetah, walker2d, ant, a D4RL dataset name (hopper-medium-v2), or a Gymnasium v5 env (hopper-v5, Hopper-v5)")
      ("episodes", po::value(&a.episodes)->default_value(10), "number of episodes")
      ("seed", po::value<int64_t>(), "seed; episode e resets with a seed derived from (seed, e) (default: the run's "
                                      "eval.seed with --checkpoint, so that its eval-final.json is reproduced; 0 with --policy)")
      ("reset-noise-scale", po::value<double>(), "Gym v3 reset noise scale (default: the env's; 0 = deterministic reset)")
      ("threads", po::value(&a.threads)->default_value(std::max<int64_t>(1, std::thread::hardware_concurrency())),
       "threads stepping the env copies (results do not depend on it)")
      ("num-envs", po::value(&a.num_envs)->default_value(0), "env copies running at once (0: min(episodes, 8 x threads))")
      ("json", po::value(&a.json), "also write the results as JSON to this file")
      ("quiet", po::bool_switch(&a.quiet), "print only the summary, not every episode");
  return d;
}

// the behaviour-policy agent
struct PolicyArgs {
  std::string policy;
  bool stochastic = false;
  std::optional<double> noise_std;
};

po::options_description policy_options(PolicyArgs& a) {
  po::options_description d("Behaviour policy (mlp-policy/1 HDF5, e.g. data/policies/*.h5)");
  d.add_options()
      ("policy", po::value(&a.policy), "policy file")
      ("stochastic", po::bool_switch(&a.stochastic), "sample actions instead of the deterministic action")
      ("noise-std", po::value<double>(), "Gaussian action noise for --stochastic with policies that have no log-std (ARS)");
  return d;
}

// the Decision-Transformer agent
struct CheckpointArgs {
  std::string run_dir;
  std::vector<double> targets;
  std::string device = "cpu";
  int64_t torch_threads = 0;  // 0: the run's train.threads
  int64_t blas_threads = 0;   // 0: the run's train.blas_threads
  std::string precision;      // empty: the run's train.precision
  std::string acting = "auto";
};

po::options_description checkpoint_options(CheckpointArgs& a) {
  po::options_description d("Decision Transformer (a train-agent run directory)");
  d.add_options()
      ("checkpoint", po::value(&a.run_dir), "run directory; its latest checkpoint is evaluated")
      ("target-return", po::value(&a.targets)->multitoken(), "target returns, one evaluation each (default: the run's eval.targets)")
      ("device", po::value(&a.device)->default_value("cpu"), "cpu or cuda")
      ("torch-threads", po::value(&a.torch_threads)->default_value(0),
       "LibTorch intra-op threads for the forward passes (0: the run's train.threads)")
      ("blas-threads", po::value(&a.blas_threads)->default_value(0),
       "OpenBLAS threads for the forward passes' matrix products (0: the run's train.blas_threads). Scores "
       "reproduce exactly only at the same thread counts: a different count rounds the products differently "
       "and the episodes diverge (the JSON records both counts)")
      ("precision", po::value(&a.precision),
       "fp32 or bf16: the forward passes' precision (default: the run's train.precision, so the run's own "
       "eval-final.json is reproduced); a checkpoint evaluates in either")
      ("acting", po::value(&a.acting)->default_value("auto"),
       "auto, window or recurrent. auto: a Flow-Attention model whose context covers the episode (model.context: "
       "episode, or a number >= max_ep_len) acts through its recurrent state, at a cost per step that does not grow "
       "with the episode; every other model through its K-step window. window forces the window (the same actions, "
       "up to float rounding, at a cost that grows with the window). The JSON records which way it acted");
  return d;
}

// what an agent must fit: the env's canonical name and its observation and action widths
struct EnvSpec {
  std::string name;
  int64_t observations = 0, actions = 0;
};
EnvSpec env_spec(const std::string& env) {
  const auto probe = envs::make_env(env);
  return {probe->name(), static_cast<int64_t>(probe->observation_space().dim()),
          static_cast<int64_t>(probe->action_space().dim())};
}

// checks the shared options before any work is done
void check_eval_args(const EvalArgs& args) {
  FLOWRL_CHECK(args.episodes >= 1 && args.episodes <= kMaxEpisodes, "--episodes must be between 1 and ", kMaxEpisodes,
               ", got ", args.episodes);
  FLOWRL_CHECK(args.seed.value_or(0) >= 0, "--seed must be >= 0, got ", args.seed.value_or(0));
  check_thread_count(args.threads, 1, "--threads");
  FLOWRL_CHECK(args.num_envs >= 0 && args.num_envs <= kMaxEnvCopies, "--num-envs must be between 0 and ",
               kMaxEnvCopies, ", got ", args.num_envs);
  if (!args.json.empty()) check_output_folder(args.json, "--json");
}

// checks the video options before any work is done
void check_video_args(const VideoArgs& v, const EvalArgs& args, const std::string& policy_file,
                      const po::variables_map& vm) {
  if (v.path.empty()) {
    for (const char* name : {"video-episodes", "video-size", "video-fps", "video-quality"})
      FLOWRL_CHECK(vm[name].defaulted(), "--", name, " needs --video FILE.gif|FILE.mp4");
    return;
  }
  envs::video_format(v.path, "--video");
  check_output_folder(v.path, "--video");
  check_not_input(v.path, "--video", policy_file, "the --policy file");
  check_not_input(v.path, "--video", args.json, "the --json file");
  FLOWRL_CHECK(v.episodes >= 1 && v.episodes <= args.episodes, "--video-episodes must be between 1 and --episodes (",
               args.episodes, "), got ", v.episodes);
  envs::parse_image_size(v.size, "--video-size");
  envs::parse_render_quality(v.quality, "--video-quality");
  FLOWRL_CHECK(std::isfinite(v.fps) && v.fps > 0, "--video-fps must be > 0, got ", v.fps);
}

envs::EnvOptions env_options(const EvalArgs& args) {
  envs::EnvOptions options;
  if (args.reset_noise_scale) options.reset_noise_scale(*args.reset_noise_scale);
  return options;
}

// the recorder for --video (none without it); made before the first episode, so that a missing
// OpenGL or ffmpeg fails at once
std::unique_ptr<envs::VideoRecorder> make_recorder(const VideoArgs& v, const EvalArgs& args) {
  if (v.path.empty()) return nullptr;
  const auto options = envs::VideoOptions()
                           .episodes(v.episodes)
                           .fps(v.fps)
                           .render(envs::parse_render_quality(v.quality, "--video-quality",
                                                              envs::parse_image_size(v.size, "--video-size")));
  try {
    return std::make_unique<envs::VideoRecorder>(v.path, args.env, options, env_options(args));
  } catch (const Error& e) {
    fail("--video ", v.path, ": ", e.what());
  }
}

// finishes the video and says what it cost
void close_recorder(envs::VideoRecorder* recorder) {
  if (!recorder) return;
  recorder->close();
  std::cout << recorder->describe() << "\n";
}

// builds the env copies, runs the episodes, prints the report; `all_at_once` runs every episode
// concurrently (one batched policy call per step); `observer` (may be null) watches the episodes
envs::EvaluationResult evaluate_once(const EvalArgs& args, envs::Policy& policy, std::map<std::string, std::string> info,
                                     bool all_at_once, envs::EpisodeObserver* observer) {
  const int64_t copies = args.num_envs > 0 ? std::min(args.num_envs, args.episodes)
                         : all_at_once     ? std::min<int64_t>(args.episodes, 256)
                                           : std::min(args.episodes, 8 * args.threads);
  envs::VectorEnv venv(args.env, envs::VectorEnvOptions(copies).threads(args.threads).env(env_options(args)));

  const auto options = envs::EvaluateOptions(args.episodes)
                           .seed(static_cast<uint64_t>(args.seed.value_or(0)))
                           .observer(observer);
  envs::EvaluationResult result = envs::evaluate(venv, policy, options);
  info["env_arg"] = args.env;
  info["threads"] = std::to_string(args.threads);
  info["reset_noise_scale"] = args.reset_noise_scale ? std::to_string(*args.reset_noise_scale) : "default";
  result.info = std::move(info);
  if (!args.quiet) std::cout << envs::format_episodes(result);
  std::cout << envs::format_summary(result);
  return result;
}

int run_checkpoint(EvalArgs args, const CheckpointArgs& c, const VideoArgs& video) {
  check_thread_count(c.torch_threads, 0, "--torch-threads", "the run's train.threads");
  check_thread_count(c.blas_threads, 0, "--blas-threads", "the run's train.blas_threads");
  for (double target : c.targets) check_target_return(target, "--target-return");
  const auto acting = parse_acting(c.acting, "--acting");
  const auto device = parse_device(c.device);
  auto agent = load_agent(c.run_dir, device);
  if (!c.precision.empty()) agent.config.train.precision = parse_precision(c.precision, "--precision");
  if (!args.seed) args.seed = static_cast<int64_t>(agent.config.eval.seed);  // as the run's own evaluations
  // the model's input and output widths must be the env's (another env of the same widths may be
  // evaluated on purpose, e.g. a variant with other dynamics)
  const auto spec = env_spec(args.env);
  const auto& trained = agent.config;
  FLOWRL_CHECK(spec.observations == trained.model.state_dim() && spec.actions == trained.model.act_dim(), c.run_dir,
               " was trained on ", trained.dataset.env, " (", trained.model.state_dim(), " observations, ",
               trained.model.act_dim(), " actions); --env ", args.env, " has ", spec.observations, " and ",
               spec.actions, ": pass --env ", trained.dataset.env);
  if (spec.name != trained.dataset.env)
    std::cout << "note: " << c.run_dir << " was trained on " << trained.dataset.env << "; evaluating on " << spec.name
              << "\n";
  const bool recurrent = resolve_acting(agent.config.model, acting);  // refused before any episode runs
  std::cout << "evaluate-policy: acting through the " << (recurrent ? "recurrent state" : "window") << " (context "
            << agent.config.model.context() << " steps, max_ep_len " << agent.config.model.max_ep_len() << ", "
            << (agent.config.model.attention() == AttentionKind::kFlow ? "Flow" : "softmax") << " attention; --acting " << c.acting << ")\n";
  const auto recorder = make_recorder(video, args);
  const int64_t torch_threads = c.torch_threads > 0 ? c.torch_threads : agent.config.train.threads;
  const int64_t blas_threads = c.blas_threads > 0 ? c.blas_threads : agent.config.train.blas_threads;
  torch::set_num_threads(static_cast<int>(torch_threads));
  set_blas_threads(blas_threads);
  keep_freed_memory();
  const auto precision = agent.config.train.precision;
  if (precision == Precision::kBF16) std::cout << "evaluate-policy: " << measure_bf16(device).describe() << "\n";
  const auto targets = c.targets.empty() ? agent.config.eval.targets : c.targets;
  const std::string weights = weights_label(agent.averaged);
  std::vector<TargetEvaluation> evals;
  for (double target : targets) {
    auto policy = make_policy(agent, target, recurrent ? Acting::kRecurrent : Acting::kWindow);
    std::ostringstream t;
    t << target;
    std::cout << "== target return " << t.str() << "\n";
    if (recorder) recorder->set_label("target " + t.str());
    // the checkpoint, step and weights are in the report's head (EvaluationSource), once
    std::map<std::string, std::string> info = {{"agent", "decision-transformer"},
                                               {"target_return", t.str()},
                                               {"torch_threads", std::to_string(torch_threads)},
                                               {"blas_threads", std::to_string(blas_threads)},
                                               {"precision", precision_name(precision)},
                                               {"acting", acting_name(policy.recurrent())}};
    evals.push_back(TargetEvaluation{target, evaluate_once(args, policy, info, /*all_at_once=*/true, recorder.get())});
  }
  close_recorder(recorder.get());
  std::cout << "\nsummary (" << agent.checkpoint_dir << ", step " << agent.step << ", weights: " << weights << "):\n"
            << format_target_evaluations(evals);
  if (!args.json.empty()) {
    const EvaluationSource source{"checkpoint", agent.checkpoint_dir, agent.step, args.env, weights, precision};
    write_file_atomically(args.json, target_evaluations_json(evals, source));
    std::cout << "wrote " << args.json << "\n";
  }
  return 0;
}

// evaluates a single-policy agent and writes its JSON report
int run_evaluation(const EvalArgs& args, envs::Policy& policy, std::map<std::string, std::string> info,
                   const VideoArgs& video) {
  const auto recorder = make_recorder(video, args);
  auto result = evaluate_once(args, policy, std::move(info), /*all_at_once=*/false, recorder.get());
  close_recorder(recorder.get());
  if (!args.json.empty()) {
    envs::write_json(result, args.json);
    std::cout << "wrote " << args.json << "\n";
  }
  return 0;
}

int run_behaviour_policy(const EvalArgs& args, const PolicyArgs& p, const VideoArgs& video) {
  behaviour::MlpPolicy mlp = behaviour::MlpPolicy::load(p.policy);
  const auto spec = env_spec(args.env);
  behaviour::check_policy_env(mlp, args.env, spec.observations, spec.actions);
  std::map<std::string, std::string> info = {
      {"agent", "mlp-policy"},
      {"policy", p.policy},
      {"algorithm", mlp.info().algorithm},
      {"policy_env_id", mlp.info().env_id},
      {"actions", p.stochastic ? "stochastic" : "deterministic"},
  };
  if (p.noise_std) info["noise_std"] = std::to_string(*p.noise_std);
  behaviour::BehaviourPolicy policy(std::move(mlp),
                                    behaviour::BehaviourPolicyOptions().stochastic(p.stochastic).noise_std(p.noise_std));
  return run_evaluation(args, policy, std::move(info), video);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    EvalArgs eval;
    PolicyArgs pol;
    po::options_description all("evaluate-policy: run an agent on an environment and report its returns\n\nUsage: "
                                "evaluate-policy --policy FILE.h5 --env NAME [options]\n"
                                "       evaluate-policy --checkpoint RUN_DIR --env NAME --target-return R [R ...] [options]");
    all.add_options()("help,h", "show this help");
    CheckpointArgs ckpt;
    VideoArgs video;
    all.add(eval_options(eval)).add(policy_options(pol)).add(checkpoint_options(ckpt)).add(video_options(video));

    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(all).positional({}).run(), vm);
    if (vm.count("help") || argc == 1) {
      std::cout << all << "\n";
      return 0;
    }
    po::notify(vm);
    if (vm.count("reset-noise-scale")) eval.reset_noise_scale = vm["reset-noise-scale"].as<double>();
    if (vm.count("noise-std")) pol.noise_std = vm["noise-std"].as<double>();
    if (vm.count("seed")) eval.seed = vm["seed"].as<int64_t>();

    check_eval_args(eval);
    check_not_input(eval.json, "--json", pol.policy, "the --policy file");
    check_video_args(video, eval, pol.policy, vm);
    // one agent kind per run
    FLOWRL_CHECK(pol.policy.empty() || ckpt.run_dir.empty(), "pass either --policy or --checkpoint, not both");
    // options of the other agent kind would be ignored: say so instead
    const auto given = [&](const char* name) { return vm.count(name) > 0 && !vm[name].defaulted(); };
    if (!ckpt.run_dir.empty()) {
      FLOWRL_CHECK(!pol.stochastic && !pol.noise_std, "--stochastic and --noise-std apply to --policy; a Decision ",
                   "Transformer's actions are deterministic");
      return run_checkpoint(eval, ckpt, video);
    }
    for (const char* name : {"device", "torch-threads", "blas-threads", "precision"})
      FLOWRL_CHECK(!given(name), "--", name, " applies to --checkpoint (a behaviour policy runs on the CPU)");
    FLOWRL_CHECK(!pol.noise_std || pol.stochastic, "--noise-std needs --stochastic (deterministic actions have no noise)");
    FLOWRL_CHECK(ckpt.targets.empty(), "--target-return needs --checkpoint RUN_DIR");
    FLOWRL_CHECK(pol.policy != "random", "--policy random: evaluate-policy scores a policy file or a trained run; ",
                 "a uniform-random policy is what D4RL's normalized score calls 0 (collect-dataset --policy random ",
                 "makes its data)");
    FLOWRL_CHECK(!pol.policy.empty(), "no agent given; pass --policy FILE.h5 (an mlp-policy/1 file, e.g. "
                                      "data/policies/hopper-trpo.h5) or --checkpoint RUN_DIR (a train-agent run)");
    return run_behaviour_policy(eval, pol, video);
  } catch (const po::error& e) {
    std::cerr << "evaluate-policy: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const flowrl::Error& e) {
    std::cerr << "evaluate-policy: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "evaluate-policy: unexpected error: " << error_message(e) << "\n";
    return 1;
  }
}
