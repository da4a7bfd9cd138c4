// inspect_dataset_test.cpp — the inspect-dataset program end to end (skipped when not built).
#include <catch2/catch.hpp>
#include <flowrl/data/d4rl.h>

#include "apps_support.h"
#include "d4rl_fixtures.h"
#include "minari_fixtures.h"

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
TEST_CASE("inspect-dataset describes a Minari dataset as it does a D4RL file, with Minari-normalized scores",
          "[data][apps][minari]") {
  test::TempDir tmp;
  const auto exe = std::string(FLOWRL_INSPECT_DATASET_EXE);
  const auto json = tmp.file("report.json");
  auto r = test::run_command(exe + " " + test::minari_dataset("sac-v0") + " --json " + json, tmp.file("log"));
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.output, Contains("minari: flowrl-fixtures/hopper/sac-v0 (minari 0.5.4), collected in Hopper-v5, 4 episodes, "
                                "314 steps") &&
                           Contains("episode_0/observations") && Contains("(101, 11)") && Contains("rows: 314") &&
                           Contains("episodes: 4 ending in a terminal or timeout") && Contains("terminals: 1   timeouts: 3") &&
                           Contains("ref_min_score -10, ref_max_score 2990"));
  // the returns and their Minari-normalized summary, from what minari itself read (expected.json)
  const auto want = test::minari_expected().get("sac-v0", "expected.json");
  double sum = 0, normalized = 0;
  const auto& episodes = want.get("episodes", "e").as_array("episodes");
  for (size_t i = 0; i < episodes.size(); ++i) {
    sum += episodes[i].get("return", "ep").as_number("return");
    normalized += want.get("normalized_returns_x100", "e").as_array("n")[i].as_number("n");
  }
  const auto report = parse_json(test::read_text_file(json), json);
  CHECK(report.get("layout", "r").as_string("layout") == "minari");
  CHECK(report.get("rows", "r").as_int("rows") == 314);
  CHECK(report.get("episodes", "r").as_int("episodes") == 4);
  CHECK(report.get("returns", "r").get("mean", "r").as_number("mean") == Approx(sum / 4).epsilon(1e-6));
  CHECK(report.get("normalized_returns", "r").get("mean", "r").as_number("mean") == Approx(normalized / 4).epsilon(1e-6));
  CHECK(report.get("score_reference", "r").dump() == "{\"source\": \"minari\", \"min\": -10, \"max\": 2990}");
  const auto& m = report.get("minari", "r");
  CHECK(m.get("dataset_id", "m").as_string("id") == "flowrl-fixtures/hopper/sac-v0");
  CHECK(m.get("env_spec_id", "m").as_string("env") == "Hopper-v5");
  CHECK(m.get("observation_space", "m").get("shape", "m").dump() == "[11]");
  CHECK(report.get("keys", "r").as_array("keys").size() == 7);  // episode_0's, infos included

  // by id under MINARI_DATASETS_PATH; no reference scores: raw returns, and it says so
  r = test::run_command("MINARI_DATASETS_PATH=" + test::minari_root() + " " + exe +
                            " flowrl-fixtures/hopper/sac-noref-v0 --env hopper --json " + json,
                        tmp.file("log"));
  REQUIRE(r.code == 0);
  CHECK_THAT(r.output, Contains("normalized:     n/a (flowrl-fixtures/hopper/sac-noref-v0 has no ref_min_score/ref_max_score "
                                "in its metadata: raw returns only)"));
  const auto noref = parse_json(test::read_text_file(json), json);
  CHECK(noref.get("normalized_returns", "r").is_null());
  CHECK(noref.get("score_reference", "r").get("source", "s").as_string("s") == "none");
  CHECK(noref.get("env", "r").as_string("env") == "hopper");

  // a broken variant: the validation message and exit 1; a Minari dataset for another env's dims
  r = test::run_command(exe + " " + test::minari_fixtures() + "/broken/n-observations", tmp.file("log"));
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("key 'episode_1/observations' has 12 rows, one per step"));
  r = test::run_command(exe + " " + test::minari_dataset("sac-v0") + " --env walker2d", tmp.file("log"));
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("observation_space has 11 values but environment 'walker2d' has 17-D observations"));
}
#else
TEST_CASE("inspect-dataset end to end", "[data][apps]") { WARN("inspect-dataset not built: skipped"); }
#endif
