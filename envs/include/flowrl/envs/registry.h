// flowrl/envs/registry.h — environments by name.
//
// Built in: "hopper", "halfcheetah", "walker2d", "ant" (Gym v3, D4RL's envs), the positions-only variants
// "hopper-positions", "halfcheetah-positions", "walker2d-positions" (EnvOptions::observe_velocities), and
// Gymnasium's v5 envs "hopper-v5", "halfcheetah-v5", "walker2d-v5", "ant-v5" (flowrl/envs/gymnasium_v5.h).
// A name may also be a D4RL dataset name ("hopper-medium-v2", "ant-medium-replay-v2", ...), a Gym id
// ("Hopper-v3", "Ant-v3") or a Gymnasium v5 id as a Minari dataset's env_spec names it ("Hopper-v5");
// each maps to the env the data came from.
//
//   auto env = make_env("Hopper-v5");                    // Gymnasium's Hopper-v5: name() == "hopper-v5"
//
//   auto env = make_env("hopper-medium-v2");            // a Hopper
//   register_env("my-env", [](const EnvOptions& o) { return std::make_unique<MyEnv>(o); });
#pragma once

#include <flowrl/envs/env.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace flowrl::envs {

/// Builds an env from options.
using EnvFactory = std::function<std::unique_ptr<Env>(const EnvOptions&)>;

/// Registers `factory` under `name` (lowercase letters, digits, '-', '_'). Throws flowrl::Error if the
/// name is taken or malformed.
void register_env(const std::string& name, EnvFactory factory);

/// The registered env a name refers to: a registered name, a D4RL dataset name
/// (<env>-<random|medium|expert|medium-replay|medium-expert|full-replay>-v<N>) or a Gym id
/// (Hopper-v2/v3, HalfCheetah-v2/v3, Walker2d-v2/v3, Ant-v2/v3) or a Gymnasium v5 id (Hopper-v5,
/// HalfCheetah-v5, Walker2d-v5, Ant-v5). Throws flowrl::Error listing the known names.
std::string resolve_env_name(const std::string& name);

/// A new env for `name` (anything resolve_env_name() accepts).
std::unique_ptr<Env> make_env(const std::string& name, const EnvOptions& options = {});

/// Registered env names, sorted.
std::vector<std::string> registered_envs();

/// The env that observes everything a positions-only variant hides: "hopper-positions" -> "hopper"
/// (a behaviour policy acts there); any other name is returned unchanged.
std::string full_observation_env(const std::string& name);

/// True for a positions-only variant's name ("walker2d-positions").
bool is_positions_only(const std::string& name);

/// The Gym v3 env of the same body as a Gymnasium v5 env: "hopper-v5" -> "hopper" (a policy trained on
/// Hopper-v3 acts there, the observation layout being the same; ant-v5's is not, see gymnasium_v5.h);
/// any other name is returned unchanged.
std::string gym_v3_env(const std::string& name);

}  // namespace flowrl::envs
