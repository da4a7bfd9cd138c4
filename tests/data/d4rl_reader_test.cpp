// d4rl_reader_test.cpp — load_d4rl on every layout D4RL files come in.
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/data/d4rl.h>

#include "d4rl_fixtures.h"

using namespace flowrl;
using namespace flowrl::data;
using flowrl::test::RawH5;
using flowrl::test::TempDir;

TEST_CASE("load_d4rl reads the v2 layout written by write_d4rl", "[data]") {
  TempDir tmp;
  auto ds = test::make_dataset({4, 3, 2}, "to-");
  ds.metadata.strings["algorithm"] = "SAC";
  ds.metadata.strings["policy/nonlinearity"] = "relu";
  ds.metadata.integers["iteration"] = 1500;
  ds.metadata.arrays["policy/fc0/bias"] = FloatArray{{4}, {1, 2, 3, 4}};
  const auto path = tmp.file("v2.hdf5");
  write_d4rl(path, ds);

  const auto got = load_d4rl(path);
  CHECK(got.source == path);
  CHECK(got.size() == 9);
  CHECK(got.obs_dim() == 3);
  CHECK(got.act_dim() == 2);
  CHECK(got.observations.values == ds.observations.values);
  CHECK(got.actions.values == ds.actions.values);
  CHECK(got.rewards == ds.rewards);
  CHECK(got.terminals == ds.terminals);
  CHECK(got.timeouts == ds.timeouts);
  CHECK(got.next_observations.values == ds.next_observations.values);
  CHECK(got.infos.qpos.values == ds.infos.qpos.values);  // float64 by default: exact
  CHECK(got.infos.qvel.values == ds.infos.qvel.values);
  CHECK(got.infos.action_log_probs == ds.infos.action_log_probs);
  CHECK(got.metadata.strings.at("algorithm") == "SAC");
  CHECK(got.metadata.strings.at("policy/nonlinearity") == "relu");
  CHECK(got.metadata.integers.at("iteration") == 1500);
  CHECK(got.metadata.arrays.at("policy/fc0/bias").values == std::vector<float>{1, 2, 3, 4});
}

TEST_CASE("load_d4rl reads replay-style files: float64 arrays, (N,1) rewards, uint8 flags", "[data]") {
  TempDir tmp;
  const auto ds = test::make_dataset({5, 5}, "oo");
  const auto path = tmp.file("replay.hdf5");
  write_d4rl(path, ds, D4RLWriteOptions().float64(true).rewards_column(true).flags_as_uint8(true));
  const auto shapes = list_hdf5_datasets(path);
  bool saw_rewards = false;
  for (const auto& k : shapes) {
    if (k.key == "rewards") {
      saw_rewards = true;
      CHECK(k.shape == std::vector<int64_t>{10, 1});
      CHECK(k.dtype == "float64");
    }
    if (k.key == "terminals") CHECK(k.dtype == "uint8");
    if (k.key == "observations") CHECK(k.dtype == "float64");
  }
  CHECK(saw_rewards);
  const auto got = load_d4rl(path);
  CHECK(got.rewards == ds.rewards);
  CHECK(got.timeouts == ds.timeouts);
  CHECK(got.observations.values == ds.observations.values);
}

TEST_CASE("load_d4rl reads v0 files (no timeouts, no infos)", "[data]") {
  TempDir tmp;
  const auto path = tmp.file("v0.hdf5");
  {
    RawH5 f(path);
    f.floats("observations", {6, 3});
    f.floats("actions", {6, 2});
    f.floats("rewards", {6});
    f.bytes("terminals", {6}, {0, 0, 1, 0, 0, 0});
  }
  const auto got = load_d4rl(path);
  CHECK(got.size() == 6);
  CHECK_FALSE(got.has_timeouts());
  CHECK(got.next_observations.empty());
  CHECK(got.infos.qpos.empty());
  CHECK(got.metadata.empty());
  CHECK(got.terminals == std::vector<uint8_t>{0, 0, 1, 0, 0, 0});
  CHECK(got.observations.at(5, 2) == Approx(0.1 * 17));
}

TEST_CASE("load_d4rl reads flags stored as float and as (N,1), and variable-length strings", "[data]") {
  TempDir tmp;
  const auto path = tmp.file("odd.hdf5");
  {
    RawH5 f(path);
    f.floats("observations", {3, 3});
    f.floats("actions", {3, 2});
    f.floats("rewards", {3, 1});
    f.floats("terminals", {3, 1}, {0, 1, 0});
    f.floats("timeouts", {3}, {0, 0, 2});
    f.string("metadata/algorithm", "SAC");
  }
  const auto got = load_d4rl(path);
  CHECK(got.terminals == std::vector<uint8_t>{0, 1, 0});
  CHECK(got.timeouts == std::vector<uint8_t>{0, 0, 1});
  CHECK(got.metadata.strings.at("algorithm") == "SAC");
  // a fraction is no flag: another array stored under the name (once: every such row a terminal)
  const auto wrong = tmp.file("wrong.hdf5");
  {
    RawH5 f(wrong);
    f.floats("observations", {3, 3});
    f.floats("actions", {3, 2});
    f.floats("rewards", {3});
    f.floats("terminals", {3}, {0, 0.83, 0});
  }
  CHECK_THROWS_WITH(load_d4rl(wrong), Catch::Contains("'terminals' holds 0.83 at row 1; a flag must be 0 or 1"));
}

TEST_CASE("load_d4rl options skip optional arrays and check dims", "[data]") {
  TempDir tmp;
  const auto path = tmp.file("opts.hdf5");
  write_d4rl(path, test::make_dataset({3}, "t"));
  const auto got = load_d4rl(path, D4RLReadOptions().load_infos(false).load_next_observations(false)
                                       .load_metadata(false).obs_dim(3).act_dim(2));
  CHECK(got.infos.qpos.empty());
  CHECK(got.infos.action_log_probs.empty());
  CHECK(got.next_observations.empty());
  CHECK(got.size() == 3);
}

TEST_CASE("list_hdf5_datasets names keys, dtypes and shapes like h5py", "[data]") {
  TempDir tmp;
  auto ds = test::make_dataset({2}, "t");
  ds.metadata.strings["algorithm"] = "SAC";
  ds.metadata.integers["iteration"] = 7;
  const auto path = tmp.file("list.hdf5");
  write_d4rl(path, ds);
  std::map<std::string, HDF5DatasetInfo> by_key;
  for (const auto& k : list_hdf5_datasets(path)) by_key[k.key] = k;
  CHECK(by_key.at("observations").dtype == "float32");
  CHECK(by_key.at("observations").shape == std::vector<int64_t>{2, 3});
  CHECK(by_key.at("terminals").dtype == "bool");
  CHECK(by_key.at("timeouts").dtype == "bool");
  CHECK(by_key.at("infos/qpos").dtype == "float64");
  CHECK(by_key.at("metadata/algorithm").dtype == "|S3");
  CHECK(by_key.at("metadata/algorithm").shape.empty());
  CHECK(by_key.at("metadata/iteration").dtype == "int32");
}

TEST_CASE("d4rl_env_dims knows the locomotion envs under all their names", "[data]") {
  CHECK(d4rl_env_dims("hopper-medium-v2")->obs_dim == 11);
  CHECK(d4rl_env_dims("Hopper-v3")->act_dim == 3);
  CHECK(d4rl_env_dims("halfcheetah_medium_expert-v2")->obs_dim == 17);
  CHECK(d4rl_env_dims("walker2d")->nq == 9);
  // flowrl's positions-only variants: qpos[1:]
  CHECK(d4rl_env_dims("hopper-positions")->obs_dim == 5);
  CHECK(d4rl_env_dims("hopper-positions")->env == "hopper-positions");
  CHECK(d4rl_env_dims("walker2d-positions-medium")->obs_dim == 8);
  CHECK(d4rl_env_dims("halfcheetah-positions")->nv == 9);
  CHECK_FALSE(d4rl_env_dims("ant-positions").has_value());
  CHECK(d4rl_env_dims("hopper-positionsx")->obs_dim == 11);  // not the suffix
  CHECK_FALSE(d4rl_env_dims("pendulum").has_value());
  CHECK_THROWS_AS(D4RLReadOptions().env_dims("pendulum"), Error);
  const auto o = D4RLReadOptions().env_dims("walker2d-expert-v2");
  CHECK(o.obs_dim() == 17);
  CHECK(o.act_dim() == 6);
}
