// flowrl/envs/gymnasium_v5.h — Hopper, Walker2d, HalfCheetah and Ant as Gymnasium's v5 classes define
// them (gymnasium/envs/mujoco/*_v5.py, the envs behind Minari's mujoco/* datasets), each the Gym v3
// spec of flowrl/envs/gym_locomotion.h with Gymnasium's changes:
//
//   | env            | Gymnasium id   | differs from the v3 env                                          |
//   | hopper-v5      | Hopper-v5      | healthy reward only on steps that end healthy                    |
//   | walker2d-v5    | Walker2d-v5    | same, and its own model walker2d_v5.xml (both feet friction 1.9) |
//   | halfcheetah-v5 | HalfCheetah-v5 | nothing (no healthy reward, never terminates)                    |
//   | ant-v5         | Ant-v5         | same healthy rule; obs 105 = qpos[2:] ++ qvel ++ clip(cfrc_ext of |
//   |                |                | the 13 bodies but the world, +-1); contact cost 5e-4 |clip(cfrc_ext)|^2; |
//   |                |                | forward velocity of the torso frame; quaternion left as drawn     |
//
// Gymnasium computes the control cost on the action as given, flowrl on the action clipped to the
// action space (identical for actions inside it, which are all a dataset or policy produces).
#pragma once

#include <flowrl/envs/locomotion_env.h>

#include <memory>

namespace flowrl::envs {

/// Gymnasium Hopper-v5 (see the table above).
LocomotionSpec hopper_v5_spec();
/// Gymnasium Walker2d-v5 (see the table above).
LocomotionSpec walker2d_v5_spec();
/// Gymnasium HalfCheetah-v5 (see the table above).
LocomotionSpec halfcheetah_v5_spec();
/// Gymnasium Ant-v5 with its defaults (include_cfrc_ext_in_observation=True; see the table above).
LocomotionSpec ant_v5_spec();

/// A Hopper-v5 env.
std::unique_ptr<LocomotionEnv> make_hopper_v5(const EnvOptions& options = {});
/// A Walker2d-v5 env.
std::unique_ptr<LocomotionEnv> make_walker2d_v5(const EnvOptions& options = {});
/// A HalfCheetah-v5 env.
std::unique_ptr<LocomotionEnv> make_halfcheetah_v5(const EnvOptions& options = {});
/// An Ant-v5 env.
std::unique_ptr<LocomotionEnv> make_ant_v5(const EnvOptions& options = {});

}  // namespace flowrl::envs
