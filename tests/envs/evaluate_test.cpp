// evaluate_test.cpp — evaluate(): per-episode seeds independent of threads/copies, summaries, reports.
#include <flowrl/core/error.h>
#include <flowrl/envs/evaluate.h>
#include <flowrl/envs/locomotion_env.h>
#include <flowrl/envs/random.h>
#include <flowrl/envs/scores.h>
#include <flowrl/envs/vector_env.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

using namespace flowrl;
using namespace flowrl::envs;

namespace {

// a stateful policy: a damped oscillation plus per-episode noise from the episode seed
class WobblePolicy : public Policy {
 public:
  explicit WobblePolicy(bool concurrent) : concurrent_(concurrent) {}
  void start_episode(int64_t slot, uint64_t seed, const Observation& obs) override {
    if (static_cast<size_t>(slot) >= slots_.size()) slots_.resize(static_cast<size_t>(slot) + 1);
    slots_[static_cast<size_t>(slot)] = {Rng(seed), 0};
    CHECK(!obs.empty());
  }
  std::vector<Action> act(const ActBatch& batch) override {
    std::vector<Action> out;
    for (size_t k = 0; k < batch.slots.size(); ++k) {
      auto& s = slots_[static_cast<size_t>(batch.slots[k])];
      const auto& o = batch.observations[k];
      Action a(3);
      for (size_t i = 0; i < 3; ++i) a[i] = std::tanh(-0.5 * o[2 + i] - 0.1 * o[8 + i]) + 0.2 * s.rng.normal();
      out.push_back(a);
    }
    return out;
  }
  void observe(int64_t slot, const Action&, const StepResult&) override { ++slots_[static_cast<size_t>(slot)].steps; }
  bool concurrent_slots() const override { return concurrent_; }

 private:
  struct Slot {
    Rng rng;
    int64_t steps;
  };
  bool concurrent_;
  std::vector<Slot> slots_;
};

class WrongCountPolicy : public Policy {
 public:
  std::vector<Action> act(const ActBatch& batch) override { return std::vector<Action>(batch.slots.size() + 1, Action(3, 0.0)); }
};

EvaluationResult run(int64_t copies, int64_t threads, bool concurrent, int64_t episodes = 7) {
  VectorEnv venv("hopper", VectorEnvOptions(copies).threads(threads).env(EnvOptions().max_episode_steps(120)));
  WobblePolicy policy(concurrent);
  return evaluate(venv, policy, EvaluateOptions(episodes).seed(3));
}

}  // namespace

TEST_CASE("evaluate gives the same episodes for any copies, threads and policy mode", "[envs][evaluate]") {
  EvaluationResult ref = run(1, 1, false);
  REQUIRE(ref.episodes.size() == 7);
  for (auto [copies, threads, concurrent] : {std::tuple{3, 2, false}, std::tuple{7, 3, true}, std::tuple{4, 1, true}}) {
    INFO("copies " << copies << " threads " << threads << " concurrent " << concurrent);
    EvaluationResult r = run(copies, threads, concurrent);
    REQUIRE(r.episodes.size() == ref.episodes.size());
    for (size_t e = 0; e < ref.episodes.size(); ++e) {
      CHECK(r.episodes[e].index == static_cast<int64_t>(e));
      CHECK(r.episodes[e].seed == ref.episodes[e].seed);
      CHECK(r.episodes[e].episode_return == ref.episodes[e].episode_return);
      CHECK(r.episodes[e].length == ref.episodes[e].length);
      CHECK(r.episodes[e].terminated == ref.episodes[e].terminated);
    }
  }
}

TEST_CASE("evaluate summaries, normalization and bookkeeping", "[envs][evaluate]") {
  EvaluationResult r = run(3, 2, true, 5);
  CHECK(r.env == "hopper");
  CHECK(r.seed == 3);
  std::set<uint64_t> seeds;
  std::vector<double> returns;
  int64_t steps = 0;
  for (const auto& e : r.episodes) {
    seeds.insert(e.seed);
    CHECK(e.seed == derive_seed(3, static_cast<uint64_t>(e.index)));
    CHECK(e.length >= 1);
    CHECK(e.length <= 120);
    CHECK(e.terminated == (e.length < 120));
    REQUIRE(e.normalized.has_value());
    CHECK(*e.normalized == Approx(normalized_score("hopper", e.episode_return)));
    returns.push_back(e.episode_return);
    steps += e.length;
  }
  CHECK(seeds.size() == 5);
  CHECK(r.total_steps == steps);
  Summary s = summarize(returns);
  CHECK(r.returns.mean == Approx(s.mean));
  CHECK(r.returns.std == Approx(s.std));
  REQUIRE(r.normalized.has_value());
  CHECK(r.normalized->mean == Approx(normalized_score("hopper", s.mean)));
  CHECK(r.wall_seconds > 0);
}

TEST_CASE("summarize uses the population std", "[envs][evaluate]") {
  Summary s = summarize({1, 2, 3, 4});
  CHECK(s.mean == 2.5);
  CHECK(s.std == Approx(std::sqrt(1.25)));
  CHECK(s.min == 1);
  CHECK(s.max == 4);
  CHECK(summarize({}).mean == 0.0);
}

TEST_CASE("evaluate reports: text and JSON", "[envs][evaluate]") {
  EvaluationResult r = run(2, 1, false, 3);
  r.info["policy"] = "some \"quoted\" file.h5";
  const std::string episodes = format_episodes(r);
  CHECK(episodes.find("episode    0") != std::string::npos);
  CHECK(episodes.find("episode    2") != std::string::npos);
  const std::string summary = format_summary(r);
  CHECK(summary.find("hopper: 3 episodes") != std::string::npos);
  CHECK(summary.find("return") != std::string::npos);
  CHECK(summary.find("normalized") != std::string::npos);

  const std::string json = to_json(r);
  for (const char* key : {"\"env\": \"hopper\"", "\"return\": {\"mean\"", "\"normalized_return\": {\"mean\"", "\"per_episode\": [",
                          "\"length\": ", "\"terminated\": ", "\\\"quoted\\\""})
    CHECK(json.find(key) != std::string::npos);

  const std::string path = "evaluate_test_out.json";
  write_json(r, path);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == json);
  std::remove(path.c_str());
  CHECK_THROWS_WITH(write_json(r, "/nonexistent-dir/x.json"), Catch::Contains("/nonexistent-dir/x.json"));
}

TEST_CASE("evaluate rejects bad policies and options", "[envs][evaluate]") {
  VectorEnv venv("hopper", VectorEnvOptions(2));
  WrongCountPolicy wrong;
  CHECK_THROWS_WITH(evaluate(venv, wrong, EvaluateOptions(2)), Catch::Contains("returned 3 actions for a batch of 2"));
  WobblePolicy ok(false);
  CHECK_THROWS_AS(evaluate(venv, ok, EvaluateOptions(0)), Error);
}

namespace {

// records what evaluate() tells an observer, and the env state it was shown
class LogObserver : public EpisodeObserver {
 public:
  struct Episode {
    int64_t resets = 0, steps = 0, ends = 0;
    double reward = 0;
    std::vector<double> last_qpos;
  };
  void on_evaluation_start(const std::string& env, int64_t episodes) override {
    CHECK(env == "hopper");
    starts.push_back(episodes);
  }
  void on_reset(int64_t episode, const Env& env) override {
    Episode& e = episodes[episode];
    ++e.resets;
    CHECK(env.elapsed_steps() == 0);
  }
  void on_step(int64_t episode, const Env& env, const StepResult& result) override {
    Episode& e = episodes[episode];
    CHECK(e.resets == 1);
    CHECK(e.ends == 0);
    ++e.steps;
    e.reward += result.reward;
    CHECK(env.elapsed_steps() == e.steps);  // the env is in the state after this step
    e.last_qpos = dynamic_cast<const LocomotionEnv&>(env).state().qpos;
  }
  void on_episode_end(const EpisodeResult& result) override {
    Episode& e = episodes[result.index];
    ++e.ends;
    CHECK(result.length == e.steps);
    CHECK(result.episode_return == e.reward);
    ends.push_back(result.index);
  }
  void on_evaluation_end(const EvaluationResult& result) override { finished = static_cast<int64_t>(result.episodes.size()); }

  std::vector<int64_t> starts, ends;
  std::map<int64_t, Episode> episodes;
  int64_t finished = -1;
};

}  // namespace

TEST_CASE("an observer sees every reset, step and end, and changes nothing", "[envs][evaluate]") {
  const EvaluationResult plain = run(3, 2, true, 5);
  for (bool concurrent : {true, false}) {
    LogObserver log;
    VectorEnv venv("hopper", VectorEnvOptions(3).threads(2).env(EnvOptions().max_episode_steps(120)));
    WobblePolicy policy(concurrent);
    const EvaluationResult r = evaluate(venv, policy, EvaluateOptions(5).seed(3).observer(&log));
    CHECK(log.starts == std::vector<int64_t>{5});
    CHECK(log.finished == 5);
    CHECK(log.ends.size() == 5);
    REQUIRE(log.episodes.size() == 5);
    for (size_t e = 0; e < 5; ++e) {
      CHECK(r.episodes[e].episode_return == plain.episodes[e].episode_return);
      CHECK(log.episodes[static_cast<int64_t>(e)].resets == 1);
      CHECK(log.episodes[static_cast<int64_t>(e)].ends == 1);
      CHECK(log.episodes[static_cast<int64_t>(e)].last_qpos.size() == 6);
    }
  }
}
