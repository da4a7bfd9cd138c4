// episodes_test.cpp — split_episodes / qlearning_view against d4rl.sequence_dataset / qlearning_dataset.
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/data/episodes.h>

#include "d4rl_fixtures.h"

using namespace flowrl;
using namespace flowrl::data;

namespace {
std::vector<int64_t> lengths_of(const std::vector<Episode>& eps) {
  std::vector<int64_t> out;
  for (const auto& e : eps) out.push_back(e.length);
  return out;
}
}  // namespace

TEST_CASE("episodes end at terminals or timeouts, the trailing partial one is dropped by default", "[data][episodes]") {
  const auto ds = test::make_dataset({4, 3, 2}, "to-");
  const auto eps = split_episodes(ds);
  REQUIRE(eps.size() == 2);
  CHECK(eps[0].start == 0);
  CHECK(eps[0].length == 4);
  CHECK(eps[0].terminal);
  CHECK_FALSE(eps[0].timeout);
  CHECK(eps[1].start == 4);
  CHECK(eps[1].length == 3);
  CHECK(eps[1].timeout);
  CHECK_FALSE(eps[1].terminal);
  // rewards are 1 + i % 7
  CHECK(eps[0].ret == Approx(1 + 2 + 3 + 4));
  CHECK(eps[1].ret == Approx(5 + 6 + 7));

  const auto all = split_episodes(ds, EpisodeOptions().keep_trailing(true));
  REQUIRE(all.size() == 3);
  CHECK(all[2].start == 7);
  CHECK(all[2].length == 2);
  CHECK(all[2].partial());
  CHECK(all[2].ret == Approx(1 + 2));
}

TEST_CASE("a row with both flags ends one episode, the last row flagged leaves no trailing part", "[data][episodes]") {
  auto ds = test::make_dataset({3, 2}, "tt");
  ds.timeouts[2] = 1;
  const auto eps = split_episodes(ds, EpisodeOptions().keep_trailing(true));
  CHECK(lengths_of(eps) == std::vector<int64_t>{3, 2});
  CHECK(eps[0].terminal);
  CHECK(eps[0].timeout);
}

TEST_CASE("v0 files (no timeouts) follow d4rl's step counter, quirk included", "[data][episodes]") {
  // 10 rows, no terminal, limit 3: d4rl yields 3, then 2, 2, 2 (the counter restarts at 1)
  const auto ds = test::make_dataset({10}, "-", 3, 2, /*with_timeouts=*/false);
  const auto eps = split_episodes(ds, EpisodeOptions().max_episode_steps(3));
  CHECK(lengths_of(eps) == std::vector<int64_t>{3, 2, 2, 2});
  for (const auto& e : eps) CHECK(e.timeout);
  const auto kept = split_episodes(ds, EpisodeOptions().max_episode_steps(3).keep_trailing(true));
  CHECK(lengths_of(kept) == std::vector<int64_t>{3, 2, 2, 2, 1});

  // a terminal resets the counter the same way
  auto t = test::make_dataset({2, 8}, "t-", 3, 2, false);
  CHECK(lengths_of(split_episodes(t, EpisodeOptions().max_episode_steps(3))) ==
        std::vector<int64_t>{2, 2, 2, 2, 2});
}

TEST_CASE("qlearning_view drops the last row and the timeout rows, keeps terminal rows", "[data][episodes]") {
  const auto ds = test::make_dataset({4, 3, 2}, "to-");  // terminal at row 3, timeout at row 6
  const auto q = qlearning_view(ds);
  CHECK(q.rows == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 7});
  CHECK(q.dones == std::vector<uint8_t>{0, 0, 0, 1, 0, 0, 0});
  // size = (N - 1) - timeouts among rows 0..N-2
  CHECK(q.size() == (9 - 1) - 1);

  const auto all = qlearning_view(ds, QLearningOptions().terminate_on_end(true));
  CHECK(all.rows == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7});
  CHECK(all.dones[6] == 0);  // done stays terminals[i], as in d4rl

  // a timeout on the very last row does not change the count (that row is dropped anyway)
  const auto last = test::make_dataset({5, 5}, "oo");
  CHECK(qlearning_view(last).size() == 9 - 1);
}

TEST_CASE("qlearning_view on v0 files skips every max_episode_steps-th row", "[data][episodes]") {
  const auto ds = test::make_dataset({10}, "-", 3, 2, false);
  const auto q = qlearning_view(ds, QLearningOptions().max_episode_steps(3));
  // the skip branch resets the counter to 0 (no increment): rows 2, 5, 8 are final timesteps
  CHECK(q.rows == std::vector<int64_t>{0, 1, 3, 4, 6, 7});
}

TEST_CASE("qlearning_dataset materializes obs[i], obs[i+1], not next_observations", "[data][episodes]") {
  auto ds = test::make_dataset({4, 3}, "to");  // timeout on the last row only
  ds.next_observations.values.assign(ds.next_observations.values.size(), -7.0f);
  const auto q = qlearning_dataset(ds);
  REQUIRE(q.observations.rows == 6);
  CHECK(q.next_observations.rows == 6);
  CHECK(q.actions.rows == 6);
  CHECK(q.rewards.size() == 6);
  for (int64_t j = 0; j < 6; ++j) {
    CHECK(q.observations.at(j, 1) == ds.observations.at(j, 1));
    CHECK(q.next_observations.at(j, 1) == ds.observations.at(j + 1, 1));
    CHECK(q.actions.at(j, 0) == ds.actions.at(j, 0));
    CHECK(q.rewards[j] == ds.rewards[j]);
  }
  CHECK(q.terminals == std::vector<uint8_t>{0, 0, 0, 1, 0, 0});
}

TEST_CASE("dataset_stats counts rows, episodes and summarizes returns", "[data][episodes]") {
  const auto ds = test::make_dataset({4, 3, 2}, "to-");
  const auto s = dataset_stats(ds);
  CHECK(s.rows == 9);
  CHECK(s.episodes == 2);
  CHECK(s.trailing_rows == 2);
  CHECK(s.terminals == 1);
  CHECK(s.timeouts == 1);
  CHECK(s.transitions == 7);
  CHECK(s.lengths.mean == Approx(3.5));
  CHECK(s.lengths.min == 3);
  CHECK(s.lengths.max == 4);
  CHECK(s.returns.count == 2);
  CHECK(s.returns.mean == Approx((10.0 + 18.0) / 2));
  CHECK(s.returns.std == Approx(4.0));  // population std
  CHECK(s.returns.min == Approx(10.0));
  CHECK(s.returns.max == Approx(18.0));

  const auto none = summarize({});
  CHECK(none.count == 0);
  CHECK(none.mean == 0);

  // The --json reports' form of it.
  CHECK(to_json(s.returns) == "{\"count\": 2, \"mean\": 14, \"std\": 4, \"min\": 10, \"max\": 18}");
  CHECK(to_json(none) == "{\"count\": 0, \"mean\": 0, \"std\": 0, \"min\": 0, \"max\": 0}");
}
