// envs_bench.cpp — environment throughput.
//
//   bench_envs [--steps N] [--repeats R] [--episodes E] [--threads T]
// 1. single-thread env steps/s for hopper, halfcheetah, walker2d, ant (uniform random actions, reset on
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
#include <string>
#include <thread>

#include <time.h>

#include "../common/bench_util.h"

using namespace flowrl;
using Clock = std::chrono::steady_clock;

namespace {

// CPU seconds used by the calling thread / the whole process
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// one single-thread run: steps per wall second and per CPU second
struct Rate {
  double wall = 0;
  double cpu = 0;
};

// steps/s of one env on the calling thread
Rate steps_per_second(const std::string& name, int64_t steps) {
  auto env = envs::make_env(name);
  envs::Rng rng(1);
  envs::Action a(env->action_space().dim());
  env->reset(0);
  const auto t0 = Clock::now();
  const double c0 = thread_cpu_seconds();
  for (int64_t k = 0; k < steps; ++k) {
    for (double& v : a) v = rng.uniform(-1.0, 1.0);
    if (env->step(a).done()) env->reset();
  }
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  return {static_cast<double>(steps) / wall, static_cast<double>(steps) / (thread_cpu_seconds() - c0)};
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const flowrl::bench::Args args(argc, argv,
                                   "usage: bench_envs [--steps N] [--repeats R] [--episodes E] [--threads T]",
                                   {"--steps", "--repeats", "--episodes", "--threads"});
    const int64_t steps = args.integer("--steps", 20000);
    const int64_t repeats = args.integer("--repeats", 3);
    const int64_t episodes = args.integer("--episodes", 100);
    const int64_t threads = args.integer("--threads", 2);
    std::printf("hardware threads: %u\n\n", std::thread::hardware_concurrency());

    std::printf("| env | mj_step per env step | env steps/s, 1 thread (wall, best of %lld x %lld steps) | env steps per CPU-second | µs per env step (CPU) |\n",
                static_cast<long long>(repeats), static_cast<long long>(steps));
    std::printf("|---|---|---|---|---|\n");
    for (const std::string name : {"hopper", "halfcheetah", "walker2d", "ant"}) {
      Rate best;
      for (int64_t r = 0; r < repeats; ++r) {
        const Rate rate = steps_per_second(name, steps);
        best.wall = std::max(best.wall, rate.wall);
        best.cpu = std::max(best.cpu, rate.cpu);
      }
      auto env = envs::make_env(name);
      const auto summary = dynamic_cast<const envs::LocomotionEnv&>(*env).model_summary();
      std::printf("| %s | %d (%s) | %.0f | %.0f | %.1f |\n", name.c_str(), summary.frame_skip, summary.integrator.c_str(),
                  best.wall, best.cpu, 1e6 / best.cpu);
    }

    // 100 expert episodes on `threads` threads
    auto mlp = behaviour::MlpPolicy::load(std::string(FLOWRL_POLICIES_DIR) + "/hopper-trpo.h5");
    double best_wall = 1e30, best_cpu = 1e30;
    envs::EvaluationResult last;
    for (int64_t r = 0; r < repeats; ++r) {
      const auto t0 = Clock::now();
      const double c0 = process_cpu_seconds();
      envs::VectorEnv venv("hopper", envs::VectorEnvOptions(std::min<int64_t>(episodes, 8 * threads)).threads(threads));
      behaviour::BehaviourPolicy policy(mlp);
      last = envs::evaluate(venv, policy, envs::EvaluateOptions(episodes).seed(0));
      best_wall = std::min(best_wall, std::chrono::duration<double>(Clock::now() - t0).count());
      best_cpu = std::min(best_cpu, process_cpu_seconds() - c0);
    }
    std::printf("\nhopper-trpo (expert), %lld deterministic episodes, %lld threads, best of %lld runs: wall %.2f s, "
                "CPU %.2f s (%lld env steps, %.0f steps/s wall incl. policy; mean return %.1f ± %.1f)\n",
                static_cast<long long>(episodes), static_cast<long long>(threads), static_cast<long long>(repeats),
                best_wall, best_cpu, static_cast<long long>(last.total_steps),
                static_cast<double>(last.total_steps) / best_wall, last.returns.mean, last.returns.std);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_envs: %s\n", e.what());
    return 1;
  }
}
