// ant.cpp — Gym Ant-v3 (gym/envs/mujoco/ant_v3.py defaults; Ant-v2's ant.py is the same task), as
// D4RL's ant-*-v2 files have it: the 84 contact-force values of the observation are zeros.
#include <flowrl/envs/gym_locomotion.h>

namespace flowrl::envs {

LocomotionSpec ant_spec() {
  LocomotionSpec spec;
  spec.name = "ant";
  spec.gym_id = "Ant-v3";
  spec.model_file = "ant.xml";
  spec.frame_skip = 5;  // dt = 0.01 * 5 = 0.05
  spec.forward_reward_weight = 1.0;
  spec.forward_body = "torso";  // get_body_com("torso")[0]
  spec.ctrl_cost_weight = 0.5;
  spec.healthy_reward = 1.0;
  spec.terminate_when_unhealthy = true;
  spec.healthy_height_range = ClosedRange{0.2, 1.0};
  spec.require_finite_state = true;
  spec.excluded_qpos = 2;
  spec.reset_noise_scale = 0.1;
  spec.velocity_noise = VelocityNoise::kNormal;
  spec.contact_forces = ContactForces::kZeroBlock;
  spec.contact_cost_weight = 5e-4;
  return spec;
}

std::unique_ptr<LocomotionEnv> make_ant(const EnvOptions& options) {
  return std::make_unique<LocomotionEnv>(ant_spec(), options);
}

}  // namespace flowrl::envs
