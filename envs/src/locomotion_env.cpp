// locomotion_env.cpp — Gym v3's MuJoCo locomotion step/reset on MuJoCo's C API.
#include <flowrl/envs/locomotion_env.h>

#include <flowrl/core/error.h>
#include <flowrl/envs/assets.h>
#include <flowrl/envs/random.h>

#include "mj_handles.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace flowrl::envs {

namespace {

// warnings after which MuJoCo has reset the state itself: the episode cannot go on
constexpr std::array<int, 3> kDivergenceWarnings = {mjWARN_BADQPOS, mjWARN_BADQVEL, mjWARN_BADQACC};

const char* warning_name(int w) {
  switch (w) {
    case mjWARN_BADQPOS: return "bad qpos";
    case mjWARN_BADQVEL: return "bad qvel";
    case mjWARN_BADQACC: return "bad qacc";
    default: return "warning";
  }
}

std::string name_of(const mjModel* m, int type, int id) {
  const char* n = mj_id2name(m, type, id);
  return n ? n : "";
}

}  // namespace

struct LocomotionEnv::Impl {
  LocomotionSpec spec;
  EnvOptions options;
  std::string model_path;
  detail::SharedModel model;
  detail::DataPtr data;
  std::string name;  // spec.name, plus kPositionsSuffix without velocities
  int forward_body = -1;  // body id of spec.forward_body; -1: qpos[0]
  Box observation_space;
  Box action_space;
  double dt = 0.0;
  double noise_scale = 0.0;
  Rng rng;
  int64_t steps = 0;
  bool ever_reset = false;
  bool needs_reset = true;

  // the contact forces the reward charges: kZeroBlock 6 zeros per body, kMeasured clip(cfrc_ext),
  // both with the world body first
  std::vector<double> contact_forces() const {
    const auto n = static_cast<size_t>(6 * model->nbody);
    switch (spec.contact_forces) {
      case ContactForces::kNone: return {};
      case ContactForces::kZeroBlock: return std::vector<double>(n, 0.0);
      case ContactForces::kMeasured: {
        std::vector<double> f(data->cfrc_ext, data->cfrc_ext + n);
        for (double& x : f) x = std::clamp(x, spec.contact_force_range.low, spec.contact_force_range.high);
        return f;
      }
    }
    return {};
  }

  // the contact forces the observation ends with (kMeasured leaves the world body out)
  std::vector<double> observed_contact_forces() const {
    const std::vector<double> f = contact_forces();
    const size_t skip = std::min<size_t>(spec.contact_forces == ContactForces::kMeasured ? 6 : 0, f.size());
    return std::vector<double>(f.begin() + static_cast<std::ptrdiff_t>(skip), f.end());
  }

  // observation of the current state: qpos[k:] ++ (clipped) qvel ++ contact forces, or qpos[k:] alone
  Observation observe() const {
    const mjModel* m = model.get();
    Observation obs;
    obs.reserve(observation_space.dim());
    obs.insert(obs.end(), data->qpos + spec.excluded_qpos, data->qpos + m->nq);
    if (!options.observe_velocities()) return obs;
    for (int i = 0; i < m->nv; ++i) {
      const double v = data->qvel[i];
      obs.push_back(spec.velocity_clip ? std::clamp(v, -*spec.velocity_clip, *spec.velocity_clip) : v);
    }
    const std::vector<double> contact = observed_contact_forces();
    obs.insert(obs.end(), contact.begin(), contact.end());
    return obs;
  }

  // mj_forward on the qpos/qvel just written, leaving a free joint's quaternion as the spec says
  // (MuJoCo 2.x normalizes it in place, 3.x does not)
  void forward() {
    const mjModel* m = model.get();
    mjData* d = data.get();
    if (spec.quaternion == QuaternionInQpos::kNormalized) {
      mj_normalizeQuat(m, d->qpos);
      mj_forward(m, d);
      return;
    }
    const std::vector<double> given(d->qpos, d->qpos + m->nq);
    mj_forward(m, d);
    std::copy(given.begin(), given.end(), d->qpos);
  }

  // qpos[0], or the x of the forward body's frame from MuJoCo's last kinematics pass
  double forward_position() const { return forward_body < 0 ? data->qpos[0] : data->xpos[3 * forward_body]; }

  // Gym's is_healthy: every configured check holds (the open ranges strictly, the height range with its bounds)
  bool healthy() const {
    const mjModel* m = model.get();
    if (spec.healthy_z_range && !spec.healthy_z_range->contains(data->qpos[1])) return false;
    if (spec.healthy_angle_range && !spec.healthy_angle_range->contains(data->qpos[2])) return false;
    if (spec.healthy_state_range) {
      // state_vector()[2:] = qpos[2:] ++ qvel
      for (int i = 2; i < m->nq; ++i)
        if (!spec.healthy_state_range->contains(data->qpos[i])) return false;
      for (int i = 0; i < m->nv; ++i)
        if (!spec.healthy_state_range->contains(data->qvel[i])) return false;
    }
    if (spec.require_finite_state) {
      for (int i = 0; i < m->nq; ++i)
        if (!std::isfinite(data->qpos[i])) return false;
      for (int i = 0; i < m->nv; ++i)
        if (!std::isfinite(data->qvel[i])) return false;
    }
    if (spec.healthy_height_range && !spec.healthy_height_range->contains(data->qpos[2])) return false;
    return true;
  }
};

LocomotionEnv::LocomotionEnv(LocomotionSpec spec, const EnvOptions& options) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  FLOWRL_CHECK(spec.frame_skip >= 1, spec.name, ": frame_skip must be >= 1, got ", spec.frame_skip);
  FLOWRL_CHECK(spec.excluded_qpos >= 0, spec.name, ": excluded_qpos must be >= 0, got ", spec.excluded_qpos);
  FLOWRL_CHECK(options.max_episode_steps() >= 1, spec.name, ": max_episode_steps must be >= 1, got ",
               options.max_episode_steps());
  s.spec = std::move(spec);
  s.options = options;
  s.noise_scale = options.reset_noise_scale().value_or(s.spec.reset_noise_scale);
  FLOWRL_CHECK(std::isfinite(s.noise_scale) && s.noise_scale >= 0, s.spec.name,
               ": reset_noise_scale must be finite and >= 0, got ", s.noise_scale);

  // model and data
  s.model_path = find_asset(s.spec.model_file, options.assets_dir());
  s.model = detail::load_shared_model(s.model_path);
  s.data = detail::make_data(s.model.get());
  const mjModel* m = s.model.get();
  if (s.spec.forward_body.empty()) {
    FLOWRL_CHECK(m->nq >= 3 && m->nu >= 1, s.model_path, ": a planar locomotion model needs root joints "
                 "rootx, rootz, rooty first and at least one actuator");
  } else {
    s.forward_body = mj_name2id(m, mjOBJ_BODY, s.spec.forward_body.c_str());
    FLOWRL_CHECK(s.forward_body > 0, s.model_path, " has no body named '", s.spec.forward_body, "' (",
                 s.spec.name, " measures its forward velocity on it)");
    FLOWRL_CHECK(m->nq >= 7 && m->jnt_type[0] == mjJNT_FREE && m->nu >= 1, s.model_path,
                 ": a free-jointed locomotion model needs its free root joint first and at least one actuator");
  }
  FLOWRL_CHECK(s.spec.excluded_qpos < m->nq, s.spec.name, ": excluded_qpos ", s.spec.excluded_qpos,
               " leaves no position in the observation (the model has ", m->nq, ")");
  s.dt = m->opt.timestep * s.spec.frame_skip;

  // spaces: observations unbounded, actions from the actuators' ctrlrange
  const size_t obs_dim = options.observe_velocities()
                             ? static_cast<size_t>(m->nq - s.spec.excluded_qpos + m->nv) + s.observed_contact_forces().size()
                             : static_cast<size_t>(m->nq - s.spec.excluded_qpos);
  s.name = s.spec.name + (options.observe_velocities() ? "" : kPositionsSuffix);
  const double inf = std::numeric_limits<double>::infinity();
  s.observation_space = Box{std::vector<double>(obs_dim, -inf), std::vector<double>(obs_dim, inf)};
  for (int u = 0; u < m->nu; ++u) {
    s.action_space.low.push_back(m->actuator_ctrlrange[2 * u]);
    s.action_space.high.push_back(m->actuator_ctrlrange[2 * u + 1]);
  }
  s.rng.seed(options.seed());
}

LocomotionEnv::~LocomotionEnv() = default;
LocomotionEnv::LocomotionEnv(LocomotionEnv&&) noexcept = default;
LocomotionEnv& LocomotionEnv::operator=(LocomotionEnv&&) noexcept = default;

const std::string& LocomotionEnv::name() const { return impl_->name; }
const Box& LocomotionEnv::observation_space() const { return impl_->observation_space; }
const Box& LocomotionEnv::action_space() const { return impl_->action_space; }
int64_t LocomotionEnv::max_episode_steps() const { return impl_->options.max_episode_steps(); }
int64_t LocomotionEnv::elapsed_steps() const { return impl_->steps; }
bool LocomotionEnv::needs_reset() const { return impl_->needs_reset; }
const LocomotionSpec& LocomotionEnv::spec() const { return impl_->spec; }
double LocomotionEnv::dt() const { return impl_->dt; }
double LocomotionEnv::reset_noise_scale() const { return impl_->noise_scale; }
const std::string& LocomotionEnv::model_path() const { return impl_->model_path; }
bool LocomotionEnv::is_healthy() const { return impl_->healthy(); }

Observation LocomotionEnv::reset(std::optional<uint64_t> seed) {
  Impl& s = *impl_;
  const mjModel* m = s.model.get();
  mjData* d = s.data.get();
  if (seed) s.rng.seed(*seed);

  // mj_resetData puts qpos = qpos0 (the joint refs), qvel = 0; then Gym's reset_model noise
  mj_resetData(m, d);
  const double c = s.noise_scale;
  for (int i = 0; i < m->nq; ++i) d->qpos[i] += s.rng.uniform(-c, c);
  for (int i = 0; i < m->nv; ++i)
    d->qvel[i] += s.spec.velocity_noise == VelocityNoise::kNormal ? c * s.rng.normal() : s.rng.uniform(-c, c);
  s.forward();

  s.steps = 0;
  s.ever_reset = true;
  s.needs_reset = false;
  return s.observe();
}

StepResult LocomotionEnv::step(const Action& action) {
  Impl& s = *impl_;
  const mjModel* m = s.model.get();
  mjData* d = s.data.get();

  // reject what Gym would silently propagate
  FLOWRL_CHECK(!s.needs_reset, s.spec.name, ": step() called ",
               s.ever_reset ? "after the episode ended (terminated, truncated or diverged)" : "before the first reset()",
               "; call reset() first");
  FLOWRL_CHECK(action.size() == static_cast<size_t>(m->nu), s.spec.name, ": action has ", action.size(),
               " values, the action space has ", m->nu);
  for (size_t i = 0; i < action.size(); ++i)
    FLOWRL_CHECK(std::isfinite(action[i]), s.spec.name, ": action[", i, "] is ", action[i],
                 "; actions must be finite");

  // clip to the action space (D4RL's NormalizedBoxEnv); the clipped action is what the cost sees
  double ctrl_sq = 0.0;
  for (int u = 0; u < m->nu; ++u) {
    const double a = std::clamp(action[u], s.action_space.low[u], s.action_space.high[u]);
    d->ctrl[u] = a;
    ctrl_sq += a * a;
  }

  // frame_skip physics steps; a divergence (MuJoCo reset the state) ends the episode with an error
  std::array<int, 3> before{};
  for (size_t k = 0; k < kDivergenceWarnings.size(); ++k) before[k] = d->warning[kDivergenceWarnings[k]].number;
  const double x_before = s.forward_position();
  for (int k = 0; k < s.spec.frame_skip; ++k) mj_step(m, d);
  // cfrc_ext, which mj_step leaves alone without acceleration sensors (Gymnasium calls it after every step)
  if (s.spec.contact_forces == ContactForces::kMeasured) mj_rnePostConstraint(m, d);
  for (size_t k = 0; k < kDivergenceWarnings.size(); ++k) {
    if (d->warning[kDivergenceWarnings[k]].number != before[k]) {
      s.needs_reset = true;
      fail(s.spec.name, ": the simulation diverged at step ", s.steps + 1, " (MuJoCo: ",
           warning_name(kDivergenceWarnings[k]), "); the episode cannot continue, call reset()");
    }
  }
  ++s.steps;

  // reward and termination on the state after the step
  const double x_velocity = (s.forward_position() - x_before) / s.dt;
  const bool healthy = s.healthy();
  const bool paid = s.spec.healthy_reward_rule == HealthyReward::kWhileHealthy
                        ? healthy
                        : healthy || s.spec.terminate_when_unhealthy;
  const double healthy_reward = paid ? s.spec.healthy_reward : 0.0;
  StepResult result;
  result.reward = s.spec.forward_reward_weight * x_velocity + healthy_reward - s.spec.ctrl_cost_weight * ctrl_sq;
  if (s.spec.contact_forces != ContactForces::kNone) {
    double contact_sq = 0.0;
    for (double f : s.contact_forces()) contact_sq += f * f;
    result.reward -= s.spec.contact_cost_weight * contact_sq;
  }
  result.terminated = s.spec.terminate_when_unhealthy && !healthy;
  result.truncated = s.steps >= s.options.max_episode_steps();
  result.observation = s.observe();
  s.needs_reset = result.done();
  return result;
}

MujocoState LocomotionEnv::state() const {
  const mjModel* m = impl_->model.get();
  const mjData* d = impl_->data.get();
  return MujocoState{std::vector<double>(d->qpos, d->qpos + m->nq), std::vector<double>(d->qvel, d->qvel + m->nv),
                     d->time};
}

Observation LocomotionEnv::set_state(const std::vector<double>& qpos, const std::vector<double>& qvel) {
  Impl& s = *impl_;
  const mjModel* m = s.model.get();
  mjData* d = s.data.get();
  FLOWRL_CHECK(qpos.size() == static_cast<size_t>(m->nq) && qvel.size() == static_cast<size_t>(m->nv),
               s.spec.name, ": set_state needs ", m->nq, " qpos and ", m->nv, " qvel values, got ",
               qpos.size(), " and ", qvel.size());
  for (size_t i = 0; i < qpos.size(); ++i)
    FLOWRL_CHECK(std::isfinite(qpos[i]), s.spec.name, ": set_state qpos[", i, "] is not finite");
  for (size_t i = 0; i < qvel.size(); ++i)
    FLOWRL_CHECK(std::isfinite(qvel[i]), s.spec.name, ": set_state qvel[", i, "] is not finite");
  std::copy(qpos.begin(), qpos.end(), d->qpos);
  std::copy(qvel.begin(), qvel.end(), d->qvel);
  s.forward();
  if (s.spec.contact_forces == ContactForces::kMeasured) mj_rnePostConstraint(m, d);
  return s.observe();
}

ModelSummary LocomotionEnv::model_summary() const {
  const Impl& s = *impl_;
  const mjModel* m = s.model.get();
  ModelSummary out;
  out.model_file = s.model_path;
  out.nq = m->nq;
  out.nv = m->nv;
  out.nu = m->nu;
  out.timestep = m->opt.timestep;
  out.integrator = m->opt.integrator == mjINT_RK4 ? "RK4" : m->opt.integrator == mjINT_EULER ? "Euler" : "implicit";
  out.frame_skip = s.spec.frame_skip;
  out.dt = s.dt;

  // bodies (world excluded)
  for (int b = 1; b < m->nbody; ++b) {
    out.bodies.push_back({name_of(m, mjOBJ_BODY, b), m->body_mass[b]});
    out.total_mass += m->body_mass[b];
  }
  // joints
  static const char* kJointTypes[] = {"free", "ball", "slide", "hinge"};
  for (int j = 0; j < m->njnt; ++j) {
    const int dof = m->jnt_dofadr[j];
    out.joints.push_back({name_of(m, mjOBJ_JOINT, j), kJointTypes[m->jnt_type[j]], m->jnt_limited[j] != 0,
                          m->jnt_range[2 * j], m->jnt_range[2 * j + 1], m->dof_armature[dof],
                          m->dof_damping[dof], m->jnt_stiffness[j], m->qpos0[m->jnt_qposadr[j]]});
  }
  // geoms
  for (int g = 0; g < m->ngeom; ++g) {
    out.geoms.push_back({name_of(m, mjOBJ_GEOM, g), name_of(m, mjOBJ_BODY, m->geom_bodyid[g]),
                         std::vector<double>(m->geom_friction + 3 * g, m->geom_friction + 3 * g + 3),
                         m->geom_condim[g], m->geom_contype[g], m->geom_conaffinity[g], m->geom_margin[g],
                         std::vector<double>(m->geom_solimp + mjNIMP * g, m->geom_solimp + mjNIMP * (g + 1)),
                         std::vector<double>(m->geom_solref + mjNREF * g, m->geom_solref + mjNREF * (g + 1))});
  }
  // actuators (joint transmission)
  for (int u = 0; u < m->nu; ++u) {
    out.actuators.push_back({name_of(m, mjOBJ_ACTUATOR, u), name_of(m, mjOBJ_JOINT, m->actuator_trnid[2 * u]),
                             m->actuator_gear[6 * u], m->actuator_ctrlrange[2 * u],
                             m->actuator_ctrlrange[2 * u + 1], m->actuator_ctrllimited[u] != 0});
  }
  return out;
}

}  // namespace flowrl::envs
