// vector_env_test.cpp — copies seeded from one seed, results independent of the thread count, errors.
#include <flowrl/core/error.h>
#include <flowrl/envs/gym_locomotion.h>
#include <flowrl/envs/random.h>
#include <flowrl/envs/vector_env.h>

#include <catch2/catch.hpp>

using namespace flowrl;
using namespace flowrl::envs;

namespace {

// steps all copies with a fixed action pattern until every copy has finished once or `steps` ran
std::vector<std::vector<double>> run(int64_t threads, int steps) {
  VectorEnv venv("hopper", VectorEnvOptions(5).threads(threads));
  std::vector<std::vector<double>> trace;
  auto obs = venv.reset(77);
  for (auto& o : obs) trace.push_back(o);
  std::vector<bool> done(5, false);
  for (int t = 0; t < steps; ++t) {
    std::vector<int64_t> live;
    std::vector<Action> actions;
    for (int64_t i = 0; i < 5; ++i)
      if (!done[static_cast<size_t>(i)]) {
        live.push_back(i);
        actions.push_back({std::sin(0.1 * t + i), std::cos(0.2 * t), 0.3});
      }
    if (live.empty()) break;
    auto results = venv.step(live, actions);
    for (size_t k = 0; k < live.size(); ++k) {
      trace.push_back(results[k].observation);
      trace.push_back({results[k].reward, double(results[k].terminated), double(results[k].truncated)});
      if (results[k].done()) done[static_cast<size_t>(live[k])] = true;
    }
  }
  return trace;
}

}  // namespace

TEST_CASE("VectorEnv results do not depend on the thread count", "[envs][vector_env]") {
  auto one = run(1, 150);
  CHECK(run(2, 150) == one);
  CHECK(run(4, 150) == one);
}

TEST_CASE("VectorEnv seeds copy i with derive_seed(seed, i)", "[envs][vector_env]") {
  VectorEnv venv("walker2d", VectorEnvOptions(3).threads(2));
  CHECK(venv.size() == 3);
  CHECK(venv.name() == "walker2d");
  CHECK(venv.observation_space().dim() == 17);
  CHECK(venv.action_space().dim() == 6);
  auto obs = venv.reset(5);
  auto single = make_walker2d();
  for (int64_t i = 0; i < 3; ++i) CHECK(obs[static_cast<size_t>(i)] == single->reset(derive_seed(5, static_cast<uint64_t>(i))));
  CHECK(obs[0] != obs[1]);
  CHECK(venv.reset_at(1, 99) == single->reset(99));
  // full step
  auto results = venv.step(std::vector<Action>(3, Action(6, 0.1)));
  CHECK(results.size() == 3);
  CHECK(venv.env(0).elapsed_steps() == 1);
}

TEST_CASE("VectorEnv errors name the copy and the problem", "[envs][vector_env]") {
  VectorEnv venv("hopper", VectorEnvOptions(2).threads(2));
  CHECK_THROWS_WITH(venv.step(std::vector<Action>(2, Action(3, 0.0))), Catch::Contains("env copy 0") && Catch::Contains("reset()"));
  venv.reset(0);
  CHECK_THROWS_WITH(venv.step(std::vector<Action>(1, Action(3, 0.0))), Catch::Contains("1 actions for 2 env copies"));
  CHECK_THROWS_WITH(venv.step({Action(3, 0.0), Action(2, 0.0)}), Catch::Contains("env copy 1") && Catch::Contains("action has 2"));
  CHECK_THROWS_WITH(venv.step({0, 0}, {Action(3, 0.0), Action(3, 0.0)}), Catch::Contains("listed twice"));
  CHECK_THROWS_WITH(venv.step({5}, {Action(3, 0.0)}), Catch::Contains("out of range"));
  CHECK_THROWS_AS(venv.env(2), Error);
  CHECK_THROWS_AS(VectorEnv("hopper", VectorEnvOptions(0)), Error);
  CHECK_THROWS_WITH(VectorEnv("nope", VectorEnvOptions(1)), Catch::Contains("unknown environment"));

  std::vector<std::unique_ptr<Env>> mixed;
  mixed.push_back(make_hopper());
  mixed.push_back(make_walker2d());
  CHECK_THROWS_WITH(VectorEnv(std::move(mixed)), Catch::Contains("other spaces"));
}
