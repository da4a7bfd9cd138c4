// hopper.cpp — Gym Hopper-v3 (gym/envs/mujoco/hopper_v3.py defaults), as D4RL's hopper-*-v2 used it.
#include <flowrl/envs/gym_locomotion.h>

#include <limits>

namespace flowrl::envs {

LocomotionSpec hopper_spec() {
  LocomotionSpec spec;
  spec.name = "hopper";
  spec.gym_id = "Hopper-v3";
  spec.model_file = "hopper.xml";
  spec.frame_skip = 4;  // dt = 0.002 * 4 = 0.008
  spec.forward_reward_weight = 1.0;
  spec.ctrl_cost_weight = 1e-3;
  spec.healthy_reward = 1.0;
  spec.terminate_when_unhealthy = true;
  spec.healthy_z_range = OpenRange{0.7, std::numeric_limits<double>::infinity()};
  spec.healthy_angle_range = OpenRange{-0.2, 0.2};
  spec.healthy_state_range = OpenRange{-100.0, 100.0};
  spec.velocity_clip = 10.0;
  spec.reset_noise_scale = 5e-3;
  spec.velocity_noise = VelocityNoise::kUniform;
  return spec;
}

std::unique_ptr<LocomotionEnv> make_hopper(const EnvOptions& options) {
  return std::make_unique<LocomotionEnv>(hopper_spec(), options);
}

}  // namespace flowrl::envs
