// train_agent(): the loss falls, checkpoints resume bit-identically, runs evaluate; CUDA variant.
#include <catch2/catch.hpp>
#include <flowrl/agent/checkpoint.h>
#include <flowrl/agent/trainer.h>
#include <flowrl/core/error.h>
#include <fcntl.h>
#include <sys/file.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "agent_fixtures.h"
#include "torch_support.h"

using namespace flowrl;

namespace {

using test::train;

std::vector<double> losses(const std::string& run_dir) {
  std::ifstream in(run_dir + "/log.csv");
  std::string line;
  std::getline(in, line);
  std::vector<double> out;
  while (std::getline(in, line)) {
    auto a = line.find(','), b = line.find(',', a + 1);
    out.push_back(std::stod(line.substr(a + 1, b - a - 1)));
  }
  return out;
}

// Trains a `total`-update run in two sittings: it stops after `first` updates (simulated by a
// `first`-update run with the same config), then --resume finishes it under the `total` config.
void train_interrupted(const std::string& dataset, const std::string& run_dir, int64_t first, int64_t total,
                       const std::vector<std::string>& sets) {
  auto cfg = test::tiny_config(dataset, total);
  for (const auto& s : sets) cfg.set(s);
  auto config = TrainConfig::from(cfg);
  auto head = config;
  head.train.steps = first;
  TrainRunOptions run;
  run.run_dir = run_dir;
  run.resolved_yaml = cfg.resolved_yaml();
  run.progress = false;
  train_agent(head, run);
  run.resume = true;
  train_agent(config, run);
}

}  // namespace

TEST_CASE("training lowers the action loss", "[agent][train]") {
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  train(data, dir.file("run"), 150, false, {"train.lr=0.003"});
  auto l = losses(dir.file("run"));
  REQUIRE(l.size() == 150);
  double first = 0, last = 0;
  for (int i = 0; i < 10; ++i) first += l[i] / 10, last += l[l.size() - 1 - i] / 10;
  CHECK(last < 0.5 * first);
}

TEST_CASE("a resumed run is bit-identical to an uninterrupted one (CPU)", "[agent][train][resume]") {
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  train(data, dir.file("straight"), 20, false, {"train.checkpoint_every=10"});
  train_interrupted(data, dir.file("resumed"), 10, 20, {"train.checkpoint_every=10"});
  auto a = load_agent(dir.file("straight"));
  auto b = load_agent(dir.file("resumed"));
  CHECK(a.step == 20);
  CHECK(b.step == 20);
  auto pa = a.model->named_parameters(), pb = b.model->named_parameters();
  for (const auto& p : pa) {
    INFO(p.key());
    CHECK(torch::equal(p.value(), pb[p.key()]));
  }
  CHECK(losses(dir.file("straight")) == losses(dir.file("resumed")));
}

TEST_CASE("a run stopped before its first checkpoint resumes from update 0", "[agent][train][resume]") {
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  train(data, dir.file("straight"), 20, false, {"train.checkpoint_every=10"});
  // What a run killed at update 7 leaves: its config.yaml and seven log rows, no checkpoint.
  train(data, dir.file("killed"), 20, false, {"train.checkpoint_every=10"});
  std::filesystem::remove_all(dir.file("killed") + "/checkpoints");
  {
    std::ifstream in(dir.file("killed") + "/log.csv");
    std::string line, kept;
    for (int i = 0; i < 8 && std::getline(in, line); ++i) kept += line + "\n";
    in.close();
    std::ofstream(dir.file("killed") + "/log.csv") << kept << "8,0.3";  // and a row cut short
  }
  train(data, dir.file("killed"), 20, /*resume=*/true, {"train.checkpoint_every=10"});
  CHECK(losses(dir.file("killed")) == losses(dir.file("straight")));  // 20 rows, none twice
  auto a = load_agent(dir.file("straight")), b = load_agent(dir.file("killed"));
  CHECK(b.step == 20);
  for (const auto& p : a.model->named_parameters()) CHECK(torch::equal(p.value(), b.model->named_parameters()[p.key()]));
}

TEST_CASE("a run resumes only on the data it started with", "[agent][train][resume]") {
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  train(data, dir.file("run"), 10, false, {"train.checkpoint_every=10"});
  const auto before = load_checkpoint_state(*latest_checkpoint(dir.file("run")));
  CHECK(before.dataset_rows == 12 * 40);
  test::write_synthetic_hopper(dir, /*episodes=*/13);  // the file regenerated under the same name
  CHECK_THROWS_WITH(train(data, dir.file("run"), 20, /*resume=*/true, {"train.checkpoint_every=10"}),
                    Catch::Contains("is not the file run " + dir.file("run") + " was trained on") &&
                        Catch::Contains("put the original file back"));
  CHECK(load_checkpoint_state(*latest_checkpoint(dir.file("run"))).step == 10);  // untouched
}

TEST_CASE("a lost `latest` or an edited config.yaml is reported, not trained over", "[agent][train][resume]") {
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  const auto run = dir.file("run");
  train(data, run, 10, false, {"train.checkpoint_every=10"});
  // `latest` emptied (or deleted) by hand: the checkpoint beside it is named, not thrown away by a
  // restart from update 0.
  std::ofstream(run + "/checkpoints/latest").close();
  CHECK_THROWS_WITH(train(data, run, 20, true, {"train.checkpoint_every=10"}),
                    Catch::Contains("is missing or empty, but " + run + "/checkpoints holds the checkpoint step-00000010"));
  std::filesystem::remove(run + "/checkpoints/latest");
  CHECK_THROWS_WITH(load_agent(run), Catch::Contains("echo step-00000010 > " + run + "/checkpoints/latest"));
  std::ofstream(run + "/checkpoints/latest") << "step-00000010\n";
  // A model key that no longer matches the weights: named, for resume and for evaluation alike
  // (once: a torch shape error in the first forward pass, or a silently different model).
  CHECK_THROWS_WITH(train(data, run, 20, true, {"train.checkpoint_every=10", "model.embed_dim=16"}),
                    Catch::Contains("model.embed_dim is 16 (trained: 32)"));
  CHECK_THROWS_WITH(train(data, run, 20, true, {"train.checkpoint_every=10", "model.attention=softmax"}),
                    Catch::Contains("model.attention is softmax (trained: flow)"));
  {
    std::ifstream in(run + "/config.yaml");
    std::stringstream text;
    text << in.rdbuf();
    auto edited = text.str();
    const auto at = edited.find("context: 5");
    REQUIRE(at != std::string::npos);
    edited.replace(at, 10, "context: 4");
    std::ofstream(run + "/config.yaml") << edited;
  }
  CHECK_THROWS_WITH(load_agent(run), Catch::Contains("model.context is 4 (trained: 5)") &&
                                         Catch::Contains("Was config.yaml edited?"));
  // A signature with a key this version does not write (another flowrl version's): both in full,
  // not an empty list of differences.
  const auto options = DecisionTransformerOptions(11, 3);
  CheckpointState st;
  st.model = model_signature(options) + " future_key=1";
  CHECK_THROWS_WITH(check_model_matches(st, options, "ckpt"),
                    Catch::Contains("trained with '" + st.model + "', configured '" + model_signature(options) + "'"));
  st.model = model_signature(options);
  CHECK_NOTHROW(check_model_matches(st, options, "ckpt"));
}

TEST_CASE("a diverging run stops before it overwrites its last good checkpoint", "[agent][train]") {
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  train(data, dir.file("run"), 10, false, {"train.checkpoint_every=10"});
  // Resumed at a step size that blows the weights up within a few updates.
  auto cfg = test::tiny_config(data, 40);
  cfg.set("train.checkpoint_every=10");
  cfg.set("train.warmup_steps=0");
  cfg.set("train.lr=1e30");
  auto config = TrainConfig::from(cfg);
  TrainRunOptions run;
  run.run_dir = dir.file("run");
  run.resume = true;
  run.progress = false;
  CHECK_THROWS_WITH(train_agent(config, run), Catch::Contains("the loss became") && Catch::Contains("the run diverged"));
  const auto kept = load_agent(dir.file("run"));
  CHECK(kept.step == 10);
  for (const auto& p : kept.model->parameters()) CHECK(torch::isfinite(p).all().item<bool>());
}

TEST_CASE("periodic evaluation does not change training", "[agent][train][eval]") {
  // Protocols that differ only in eval.every train the same weights: evaluation runs the policy
  // with dropout off and seeds its environments itself, touching neither RNG stream of training.
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  train(data, dir.file("quiet"), 12);
  train(data, dir.file("evaluated"), 12, false, {"eval.every=4", "eval.episodes=1"});
  auto a = load_agent(dir.file("quiet")), b = load_agent(dir.file("evaluated"));
  auto pa = a.model->named_parameters(), pb = b.model->named_parameters();
  for (const auto& p : pa) {
    INFO(p.key());
    CHECK(torch::equal(p.value(), pb[p.key()]));
  }
  CHECK(losses(dir.file("quiet")) == losses(dir.file("evaluated")));
  std::ifstream eval_log(dir.file("evaluated") + "/eval.csv");
  std::string line;
  int rows = 0;
  while (std::getline(eval_log, line)) ++rows;
  CHECK(rows == 1 + 2);  // header + updates 4 and 8 (one target; the last update has the final evaluation)
}

TEST_CASE("weight averaging: evaluated and saved, resumed bit-identically, the iterate untouched",
          "[agent][train][resume]") {
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  const std::vector<std::string> ema = {"train.checkpoint_every=10", "train.ema_decay=0.9"};
  train(data, dir.file("plain"), 20, false, {"train.checkpoint_every=10", "eval.final_episodes=1", "eval.every=10", "eval.episodes=1"});
  auto with_final_eval = ema;
  for (const char* s : {"eval.final_episodes=1", "eval.every=10", "eval.episodes=1"}) with_final_eval.push_back(s);
  train(data, dir.file("straight"), 20, false, with_final_eval);
  train(data, dir.file("resumed"), 10, false, ema);
  train(data, dir.file("resumed"), 20, /*resume=*/true, ema);
  auto plain = load_agent(dir.file("plain"));
  auto straight = load_agent(dir.file("straight"));
  auto resumed = load_agent(dir.file("resumed"));
  CHECK_FALSE(plain.averaged);
  REQUIRE(straight.averaged);
  // The averaged run trains exactly the same iterate as the plain one ...
  DecisionTransformer iterate(straight.config.model);
  load_checkpoint_tensors(straight.checkpoint_dir, iterate, nullptr);
  auto pp = plain.model->named_parameters(), pi = iterate->named_parameters();
  auto ps = straight.model->named_parameters(), pr = resumed.model->named_parameters();
  bool any_differs = false;
  for (const auto& p : pp) {
    INFO(p.key());
    CHECK(torch::equal(p.value(), pi[p.key()]));
    // ... the policy it loads is the average, not the iterate ...
    any_differs = any_differs || !torch::equal(ps[p.key()], pi[p.key()]);
    // ... and an interrupted run ends with the same average.
    CHECK(torch::equal(ps[p.key()], pr[p.key()]));
  }
  CHECK(any_differs);
  std::ifstream final_json(dir.file("straight") + "/eval-final.json");
  const std::string text((std::istreambuf_iterator<char>(final_json)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, Catch::Contains("\"weights\": \"average\""));
  // The last iterate is scored beside the average, and scores what the plain run scores.
  const auto returns = [](const std::string& file) {
    std::ifstream in(file);
    const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string out;  // every episode's "return": ... field, in order
    for (size_t at = doc.find("\"index\""); at != std::string::npos; at = doc.find("\"index\"", at + 1)) {
      const size_t r = doc.find("\"return\"", at);
      out += doc.substr(r, doc.find(',', r) - r) + ";";
    }
    return out;
  };
  const auto raw = returns(dir.file("straight") + "/eval-final-raw.json");
  CHECK_FALSE(raw.empty());
  CHECK(raw == returns(dir.file("plain") + "/eval-final.json"));
  CHECK(raw != returns(dir.file("straight") + "/eval-final.json"));
  const auto rows = [](const std::string& file) {
    std::ifstream in(file);
    std::string line, out;
    while (std::getline(in, line)) out += line.substr(0, line.find(',', line.find(',') + 1)) + ";";  // step,target
    return out;
  };
  CHECK(rows(dir.file("straight") + "/eval-raw.csv") == rows(dir.file("straight") + "/eval.csv"));
  CHECK(rows(dir.file("straight") + "/eval-raw.csv") == rows(dir.file("plain") + "/eval.csv"));
  CHECK_FALSE(std::filesystem::exists(dir.file("plain") + "/eval-raw.csv"));
  CHECK_FALSE(std::filesystem::exists(dir.file("plain") + "/eval-final-raw.json"));
  // A run started without averaging cannot be resumed with it.
  CHECK_THROWS_AS(train(data, dir.file("plain"), 30, /*resume=*/true, ema), Error);
}

TEST_CASE("weight averaging after one update: avg = d w0 + (1 - d) w1 with d = 2/11", "[agent][train]") {
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  train(data, dir.file("run"), 1, false, {"train.ema_decay=0.999"});
  auto agent = load_agent(dir.file("run"));
  DecisionTransformer w1(agent.config.model);
  load_checkpoint_tensors(agent.checkpoint_dir, w1, nullptr);
  torch::manual_seed(agent.config.train.seed);  // the initial weights, as train_agent() draws them
  DecisionTransformer w0(agent.config.model);
  const double d = 2.0 / 11.0;
  auto p0 = w0->named_parameters(), p1 = w1->named_parameters();
  for (const auto& p : agent.model->named_parameters()) {
    INFO(p.key());
    auto expected = d * p0[p.key()] + (1 - d) * p1[p.key()];
    CHECK(torch::allclose(p.value(), expected, 1e-5, 1e-6));
  }
  CHECK_FALSE(torch::equal(p0["predict_action.weight"], p1["predict_action.weight"]));
}

TEST_CASE("run directories are protected and checked", "[agent][train]") {
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  train(data, dir.file("run"), 3);
  CHECK_THROWS_AS(train(data, dir.file("run"), 3), Error);                  // exists, no --resume
  CHECK_THROWS_AS(train(data, dir.file("other"), 3, /*resume=*/true), Error);  // nothing to resume
  CHECK_THROWS_AS(load_agent(dir.file("missing")), Error);
  CHECK_THROWS_AS(train(dir.file("nope.hdf5"), dir.file("r2"), 3), Error);  // missing dataset
  auto ckpt = latest_checkpoint(dir.file("run"));
  REQUIRE(ckpt.has_value());
  CHECK_THAT(*ckpt, Catch::EndsWith("step-00000003"));
  {
    // `latest` edited by hand to name a folder that does not exist: an error naming both
    const auto latest = dir.file("run") + "/checkpoints/latest";
    std::ofstream(latest) << "step-00000099\n";
    CHECK_THROWS_WITH(latest_checkpoint(dir.file("run")),
                      Catch::Contains(latest + " names step-00000099, which is missing"));
    CHECK_THROWS_WITH(load_agent(dir.file("run")), Catch::Contains("step-00000099"));
    std::ofstream(latest) << "step-00000003\n";
  }
  {
    // another process trains the run (its lock is held): --resume stops before touching anything
    const int fd = ::open((dir.file("run") + "/.lock").c_str(), O_RDWR);
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
    std::string message;
    try {
      train(data, dir.file("run"), 6, /*resume=*/true);
    } catch (const Error& e) {
      message = e.what();
    }
    CHECK_THAT(message, Catch::Contains("another process") && Catch::Contains(".lock"));
    ::close(fd);
    CHECK(*latest_checkpoint(dir.file("run")) == *ckpt);
  }
  // the lock is released with the process (here: the descriptor), so the run resumes
  CHECK(train(data, dir.file("run"), 6, /*resume=*/true).steps == 6);
  // a finished run resumed again: nothing is trained or written
  const auto log_before = losses(dir.file("run"));
  const auto again = train(data, dir.file("run"), 6, /*resume=*/true);
  CHECK(again.already_finished);
  CHECK(again.steps == 6);
  CHECK(losses(dir.file("run")) == log_before);
}

TEST_CASE("a run interrupted in its final evaluation resumes into it, and only into it", "[agent][train][resume]") {
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  const std::vector<std::string> sets = {"eval.final_episodes=2"};
  CHECK_FALSE(train(data, dir.file("run"), 4, false, sets).already_finished);
  const auto final_path = dir.file("run") + "/eval-final.json";
  std::string report;
  {
    std::ifstream in(final_path);
    REQUIRE(in.good());
    report.assign(std::istreambuf_iterator<char>(in), {});
  }
  // as if killed during the final evaluation: every update done, no eval-final.json
  std::filesystem::remove(final_path);
  const auto resumed = train(data, dir.file("run"), 4, /*resume=*/true, sets);
  CHECK_FALSE(resumed.already_finished);
  CHECK(resumed.final_evaluation.size() == 1);
  CHECK(losses(dir.file("run")).size() == 4);  // no update was repeated
  std::ifstream in(final_path);
  REQUIRE(in.good());
  const std::string again(std::istreambuf_iterator<char>(in), {});
  const auto episodes = [](const std::string& json) { return json.substr(json.find("\"per_episode\"")); };
  CHECK(episodes(again) == episodes(report));  // the same episodes (wall times differ)
  CHECK(train(data, dir.file("run"), 4, /*resume=*/true, sets).already_finished);
}

TEST_CASE("a trained run evaluates in the environment", "[agent][eval]") {
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  train(data, dir.file("run"), 5);
  auto agent = load_agent(dir.file("run"));
  TargetEvaluationOptions eo;
  eo.env = "hopper";
  eo.targets = {3600, 1800};
  eo.episodes = 3;
  eo.threads = 2;
  auto evals = evaluate_targets(agent.model, agent.normalizer, eo);
  REQUIRE(evals.size() == 2);
  for (const auto& e : evals) {
    CHECK(e.result.episodes.size() == 3);
    CHECK(e.result.normalized.has_value());
    CHECK(std::isfinite(e.result.returns.mean));
  }
  // Deterministic: the same seed gives the same episodes.
  auto again = evaluate_targets(agent.model, agent.normalizer, eo);
  CHECK(again[0].result.returns.mean == evals[0].result.returns.mean);
  CHECK_THAT(target_evaluations_json(evals), Catch::Contains("\"target\": 3600"));
  // A target keeps its digits (the stream's default 6 would print 1.23457e+06).
  auto precise = evals;
  precise[0].target = 1234567.25;
  CHECK_THAT(target_evaluations_json(precise), Catch::Contains("\"target\": 1234567.25,"));
  // The report's head names the weights and the precision; a folder name a user typed stays valid JSON.
  const EvaluationSource source{"checkpoint", "runs/a \"b\"", 7, "hopper", "last_iterate", Precision::kBF16};
  CHECK_THAT(target_evaluations_json(evals, source),
             Catch::StartsWith("{\n\"checkpoint\": \"runs/a \\\"b\\\"\", \"step\": 7, \"env\": \"hopper\", "
                               "\"weights\": \"last_iterate\", \"precision\": \"bf16\",\n\"targets\": [\n{\"target\": 3600"));
}

TEST_CASE("a positions-only dataset trains and evaluates in its -positions env", "[agent][eval][positions]") {
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir, 12, 40, 5);
  const auto result = train(data, dir.file("run"), 3, false,
                            {"dataset.env=hopper-positions", "eval.final_episodes=2", "eval.targets=[3600]"});
  REQUIRE(result.final_evaluation.size() == 1);
  CHECK(result.final_evaluation[0].result.env == "hopper-positions");
  CHECK(result.final_evaluation[0].result.normalized.has_value());  // scored as hopper
  CHECK(load_agent(dir.file("run")).config.model.state_dim() == 5);
  // a full-observation file under the positions env (and the reverse) names the widths
  const auto full = test::write_synthetic_hopper(dir);
  CHECK_THROWS_WITH(train(full, dir.file("bad"), 1, false, {"dataset.env=hopper-positions"}),
                    Catch::Contains("11 columns") && Catch::Contains("5-D observations"));
  CHECK_THROWS_WITH(train(data, dir.file("bad2"), 1, false, {"dataset.env=hopper"}),
                    Catch::Contains("5 columns") && Catch::Contains("11-D observations"));
}

TEST_CASE("training and inference on CUDA", "[agent][train][cuda]") {
  FLOWRL_SKIP_WITHOUT_CUDA();
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  train(data, dir.file("run"), 30, false, {"device=cuda"});
  auto gpu = load_agent(dir.file("run"), torch::kCUDA);
  auto cpu = load_agent(dir.file("run"), torch::kCPU);
  auto s = torch::randn({2, 5, 11}), a = torch::rand({2, 5, 3}), r = torch::randn({2, 5, 1});
  auto t = torch::randint(0, 100, {2, 5}, torch::kLong);
  torch::NoGradGuard no_grad;
  auto yc = cpu.model(s, a, r, t);
  auto yg = gpu.model(s.cuda(), a.cuda(), r.cuda(), t.cuda()).cpu();
  CHECK((yc - yg).abs().max().item<double>() < 1e-4);
  // Batched evaluation on the GPU (DTPolicy's windows are filled on the CPU and moved), and the
  // deploy path: make_policy() on a GPU-loaded run.
  TargetEvaluationOptions eo;
  eo.env = "hopper";
  eo.targets = {100};
  eo.episodes = 3;
  eo.threads = 1;
  eo.device = torch::kCUDA;
  const auto evals = evaluate_targets(gpu.model, gpu.normalizer, eo);
  REQUIRE(evals.size() == 1);
  CHECK(evals[0].result.episodes.size() == 3);
  auto policy = make_policy(gpu, 100);
  const envs::Observation obs(11, 0.1);
  policy.start_episode(0, 0, obs);
  const auto action = policy.act(envs::ActBatch{{0}, {obs}}).front();
  REQUIRE(action.size() == 3);
  for (double x : action) CHECK(std::isfinite(x));
}

TEST_CASE("a run moves between CPU and GPU across a resume", "[agent][train][resume][cuda]") {
  FLOWRL_SKIP_WITHOUT_CUDA();
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  // Started on the CPU, resumed on the GPU, resumed on the CPU again: every checkpoint loads onto
  // the device the run is on now.
  train(data, dir.file("run"), 10, false, {"train.checkpoint_every=10"});
  train(data, dir.file("run"), 20, true, {"train.checkpoint_every=10", "device=cuda"});
  train(data, dir.file("run"), 30, true, {"train.checkpoint_every=10"});
  const auto l = losses(dir.file("run"));
  REQUIRE(l.size() == 30);
  for (double x : l) CHECK(std::isfinite(x));
  // A GPU-written checkpoint loads onto the CPU, and a CPU-written one onto the GPU.
  train(data, dir.file("gpu"), 10, false, {"device=cuda"});
  CHECK(load_agent(dir.file("gpu"), torch::kCPU).model->parameters().front().device().is_cpu());
  CHECK(load_agent(dir.file("run"), torch::kCUDA).model->parameters().front().device().is_cuda());
}

TEST_CASE("a resumed CUDA run continues its dropout stream", "[agent][train][resume][cuda]") {
  FLOWRL_SKIP_WITHOUT_CUDA();
  test::TempDir dir;
  const auto data = test::write_synthetic_hopper(dir);
  const std::vector<std::string> sets = {"device=cuda", "train.checkpoint_every=10"};
  train(data, dir.file("straight"), 20, false, sets);
  train_interrupted(data, dir.file("resumed"), 10, 20, sets);
  // The checkpoint carries the CUDA generator that drives dropout on the GPU ...
  const auto st = load_checkpoint_state(*latest_checkpoint(dir.file("resumed")));
  CHECK_FALSE(st.cuda_rng.empty());
  // ... so the resumed half sees the same dropout masks as the uninterrupted run (had the stream
  // restarted from the seed, steps 11-20 would reuse the masks of steps 1-10). GPU kernels with
  // atomics are not bit-reproducible, hence a tolerance far below a changed mask's effect.
  const auto a = losses(dir.file("straight")), b = losses(dir.file("resumed"));
  REQUIRE(a.size() == 20);
  REQUIRE(b.size() == 20);
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("step " << i + 1);
    CHECK(std::abs(a[i] - b[i]) <= 1e-4 * std::abs(a[i]) + 1e-7);
  }
}
