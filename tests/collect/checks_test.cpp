// checks_test.cpp — write_dataset() (the file read back with the D4RL reader), the MuJoCo state replay,
// and check_returns().
#include "collect_test_util.h"

#include <flowrl/collect/checks.h>
#include <flowrl/core/error.h>
#include <flowrl/data/d4rl.h>
#include <flowrl/data/episodes.h>
#include <flowrl/envs/random.h>

#include <catch2/catch.hpp>

#include "temp_dir.h"

using namespace flowrl;
using Catch::Matchers::Contains;

TEST_CASE("collect::write_dataset: the D4RL reader reads back every row and the metadata", "[collect]") {
  test::ScratchDir tmp("flowrl-collect");
  auto made = collect::collect("hopper", test::shipped("hopper-sac.h5", true), collect::CollectOptions(1500).seed(6));
  made.dataset.metadata.strings["flowrl/command"] = "a test";
  const std::string path = tmp.file("hopper_medium.hdf5");
  const auto written = collect::write_dataset(path, made.dataset, "hopper", 0);

  const data::D4RLDataset back = data::load_d4rl(path, data::D4RLReadOptions().env_dims("hopper"));
  const data::D4RLDataset& ds = made.dataset;
  REQUIRE(back.size() == 1500);
  CHECK(back.observations.values == ds.observations.values);
  CHECK(back.next_observations.values == ds.next_observations.values);
  CHECK(back.actions.values == ds.actions.values);
  CHECK(back.rewards == ds.rewards);
  CHECK(back.terminals == ds.terminals);
  CHECK(back.timeouts == ds.timeouts);
  CHECK(back.infos.qpos.values == ds.infos.qpos.values);
  CHECK(back.infos.qvel.values == ds.infos.qvel.values);
  CHECK(back.infos.action_log_probs == ds.infos.action_log_probs);
  CHECK(back.metadata.strings == ds.metadata.strings);
  CHECK(back.metadata.strings.at("algorithm") == "SAC");

  // the statistics are the file's, and every row's state reproduces its observation (check_rows 0: all)
  const auto stats = data::dataset_stats(back);
  CHECK(written.stats.rows == 1500);
  CHECK(written.stats.episodes == stats.episodes);
  CHECK(written.stats.returns.mean == stats.returns.mean);
  CHECK(written.consistency.rows_checked == 1500);
  CHECK(written.consistency.ok());
  CHECK(written.consistency.max_squared_error < 1e-10);
}

TEST_CASE("collect::check_qpos_consistency: a state that does not give its observation is found", "[collect]") {
  auto made = collect::collect("hopper", collect::Behaviour(), collect::CollectOptions(300).seed(7));
  data::D4RLDataset& ds = made.dataset;
  const auto clean = collect::check_qpos_consistency(ds, "hopper", 0);
  CHECK(clean.rows_checked == 300);
  CHECK(clean.ok());
  // row 299 is among any evenly spaced choice (the first and last rows always are)
  ds.infos.qpos.values[static_cast<size_t>(299 * ds.infos.qpos.cols + 1)] += 0.1;  // the torso height
  const auto broken = collect::check_qpos_consistency(ds, "hopper", 7);
  CHECK(broken.rows_checked == 7);
  CHECK(broken.worst_row == 299);
  CHECK(broken.max_squared_error == Approx(0.01).epsilon(1e-3));
  CHECK_FALSE(broken.ok());
  // without states there is nothing to replay
  ds.infos.qpos = {};
  ds.infos.qvel = {};
  CHECK_THAT(test::error_of([&] { collect::check_qpos_consistency(ds, "hopper", 10); }),
             Contains("has no infos/qpos and infos/qvel"));
}

TEST_CASE("collect::check_returns: a policy's dataset agrees with fresh episodes, a shifted mean does not",
          "[collect]") {
  const auto expert = test::shipped("hopper-trpo.h5", false);
  CHECK(collect::returns_checkable(expert));
  CHECK_FALSE(collect::returns_checkable(collect::Behaviour()));
  CHECK_FALSE(collect::returns_checkable(test::shipped("hopper-trpo.h5", false, 0.1)));

  const auto made = collect::collect("hopper", expert, collect::CollectOptions(3000).seed(8).threads(2));
  const auto stats = data::dataset_stats(made.dataset);
  REQUIRE(stats.returns.count >= 2);
  const auto options = collect::ReturnCheckOptions(4).seed(8).threads(2);
  const auto check = collect::check_returns("hopper", expert, stats.returns, options);
  CHECK(check.evaluation.episodes.size() == 4);
  CHECK(check.difference == Approx(stats.returns.mean - check.evaluation.returns.mean));
  CHECK(check.ok);
  // the fresh episodes do not reuse the dataset's seeds
  CHECK(check.evaluation.episodes[0].seed != envs::derive_seed(8, 0));

  data::Summary shifted = stats.returns;
  shifted.mean -= 10 * (shifted.std + check.evaluation.returns.std) + 100;
  const auto off = collect::check_returns("hopper", expert, shifted, options);
  CHECK(off.z >= 4);
  CHECK_FALSE(off.ok);

  const collect::Behaviour random;
  CHECK_THAT(test::error_of([&] { collect::check_returns("hopper", random, stats.returns, options); }),
             Contains("only such a behaviour has a return to compare"));
  CHECK_THROWS_AS(collect::check_returns("hopper", expert, stats.returns, collect::ReturnCheckOptions(0)), Error);
}
