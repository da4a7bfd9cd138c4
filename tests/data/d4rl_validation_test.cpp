// d4rl_validation_test.cpp — malformed files: each one is a flowrl::Error naming the file and key.
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/data/d4rl.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "d4rl_fixtures.h"

using namespace flowrl;
using namespace flowrl::data;
using Catch::Matchers::Contains;
using flowrl::test::RawH5;
using flowrl::test::TempDir;

namespace {

// the message load_d4rl throws for `path` (fails the test when nothing is thrown)
std::string load_error(const std::string& path, const D4RLReadOptions& options = D4RLReadOptions()) {
  try {
    load_d4rl(path, options);
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("load_d4rl accepted " << path);
  return "";
}

}  // namespace

TEST_CASE("missing file, empty file, text file", "[data][validation]") {
  TempDir tmp;
  const auto missing = tmp.file("nope.hdf5");
  CHECK_THAT(load_error(missing), Contains(missing) && Contains("not found"));

  const auto empty = tmp.file("empty.hdf5");
  test::write_text(empty, "");
  CHECK_THAT(load_error(empty), Contains(empty) && Contains("empty"));

  const auto text = tmp.file("text.hdf5");
  test::write_text(text, "observations,actions\n1,2\n");
  CHECK_THAT(load_error(text), Contains(text) && Contains("not an HDF5 file"));

  CHECK_THAT(load_error(tmp.file("")), Contains("directory"));
}

TEST_CASE("truncated file", "[data][validation]") {
  TempDir tmp;
  const auto path = tmp.file("cut.hdf5");
  write_d4rl(path, test::make_dataset({200, 100}, "to"), D4RLWriteOptions().gzip_level(0));
  const auto size = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, size / 2);
  CHECK_THAT(load_error(path), Contains(path) && Contains("truncated"));
  // so short that even the superblock is gone
  std::filesystem::resize_file(path, 40);
  const auto msg = load_error(path);
  CHECK_THAT(msg, Contains(path));
}

TEST_CASE("missing required keys are named", "[data][validation]") {
  TempDir tmp;
  for (const std::string key : {"observations", "actions", "rewards", "terminals"}) {
    const auto path = tmp.file("no-" + key + ".hdf5");
    {
      RawH5 f(path);
      test::write_minimal(f, 5, key);
    }
    CHECK_THAT(load_error(path), Contains(path) && Contains("key '" + key + "'") && Contains("missing"));
  }
}

TEST_CASE("inconsistent row counts name the key and both counts", "[data][validation]") {
  TempDir tmp;
  const auto path = tmp.file("rows.hdf5");
  {
    RawH5 f(path);
    f.floats("observations", {10, 3});
    f.floats("actions", {9, 2});
    f.floats("rewards", {10});
    f.bytes("terminals", {10}, std::vector<uint8_t>(10, 0));
  }
  CHECK_THAT(load_error(path), Contains(path) && Contains("key 'actions'") && Contains("9 rows") &&
                                   Contains("10"));

  const auto path2 = tmp.file("rows-infos.hdf5");
  {
    RawH5 f(path2);
    test::write_minimal(f, 10);
    f.floats("infos/qpos", {8, 6});
  }
  CHECK_THAT(load_error(path2), Contains("key 'infos/qpos'") && Contains("8 rows"));

  // simulator state of another width than the named env's (once: accepted)
  const auto narrow = tmp.file("narrow-qpos.hdf5");
  {
    RawH5 f(narrow);
    f.floats("observations", {10, 11});
    f.floats("actions", {10, 3});
    f.floats("rewards", {10});
    f.bytes("terminals", {10}, std::vector<uint8_t>(10, 0));
    f.floats("infos/qpos", {10, 3});
    f.floats("infos/qvel", {10, 6});
  }
  CHECK_THAT(load_error(narrow, D4RLReadOptions().env_dims("hopper")),
             Contains("'infos/qpos'") && Contains("has 3 columns but environment 'hopper' has nq = 6"));
  CHECK_NOTHROW(load_d4rl(narrow));  // no env named: nothing to compare with

  const auto path3 = tmp.file("rows-timeouts.hdf5");
  {
    RawH5 f(path3);
    test::write_minimal(f, 10, "timeouts");
    f.bytes("timeouts", {11}, std::vector<uint8_t>(11, 0));
  }
  CHECK_THAT(load_error(path3), Contains("key 'timeouts'") && Contains("11 rows"));
}

TEST_CASE("wrong ranks and dtypes", "[data][validation]") {
  TempDir tmp;
  const auto rank = tmp.file("rank.hdf5");
  {
    RawH5 f(rank);
    test::write_minimal(f, 4, "observations");
    f.floats("observations", {4});
  }
  CHECK_THAT(load_error(rank), Contains("key 'observations'") && Contains("(4,)") && Contains("2-D"));

  const auto rew = tmp.file("rewards2.hdf5");
  {
    RawH5 f(rew);
    test::write_minimal(f, 4, "rewards");
    f.floats("rewards", {4, 2});
  }
  CHECK_THAT(load_error(rew), Contains("key 'rewards'") && Contains("(4, 2)"));

  const auto str = tmp.file("strings.hdf5");
  {
    RawH5 f(str);
    test::write_minimal(f, 4, "actions");
    f.strings("actions", 4);
  }
  CHECK_THAT(load_error(str), Contains(str) && Contains("key 'actions'") && Contains("dtype |S4"));

  const auto grp = tmp.file("group.hdf5");
  {
    RawH5 f(grp);
    test::write_minimal(f, 4, "terminals");
    f.group("terminals");
  }
  CHECK_THAT(load_error(grp), Contains("key 'terminals'") && Contains("not a dataset"));
}

TEST_CASE("empty dataset", "[data][validation]") {
  TempDir tmp;
  const auto path = tmp.file("zero.hdf5");
  {
    RawH5 f(path);
    test::write_minimal(f, 0);
  }
  CHECK_THAT(load_error(path), Contains("key 'observations'") && Contains("0 rows"));
}

TEST_CASE("dims that do not match the environment", "[data][validation]") {
  TempDir tmp;
  const auto path = tmp.file("dims.hdf5");
  write_d4rl(path, test::make_dataset({5}, "t", /*obs_dim=*/3, /*act_dim=*/2));
  CHECK_THAT(load_error(path, D4RLReadOptions().env_dims("hopper-medium-v2")),
             Contains(path) && Contains("key 'observations'") && Contains("3 columns") &&
                 Contains("hopper-medium-v2") && Contains("11"));
  CHECK_THAT(load_error(path, D4RLReadOptions().obs_dim(3).act_dim(4)),
             Contains("key 'actions'") && Contains("2 columns") && Contains("4"));
}

TEST_CASE("non-finite values name the key and the first bad row", "[data][validation]") {
  TempDir tmp;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();

  const auto obs = tmp.file("nan-obs.hdf5");
  {
    RawH5 f(obs);
    test::write_minimal(f, 6, "observations");
    std::vector<double> v(18, 0.5);
    v[3 * 4 + 1] = nan;  // row 4, column 1
    v[3 * 5 + 0] = nan;  // a later bad row is not the one reported
    f.floats("observations", {6, 3}, v);
  }
  CHECK_THAT(load_error(obs), Contains(obs) && Contains("key 'observations'") && Contains("row 4") &&
                                  Contains("column 1"));

  const auto rew = tmp.file("inf-rewards.hdf5");
  {
    RawH5 f(rew);
    test::write_minimal(f, 6, "rewards");
    f.floats("rewards", {6}, {0, 0, inf, 0, 0, 0}, /*f64=*/true);
  }
  CHECK_THAT(load_error(rew), Contains("key 'rewards'") && Contains("row 2") && Contains("inf"));

  const auto qpos = tmp.file("nan-qpos.hdf5");
  {
    RawH5 f(qpos);
    test::write_minimal(f, 2);
    f.floats("infos/qpos", {2, 2}, {0, 0, 0, nan}, true);
  }
  CHECK_THAT(load_error(qpos), Contains("key 'infos/qpos'") && Contains("row 1"));
  // the check can be switched off
  CHECK_NOTHROW(load_d4rl(qpos, D4RLReadOptions().check_finite(false)));
}

TEST_CASE("float64 values beyond float32 range are caught as non-finite", "[data][validation]") {
  TempDir tmp;
  const auto path = tmp.file("huge.hdf5");
  {
    RawH5 f(path);
    test::write_minimal(f, 3, "actions");
    f.floats("actions", {3, 2}, {0, 0, 0, 0, 1e300, 0}, true);
  }
  CHECK_THAT(load_error(path), Contains("key 'actions'") && Contains("row 2"));
}

TEST_CASE("next_observations of another width", "[data][validation]") {
  TempDir tmp;
  const auto path = tmp.file("next.hdf5");
  {
    RawH5 f(path);
    test::write_minimal(f, 3);
    f.floats("next_observations", {3, 4});
  }
  CHECK_THAT(load_error(path), Contains("key 'next_observations'") && Contains("4 columns"));
}

TEST_CASE("validate_d4rl checks in-memory datasets, write_d4rl refuses bad ones", "[data][validation]") {
  TempDir tmp;
  auto ds = test::make_dataset({4}, "t");
  ds.source = "rollouts";
  CHECK_NOTHROW(validate_d4rl(ds));
  auto bad = ds;
  bad.rewards.pop_back();
  CHECK_THROWS_WITH(validate_d4rl(bad), Contains("rollouts: key 'rewards'") && Contains("3 rows"));
  CHECK_THROWS_AS(write_d4rl(tmp.file("bad.hdf5"), bad), Error);
  CHECK_FALSE(std::filesystem::exists(tmp.file("bad.hdf5")));
  bad = ds;
  bad.terminals[1] = 2;
  CHECK_THROWS_WITH(validate_d4rl(bad), Contains("key 'terminals'") && Contains("row 1"));
  bad = ds;
  bad.actions.values[3] = std::nanf("");
  CHECK_THROWS_WITH(validate_d4rl(bad), Contains("key 'actions'") && Contains("row 1"));
}
