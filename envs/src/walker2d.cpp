// walker2d.cpp — Gym Walker2d-v3 (gym/envs/mujoco/walker2d_v3.py defaults), as D4RL's walker2d-*-v2 used it.
#include <flowrl/envs/gym_locomotion.h>

namespace flowrl::envs {

LocomotionSpec walker2d_spec() {
  LocomotionSpec spec;
  spec.name = "walker2d";
  spec.gym_id = "Walker2d-v3";
  spec.model_file = "walker2d.xml";
  spec.frame_skip = 4;  // dt = 0.002 * 4 = 0.008
  spec.forward_reward_weight = 1.0;
  spec.ctrl_cost_weight = 1e-3;
  spec.healthy_reward = 1.0;
  spec.terminate_when_unhealthy = true;
  spec.healthy_z_range = OpenRange{0.8, 2.0};
  spec.healthy_angle_range = OpenRange{-1.0, 1.0};
  spec.velocity_clip = 10.0;
  spec.reset_noise_scale = 5e-3;
  spec.velocity_noise = VelocityNoise::kUniform;
  return spec;
}

std::unique_ptr<LocomotionEnv> make_walker2d(const EnvOptions& options) {
  return std::make_unique<LocomotionEnv>(walker2d_spec(), options);
}

}  // namespace flowrl::envs
