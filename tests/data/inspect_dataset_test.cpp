// inspect_dataset_test.cpp — the inspect-dataset program end to end (skipped when not built).
#include <catch2/catch.hpp>
#include <flowrl/data/d4rl.h>

#include "apps_support.h"
#include "d4rl_fixtures.h"

using namespace flowrl;
using Catch::Matchers::Contains;

#ifdef FLOWRL_INSPECT_DATASET_EXE
TEST_CASE("inspect-dataset reports keys, rows, episodes and returns, also as JSON", "[data][apps]") {
  test::TempDir tmp;
  // hopper-sized: 11 obs, 3 actions; rewards 1 + i % 7 -> returns 10 and 18
  const auto path = tmp.file("hopper_medium-v2.hdf5");
  auto ds = test::make_dataset({4, 3, 2}, "to-", 11, 3);
  ds.infos.qpos = data::DoubleMatrix(ds.size(), 6);  // hopper's simulator state: nq = nv = 6
  ds.infos.qvel = data::DoubleMatrix(ds.size(), 6);
  data::write_d4rl(path, ds);
  const auto json = tmp.file("report.json");
  const auto r = test::run_command(std::string(FLOWRL_INSPECT_DATASET_EXE) + " " + path + " --env hopper --json " + json,
                                   tmp.file("log"));
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.output, Contains("observations") && Contains("float32") && Contains("(9, 11)") &&
                           Contains("terminals") && Contains("bool") && Contains("rows: 9") &&
                           Contains("episodes: 2") && Contains("trailing partial episode of 2 rows") &&
                           Contains("14.00 +- 4.00"));
  std::ifstream in(json);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string j = buf.str();
  CHECK_THAT(j, Contains("\"rows\": 9") && Contains("\"episodes\": 2") && Contains("\"env\": \"hopper\"") &&
                    Contains("\"returns\": {\"count\": 2, \"mean\": 14, \"std\": 4, \"min\": 10, \"max\": 18}") &&
                    Contains("\"normalized_returns\": {"));
}

TEST_CASE("inspect-dataset exits non-zero with the validation message", "[data][apps]") {
  test::TempDir tmp;
  const auto exe = std::string(FLOWRL_INSPECT_DATASET_EXE);
  const auto bad = tmp.file("bad.hdf5");
  {
    test::RawH5 f(bad);
    test::write_minimal(f, 5, "rewards");
  }
  auto r = test::run_command(exe + " " + bad, tmp.file("log"));
  CHECK(r.code != 0);
  CHECK_THAT(r.output, Contains(bad) && Contains("key 'rewards'") && Contains("missing"));

  const auto wrong_env = tmp.file("small.hdf5");
  data::write_d4rl(wrong_env, test::make_dataset({3}, "t", 3, 2));
  r = test::run_command(exe + " " + wrong_env + " --env walker2d", tmp.file("log"));
  CHECK(r.code != 0);
  CHECK_THAT(r.output, Contains("key 'observations'") && Contains("17"));

  r = test::run_command(exe + " " + tmp.file("missing.hdf5"), tmp.file("log"));
  CHECK(r.code != 0);
  CHECK_THAT(r.output, Contains("not found"));
}
#else
TEST_CASE("inspect-dataset end to end", "[data][apps]") { WARN("inspect-dataset not built: skipped"); }
#endif
