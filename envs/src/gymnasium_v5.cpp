// gymnasium_v5.cpp — Gymnasium's v5 locomotion envs (gymnasium/envs/mujoco/*_v5.py defaults) as the
// Gym v3 specs plus Gymnasium's changes.
#include <flowrl/envs/gym_locomotion.h>
#include <flowrl/envs/gymnasium_v5.h>

namespace flowrl::envs {
namespace {

// what every v5 env changes: its names, and MuJoCo 3.x's qpos (Gymnasium requires mujoco >= 2.3.3)
LocomotionSpec v5(LocomotionSpec spec, const char* name, const char* gymnasium_id) {
  spec.name = name;
  spec.gym_id = gymnasium_id;
  spec.quaternion = QuaternionInQpos::kAsGiven;
  return spec;
}

}  // namespace

LocomotionSpec hopper_v5_spec() {
  LocomotionSpec spec = v5(hopper_spec(), "hopper-v5", "Hopper-v5");
  spec.healthy_reward_rule = HealthyReward::kWhileHealthy;
  return spec;
}

LocomotionSpec walker2d_v5_spec() {
  LocomotionSpec spec = v5(walker2d_spec(), "walker2d-v5", "Walker2d-v5");
  spec.model_file = "walker2d_v5.xml";  // both feet at friction 1.9
  spec.healthy_reward_rule = HealthyReward::kWhileHealthy;
  return spec;
}

LocomotionSpec halfcheetah_v5_spec() { return v5(halfcheetah_spec(), "halfcheetah-v5", "HalfCheetah-v5"); }

LocomotionSpec ant_v5_spec() {
  LocomotionSpec spec = v5(ant_spec(), "ant-v5", "Ant-v5");
  spec.healthy_reward_rule = HealthyReward::kWhileHealthy;
  spec.contact_forces = ContactForces::kMeasured;  // contact_cost_weight 5e-4 and the range +-1 as in v3
  return spec;
}

std::unique_ptr<LocomotionEnv> make_hopper_v5(const EnvOptions& options) {
  return std::make_unique<LocomotionEnv>(hopper_v5_spec(), options);
}
std::unique_ptr<LocomotionEnv> make_walker2d_v5(const EnvOptions& options) {
  return std::make_unique<LocomotionEnv>(walker2d_v5_spec(), options);
}
std::unique_ptr<LocomotionEnv> make_halfcheetah_v5(const EnvOptions& options) {
  return std::make_unique<LocomotionEnv>(halfcheetah_v5_spec(), options);
}
std::unique_ptr<LocomotionEnv> make_ant_v5(const EnvOptions& options) {
  return std::make_unique<LocomotionEnv>(ant_v5_spec(), options);
}

}  // namespace flowrl::envs
