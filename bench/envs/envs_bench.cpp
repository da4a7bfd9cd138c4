// envs_bench.cpp — environment throughput.
//
//   bench_envs [--steps N] [--repeats R] [--episodes E] [--threads T]
// 1. single-thread env steps/s for hopper, halfcheetah, walker2d (uniform random actions, reset on
//    done; the best of R runs of N steps);
// 2. wall time of E (100) deterministic hopper-trpo (expert) episodes through evaluate() on T (2)
//    threads, best of R.
#include <flowrl/behaviour/behaviour_policy.h>
#include <flowrl/envs/gym_locomotion.h>
#include <flowrl/envs/random.h>
#include <flowrl/envs/registry.h>
#include <flowrl/envs/vector_env.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

using namespace flowrl;
using Clock = std::chrono::steady_clock;

namespace {

// steps/s of one env on the calling thread
double steps_per_second(const std::string& name, int64_t steps) {
  auto env = envs::make_env(name);
  envs::Rng rng(1);
  envs::Action a(env->action_space().dim());
  env->reset(0);
  const auto t0 = Clock::now();
  for (int64_t k = 0; k < steps; ++k) {
    for (double& v : a) v = rng.uniform(-1.0, 1.0);
    if (env->step(a).done()) env->reset();
  }
  return static_cast<double>(steps) / std::chrono::duration<double>(Clock::now() - t0).count();
}

int64_t arg(int argc, char** argv, const char* name, int64_t fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atoll(argv[i + 1]);
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int64_t steps = arg(argc, argv, "--steps", 20000);
    const int64_t repeats = arg(argc, argv, "--repeats", 3);
    const int64_t episodes = arg(argc, argv, "--episodes", 100);
    const int64_t threads = arg(argc, argv, "--threads", 2);
    std::printf("hardware threads: %u\n\n", std::thread::hardware_concurrency());

    std::printf("| env | frame_skip x integrator | single-thread env steps/s (best of %lld x %lld steps) | mj_step/s |\n",
                static_cast<long long>(repeats), static_cast<long long>(steps));
    std::printf("|---|---|---|---|\n");
    for (const std::string name : {"hopper", "halfcheetah", "walker2d"}) {
      double best = 0;
      for (int64_t r = 0; r < repeats; ++r) best = std::max(best, steps_per_second(name, steps));
      auto env = envs::make_env(name);
      const auto& loco = dynamic_cast<const envs::LocomotionEnv&>(*env);
      const auto summary = loco.model_summary();
      std::printf("| %s | %d x %s | %.0f | %.0f |\n", name.c_str(), summary.frame_skip, summary.integrator.c_str(), best,
                  best * summary.frame_skip);
    }

    // 100 expert episodes on `threads` threads
    auto mlp = behaviour::MlpPolicy::load(std::string(FLOWRL_POLICIES_DIR) + "/hopper-trpo.h5");
    double best_wall = 1e30;
    envs::EvaluationResult last;
    for (int64_t r = 0; r < repeats; ++r) {
      const auto t0 = Clock::now();
      envs::VectorEnv venv("hopper", envs::VectorEnvOptions(std::min<int64_t>(episodes, 8 * threads)).threads(threads));
      behaviour::BehaviourPolicy policy(mlp);
      last = envs::evaluate(venv, policy, envs::EvaluateOptions(episodes).seed(0));
      best_wall = std::min(best_wall, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    std::printf("\nhopper-trpo, %lld deterministic episodes, %lld threads: best wall %.2f s over %lld runs "
                "(%lld env steps, %.0f steps/s incl. policy; mean return %.1f ± %.1f)\n",
                static_cast<long long>(episodes), static_cast<long long>(threads), best_wall,
                static_cast<long long>(repeats), static_cast<long long>(last.total_steps),
                static_cast<double>(last.total_steps) / best_wall, last.returns.mean, last.returns.std);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_envs: %s\n", e.what());
    return 1;
  }
}
