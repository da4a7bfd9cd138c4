// rollout.cpp — the rollout loop and collect(env, behaviour, options) (see flowrl/collect/rollout.h).
#include <flowrl/collect/rollout.h>

#include "roll.h"

#include <flowrl/behaviour/behaviour_policy.h>
#include <flowrl/core/error.h>
#include <flowrl/core/progress.h>
#include <flowrl/envs/evaluate.h>
#include <flowrl/envs/locomotion_env.h>
#include <flowrl/envs/random.h>
#include <flowrl/envs/registry.h>
#include <flowrl/envs/vector_env.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

namespace flowrl::collect {

namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// the rows of one episode while it runs
struct EpisodeRows {
  std::vector<float> obs, next_obs, act, rew, logp;
  std::vector<double> qpos, qvel;
  std::vector<uint8_t> term, tout;
  int64_t rows = 0;
  bool finished = false;
};

// one env copy
struct Slot {
  int64_t episode = -1;  // -1: free
  envs::Observation obs;
  int64_t step = 0;
  envs::Rng noise;  // extra action noise (and random actions)
  // this step's outputs, filled in parallel
  envs::Action action;
  double logp = 0.0;
  envs::MujocoState state;
};

// log-density of `a` under the policy's Gaussian at `input` (tanh-corrected for squashed policies)
double policy_log_prob(const behaviour::MlpPolicy& policy, const envs::Observation& input, const envs::Action& a,
                       const Behaviour& b) {
  const auto dist = policy.distribution(input);
  std::vector<double> log_std = dist.log_std;
  if (log_std.empty()) {
    if (!(b.stochastic && b.noise_std)) return 0.0;  // deterministic policy without a density
    log_std.assign(dist.mean.size(), std::log(*b.noise_std));
  }
  double lp = 0.0;
  for (size_t j = 0; j < a.size(); ++j) {
    double x = a[j];
    double jac = 0.0;
    if (policy.output() == behaviour::OutputKind::kTanh) {
      const double c = std::max(-1.0 + 1e-6, std::min(1.0 - 1e-6, x));
      x = std::atanh(c);
      jac = -std::log(1.0 - c * c + 1e-6);  // rlkit's TanhNormal correction
    }
    const double z = (x - dist.mean[j]) / std::exp(log_std[j]);
    lp += -0.5 * z * z - log_std[j] - kLogSqrt2Pi + jac;
  }
  return lp;
}

}  // namespace

std::string Behaviour::describe() const {
  std::ostringstream out;
  if (policy == "random") {
    out << "random (uniform actions)";
  } else {
    const auto slash = policy.find_last_of('/');
    out << (slash == std::string::npos ? policy : policy.substr(slash + 1))
        << (stochastic ? " stochastic" : " deterministic");
    if (stochastic && noise_std) out << " (noise_std " << *noise_std << ")";
  }
  if (action_noise > 0) out << " + N(0, " << action_noise << "^2) action noise";
  return out.str();
}

namespace detail {

CollectSummary roll(const std::string& env_name, const Behaviour& behaviour, const CollectOptions& options) {
  FLOWRL_CHECK(options.transitions() >= 1, "collect: transitions must be >= 1, got ", options.transitions(), ".");
  FLOWRL_CHECK(options.threads() >= 1, "collect: threads must be >= 1, got ", options.threads(), ".");
  FLOWRL_CHECK(behaviour.action_noise >= 0, "action noise must be >= 0, got ", behaviour.action_noise, ".");
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t N = options.transitions();
  const int64_t copies = options.num_envs() > 0 ? options.num_envs() : 8 * options.threads();
  // the policy acts on full observations; a positions-only env's rows keep their first R values
  const std::string env = envs::resolve_env_name(env_name);
  envs::VectorEnv venv(envs::full_observation_env(env), envs::VectorEnvOptions(copies).threads(options.threads()));
  const int64_t S = static_cast<int64_t>(venv.observation_space().dim());
  const int64_t A = static_cast<int64_t>(venv.action_space().dim());
  const int64_t R = envs::is_positions_only(env) ? static_cast<int64_t>(envs::make_env(env)->observation_space().dim()) : S;
  const bool has_state = dynamic_cast<envs::LocomotionEnv*>(&venv.env(0)) != nullptr;

  // the policy (or random actions)
  const bool random = behaviour.policy == "random";
  std::unique_ptr<behaviour::BehaviourPolicy> policy;
  if (!random) {
    auto mlp = behaviour::MlpPolicy::load(behaviour.policy);
    behaviour::check_policy_env(mlp, envs::full_observation_env(env), S, A);
    policy = std::make_unique<behaviour::BehaviourPolicy>(
        std::move(mlp), behaviour::BehaviourPolicyOptions().stochastic(behaviour.stochastic).noise_std(behaviour.noise_std));
  }
  const double random_logp = -static_cast<double>(A) * std::log(2.0);  // uniform on [-1, 1]^A

  std::vector<Slot> slots(static_cast<size_t>(copies));
  std::map<int64_t, EpisodeRows> pending;  // running or finished, not yet written
  data::D4RLDataset out;
  out.observations.cols = R;
  out.next_observations.cols = R;
  out.actions.cols = A;
  int64_t next_episode = 0, next_flush = 0, written = 0, live_rows = 0, steps = 0;
  std::optional<ProgressBar> bar;
  if (options.progress()) bar.emplace(N, options.label() + " rows");

  // appends the first `rows` rows of an episode to the output
  auto flush = [&](EpisodeRows& e, int64_t rows) {
    auto put = [rows](auto& to, const auto& from, int64_t width) {
      to.insert(to.end(), from.begin(), from.begin() + rows * width);
    };
    put(out.observations.values, e.obs, R);
    put(out.next_observations.values, e.next_obs, R);
    put(out.actions.values, e.act, A);
    put(out.rewards, e.rew, 1);
    put(out.terminals, e.term, 1);
    put(out.timeouts, e.tout, 1);
    put(out.infos.action_log_probs, e.logp, 1);
    if (has_state) {
      out.infos.qpos.cols = static_cast<int64_t>(e.qpos.size()) / std::max<int64_t>(e.rows, 1);
      out.infos.qvel.cols = static_cast<int64_t>(e.qvel.size()) / std::max<int64_t>(e.rows, 1);
      put(out.infos.qpos.values, e.qpos, out.infos.qpos.cols);
      put(out.infos.qvel.values, e.qvel, out.infos.qvel.cols);
    }
    written += rows;
  };

  std::vector<int64_t> active;
  std::vector<envs::Action> actions;
  while (written < N) {
    // start episodes on free copies while the launched rows may still fall short of N
    for (int64_t i = 0; i < copies; ++i) {
      Slot& s = slots[static_cast<size_t>(i)];
      if (s.episode >= 0 || live_rows >= N) continue;
      s.episode = next_episode++;
      const auto k = static_cast<uint64_t>(s.episode);
      s.obs = venv.reset_at(i, envs::derive_seed(options.seed(), k));
      const uint64_t policy_seed = envs::derive_seed(options.seed() ^ envs::kPolicySeedSalt, k);
      s.noise.seed(envs::derive_seed(policy_seed, 1));
      s.step = 0;
      if (policy) policy->start_episode(i, policy_seed, s.obs);
      pending[s.episode];
    }
    active.clear();
    for (int64_t i = 0; i < copies; ++i)
      if (slots[static_cast<size_t>(i)].episode >= 0) active.push_back(i);
    FLOWRL_CHECK(!active.empty(), "collect: internal error: no running episode before ", N, " rows.");

    // actions (and the state before them) for every running copy, in parallel
    venv.pool().parallel_for(static_cast<int64_t>(active.size()), [&](int64_t k) {
      const int64_t i = active[static_cast<size_t>(k)];
      Slot& s = slots[static_cast<size_t>(i)];
      if (has_state) s.state = static_cast<envs::LocomotionEnv&>(venv.env(i)).state();
      if (random) {
        s.action.assign(static_cast<size_t>(A), 0.0);
        for (auto& v : s.action) v = s.noise.uniform(-1.0, 1.0);
        s.logp = random_logp;
      } else {
        s.action = policy->act(envs::ActBatch{{i}, {s.obs}}).front();
      }
      if (behaviour.action_noise > 0)
        for (auto& v : s.action) v = std::max(-1.0, std::min(1.0, v + behaviour.action_noise * s.noise.normal()));
      if (!random) s.logp = policy_log_prob(policy->policy(), policy->policy_input(s.obs, s.step), s.action, behaviour);
    });
    actions.clear();
    for (int64_t i : active) actions.push_back(slots[static_cast<size_t>(i)].action);
    const auto results = venv.step(active, actions);
    steps += static_cast<int64_t>(active.size());

    // record the rows
    for (size_t k = 0; k < active.size(); ++k) {
      const int64_t i = active[k];
      Slot& s = slots[static_cast<size_t>(i)];
      const envs::StepResult& r = results[k];
      if (policy) policy->observe(i, s.action, r);
      EpisodeRows& e = pending[s.episode];
      for (int64_t j = 0; j < R; ++j) e.obs.push_back(static_cast<float>(s.obs[static_cast<size_t>(j)]));
      for (int64_t j = 0; j < R; ++j) e.next_obs.push_back(static_cast<float>(r.observation[static_cast<size_t>(j)]));
      for (double v : s.action) e.act.push_back(static_cast<float>(v));
      e.rew.push_back(static_cast<float>(r.reward));
      // D4RL: the 1000th step is a timeout (never a terminal); an earlier end is a terminal
      e.tout.push_back(r.truncated);
      e.term.push_back(r.terminated && !r.truncated);
      e.logp.push_back(static_cast<float>(s.logp));
      if (has_state) {
        e.qpos.insert(e.qpos.end(), s.state.qpos.begin(), s.state.qpos.end());
        e.qvel.insert(e.qvel.end(), s.state.qvel.begin(), s.state.qvel.end());
      }
      ++e.rows;
      ++live_rows;
      ++s.step;
      s.obs = r.observation;
      if (r.done()) {
        e.finished = true;
        s.episode = -1;
      }
    }

    // write finished episodes in index order; the one that reaches N rows is cut there
    while (written < N) {
      auto it = pending.find(next_flush);
      if (it == pending.end()) break;
      EpisodeRows& e = it->second;
      if (!e.finished && written + e.rows < N) break;
      flush(e, std::min(e.rows, N - written));
      pending.erase(it);
      ++next_flush;
    }
    if (bar) bar->update(written, std::to_string(next_flush) + " episodes");
  }
  if (bar) bar->finish(std::to_string(next_flush) + " episodes");

  out.observations.rows = N;
  out.next_observations.rows = N;
  out.actions.rows = N;
  if (has_state) {
    out.infos.qpos.rows = N;
    out.infos.qvel.rows = N;
  }
  out.source = env + " rollouts of " + behaviour.describe();
  CollectSummary made;
  made.dataset = std::move(out);
  made.episodes_started = next_episode;
  made.env_steps = steps;
  made.seconds = seconds_since(t0);
  return made;
}

void stamp_metadata(CollectSummary& summary, const std::string& env, uint64_t seed, const std::string& behaviours) {
  auto& strings = summary.dataset.metadata.strings;
  strings["flowrl/env"] = env;
  strings["flowrl/seed"] = std::to_string(seed);
  strings["flowrl/behaviour"] = behaviours;
  if (summary.behaviour && summary.behaviour->policy != "random") {
    std::string algorithm = behaviour::MlpPolicy::load(summary.behaviour->policy).info().algorithm;
    std::transform(algorithm.begin(), algorithm.end(), algorithm.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    strings["algorithm"] = algorithm;
  }
}

}  // namespace detail

CollectSummary collect(const std::string& env_name, const Behaviour& behaviour, const CollectOptions& options) {
  const std::string env = envs::resolve_env_name(env_name);
  CollectOptions o = options;
  if (o.label().empty()) o.label(env);
  CollectSummary made = detail::roll(env, behaviour, o);
  made.description = behaviour.describe();
  made.behaviour = behaviour;
  detail::stamp_metadata(made, env, options.seed(), behaviour.describe());
  return made;
}

}  // namespace flowrl::collect

