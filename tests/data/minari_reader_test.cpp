// minari_reader_test.cpp — load_minari against datasets minari itself wrote, compared with what
// minari's own API read back (tests/fixtures/minari/expected*.json), the id resolution, every broken
// variant, and Minari-normalized scores.
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/data/dt_sampler.h>
#include <flowrl/data/episodes.h>
#include <flowrl/data/minari.h>
#include <flowrl/data/normalizer.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>

#include "d4rl_fixtures.h"
#include "error_of.h"
#include "minari_fixtures.h"

using namespace flowrl;
using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;

namespace {

std::string load_error(const std::string& path) {
  return test::error_of([&] { data::load_minari(path); });
}

std::vector<double> numbers(const JsonValue& v) {
  std::vector<double> out;
  for (const auto& x : v.as_array("numbers")) out.push_back(x.as_number("number"));
  return out;
}

// every field of `ds` against what minari.load_dataset read from the same files
void check_against_minari(const data::MinariDataset& ds, const JsonValue& want) {
  const auto& m = ds.metadata;
  CHECK(m.dataset_id == want.get("dataset_id", "e").as_string("dataset_id"));
  CHECK(m.minari_version == want.get("minari_version", "e").as_string("minari_version"));
  CHECK(m.total_episodes == want.get("total_episodes", "e").as_int("total_episodes"));
  CHECK(m.total_steps == want.get("total_steps", "e").as_int("total_steps"));
  CHECK(m.data_format == "hdf5");
  REQUIRE(m.env_spec.has_value());
  CHECK(m.env_spec->id == want.get("env_spec_id", "e").as_string("env_spec_id"));
  CHECK(m.env_spec->max_episode_steps == want.get("max_episode_steps", "e").as_int("max_episode_steps"));
  CHECK(m.env_spec->kwargs == "{}");
  CHECK_FALSE(m.eval_env_spec.has_value());
  for (const auto& [space, key] : {std::pair{&m.observation_space, "observation_space"}, {&m.action_space, "action_space"}}) {
    const auto& w = want.get(key, "e");
    CHECK(space->type == w.get("type", key).as_string("type"));
    CHECK(space->dtype == w.get("dtype", key).as_string("dtype"));
    std::vector<int64_t> shape;
    for (const auto& d : w.get("shape", key).as_array("shape")) shape.push_back(d.as_int("shape"));
    CHECK(space->shape == shape);
  }
  const auto* ref_min = want.find("ref_min_score");
  CHECK(m.ref_min_score.has_value() == !ref_min->is_null());
  if (m.ref_min_score) {
    CHECK(*m.ref_min_score == ref_min->as_number("ref_min_score"));
    CHECK(*m.ref_max_score == want.get("ref_max_score", "e").as_number("ref_max_score"));
  }

  // the flat D4RL form: one row per step, episodes back to back
  const auto& s = ds.steps;
  const int64_t obs_dim = m.observation_space.size(), act_dim = m.action_space.size();
  REQUIRE(s.size() == m.total_steps);
  REQUIRE(s.obs_dim() == obs_dim);
  REQUIRE(s.act_dim() == act_dim);
  REQUIRE(s.next_observations.rows == s.size());
  REQUIRE(s.has_timeouts());
  CHECK(ds.unflagged_ends == 0);
  const auto& episodes = want.get("episodes", "e").as_array("episodes");
  REQUIRE(ds.episodes.size() == episodes.size());
  int64_t row = 0;
  for (size_t i = 0; i < episodes.size(); ++i) {
    INFO("episode " << i);
    const auto& w = episodes[i];
    const auto& e = ds.episodes[i];
    const int64_t n = w.get("total_steps", "ep").as_int("total_steps");
    CHECK(e.id == w.get("id", "ep").as_int("id"));
    CHECK(e.first_row == row);
    CHECK(e.steps == n);
    REQUIRE(e.seed.has_value());
    CHECK(static_cast<int64_t>(*e.seed) == w.get("seed", "ep").as_int("seed"));
    const auto shape = w.get("observations_shape", "ep").as_array("shape");
    CHECK(shape[0].as_int("rows") == n + 1);  // minari's N + 1 observations
    // first and last observation: the reset observation and the final next observation
    const auto first = numbers(w.get("first_observation", "ep"));
    const auto last = numbers(w.get("last_observation", "ep"));
    double obs_sum = 0.0, act_sum = 0.0, ret = 0.0;
    for (int64_t j = 0; j < obs_dim; ++j) {
      CHECK(s.observations.at(row, j) == Approx(first[j]).epsilon(1e-6).margin(1e-6));
      CHECK(s.next_observations.at(row + n - 1, j) == Approx(last[j]).epsilon(1e-6).margin(1e-6));
    }
    for (int64_t t = 0; t < n; ++t) {
      for (int64_t j = 0; j < obs_dim; ++j) {
        obs_sum += s.observations.at(row + t, j);
        if (t + 1 < n) CHECK(s.next_observations.at(row + t, j) == s.observations.at(row + t + 1, j));
      }
      for (int64_t j = 0; j < act_dim; ++j) act_sum += s.actions.at(row + t, j);
      ret += s.rewards[static_cast<size_t>(row + t)];
    }
    for (int64_t j = 0; j < obs_dim; ++j) obs_sum += s.next_observations.at(row + n - 1, j);
    CHECK(obs_sum == Approx(w.get("observations_sum", "ep").as_number("sum")).epsilon(1e-5));
    CHECK(act_sum == Approx(w.get("actions_sum", "ep").as_number("sum")).epsilon(1e-5).margin(1e-4));
    const auto first_action = numbers(w.get("first_action", "ep"));
    for (int64_t j = 0; j < act_dim; ++j) CHECK(s.actions.at(row, j) == static_cast<float>(first_action[j]));
    CHECK(s.rewards[static_cast<size_t>(row)] == static_cast<float>(w.get("first_reward", "ep").as_number("r")));
    CHECK(ret == Approx(w.get("return", "ep").as_number("return")).epsilon(1e-5));
    // flags exactly where minari has them
    std::vector<uint8_t> terminals(static_cast<size_t>(n), 0), timeouts(static_cast<size_t>(n), 0);
    for (const auto& t : w.get("terminations", "ep").as_array("t")) terminals[static_cast<size_t>(t.as_int("t"))] = 1;
    for (const auto& t : w.get("truncations", "ep").as_array("t")) timeouts[static_cast<size_t>(t.as_int("t"))] = 1;
    CHECK(std::vector<uint8_t>(s.terminals.begin() + row, s.terminals.begin() + row + n) == terminals);
    CHECK(std::vector<uint8_t>(s.timeouts.begin() + row, s.timeouts.begin() + row + n) == timeouts);
    CHECK(e.terminated == (terminals.back() == 1));
    CHECK(e.truncated == (timeouts.back() == 1));
    row += n;
  }
}

}  // namespace

TEST_CASE("load_minari reads minari's own Hopper-v5 datasets as minari.load_dataset does", "[data][minari]") {
  const auto expected = test::minari_expected();
  for (const char* name : {"sac-v0", "sac-noref-v0"}) {
    INFO(name);
    const auto ds = data::load_minari(test::minari_dataset(name));
    CHECK(ds.folder == test::minari_dataset(name) + "/data");
    CHECK(ds.metadata.source == ds.folder + "/metadata.json");
    CHECK(ds.steps.source == ds.folder + "/main_data.hdf5");
    check_against_minari(ds, expected.get(name, "expected.json"));
  }
  // the fixture's facts the other tests rely on: both flags present, infos recorded in sac-v0
  const auto ds = data::load_minari(test::minari_dataset("sac-v0"));
  CHECK(ds.episodes.back().terminated);
  CHECK(ds.episodes.front().truncated);
  CHECK(ds.metadata.env_spec->id == "Hopper-v5");
  CHECK(ds.metadata.description.find("Hopper-v5") != std::string::npos);
  // the same dataset from its data/ folder and from data/main_data.hdf5
  for (const std::string& path : {test::minari_dataset("sac-v0") + "/data", test::minari_dataset("sac-v0") + "/data/main_data.hdf5"}) {
    const auto again = data::load_minari(path);
    CHECK(again.steps.observations.values == ds.steps.observations.values);
    CHECK(again.metadata.dataset_id == ds.metadata.dataset_id);
  }
  // without next observations, and with the dims of the env it is for
  const auto lean = data::load_minari(test::minari_dataset("sac-v0"),
                                      data::MinariReadOptions().load_next_observations(false).obs_dim(11).act_dim(3));
  CHECK(lean.steps.next_observations.empty());
  CHECK_THROWS_WITH(data::load_minari(test::minari_dataset("sac-v0"), data::MinariReadOptions().obs_dim(17).env_name("walker2d")),
                    Contains("metadata.json: observation_space has 11 values but environment 'walker2d' has 17-D"));
}

TEST_CASE("load_minari reads minari 0.4's layout: the metadata as root attributes", "[data][minari]") {
  const auto expected = test::minari_expected("expected-0.4.json");
  const std::string folder = test::minari_fixtures() + "/datasets-0.4/hopper-sac-v0";
  const auto ds = data::load_minari(folder);
  CHECK(ds.metadata.source == folder + "/data/main_data.hdf5");
  CHECK(ds.metadata.minari_version == "~=0.4");  // minari 0.4 stored a version specifier
  CHECK(ds.metadata.env_spec->id == "Hopper-v4");
  check_against_minari(ds, expected.get("hopper-sac-v0", "expected-0.4.json"));
}

TEST_CASE("the steps of a Minari dataset feed episodes.h, the normalizer and the DT sampler", "[data][minari]") {
  auto ds = data::load_minari(test::minari_dataset("sac-v0"));
  const auto episodes = data::split_episodes(ds.steps);
  REQUIRE(episodes.size() == ds.episodes.size());  // no trailing partial episode, none merged
  for (size_t i = 0; i < episodes.size(); ++i) {
    CHECK(episodes[i].start == ds.episodes[i].first_row);
    CHECK(episodes[i].length == ds.episodes[i].steps);
    CHECK(episodes[i].terminal == ds.episodes[i].terminated);
  }
  const auto stats = data::dataset_stats(ds.steps);
  CHECK(stats.episodes == 4);
  CHECK(stats.trailing_rows == 0);
  const auto norm = data::StateNormalizer::fit(ds.steps, episodes);
  CHECK(norm.mean.size() == 11);
  auto steps = std::make_shared<const data::D4RLDataset>(std::move(ds.steps));
  data::DTSampler sampler(steps, data::DTSamplerOptions().context(8).batch_size(4).seed(3));
  const auto batch = sampler.sample();
  CHECK(batch.states.sizes() == torch::IntArrayRef({4, 8, 11}));
  CHECK(batch.actions.sizes() == torch::IntArrayRef({4, 8, 3}));
}

TEST_CASE("Minari dataset ids resolve under MINARI_DATASETS_PATH, else ~/.minari/datasets", "[data][minari]") {
  for (const char* id : {"mujoco/hopper/medium-v0", "door-human-v1", "D4RL/door/human-v2", "name", "ab/c-d_e",
                               "a-b/c"})
    CHECK(data::is_minari_dataset_id(id));
  // minari's DATASET_ID_RE: the namespace has two characters at least and no '/' at either end
  for (const char* id : {"", "a/b-v0", "/abs/path-v0", "ns//", "ns/", "../up-v0", "mujoco/../x-v0", "sp ace-v0",
                               "dot.ted-v0", "ns/x/"})
    CHECK_FALSE(data::is_minari_dataset_id(id));

  test::TempDir tmp;
  {
    test::ScopedEnv root("MINARI_DATASETS_PATH", test::minari_root());
    CHECK(data::minari_datasets_root() == test::minari_root());
    CHECK(data::minari_data_folder("flowrl-fixtures/hopper/sac-v0") ==
          test::minari_root() + "/flowrl-fixtures/hopper/sac-v0/data");
    const auto by_id = data::load_minari_id("flowrl-fixtures/hopper/sac-noref-v0");
    const auto by_path = data::load_minari(test::minari_dataset("sac-noref-v0"));
    CHECK(by_id.steps.observations.values == by_path.steps.observations.values);
    CHECK(by_id.metadata.dataset_id == "flowrl-fixtures/hopper/sac-noref-v0");
    // a missing dataset names the folder tried, the root and where the root came from, and the fix
    CHECK_THROWS_WITH(data::minari_data_folder("mujoco/hopper/medium-v0"),
                      Contains("Minari dataset 'mujoco/hopper/medium-v0' not found") &&
                          Contains(test::minari_root() + "/mujoco/hopper/medium-v0/data") &&
                          Contains("from MINARI_DATASETS_PATH") && Contains("minari download mujoco/hopper/medium-v0"));
    CHECK_THROWS_WITH(data::minari_data_folder("../escape-v0"), Contains("is not a Minari dataset id"));
  }
  {
    test::ScopedEnv root("MINARI_DATASETS_PATH", test::minari_root() + "/");  // os.path.join keeps one '/'
    CHECK(data::minari_data_folder("flowrl-fixtures/hopper/sac-v0") ==
          test::minari_root() + "/flowrl-fixtures/hopper/sac-v0/data");
  }
  {
    // unset: $HOME/.minari/datasets
    test::ScopedEnv root("MINARI_DATASETS_PATH", std::nullopt);
    test::ScopedEnv home("HOME", tmp.file("home"));
    CHECK(data::minari_datasets_root() == tmp.file("home") + "/.minari/datasets");
    CHECK_THROWS_WITH(data::minari_data_folder("flowrl-fixtures/hopper/sac-v0"),
                      Contains(tmp.file("home") + "/.minari/datasets/flowrl-fixtures/hopper/sac-v0/data") &&
                          Contains("MINARI_DATASETS_PATH is unset"));
    test::copy_dataset(test::minari_dataset("sac-noref-v0"), tmp.file("home/.minari/datasets/my/ns/noref-v0"));
    CHECK(data::minari_data_folder("my/ns/noref-v0") == tmp.file("home") + "/.minari/datasets/my/ns/noref-v0/data");
    CHECK(data::load_minari_id("my/ns/noref-v0").steps.size() == 36);
  }
}

TEST_CASE("every broken Minari variant is an error naming the file, the episode and the key", "[data][minari]") {
  const std::string broken = test::minari_fixtures() + "/broken/";
  struct Case {
    const char* variant;
    std::vector<std::string> parts;  // all in the message
  };
  const std::string file = "/data/main_data.hdf5";
  const std::string meta = "/data/metadata.json";
  const Case cases[] = {
      {"n-observations", {file + ": key 'episode_1/observations' has 12 rows, one per step", "N + 1 observations"}},
      {"wrong-dtype", {file + ": key 'episode_0/observations' has dtype float32", "observation_space is a Box of float64"}},
      {"int-terminations", {file + ": key 'episode_2/terminations' has dtype int8", "as bool"}},
      {"short-rewards", {file + ": key 'episode_2/rewards' has 11 rows; expected 12"}},
      {"nan-observation", {file + ": key 'episode_0/observations' holds a non-finite value (nan) at step 3, column 2"}},
      {"missing-episode", {file + ": group 'episode_1' is missing", "total_episodes = 3", "opened by index"}},
      {"no-metadata", {"/data: metadata.json is missing", "root has no Minari attributes"}},
      {"wrong-total-steps", {meta + ": total_steps is 41", "hold 36 steps"}},
      {"dict-observations", {meta + ": key 'observation_space' is a Dict space (position, velocity)", "FlattenObservation"}},
      {"tuple-observations", {meta + ": key 'observation_space' is a Tuple space (2 subspaces)"}},
      {"arrow", {meta + ": key 'data_format' is 'arrow'", "Arrow storage", "HDF5 storage only"}},
  };
  for (const auto& c : cases) {
    INFO(c.variant);
    const std::string msg = load_error(broken + c.variant);
    REQUIRE_FALSE(msg.empty());
    CHECK_THAT(msg, Contains(broken + c.variant));
    for (const auto& part : c.parts) CHECK_THAT(msg, Contains(part));
  }
}

TEST_CASE("Minari files edited here: flags, groups for a Box, metadata keys", "[data][minari]") {
  test::TempDir tmp;
  const std::string noref = test::minari_dataset("sac-noref-v0");
  auto copy = [&](const std::string& name) {
    test::copy_dataset(noref, tmp.file(name));
    return tmp.file(name);
  };
  // an episode whose last step has neither flag: its end is kept as a timeout, and counted
  {
    const auto d = copy("unflagged");
    test::overwrite_bools(d + "/data/main_data.hdf5", "episode_1/truncations", std::vector<uint8_t>(12, 0));
    const auto ds = data::load_minari(d);
    CHECK(ds.unflagged_ends == 1);
    CHECK_FALSE(ds.episodes[1].truncated);
    CHECK(ds.steps.timeouts[12 + 11] == 1);
    CHECK(data::split_episodes(ds.steps).size() == 3);
  }
  // a flag before the last step would split the episode: refused
  {
    const auto d = copy("early-flag");
    std::vector<uint8_t> flags(12, 0);
    flags[4] = 1;
    flags[11] = 1;
    test::overwrite_bools(d + "/data/main_data.hdf5", "episode_2/truncations", flags);
    CHECK_THROWS_WITH(data::load_minari(d), Contains("main_data.hdf5: key 'episode_2/truncations' is set at step 4 of 12"));
  }
  // Dict-style groups under a Box in the metadata: the file and its metadata disagree
  {
    const auto d = copy("group-for-box");
    std::filesystem::copy_file(test::minari_fixtures() + "/broken/dict-observations/data/main_data.hdf5",
                               d + "/data/main_data.hdf5", std::filesystem::copy_options::overwrite_existing);
    CHECK_THROWS_WITH(data::load_minari(d), Contains("key 'episode_0/observations' is a group") &&
                                                Contains("Dict and Tuple spaces") && Contains("says the space is a Box"));
  }
  // metadata.json edits: broken JSON, a missing key, a key of the wrong type, one reference score alone
  const std::string original = test::read_text_file(noref + "/data/metadata.json");
  auto with_metadata = [&](const std::string& name, const std::string& text) {
    const auto d = copy(name);
    std::ofstream(d + "/data/metadata.json", std::ios::trunc) << text;
    return d;
  };
  auto replace = [](std::string s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  CHECK_THROWS_WITH(data::load_minari(with_metadata("cut", original.substr(0, original.size() / 2))),
                    Contains("/cut/data/metadata.json: invalid JSON at line 1"));
  CHECK_THROWS_WITH(data::load_minari(with_metadata("no-steps", replace(original, "\"total_steps\": 36,", ""))),
                    Contains("metadata.json: key 'total_steps' is missing"));
  CHECK_THROWS_WITH(data::load_minari(with_metadata("steps-text", replace(original, "\"total_steps\": 36", "\"total_steps\": \"36\""))),
                    Contains("metadata.json: key 'total_steps' is a string; expected an integer"));
  CHECK_THROWS_WITH(data::load_minari(with_metadata("one-ref", replace(original, "{", "{\"ref_min_score\": 1.0, "))),
                    Contains("has ref_min_score but no ref_max_score"));
  CHECK_THROWS_WITH(
      data::load_minari(with_metadata("equal-refs", replace(original, "{", "{\"ref_min_score\": 5, \"ref_max_score\": 5, "))),
      Contains("cannot normalize a return"));
  CHECK_THROWS_WITH(data::load_minari(with_metadata("episodes", replace(original, "\"total_episodes\": 3", "\"total_episodes\": 4"))),
                    Contains("group 'episode_3' is missing"));
  CHECK_THROWS_WITH(data::load_minari(with_metadata("fewer", replace(original, "\"total_episodes\": 3", "\"total_episodes\": 2"))),
                    Contains("holds 3 root entries but") && Contains("total_episodes = 2") && Contains("'episode_2'"));
  CHECK_THROWS_WITH(data::load_minari(with_metadata("discrete", replace(original, "\"{\\\"type\\\": \\\"Box\\\", \\\"dtype\\\": \\\"float32\\\"",
                                                                            "\"{\\\"type\\\": \\\"Discrete\\\", \\\"dtype\\\": \\\"float32\\\""))),
                    Contains("key 'action_space' is a Discrete space") && Contains("continuous actions"));
}

TEST_CASE("Minari-normalized scores are 100 (R - ref_min_score) / (ref_max_score - ref_min_score)", "[data][minari]") {
  const auto expected = test::minari_expected();
  const auto& want = expected.get("sac-v0", "expected.json");
  const auto ds = data::load_minari(test::minari_dataset("sac-v0"));
  const auto ref = ds.metadata.reference_scores();
  REQUIRE(ref.has_value());
  CHECK(ref->ref_min_score == -10.0);
  CHECK(ref->ref_max_score == 2990.0);
  CHECK(data::minari_normalized_score(*ref, -10.0) == 0.0);
  CHECK(data::minari_normalized_score(*ref, 2990.0) == 100.0);
  CHECK(data::minari_normalized_score(*ref, 1490.0) == Approx(50.0));
  // against minari.get_normalized_score (x100) of each episode's return
  const auto& episodes = want.get("episodes", "e").as_array("episodes");
  const auto scores = numbers(want.get("normalized_returns_x100", "e"));
  REQUIRE(scores.size() == episodes.size());
  for (size_t i = 0; i < episodes.size(); ++i)
    CHECK(data::minari_normalized_score(*ref, episodes[i].get("return", "ep").as_number("return")) ==
          Approx(scores[i]).epsilon(1e-12));
  // a dataset without reference scores has none (callers then report raw returns)
  CHECK_FALSE(data::load_minari(test::minari_dataset("sac-noref-v0")).metadata.reference_scores().has_value());
  CHECK(test::minari_expected().get("sac-noref-v0", "e").get("normalized_returns_x100", "e").is_null());
}
