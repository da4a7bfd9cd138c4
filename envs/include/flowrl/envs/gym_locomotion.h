// flowrl/envs/gym_locomotion.h — Hopper, HalfCheetah, Walker2d and Ant as Gym v3 defines them (the
// envs behind D4RL's *-v2 datasets), built on the project's own MJCF files in envs/assets/.
//
//   | env         | frame_skip | dt    | obs | act | ctrl cost | healthy                                  |
//   | hopper      | 4 (RK4)    | 0.008 | 11  | 3   | 1e-3      | z > 0.7, |angle| < 0.2, |qpos[2:],qvel| < 100 |
//   | walker2d    | 4 (RK4)    | 0.008 | 17  | 6   | 1e-3      | 0.8 < z < 2, |angle| < 1                 |
//   | halfcheetah | 5 (Euler)  | 0.05  | 17  | 6   | 0.1       | never terminates                         |
//   | ant         | 5 (RK4)    | 0.05  | 111 | 8   | 0.5       | 0.2 <= z <= 1, state finite              |
#pragma once

#include <flowrl/envs/locomotion_env.h>

#include <memory>

namespace flowrl::envs {

/// Gym Hopper-v3: obs = qpos[1:6] ++ clip(qvel, -10, 10), reset noise U(+-5e-3) on qpos and qvel.
LocomotionSpec hopper_spec();
/// Gym HalfCheetah-v3: obs = qpos[1:9] ++ qvel (no clip), reset noise qpos U(+-0.1), qvel 0.1 N(0,1).
LocomotionSpec halfcheetah_spec();
/// Gym Walker2d-v3: obs = qpos[1:9] ++ clip(qvel, -10, 10), reset noise U(+-5e-3) on qpos and qvel.
LocomotionSpec walker2d_spec();
/// Gym Ant-v3 as in D4RL's ant-*-v2 files: obs = qpos[2:15] ++ qvel (14) ++ 84 zeros (the contact
/// forces mujoco-py 2.x never computed; the contact cost is therefore 0), forward velocity of the
/// torso's frame, healthy while 0.2 <= qpos[2] <= 1 and the state is finite, reset noise qpos
/// U(+-0.1) (quaternion included, not renormalized), qvel 0.1 N(0, 1).
LocomotionSpec ant_spec();

/// A Hopper env (see hopper_spec()).
std::unique_ptr<LocomotionEnv> make_hopper(const EnvOptions& options = {});
/// A HalfCheetah env (see halfcheetah_spec()).
std::unique_ptr<LocomotionEnv> make_halfcheetah(const EnvOptions& options = {});
/// A Walker2d env (see walker2d_spec()).
std::unique_ptr<LocomotionEnv> make_walker2d(const EnvOptions& options = {});
/// An Ant env (see ant_spec()).
std::unique_ptr<LocomotionEnv> make_ant(const EnvOptions& options = {});

}  // namespace flowrl::envs
