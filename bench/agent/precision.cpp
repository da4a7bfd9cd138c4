// bench_precision — fp32 against bf16 (flowrl/backbone/precision.h), side by side in one run:
// the Decision-Transformer training step at the original DT shape (128/3/1) and the Flowformer
// authors' (256/3/4), both attentions; act() latency (one environment, batch 1); a 100-episode
// batched evaluation; and one forecaster epoch on ETTh1 for both heads.
//
//   bench_precision [--threads T] [--blas-threads N] [--steps N] [--acts N] [--episodes N]
//                   [--episode-steps N] [--forecast-dir DIR] [--out docs/benchmarks.md]
//                   [--parts train,act,eval,forecast]
//
// --parts measures only the parts named, and writes them to a section of their own
// (precision-<parts>), so a part can be measured again without the others.
//
// Each part interleaves its configurations round-robin so that machine load affects them alike.
// The models are untrained: speed does not depend on the weights.
#include <flowrl/agent/action_loss.h>
#include <flowrl/agent/decision_transformer.h>
#include <flowrl/agent/dt_policy.h>
#include <flowrl/backbone.h>
#include <flowrl/core/cpu.h>
#include <flowrl/data/dt_sampler.h>
#include <flowrl/envs/registry.h>
#include <flowrl/envs/vector_env.h>
#include <flowrl/forecast.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "../common/bench_util.h"
#include "../common/synthetic_data.h"

namespace {

using flowrl::AttentionKind;
using flowrl::Precision;

struct Shape {
  int64_t embed, layers, heads;
  std::string name;
};
const std::vector<Shape> kShapes = {{128, 3, 1, "128/3/1"}, {256, 3, 4, "256/3/4"}};
const char* attention_name(AttentionKind k) { return k == AttentionKind::kFlow ? "Flow-Attention" : "softmax"; }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

flowrl::DecisionTransformer make_dt(const Shape& s, AttentionKind kind, int64_t obs, int64_t act) {
  torch::manual_seed(0);
  return flowrl::DecisionTransformer(
      flowrl::DecisionTransformerOptions(obs, act).embed_dim(s.embed).layers(s.layers).heads(s.heads).context(20).attention(kind));
}

// "| a | b |" rows of fp32 / bf16 pairs: name, fp32 figure, bf16 figure, fp32 / bf16.
struct PairTable {
  std::ostringstream rows;
  void add(const std::string& name, double fp32, double bf16, int digits = 1) {
    rows << std::fixed << std::setprecision(digits) << "| " << name << " | " << fp32 << " | " << bf16 << " | "
         << std::setprecision(2) << fp32 / bf16 << "x |\n";
  }
};

// 1. Training steps: sample, forward, masked MSE, backward, clip, AdamW.
std::string training_steps(int steps) {
  struct Runner {
    std::string name;
    Precision precision;
    flowrl::DecisionTransformer model{nullptr};
    std::unique_ptr<torch::optim::AdamW> optimizer;
    std::vector<double> ms;
  };
  std::vector<Runner> runners;
  for (const auto& s : kShapes) {
    for (auto kind : {AttentionKind::kFlow, AttentionKind::kSoftmax}) {
      for (auto p : {Precision::kFP32, Precision::kBF16}) {
        Runner r{s.name + ", " + attention_name(kind), p, make_dt(s, kind, 11, 3), nullptr, {}};
        r.model->train();
        r.optimizer = std::make_unique<torch::optim::AdamW>(r.model->parameters(), torch::optim::AdamWOptions(1e-4));
        runners.push_back(std::move(r));
      }
    }
  }
  flowrl::data::DTSampler sampler(flowrl::bench::synthetic_hopper_dataset(200000), flowrl::data::DTSamplerOptions().context(20).batch_size(64).seed(1));
  for (int i = 0; i < steps + 2; ++i) {
    for (auto& r : runners) {
      auto b = sampler.sample();
      const double t0 = flowrl::bench::now_s();
      const flowrl::PrecisionGuard guard(r.precision);
      auto pred = r.model(b.states, b.actions, b.returns_to_go, b.timesteps);  // [B,K,A]
      auto loss = flowrl::masked_action_mse(pred, b.actions, b.mask);  // masked MSE
      r.optimizer->zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(r.model->parameters(), 0.25);
      r.optimizer->step();
      if (i >= 2) r.ms.push_back(1e3 * (flowrl::bench::now_s() - t0));
    }
    std::cerr << "\rbench_precision: training steps " << i + 1 << "/" << steps + 2 << std::flush;
  }
  std::cerr << "\n";
  PairTable t;
  for (size_t i = 0; i < runners.size(); i += 2) t.add(runners[i].name, median(runners[i].ms), median(runners[i + 1].ms));
  return "| shape, attention | fp32 ms/step | bf16 ms/step | fp32 / bf16 |\n|---|---|---|---|\n" + t.rows.str();
}

// 2. act(): one HalfCheetah environment, batch 1, the last <= 20 steps as context.
std::string act_latency(int64_t acts) {
  struct Controller {
    std::string name;
    std::unique_ptr<flowrl::DTPolicy> policy;
    std::unique_ptr<flowrl::envs::Env> env;
    flowrl::envs::Observation obs;
    uint64_t episode = 0;
    std::vector<double> ms;
  };
  std::vector<Controller> cs;
  for (const auto& s : kShapes) {
    for (auto kind : {AttentionKind::kFlow, AttentionKind::kSoftmax}) {
      for (auto p : {Precision::kFP32, Precision::kBF16}) {
        Controller c;
        c.name = s.name + ", " + attention_name(kind);
        c.env = flowrl::envs::make_env("halfcheetah");
        flowrl::DTPolicyOptions o;
        o.target_return = 6000;
        o.precision = p;
        c.policy = std::make_unique<flowrl::DTPolicy>(make_dt(s, kind, 17, 6), flowrl::data::StateNormalizer::identity(17), o);
        c.obs = c.env->reset(0);
        c.policy->start_episode(0, 0, c.obs);
        cs.push_back(std::move(c));
      }
    }
  }
  for (int64_t i = 0; i < acts + 50; ++i) {
    for (auto& c : cs) {
      const double t0 = flowrl::bench::now_s();
      const auto a = c.policy->act(flowrl::envs::ActBatch{{0}, {c.obs}}).front();
      if (i >= 50) c.ms.push_back(1e3 * (flowrl::bench::now_s() - t0));
      const auto r = c.env->step(a);
      c.policy->observe(0, a, r);
      c.obs = r.observation;
      if (r.done()) {
        c.obs = c.env->reset(++c.episode);
        c.policy->start_episode(0, c.episode, c.obs);
      }
    }
    if (i % 100 == 0) std::cerr << "\rbench_precision: act " << i << "/" << acts + 50 << std::flush;
  }
  std::cerr << "\n";
  PairTable t;
  for (size_t i = 0; i < cs.size(); i += 2) t.add(cs[i].name, median(cs[i].ms), median(cs[i + 1].ms), 2);
  return "| shape, attention | fp32 act() median ms | bf16 act() median ms | fp32 / bf16 |\n|---|---|---|---|\n" +
         t.rows.str();
}

// 3. A batched evaluation: `episodes` HalfCheetah episodes together (one forward pass per step),
// the environments stepped on 2 threads, as train-agent evaluates. Each precision runs twice, in the
// order fp32, bf16, bf16, fp32, so that a steady drift of machine load affects both alike; the
// table gives the mean of the two.
std::string batched_evaluation(int64_t episodes, int64_t episode_steps) {
  std::ostringstream rows;
  rows << "| shape, attention | fp32 s | bf16 s | fp32 / bf16 |\n|---|---|---|---|\n";
  for (auto kind : {AttentionKind::kFlow, AttentionKind::kSoftmax}) {
    double seconds[2] = {0, 0};
    for (auto p : {Precision::kFP32, Precision::kBF16, Precision::kBF16, Precision::kFP32}) {
      flowrl::envs::VectorEnv venv("halfcheetah", flowrl::envs::VectorEnvOptions(std::min<int64_t>(episodes, 256))
                                                      .threads(2)
                                                      .env(flowrl::envs::EnvOptions().max_episode_steps(episode_steps)));
      flowrl::DTPolicyOptions o;
      o.target_return = 6000;
      o.precision = p;
      flowrl::DTPolicy policy(make_dt(kShapes[0], kind, 17, 6), flowrl::data::StateNormalizer::identity(17), o);
      std::cerr << "bench_precision: evaluation, " << attention_name(kind) << ", " << flowrl::precision_name(p) << "\n";
      seconds[p == Precision::kBF16] +=
          0.5 * flowrl::envs::evaluate(venv, policy, flowrl::envs::EvaluateOptions(episodes).seed(0)).wall_seconds;
    }
    rows << std::fixed << std::setprecision(1) << "| " << kShapes[0].name << ", " << attention_name(kind) << " | "
         << seconds[0] << " | " << seconds[1] << " | " << std::setprecision(2) << seconds[0] / seconds[1] << "x |\n";
  }
  return rows.str();
}

// 4. One forecaster epoch (training steps and the validation pass) on ETTh1, L = H = 96.
std::string forecaster_epoch(const std::string& forecast_dir, const std::string& data_dir) {
  std::ostringstream rows;
  rows << "| head | fp32 s/epoch | bf16 s/epoch | fp32 / bf16 | test MSE after 1 epoch (fp32, bf16) |\n|---|---|---|---|---|\n";
  const auto tmp = std::filesystem::temp_directory_path() / ("bench-precision-" + std::to_string(::getpid()));
  for (const char* head : {"inverted", "temporal"}) {
    const std::string config = forecast_dir + "/etth1_" + head + "_96.yaml";
    double seconds[2] = {0, 0}, mse[2] = {0, 0};
    for (auto p : {Precision::kFP32, Precision::kBF16}) {
      std::cerr << "bench_precision: forecaster epoch, " << head << ", " << flowrl::precision_name(p) << "\n";
      auto c = flowrl::load_forecast_config(config, {"train.epochs=1", "train.progress=false", "data.dir=" + data_dir,
                                                     "output.dir=" + tmp.string(),
                                                     std::string("train.precision=") + flowrl::precision_name(p)});
      const auto r = flowrl::run_forecast_experiment(c, "cpu");
      seconds[p == Precision::kBF16] = r.train.epochs.front().seconds;
      mse[p == Precision::kBF16] = r.train.test.mse;
    }
    rows << std::fixed << std::setprecision(1) << "| " << head << " | " << seconds[0] << " | " << seconds[1] << " | "
         << std::setprecision(2) << seconds[0] / seconds[1] << "x | " << std::setprecision(4) << mse[0] << ", " << mse[1]
         << " |\n";
  }
  std::filesystem::remove_all(tmp);
  return rows.str();
}

}  // namespace

int main(int argc, char** argv) try {
  const flowrl::bench::Args args(
      argc, argv,
      "usage: bench_precision [--threads T] [--blas-threads N] [--steps N] [--acts N] [--episodes N]\n"
      "                       [--episode-steps N] [--forecast-dir DIR] [--data-dir DIR] [--out docs/benchmarks.md]\n"
      "                       [--parts train,act,eval,forecast]",
      {"--threads", "--blas-threads", "--steps", "--acts", "--episodes", "--episode-steps", "--forecast-dir",
       "--data-dir", "--out", "--parts"});
  const int threads = static_cast<int>(args.integer("--threads", 1));
  const int blas = static_cast<int>(args.integer("--blas-threads", 1));
  const int steps = static_cast<int>(args.integer("--steps", 20));
  const int64_t acts = args.integer("--acts", 500);
  const int64_t episodes = args.integer("--episodes", 100);
  const int64_t episode_steps = args.integer("--episode-steps", 1000);
  const std::string forecast_dir = args.text("--forecast-dir", "configs/forecast");
  // absolute: a relative data.dir in a config resolves against the config's own folder
  const std::string data_dir = std::filesystem::absolute(args.text("--data-dir", "data/timeseries")).string();
  const std::string out = args.text("--out", "docs/benchmarks.md");
  const std::string parts = args.text("--parts", "train,act,eval,forecast");
  auto part = [&](const std::string& name) { return ("," + parts + ",").find("," + name + ",") != std::string::npos; };
  for (std::stringstream list(parts); list.good();) {
    std::string p;
    std::getline(list, p, ',');
    if (p != "train" && p != "act" && p != "eval" && p != "forecast")
      throw std::runtime_error("--parts: '" + p + "' is not one of train, act, eval, forecast");
  }
  torch::set_num_threads(threads);
  flowrl::set_blas_threads(blas);
  flowrl::keep_freed_memory();

  // the forecaster configs and data are read now, so that a wrong path stops before anything is measured
  for (const char* head : {"inverted", "temporal"}) {
    if (!part("forecast")) break;
    const auto c = flowrl::load_forecast_config(forecast_dir + "/etth1_" + head + "_96.yaml", {"data.dir=" + data_dir});
    if (!std::filesystem::exists(c.data_path())) throw std::runtime_error("no " + c.data_path() + ": pass --data-dir DIR");
  }
  const double load_start = flowrl::bench::load_average();
  const auto capability = flowrl::measure_bf16(torch::kCPU);
  const auto train = part("train") ? training_steps(steps) : "";
  const auto act = part("act") ? act_latency(acts) : "";
  const auto eval = part("eval") ? batched_evaluation(episodes, episode_steps) : "";
  const auto forecast = part("forecast") ? forecaster_epoch(forecast_dir, data_dir) : "";
  const double load_end = flowrl::bench::load_average();

  std::ostringstream command;
  command << "./build/bench/agent/bench_precision --threads " << threads << " --blas-threads " << blas << " --steps "
          << steps << " --acts " << acts << " --episodes " << episodes << " --episode-steps " << episode_steps;
  if (args.has("--parts")) command << " --parts " << parts;
  std::ostringstream section;
  section << "## Mixed precision: fp32 against bf16\n\n"
          << "`train.precision: bf16` (evaluate-policy and train-forecaster: `--precision bf16`) runs the "
             "attention projections, the MLPs and softmax attention's two products in bfloat16; the rest stays "
             "float32 ([precision.md](precision.md)). Each part below runs its configurations round-robin in "
             "this one process; the models are untrained.\n\n"
          << "- Command: `" << command.str() << "`\n"
          << "- Machine: " << flowrl::bench::machine_description() << "; CPU flags: "
          << flowrl::join_flags(flowrl::cpu_flags([](const std::string& f) {
                                  return f.rfind("avx512", 0) == 0 || f.rfind("amx", 0) == 0 || f == "avx2" || f == "fma";
                                }),
                                "none of avx2/fma/avx512*/amx*")
          << "; LibTorch "
          << TORCH_VERSION << ", " << threads << " torch thread(s), " << blas << " OpenBLAS thread(s); "
          << flowrl::bench::load_note(load_start, load_end) << "\n"
          << "- The product alone: " << capability.describe() << "\n\n"
          ;
  if (part("train"))
    section << "Training step (batch 64, K 20: sample, forward, masked MSE, backward, clipping, AdamW), median of "
            << steps << " steps after 2 warm-up steps:\n\n"
            << train << "\n";
  if (part("act"))
    section << "`act()` on one HalfCheetah observation (batch 1, up to 60 tokens), median of " << acts
            << " control steps after 50 warm-up steps:\n\n"
            << act << "\n";
  if (part("eval"))
    section << "Batched evaluation: " << episodes << " HalfCheetah episodes of " << episode_steps
          << " steps together (one forward pass per step, environments on 2 threads), wall seconds; each precision "
             "ran twice, in the order fp32, bf16, bf16, fp32, and the table gives the mean:\n\n"
          << eval << "\n";
  if (part("forecast"))
    section << "One forecaster epoch on ETTh1 (L = H = 96, the shipped configs `configs/forecast/etth1_*_96.yaml`: "
             "training steps and the validation pass), seconds, and the test MSE after that one epoch:\n\n"
          << forecast << "\n";
  std::string name = "precision";
  if (args.has("--parts")) name += "-" + std::regex_replace(parts, std::regex(","), "-");
  flowrl::bench::publish_section(out, name, section.str());
  return 0;
} catch (const std::exception& e) {
  std::cerr << "bench_precision: " << flowrl::error_message(e) << "\n";
  return 1;
}
