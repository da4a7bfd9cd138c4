// flowrl/envs/locomotion_env.h — MuJoCo locomotion envs with Gym v3's step/reset logic.
//
// One class serves Hopper, HalfCheetah, Walker2d and Ant; a LocomotionSpec holds everything that
// differs between them (model file, frame skip, reward weights, health ranges, reset noise, contact
// forces). The step is Gym's `*_v3.py` step, wrapped the way D4RL wraps it:
//   a     = clip(action, -1, 1)                       (D4RL's NormalizedBoxEnv)
//   x0    = forward position; ctrl = a; mj_step x frame_skip
//   r     = forward_weight * (x1 - x0) / dt + healthy_reward - ctrl_cost_weight * |a|^2
//           - contact_cost_weight * |contact forces|^2   (Gymnasium v5 variants: see the spec)
//   term  = terminate_when_unhealthy && !healthy(state after the step)
//   obs   = qpos[k:] ++ (velocity_clip ? clip(qvel, -c, c) : qvel) ++ contact forces
//           (qpos[k:] alone with EnvOptions::observe_velocities(false): the "-positions" variants)
// with dt = opt.timestep * frame_skip, k = LocomotionSpec::excluded_qpos (1 for the planar bodies,
// 2 for Ant). The forward position is qpos[0] (planar bodies) or the x of a body's frame as MuJoCo
// last computed it (Ant, see LocomotionSpec::forward_body). MuJoCo stays out of this header (pimpl).
#pragma once

#include <flowrl/envs/env.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace flowrl::envs {

/// An open interval (low, high): contains(x) is low < x < high, as Gym's health checks.
struct OpenRange {
  /// Lower bound (exclusive).
  double low;
  /// Upper bound (exclusive; may be +inf).
  double high;
  /// low < x < high; false for NaN.
  bool contains(double x) const { return low < x && x < high; }
};

/// A closed interval [low, high]: contains(x) is low <= x <= high, as Gym Ant's health check.
struct ClosedRange {
  /// Lower bound (inclusive).
  double low;
  /// Upper bound (inclusive).
  double high;
  /// low <= x <= high; false for NaN.
  bool contains(double x) const { return low <= x && x <= high; }
};

/// Distribution of the reset noise added to qvel.
enum class VelocityNoise {
  kUniform,  ///< qvel += U(-scale, scale)            (hopper, walker2d)
  kNormal,   ///< qvel += scale * N(0, 1)              (halfcheetah, ant)
};

/// A free joint's quaternion in qpos after reset() and set_state().
enum class QuaternionInQpos {
  /// Normalized: what MuJoCo 2.x's mj_forward did to qpos in place (Debian's 2.2.2 still does), so
  /// what Gym on mujoco-py, and D4RL's ant-*-v2 files, saw.
  kNormalized,
  /// As drawn or given: MuJoCo 3.x's mj_forward leaves qpos alone and normalizes a copy, so Gymnasium
  /// observes the non-unit quaternion until the first step's integration normalizes it.
  kAsGiven,
};

/// What the observation and the reward make of MuJoCo's external contact forces (cfrc_ext: 6 values
/// per body, world body first).
enum class ContactForces {
  /// Neither observed nor charged (hopper, walker2d, halfcheetah).
  kNone,
  /// Gym Ant-v2/v3 as D4RL's ant-*-v2 files have it: the observation ends with 6 values for every
  /// body, the world included (84 for Ant), and all of them are zero, because mujoco-py 2.x never
  /// had MuJoCo compute cfrc_ext (openai/gym#1541). flowrl does not compute them either: the block
  /// is zeros by definition, and the contact cost, contact_cost_weight times their sum of squares,
  /// is exactly 0.
  kZeroBlock,
  /// Gymnasium v5 (Ant-v5): after every step mj_rnePostConstraint computes cfrc_ext, the observation
  /// ends with that of every body but the world (6 values each, 78 for Ant), clipped to
  /// contact_force_range, and the contact cost charges the clipped forces of all bodies. reset()
  /// observes zeros there, as Gymnasium's reset does (mj_resetData clears cfrc_ext and mj_forward
  /// does not compute it); set_state() computes them for the state it sets.
  kMeasured,
};

/// Which steps pay the healthy reward.
enum class HealthyReward {
  /// Gym v3: every step while healthy, and every step (the terminating one included) when
  /// terminate_when_unhealthy.
  kGymV3,
  /// Gymnasium v5: only the steps that end healthy; the terminating step gets none.
  kWhileHealthy,
};

/// Everything that defines one locomotion task on top of its MJCF model.
struct LocomotionSpec {
  /// Canonical env name, e.g. "hopper".
  std::string name;
  /// The Gym id the spec reproduces, e.g. "Hopper-v3".
  std::string gym_id;
  /// Model file name inside the assets folder, e.g. "hopper.xml".
  std::string model_file;
  /// mj_step calls per env step.
  int frame_skip = 1;
  /// Weight of the forward velocity (displacement of the forward position / dt).
  double forward_reward_weight = 1.0;
  /// Body whose x coordinate is the forward position; empty: qpos[0] (the planar bodies' rootx).
  /// Read, as Gym's get_body_com and Gymnasium's data.body().xpos read it, from the body frames
  /// MuJoCo computed last: after reset() or set_state() those of the state itself, but after mj_step
  /// those of the step's last kinematics pass (for RK4 its last intermediate stage), not those of the
  /// state the step ends in.
  std::string forward_body;
  /// Weight of the control cost sum(a^2) (after clipping a to the action space).
  double ctrl_cost_weight = 0.0;
  /// Reward for being alive, paid as healthy_reward_rule says.
  double healthy_reward = 0.0;
  /// Which steps pay healthy_reward.
  HealthyReward healthy_reward_rule = HealthyReward::kGymV3;
  /// End the episode (terminated) when unhealthy.
  bool terminate_when_unhealthy = false;
  /// Healthy range of z = qpos[1] (none: not checked).
  std::optional<OpenRange> healthy_z_range;
  /// Healthy range of the torso angle qpos[2] (none: not checked).
  std::optional<OpenRange> healthy_angle_range;
  /// Healthy range of every element of qpos[2:] ++ qvel (none: not checked).
  std::optional<OpenRange> healthy_state_range;
  /// Healthy range of qpos[2], the height of a free-jointed torso, bounds included (none: not checked).
  std::optional<ClosedRange> healthy_height_range;
  /// Unhealthy when a qpos or qvel value is not finite (Gym Ant's np.isfinite(state_vector())).
  bool require_finite_state = false;
  /// Leading qpos values left out of the observation: 1 (rootx) for the planar bodies, 2 (the
  /// torso's x and y) for Ant.
  int excluded_qpos = 1;
  /// Observation clips qvel to [-c, c] when set.
  std::optional<double> velocity_clip;
  /// Default reset-noise scale (EnvOptions::reset_noise_scale overrides it).
  double reset_noise_scale = 0.0;
  /// Distribution of the qvel reset noise (qpos noise is always uniform).
  VelocityNoise velocity_noise = VelocityNoise::kUniform;
  /// How reset() and set_state() leave a free joint's quaternion in qpos (the noise makes it
  /// non-unit); the dynamics do not depend on it, the observation of that state does.
  QuaternionInQpos quaternion = QuaternionInQpos::kNormalized;
  /// The contact forces' part of the observation and the reward.
  ContactForces contact_forces = ContactForces::kNone;
  /// Weight of the contact cost: the sum of squares of the (clipped) contact forces.
  double contact_cost_weight = 0.0;
  /// ContactForces::kMeasured clips every cfrc_ext value to this range.
  ClosedRange contact_force_range{-1.0, 1.0};
};

/// A MuJoCo state: generalized positions and velocities.
struct MujocoState {
  /// Joint positions (nq).
  std::vector<double> qpos;
  /// Joint velocities (nv).
  std::vector<double> qvel;
  /// Simulation time in seconds.
  double time = 0.0;
};

/// The compiled model's physical parameters, read back from MuJoCo (for tests and docs).
struct ModelSummary {
  /// One body.
  struct Body {
    std::string name;  ///< body name
    double mass;       ///< compiled mass in kg
  };
  /// One joint.
  struct Joint {
    std::string name;   ///< joint name
    std::string type;   ///< "slide" | "hinge" | "ball" | "free"
    bool limited;       ///< has a range
    double range_low;   ///< lower limit (rad or m)
    double range_high;  ///< upper limit (rad or m)
    double armature;    ///< armature of its first dof
    double damping;     ///< damping of its first dof
    double stiffness;   ///< spring stiffness
    double qpos0;       ///< reference position (the `ref` value)
  };
  /// One geom.
  struct Geom {
    std::string name;             ///< geom name
    std::string body;             ///< owning body
    std::vector<double> friction; ///< sliding, torsional, rolling
    int condim;                   ///< contact dimensionality
    int contype;                  ///< contact type bits
    int conaffinity;              ///< contact affinity bits
    double margin;                ///< contact margin
    std::vector<double> solimp;   ///< 5 impedance parameters
    std::vector<double> solref;   ///< 2 reference parameters
  };
  /// One actuator.
  struct Actuator {
    std::string name;   ///< actuator name
    std::string joint;  ///< driven joint
    double gear;        ///< torque = gear * ctrl
    double ctrl_low;    ///< ctrlrange low
    double ctrl_high;   ///< ctrlrange high
    bool ctrllimited;   ///< ctrl is clamped to ctrlrange
  };

  std::string model_file;           ///< the loaded file
  int nq = 0;                       ///< position coordinates
  int nv = 0;                       ///< degrees of freedom
  int nu = 0;                       ///< actuators
  double timestep = 0.0;            ///< opt.timestep
  std::string integrator;           ///< "Euler" | "RK4"
  int frame_skip = 0;               ///< mj_step calls per env step
  double dt = 0.0;                  ///< timestep * frame_skip
  double total_mass = 0.0;          ///< sum of body masses
  std::vector<Body> bodies;         ///< world body excluded
  std::vector<Joint> joints;        ///< in model order
  std::vector<Geom> geoms;          ///< in model order
  std::vector<Actuator> actuators;  ///< in model order (= action order)
};

/// A Gym v3 or Gymnasium v5 MuJoCo locomotion environment (Hopper, HalfCheetah, Walker2d, Ant).
///
///   LocomotionEnv env(hopper_spec(), EnvOptions().reset_noise_scale(0.0));
///   auto obs = env.reset(42);
///   auto r = env.step({0.1, -0.2, 0.3});
class LocomotionEnv : public Env {
 public:
  /// Loads spec.model_file from the assets folder. Throws flowrl::Error when the file is missing or
  /// MuJoCo rejects it (the message names the file and MuJoCo's reason).
  LocomotionEnv(LocomotionSpec spec, const EnvOptions& options = {});
  ~LocomotionEnv() override;
  LocomotionEnv(LocomotionEnv&&) noexcept;
  LocomotionEnv& operator=(LocomotionEnv&&) noexcept;

  const std::string& name() const override;
  const Box& observation_space() const override;
  const Box& action_space() const override;
  int64_t max_episode_steps() const override;
  Observation reset(std::optional<uint64_t> seed = std::nullopt) override;
  StepResult step(const Action& action) override;
  int64_t elapsed_steps() const override;
  bool needs_reset() const override;

  /// The task definition.
  const LocomotionSpec& spec() const;
  /// Control timestep: opt.timestep * frame_skip (seconds per env step).
  double dt() const;
  /// The reset-noise scale in effect.
  double reset_noise_scale() const;
  /// Path of the loaded model file.
  const std::string& model_path() const;
  /// Current qpos/qvel/time.
  MujocoState state() const;
  /// Sets qpos (nq) and qvel (nv), runs mj_forward and returns the observation of that state, as
  /// D4RL's infos/qpos and infos/qvel reproduce observations. Does not start or end an episode.
  Observation set_state(const std::vector<double>& qpos, const std::vector<double>& qvel);
  /// Healthy by the spec's ranges at the current state (always true without ranges).
  bool is_healthy() const;
  /// Physical parameters of the compiled model.
  ModelSummary model_summary() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowrl::envs
