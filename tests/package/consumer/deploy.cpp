// Deploys a trained Decision Transformer from the installed flowrl: loads a train-agent run, then
// drives one environment step by step by hand, the way a controller loop would, and prints the
// episode's return. run_consumer.sh checks it against evaluate-policy's report for the same episode.
//
//   flowrl_deploy RUN_DIR TARGET_RETURN EVAL_SEED
#include <flowrl/agent/checkpoint.h>
#include <flowrl/agent/dt_policy.h>
#include <flowrl/backbone/runtime.h>
#include <flowrl/core/error.h>
#include <flowrl/core/json.h>
#include <flowrl/envs/random.h>
#include <flowrl/envs/registry.h>
#include <flowrl/envs/scores.h>

#include <iostream>
#include <string>

int main(int argc, char** argv) try {
  if (argc != 4) {
    std::cerr << "usage: flowrl_deploy RUN_DIR TARGET_RETURN EVAL_SEED\n";
    return 2;
  }
  const std::string run_dir = argv[1];
  const double target = std::stod(argv[2]);
  const uint64_t seed = std::stoull(argv[3]);

  // The run's model (or its weight average), state normalizer and config.
  auto agent = flowrl::load_agent(run_dir);
  // The run's thread counts: matrix products round by thread count, and so would the episode.
  torch::set_num_threads(static_cast<int>(agent.config.train.threads));
  flowrl::set_blas_threads(agent.config.train.blas_threads);

  auto policy = flowrl::make_policy(agent, target);  // the run's state normalizer and return scale

  // Episode 0 of `evaluate-policy --seed EVAL_SEED`: the env resets with derive_seed(seed, 0).
  auto env = flowrl::envs::make_env(agent.config.dataset.env);
  auto observation = env->reset(flowrl::envs::derive_seed(seed, 0));
  policy.start_episode(/*slot=*/0, /*seed=*/0, observation);  // the DT policy is deterministic
  double episode_return = 0.0;
  int64_t steps = 0;
  for (bool over = false; !over; ++steps) {
    const auto action = policy.act(flowrl::envs::ActBatch{{0}, {observation}}).front();
    const auto result = env->step(action);
    policy.observe(0, action, result);
    episode_return += result.reward;
    observation = result.observation;
    over = result.done();
  }
  // json_number: the 12 significant digits evaluate-policy's JSON report keeps
  std::cout << "flowrl deploy: " << env->name() << ", " << steps << " steps, return "
            << flowrl::json_number(episode_return) << ", normalized "
            << flowrl::json_number(flowrl::envs::normalized_score(env->name(), episode_return), 4) << "\n";
  return 0;
} catch (const flowrl::Error& e) {
  std::cerr << "flowrl_deploy: " << e.what() << "\n";
  return 1;
}
