// model_test.cpp — the compiled MJCF models against the reference tables (masses, totals, joint
// ranges, gears, frictions, solver parameters), and the shipped local-coordinate files against a
// global-coordinate transcription of the same tables.
#include <flowrl/envs/gym_locomotion.h>

#include <h5_fixture.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <map>

using namespace flowrl;
using namespace flowrl::envs;

namespace {

constexpr double kDeg = M_PI / 180.0;

std::map<std::string, double> masses(const ModelSummary& m) {
  std::map<std::string, double> out;
  for (const auto& b : m.bodies) out[b.name] = b.mass;
  return out;
}

const ModelSummary::Joint& joint(const ModelSummary& m, const std::string& name) {
  for (const auto& j : m.joints)
    if (j.name == name) return j;
  FAIL("no joint " << name);
  throw;
}

const ModelSummary::Geom& geom(const ModelSummary& m, const std::string& name) {
  for (const auto& g : m.geoms)
    if (g.name == name) return g;
  FAIL("no geom " << name);
  throw;
}

std::vector<double> gears(const ModelSummary& m) {
  std::vector<double> out;
  for (const auto& a : m.actuators) out.push_back(a.gear);
  return out;
}

void check_ctrl(const ModelSummary& m) {
  for (const auto& a : m.actuators) {
    CHECK(a.ctrllimited);
    CHECK(a.ctrl_low == -1.0);
    CHECK(a.ctrl_high == 1.0);
  }
}

}  // namespace

TEST_CASE("hopper model matches the tables", "[envs][model]") {
  ModelSummary m = make_hopper()->model_summary();
  CHECK(m.nq == 6);
  CHECK(m.nv == 6);
  CHECK(m.nu == 3);
  CHECK(m.integrator == "RK4");
  CHECK(m.timestep == 0.002);
  CHECK(m.frame_skip == 4);
  auto mass = masses(m);
  CHECK(mass["torso"] == Approx(3.665191).margin(1e-6));
  CHECK(mass["thigh"] == Approx(4.057891).margin(1e-6));
  CHECK(mass["leg"] == Approx(2.781357).margin(1e-6));
  CHECK(mass["foot"] == Approx(5.315575).margin(1e-6));
  CHECK(m.total_mass == Approx(15.820013).margin(1e-6));

  // root joints: unlimited, no armature/damping/stiffness; rootz ref 1.25
  for (const char* name : {"rootx", "rootz", "rooty"}) {
    const auto& j = joint(m, name);
    CHECK_FALSE(j.limited);
    CHECK(j.armature == 0.0);
    CHECK(j.damping == 0.0);
    CHECK(j.stiffness == 0.0);
  }
  CHECK(joint(m, "rootx").type == "slide");
  CHECK(joint(m, "rootz").type == "slide");
  CHECK(joint(m, "rooty").type == "hinge");
  CHECK(joint(m, "rootz").qpos0 == 1.25);
  for (const char* name : {"thigh_joint", "leg_joint"}) {
    const auto& j = joint(m, name);
    CHECK(j.limited);
    CHECK(j.range_low == Approx(-150 * kDeg).margin(1e-9));
    CHECK(j.range_low == Approx(-2.61799).margin(1e-5));
    CHECK(j.range_high == 0.0);
    CHECK(j.armature == 1.0);
    CHECK(j.damping == 1.0);
  }
  CHECK(joint(m, "foot_joint").range_low == Approx(-0.785398).margin(1e-6));
  CHECK(joint(m, "foot_joint").range_high == Approx(0.785398).margin(1e-6));

  // actuators: gear 200, ctrlrange +-1
  CHECK(gears(m) == std::vector<double>{200, 200, 200});
  check_ctrl(m);
  CHECK(m.actuators[0].joint == "thigh_joint");
  CHECK(m.actuators[2].joint == "foot_joint");

  // contacts: condim 1 bodies, condim 3 floor, margin 0.001, solimp (0.8 0.8 0.01 0.5 2)
  const auto& floor = geom(m, "floor");
  CHECK(floor.friction == std::vector<double>{1.0, 0.005, 0.0001});
  CHECK(floor.condim == 3);
  CHECK(floor.margin == 0.001);
  CHECK(geom(m, "torso_geom").friction == std::vector<double>{0.9, 0.005, 0.0001});
  CHECK(geom(m, "foot_geom").friction[0] == 2.0);
  for (const auto& g : m.geoms) {
    CHECK(g.solimp == std::vector<double>{0.8, 0.8, 0.01, 0.5, 2});
    CHECK(g.solref == std::vector<double>{0.02, 1});
    CHECK(g.contype == 1);
    CHECK(g.conaffinity == 1);
    CHECK(g.margin == 0.001);
    if (g.name != "floor") CHECK(g.condim == 1);
  }
}

TEST_CASE("walker2d model matches the tables", "[envs][model]") {
  ModelSummary m = make_walker2d()->model_summary();
  CHECK(m.nq == 9);
  CHECK(m.nv == 9);
  CHECK(m.nu == 6);
  CHECK(m.integrator == "RK4");
  CHECK(m.timestep == 0.002);
  CHECK(m.frame_skip == 4);
  auto mass = masses(m);
  CHECK(mass["torso"] == Approx(3.665191).margin(1e-6));
  for (const char* side : {"", "_left"}) {
    CHECK(mass[std::string("thigh") + side] == Approx(4.057891).margin(1e-6));
    CHECK(mass[std::string("leg") + side] == Approx(2.781357).margin(1e-6));
    CHECK(mass[std::string("foot") + side] == Approx(3.166725).margin(1e-6));
  }
  CHECK(m.total_mass == Approx(23.677137).margin(1e-6));
  CHECK(joint(m, "rootz").qpos0 == 1.25);
  for (const char* name : {"thigh_joint", "leg_joint", "thigh_left_joint", "leg_left_joint"}) {
    CHECK(joint(m, name).range_low == Approx(-2.61799).margin(1e-5));
    CHECK(joint(m, name).range_high == 0.0);
    CHECK(joint(m, name).armature == 0.01);
    CHECK(joint(m, name).damping == 0.1);
  }
  for (const char* name : {"foot_joint", "foot_left_joint"}) {
    CHECK(joint(m, name).range_low == Approx(-0.785398).margin(1e-6));
    CHECK(joint(m, name).range_high == Approx(0.785398).margin(1e-6));
  }
  CHECK(gears(m) == std::vector<double>(6, 100.0));
  check_ctrl(m);
  std::vector<std::string> order;
  for (const auto& a : m.actuators) order.push_back(a.joint);
  CHECK(order == std::vector<std::string>{"thigh_joint", "leg_joint", "foot_joint", "thigh_left_joint",
                                          "leg_left_joint", "foot_left_joint"});

  // frictions: default 0.7/0.1/0.1 floor, 0.9 body geoms, right foot 0.9, left foot 1.9
  CHECK(geom(m, "floor").friction == std::vector<double>{0.7, 0.1, 0.1});
  CHECK(geom(m, "foot_geom").friction == std::vector<double>{0.9, 0.1, 0.1});
  CHECK(geom(m, "foot_left_geom").friction == std::vector<double>{1.9, 0.1, 0.1});
  for (const auto& g : m.geoms) {
    CHECK(g.condim == 3);
    CHECK(g.margin == 0.0);
    CHECK(g.solimp == std::vector<double>{0.9, 0.95, 0.001, 0.5, 2});
    CHECK(g.conaffinity == (g.name == "floor" ? 1 : 0));  // bodies collide with the floor only
  }
}

TEST_CASE("halfcheetah model matches the tables", "[envs][model]") {
  ModelSummary m = make_halfcheetah()->model_summary();
  CHECK(m.nq == 9);
  CHECK(m.nu == 6);
  CHECK(m.integrator == "Euler");
  CHECK(m.timestep == 0.01);
  CHECK(m.frame_skip == 5);
  auto mass = masses(m);
  const std::map<std::string, double> expected = {{"torso", 6.250209}, {"bthigh", 1.543515}, {"bshin", 1.587448},
                                                  {"bfoot", 1.095397}, {"fthigh", 1.438075}, {"fshin", 1.200837},
                                                  {"ffoot", 0.884519}};
  for (const auto& [body, kg] : expected) CHECK(mass[body] == Approx(kg).margin(1e-6));
  CHECK(m.total_mass == Approx(14.0).margin(1e-9));

  struct J {
    const char* name;
    double low, high, stiffness, damping;
  };
  for (const J& j : {J{"bthigh", -0.52, 1.05, 240, 6}, J{"bshin", -0.785, 0.785, 180, 4.5}, J{"bfoot", -0.4, 0.785, 120, 3},
                     J{"fthigh", -1, 0.7, 180, 4.5}, J{"fshin", -1.2, 0.87, 120, 3}, J{"ffoot", -0.5, 0.5, 60, 1.5}}) {
    const auto& got = joint(m, j.name);
    CHECK(got.limited);
    CHECK(got.range_low == j.low);
    CHECK(got.range_high == j.high);
    CHECK(got.stiffness == j.stiffness);
    CHECK(got.damping == j.damping);
    CHECK(got.armature == 0.1);
  }
  for (const char* name : {"rootx", "rootz", "rooty"}) {
    CHECK_FALSE(joint(m, name).limited);
    CHECK(joint(m, name).stiffness == 0.0);
    CHECK(joint(m, name).qpos0 == 0.0);
  }
  CHECK(gears(m) == std::vector<double>{120, 90, 60, 120, 60, 30});
  check_ctrl(m);
  for (const auto& g : m.geoms) {
    CHECK(g.friction == std::vector<double>{0.4, 0.1, 0.1});
    CHECK(g.solimp == std::vector<double>{0.0, 0.8, 0.01, 0.5, 2});
    CHECK(g.condim == 3);
  }
}

TEST_CASE("ant model matches Gym's ant.xml as compiled", "[envs][model]") {
  ModelSummary m = make_ant()->model_summary();
  CHECK(m.nq == 15);
  CHECK(m.nv == 14);
  CHECK(m.nu == 8);
  CHECK(m.integrator == "RK4");
  CHECK(m.timestep == 0.01);
  CHECK(m.frame_skip == 5);
  CHECK(m.dt == Approx(0.05).margin(1e-15));
  // density 5: the figures MuJoCo compiles Gym's (Gymnasium's) ant.xml to
  REQUIRE(m.bodies.size() == 13);
  auto mass = masses(m);
  CHECK(mass["torso"] == Approx(0.327249234748937).margin(1e-12));
  for (const char* strut : {"front_left_leg", "aux_1", "front_right_leg", "aux_2", "back_leg", "aux_3",
                            "right_back_leg", "aux_4"})
    CHECK(mass[strut] == Approx(0.039157753728467).margin(1e-12));
  for (const char* foot : {"front_left_foot", "front_right_foot", "back_left_foot", "back_right_foot"})
    CHECK(mass[foot] == Approx(0.067592204532680).margin(1e-12));
  CHECK(m.total_mass == Approx(0.910880082707392).margin(1e-12));

  const auto& root = joint(m, "root");
  CHECK(root.type == "free");
  CHECK_FALSE(root.limited);
  CHECK(root.armature == 0.0);
  CHECK(root.damping == 0.0);
  CHECK(m.joints[0].name == "root");
  struct J {
    const char* name;
    double low_deg, high_deg;
  };
  for (const J& j : {J{"hip_1", -30, 30}, J{"ankle_1", 30, 70}, J{"hip_2", -30, 30}, J{"ankle_2", -70, -30},
                     J{"hip_3", -30, 30}, J{"ankle_3", -70, -30}, J{"hip_4", -30, 30}, J{"ankle_4", 30, 70}}) {
    INFO(j.name);
    const auto& got = joint(m, j.name);
    CHECK(got.type == "hinge");
    CHECK(got.limited);
    CHECK(got.range_low == Approx(j.low_deg * kDeg).margin(1e-12));
    CHECK(got.range_high == Approx(j.high_deg * kDeg).margin(1e-12));
    CHECK(got.armature == 1.0);
    CHECK(got.damping == 1.0);
    CHECK(got.qpos0 == 0.0);  // the ankles start outside their ranges, as in Gym
  }

  CHECK(gears(m) == std::vector<double>(8, 150.0));
  check_ctrl(m);
  std::vector<std::string> order;
  for (const auto& a : m.actuators) order.push_back(a.joint);
  CHECK(order == std::vector<std::string>{"hip_4", "ankle_4", "hip_1", "ankle_1", "hip_2", "ankle_2", "hip_3", "ankle_3"});

  REQUIRE(m.geoms.size() == 14);
  for (const auto& g : m.geoms) {
    INFO(g.name);
    CHECK(g.friction == std::vector<double>{1.0, 0.5, 0.5});
    CHECK(g.margin == 0.01);
    CHECK(g.condim == 3);
    CHECK(g.contype == 1);
    CHECK(g.conaffinity == (g.name == "floor" ? 1 : 0));  // the legs touch the floor, never each other
    CHECK(g.solimp == std::vector<double>{0.9, 0.95, 0.001, 0.5, 2});
    CHECK(g.solref == std::vector<double>{0.02, 1});
  }
}

TEST_CASE("shipped local-coordinate models equal the global-coordinate transcription", "[envs][model]") {
  const std::string fixtures = test::test_data_dir() + "/mjcf";
  for (auto [spec, global_file] : {std::pair{hopper_spec(), "hopper_global.xml"}, std::pair{walker2d_spec(), "walker2d_global.xml"}}) {
    INFO(spec.name);
    LocomotionEnv shipped(spec, EnvOptions().reset_noise_scale(0.0));
    LocomotionSpec global_spec = spec;
    global_spec.model_file = global_file;
    LocomotionEnv global(global_spec, EnvOptions().reset_noise_scale(0.0).assets_dir(fixtures));

    // compiled parameters
    ModelSummary a = shipped.model_summary(), b = global.model_summary();
    REQUIRE(a.bodies.size() == b.bodies.size());
    for (size_t i = 0; i < a.bodies.size(); ++i) CHECK(a.bodies[i].mass == Approx(b.bodies[i].mass).margin(1e-12));
    REQUIRE(a.joints.size() == b.joints.size());
    for (size_t i = 0; i < a.joints.size(); ++i) {
      CHECK(a.joints[i].range_low == b.joints[i].range_low);
      CHECK(a.joints[i].range_high == b.joints[i].range_high);
      CHECK(a.joints[i].qpos0 == b.joints[i].qpos0);
    }
    REQUIRE(a.geoms.size() == b.geoms.size());
    for (size_t i = 0; i < a.geoms.size(); ++i) CHECK(a.geoms[i].friction == b.geoms[i].friction);

    // dynamics: a short rollout agrees to rounding (chaos amplifies 1e-16 differences only later)
    shipped.reset(0);
    global.reset(0);
    for (int t = 0; t < 150; ++t) {
      Action act;
      for (size_t u = 0; u < shipped.action_space().dim(); ++u) act.push_back(std::sin(0.05 * t + static_cast<double>(u)));
      StepResult ra = shipped.step(act), rb = global.step(act);
      for (size_t i = 0; i < ra.observation.size(); ++i) REQUIRE(ra.observation[i] == Approx(rb.observation[i]).margin(1e-7));
      REQUIRE(ra.reward == Approx(rb.reward).margin(1e-6));
      if (ra.done()) break;
    }
  }
}
