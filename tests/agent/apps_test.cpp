// apps_test.cpp — train-agent and evaluate-policy --checkpoint end to end, as a user runs them
// (skipped when the programs are not built).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "agent_fixtures.h"
#include "apps_support.h"

using namespace flowrl;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

#if defined(FLOWRL_TRAIN_AGENT_EXE) && defined(FLOWRL_EVALUATE_POLICY_EXE)
namespace {

const std::string kTrain = FLOWRL_TRAIN_AGENT_EXE;
const std::string kEvaluate = FLOWRL_EVALUATE_POLICY_EXE;

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// the per-episode lines of an evaluation report (seed, return, length of every episode)
std::string episode_lines(const std::string& json) {
  std::istringstream in(json);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.find("\"index\":") != std::string::npos) out += line + "\n";
  }
  return out;
}

}  // namespace

TEST_CASE("train-agent trains a run and evaluate-policy --checkpoint reproduces its final evaluation", "[agent][apps]") {
  test::TempDir tmp;
  const auto dataset = test::write_synthetic_hopper(tmp);
  {
    std::ofstream cfg(tmp.file("tiny.yaml"));
    cfg << test::tiny_config_yaml(dataset, 6);
  }
  const auto run_dir = tmp.file("run");
  const auto train = kTrain + " --config " + tmp.file("tiny.yaml") + " --set eval.final_episodes=3 --seed 3 " +
                     "--set eval.every=3 --set eval.episodes=1 --no-progress --out " + run_dir;
  auto r = test::run_command(train, tmp.file("log"));
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.output, Contains("train-agent: 6 steps"));
  // a periodic evaluation names its update, also in a log without the progress bar
  CHECK_THAT(r.output, Contains("evaluation at update 3 of 6, 1 episode(s) per target:\ntarget 100: normalized"));
  CHECK(std::filesystem::exists(run_dir + "/checkpoints/latest"));
  CHECK(std::filesystem::exists(run_dir + "/config.yaml"));
  CHECK(std::filesystem::exists(run_dir + "/eval-final.json"));

  // The same directory again without --resume: refused, and the run is left as it was.
  const auto config_before = read(run_dir + "/config.yaml");
  r = test::run_command(train, tmp.file("log"));
  CHECK(r.code != 0);
  CHECK_THAT(r.output, Contains("already holds a run: pass --resume"));
  CHECK(read(run_dir + "/config.yaml") == config_before);

  // --resume on the finished run: nothing to do, nothing rewritten.
  const auto final_before = read(run_dir + "/eval-final.json");
  r = test::run_command(kTrain + " --resume " + run_dir + " --no-progress", tmp.file("log"));
  CHECK(r.code == 0);
  CHECK_THAT(r.output, Contains("is already finished (6 of 6 steps, eval-final.json written); nothing to do"));
  CHECK(read(run_dir + "/eval-final.json") == final_before);

  // A mistyped key names itself.
  r = test::run_command(kTrain + " --config " + tmp.file("tiny.yaml") + " --set model.embedd_dim=8 --out " +
                            tmp.file("other"),
                        tmp.file("log"));
  CHECK(r.code != 0);
  CHECK_THAT(r.output, Contains("model.embedd_dim"));

  // A word that is no option, and an --out that is a file, are refused (once: ignored; a raw
  // filesystem error).
  r = test::run_command(kTrain + " --config " + tmp.file("tiny.yaml") + " stray --out " + tmp.file("other"),
                        tmp.file("log"));
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("too many positional options"));
  r = test::run_command(kTrain + " --config " + tmp.file("tiny.yaml") + " --out " + dataset, tmp.file("log"));
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("cannot use " + dataset + " as the run directory"));
  std::filesystem::create_directories(tmp.file("full"));
  std::ofstream(tmp.file("full/notes.txt")) << "mine";
  r = test::run_command(kTrain + " --config " + tmp.file("tiny.yaml") + " --out " + tmp.file("full"), tmp.file("log"));
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("already holds files (notes.txt, ...) but no run"));
  CHECK_FALSE(std::filesystem::exists(tmp.file("full/config.yaml")));
  // A bad override is named as one (the message names the config file too).
  r = test::run_command(kTrain + " --config " + tmp.file("tiny.yaml") + " --set train.steps=-1 --out " +
                            tmp.file("other"), tmp.file("log"));
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("(with --set overrides: train.steps=-1)"));

  // A run that fails before it writes anything (here: no such dataset) leaves no folder behind
  // (once: a folder holding only .lock), but an existing empty --out folder stays.
  r = test::run_command(kTrain + " --config " + tmp.file("tiny.yaml") + " --set dataset.path=" + tmp.file("none.hdf5") +
                            " --out " + tmp.file("fresh/run"), tmp.file("log"));
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("none.hdf5"));
  CHECK_FALSE(std::filesystem::exists(tmp.file("fresh")));
  std::filesystem::create_directories(tmp.file("empty"));
  r = test::run_command(kTrain + " --config " + tmp.file("tiny.yaml") + " --set dataset.path=" + tmp.file("none.hdf5") +
                            " --out " + tmp.file("empty"), tmp.file("log"));
  CHECK(r.code == 1);
  CHECK(std::filesystem::is_directory(tmp.file("empty")));

  // A negative seed is refused (once: silently replaced by the config's).
  r = test::run_command(kTrain + " --config " + tmp.file("tiny.yaml") + " --seed -3 --out " + tmp.file("other"),
                        tmp.file("log"));
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("--seed -3: a seed is a number >= 0"));
  CHECK_FALSE(std::filesystem::exists(tmp.file("other")));

  // evaluate-policy reproduces the trainer's final evaluation by default: the run's seed (eval.seed
  // 1000), the run's thread counts, the same episodes; its report's head names the weights.
  const auto evaluate = kEvaluate + " --checkpoint " + run_dir + " --env hopper --target-return 100 --episodes 3 "
                                    "--quiet --threads 1";
  r = test::run_command(evaluate + " --json " + tmp.file("a.json"), tmp.file("log"));
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.output, Contains("target 100: normalized"));
  const auto a = read(tmp.file("a.json"));
  const auto final_eval = read(run_dir + "/eval-final.json");
  REQUIRE_FALSE(episode_lines(a).empty());
  CHECK(episode_lines(a) == episode_lines(final_eval));
  CHECK_THAT(a, StartsWith("{\n\"checkpoint\": \"" + run_dir));
  CHECK_THAT(a, Contains("\"step\": 6, \"env\": \"hopper\", \"weights\": \"last_iterate\""));
  CHECK_THAT(final_eval, StartsWith("{\n\"run_dir\": \"" + run_dir + "\", \"step\": 6"));
  CHECK_THAT(a, Contains("\"torch_threads\": \"1\""));  // the run's train.threads and train.blas_threads
  CHECK_THAT(a, Contains("\"blas_threads\": \"1\""));
  // Thread counts of one's own choosing are used and recorded.
  r = test::run_command(evaluate + " --torch-threads 2 --blas-threads 2 --json " + tmp.file("b.json"), tmp.file("log"));
  REQUIRE(r.code == 0);
  const auto b = read(tmp.file("b.json"));
  CHECK_THAT(b, Contains("\"torch_threads\": \"2\""));
  CHECK_THAT(b, Contains("\"blas_threads\": \"2\""));

  // Options a user can mistype fail before any episode runs, naming the option.
  r = test::run_command(evaluate + " --blas-threads -1", tmp.file("log"));
  CHECK(r.code != 0);
  CHECK_THAT(r.output, Contains("--blas-threads must be between 0 and 1024"));
  r = test::run_command(evaluate + " --seed -1", tmp.file("log"));  // once: Boost wrapped it to 2^64 - 1
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("--seed must be >= 0, got -1"));
  r = test::run_command(evaluate + " --torch-threads 99999999999", tmp.file("log"));  // once: a libgomp abort
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("--torch-threads must be between 0 and 1024"));
  r = test::run_command(kEvaluate + " --checkpoint " + run_dir + " --env hopper --episodes 1 --threads 100000",
                        tmp.file("log"));  // once: 100000 env threads
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("--threads must be between 1 and 1024"));
  r = test::run_command(kEvaluate + " --checkpoint " + run_dir + " --env hopper --target-return nan --episodes 1",
                        tmp.file("log"));  // once: an error about NaN actions
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("--target-return nan: target returns must be finite"));
  r = test::run_command(kEvaluate + " --checkpoint " + run_dir + " --env walker2d --episodes 1", tmp.file("log"));
  CHECK(r.code == 1);  // once: "action has 3 values" from inside the first step
  CHECK_THAT(r.output, Contains("was trained on hopper (11 observations, 3 actions); --env walker2d has 17 and 6: "
                                "pass --env hopper"));
  r = test::run_command(evaluate + " --json " + tmp.file("missing/b.json"), tmp.file("log"));
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("the folder " + tmp.file("missing") + " does not exist"));
  CHECK_THAT(r.output, !Contains("target return"));  // refused before the first episode
  r = test::run_command(kEvaluate + " --checkpoint " + tmp.file("missing") + " --env hopper --episodes 1",
                        tmp.file("log"));
  CHECK(r.code != 0);
  CHECK_THAT(r.output, Contains(tmp.file("missing")));
}
TEST_CASE("evaluate-policy acts through the recurrent state when the model's context covers the episode",
          "[agent][apps][recurrent]") {
  // model.context: 1000 spelled as a number (not `episode`): a Flow-Attention model that covers the
  // episode acts recurrently by default, --acting window forces the window, and the JSON says which
  test::TempDir tmp;
  const auto dataset = test::write_synthetic_hopper(tmp);
  {
    std::ofstream cfg(tmp.file("tiny.yaml"));
    cfg << test::tiny_config_yaml(dataset, 2);
  }
  const auto run_dir = tmp.file("run");
  auto r = test::run_command(kTrain + " --config " + tmp.file("tiny.yaml") + " --set model.context=1000 " +
                                 "--set model.layers=1 --set eval.final_episodes=2 --no-progress --out " + run_dir,
                             tmp.file("log"));
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK_THAT(read(run_dir + "/eval-final.json"), Contains("\"acting\": \"recurrent\""));
  const auto evaluate = kEvaluate + " --checkpoint " + run_dir + " --env hopper --episodes 2 --quiet --threads 1";
  r = test::run_command(evaluate + " --json " + tmp.file("auto.json"), tmp.file("log"));
  REQUIRE(r.code == 0);
  CHECK_THAT(r.output, Contains("acting through the recurrent state (context 1000 steps, max_ep_len 1000"));
  const auto by_default = read(tmp.file("auto.json"));
  CHECK_THAT(by_default, Contains("\"acting\": \"recurrent\""));
  CHECK(episode_lines(by_default) == episode_lines(read(run_dir + "/eval-final.json")));
  r = test::run_command(evaluate + " --acting window --json " + tmp.file("window.json"), tmp.file("log"));
  REQUIRE(r.code == 0);
  CHECK_THAT(r.output, Contains("acting through the window"));
  const auto window = read(tmp.file("window.json"));
  CHECK_THAT(window, Contains("\"acting\": \"window\""));
  // both ways act alike: the same episode lengths (returns may differ in the last digits: float rounding)
  const auto lengths = [](const std::string& json) {
    std::string out;
    for (size_t at = json.find("\"length\": ", json.find("per_episode")); at != std::string::npos;
         at = json.find("\"length\": ", at + 1))
      out += json.substr(at, json.find(',', at) - at) + ";";
    return out;
  };
  REQUIRE_FALSE(lengths(window).empty());
  CHECK(lengths(window) == lengths(by_default));

  // a K-step model acts through its window; forcing the recurrent state on it is refused before any episode
  const auto short_run = tmp.file("short");
  r = test::run_command(kTrain + " --config " + tmp.file("tiny.yaml") + " --no-progress --out " + short_run,
                        tmp.file("log"));
  REQUIRE(r.code == 0);
  const auto evaluate_short = kEvaluate + " --checkpoint " + short_run + " --env hopper --episodes 1 --quiet --threads 1";
  r = test::run_command(evaluate_short + " --json " + tmp.file("short.json"), tmp.file("log"));
  REQUIRE(r.code == 0);
  CHECK_THAT(read(tmp.file("short.json")), Contains("\"acting\": \"window\""));
  r = test::run_command(evaluate_short + " --acting recurrent", tmp.file("log"));
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("this model's context is 5 steps"));
  CHECK_THAT(r.output, !Contains("target return"));
  r = test::run_command(evaluate_short + " --acting sometimes", tmp.file("log"));
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("--acting 'sometimes'"));
}
#else
TEST_CASE("train-agent and evaluate-policy end to end", "[agent][apps]") {
  WARN("train-agent or evaluate-policy not built: skipped");
}
#endif
