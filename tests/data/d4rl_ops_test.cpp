// d4rl_ops_test.cpp — slice / trim / concat / stitch (D4RL's medium-expert recipe).
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/data/d4rl_ops.h>
#include <flowrl/data/episodes.h>

#include "d4rl_fixtures.h"

using namespace flowrl;
using namespace flowrl::data;

TEST_CASE("trim_after_last_done drops the trailing partial episode", "[data][ops]") {
  const auto ds = test::make_dataset({4, 3, 2}, "to-");
  const auto t = trim_after_last_done(ds);
  CHECK(t.size() == 7);
  CHECK(t.infos.qpos.rows == 7);
  CHECK(t.observations.at(6, 0) == ds.observations.at(6, 0));
  CHECK(trim_after_last_done(test::make_dataset({5}, "-")).size() == 0);
}

TEST_CASE("stitch_d4rl = first trimmed + second whole, no metadata", "[data][ops]") {
  auto medium = test::make_dataset({4, 3, 2}, "to-");
  medium.metadata.strings["algorithm"] = "SAC";
  const auto expert = test::make_dataset({5, 1}, "o-", 3, 2);
  const auto me = stitch_d4rl(medium, expert);
  CHECK(me.size() == 7 + 6);
  CHECK(me.metadata.empty());
  CHECK(me.observations.at(7, 1) == expert.observations.at(0, 1));
  CHECK(me.timeouts[7 + 4] == 1);
  const auto eps = split_episodes(me);
  CHECK(eps.size() == 3);  // 2 from medium, 1 from expert; expert's trailing row dropped
  CHECK(split_episodes(me, EpisodeOptions().keep_trailing(true)).back().length == 1);
  CHECK_NOTHROW(validate_d4rl(me));
}

TEST_CASE("concat_d4rl refuses parts that do not fit", "[data][ops]") {
  const auto a = test::make_dataset({3}, "t", 3, 2);
  const auto b = test::make_dataset({3}, "t", 4, 2);
  CHECK_THROWS_WITH(concat_d4rl({a, b}), Catch::Matchers::Contains("part 1"));
  auto c = test::make_dataset({3}, "t", 3, 2);
  c.infos.qpos = DoubleMatrix();
  CHECK_THROWS_WITH(concat_d4rl({a, c}), Catch::Matchers::Contains("optional keys"));
  CHECK(concat_d4rl({a, a}).size() == 6);
  CHECK_THROWS_AS(slice_rows(a, 2, 5), Error);
  // an empty first part (a medium half with no finished episode, trimmed to nothing) sets no
  // layout: the next part does (once: "does not have the same optional keys as part 0")
  const auto with_timeouts = test::make_dataset({3}, "o", 3, 2);
  const auto empty = trim_after_last_done(test::make_dataset({4}, "-", 3, 2));
  REQUIRE(empty.size() == 0);
  CHECK(concat_d4rl({empty, with_timeouts, with_timeouts}).size() == 6);
  CHECK_THROWS_WITH(concat_d4rl({empty, with_timeouts, b}), Catch::Matchers::Contains("part 1 has 3/2"));
}
