// half_cheetah.cpp — Gym HalfCheetah-v3 (gym/envs/mujoco/half_cheetah_v3.py defaults), as D4RL's
// halfcheetah-*-v2 used it: no health check, never terminates, unclipped velocities.
#include <flowrl/envs/gym_locomotion.h>

namespace flowrl::envs {

LocomotionSpec halfcheetah_spec() {
  LocomotionSpec spec;
  spec.name = "halfcheetah";
  spec.gym_id = "HalfCheetah-v3";
  spec.model_file = "half_cheetah.xml";
  spec.frame_skip = 5;  // dt = 0.01 * 5 = 0.05
  spec.forward_reward_weight = 1.0;
  spec.ctrl_cost_weight = 0.1;
  spec.healthy_reward = 0.0;
  spec.terminate_when_unhealthy = false;
  spec.reset_noise_scale = 0.1;
  spec.velocity_noise = VelocityNoise::kNormal;
  return spec;
}

std::unique_ptr<LocomotionEnv> make_halfcheetah(const EnvOptions& options) {
  return std::make_unique<LocomotionEnv>(halfcheetah_spec(), options);
}

}  // namespace flowrl::envs
