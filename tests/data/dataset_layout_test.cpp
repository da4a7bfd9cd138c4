// dataset_layout_test.cpp — which layout a path holds, both ways, and what a wrong guess says.
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/data/dataset_layout.h>
#include <flowrl/data/episodes.h>

#include <filesystem>
#include <fstream>

#include "d4rl_fixtures.h"
#include "error_of.h"
#include "minari_fixtures.h"

using namespace flowrl;
using Catch::Matchers::Contains;

using test::error_of;

TEST_CASE("locate_dataset tells a D4RL file from a Minari dataset, given any of its paths", "[data][minari][layout]") {
  test::TempDir tmp;
  const auto d4rl = tmp.file("hopper_medium-v2.hdf5");
  data::write_d4rl(d4rl, test::make_dataset({4, 3}, "to", 11, 3));
  auto where = data::locate_dataset(d4rl);
  CHECK(where.layout == data::DatasetLayout::kD4RL);
  CHECK(where.path == d4rl);
  CHECK(where.main_file() == d4rl);
  CHECK(where.label() == d4rl);
  CHECK(std::string(data::layout_name(where.layout)) == "d4rl");

  const std::string folder = test::minari_dataset("sac-v0");
  for (const std::string& path : {folder, folder + "/data", folder + "/data/main_data.hdf5"}) {
    INFO(path);
    where = data::locate_dataset(path);
    CHECK(where.layout == data::DatasetLayout::kMinari);
    CHECK(where.path == folder + "/data");
    CHECK(where.main_file() == folder + "/data/main_data.hdf5");
    CHECK(where.minari_id.empty());
  }
  CHECK(std::string(data::layout_name(data::DatasetLayout::kMinari)) == "minari");
  // minari 0.4's folder has main_data.hdf5 alone
  CHECK(data::locate_dataset(test::minari_fixtures() + "/datasets-0.4/hopper-sac-v0").layout == data::DatasetLayout::kMinari);

  // an id, with MINARI_DATASETS_PATH; a path that exists wins over an id
  test::ScopedEnv root("MINARI_DATASETS_PATH", test::minari_root());
  where = data::locate_dataset_or_id("flowrl-fixtures/hopper/sac-v0");
  CHECK(where.layout == data::DatasetLayout::kMinari);
  CHECK(where.path == folder + "/data");
  CHECK(where.minari_id == "flowrl-fixtures/hopper/sac-v0");
  CHECK(where.label() == "flowrl-fixtures/hopper/sac-v0");
  CHECK(data::locate_minari_dataset("flowrl-fixtures/hopper/sac-v0").path == folder + "/data");
  CHECK(data::locate_dataset_or_id(d4rl).layout == data::DatasetLayout::kD4RL);
  CHECK_THAT(error_of([&] { data::locate_dataset_or_id("flowrl-fixtures/hopper/nothing-v0"); }),
             Contains("'flowrl-fixtures/hopper/nothing-v0' is neither a path (nothing is there) nor a Minari dataset id") &&
                 Contains(test::minari_root() + "/flowrl-fixtures/hopper/nothing-v0/data"));
  CHECK_THAT(error_of([&] { data::locate_dataset_or_id(tmp.file("none.hdf5")); }),
             Contains(tmp.file("none.hdf5") + ": not found"));
}

TEST_CASE("load_dataset reads either layout into the same flat form", "[data][minari][layout]") {
  test::TempDir tmp;
  const auto d4rl = tmp.file("data.hdf5");
  data::write_d4rl(d4rl, test::make_dataset({4, 3}, "to", 11, 3));
  const auto a = data::load_dataset(data::locate_dataset(d4rl));
  CHECK(a.steps.size() == 7);
  CHECK_FALSE(a.minari.has_value());
  CHECK(a.minari_episodes.empty());

  const auto b = data::load_dataset(data::locate_dataset(test::minari_dataset("sac-v0")),
                                    data::D4RLReadOptions().env_dims("hopper").load_next_observations(false));
  REQUIRE(b.minari.has_value());
  CHECK(b.minari->dataset_id == "flowrl-fixtures/hopper/sac-v0");
  CHECK(b.minari_episodes.size() == 4);
  CHECK(b.steps.size() == 314);
  CHECK(b.steps.next_observations.empty());
  CHECK(data::split_episodes(b.steps).size() == 4);
  CHECK(b.steps.observations.values == data::load_minari(test::minari_dataset("sac-v0")).steps.observations.values);
  // the options' dims apply to a Minari dataset too
  CHECK_THAT(error_of([&] {
               data::load_dataset(data::locate_dataset(test::minari_dataset("sac-v0")),
                                  data::D4RLReadOptions().env_dims("walker2d"));
             }),
             Contains("observation_space has 11 values but environment 'walker2d' has 17-D observations"));
}

TEST_CASE("a wrong guess or an unknown layout says what was found", "[data][minari][layout]") {
  test::TempDir tmp;
  const auto d4rl = tmp.file("d4rl.hdf5");
  data::write_d4rl(d4rl, test::make_dataset({4}, "t", 11, 3));
  const std::string minari_file = test::minari_dataset("sac-v0") + "/data/main_data.hdf5";
  // each reader given the other layout
  CHECK_THAT(error_of([&] { data::load_minari(d4rl); }), Contains(d4rl + ": holds D4RL's layout") && Contains("load_d4rl()"));
  CHECK_THAT(error_of([&] { data::load_d4rl(minari_file); }),
             Contains(minari_file + ": holds Minari's layout (a group per episode: episode_0, ...), not D4RL's"));
  // a Minari main file away from its folder
  const auto renamed = tmp.file("episodes.hdf5");
  std::filesystem::copy_file(minari_file, renamed);
  CHECK_THAT(error_of([&] { data::locate_dataset(renamed); }),
             Contains(renamed + ": holds Minari's layout") && Contains("a Minari dataset is a folder"));
  // an HDF5 file of neither layout lists its root keys
  const auto other = tmp.file("other.hdf5");
  {
    test::RawH5 f(other);
    f.floats("weights", {2, 2});
    f.floats("bias", {2});
  }
  CHECK_THAT(error_of([&] { data::locate_dataset(other); }),
             Contains(other + ": an HDF5 file in neither layout") && Contains("its root holds bias, weights."));
  // folders: empty, a namespace folder, a datasets root
  std::filesystem::create_directories(tmp.file("empty"));
  CHECK_THAT(error_of([&] { data::locate_dataset(tmp.file("empty")); }),
             Contains(tmp.file("empty") + ": a folder, but not a Minari dataset") && Contains("It holds nothing: it is empty."));
  CHECK_THAT(error_of([&] { data::locate_dataset(test::minari_root() + "/flowrl-fixtures/hopper"); }),
             Contains("It holds namespace_metadata.json, sac-noref-v0/, sac-v0/."));
  // Minari's other storages and other files
  std::ofstream(tmp.file("episode.parquet"), std::ios::binary) << "PAR1\x15\x04";
  CHECK_THAT(error_of([&] { data::locate_dataset(tmp.file("episode.parquet")); }),
             Contains("is a Parquet file") && Contains("not its Parquet storage"));
  std::ofstream(tmp.file("notes.txt")) << "hello";
  CHECK_THAT(error_of([&] { data::locate_dataset(tmp.file("notes.txt")); }), Contains("not an HDF5 file"));
  CHECK_THAT(error_of([&] { data::locate_dataset(""); }), Contains("the dataset path is empty"));
}
