// scores_test.cpp — D4RL reference returns and normalized scores (x100).
#include <flowrl/core/error.h>
#include <flowrl/envs/scores.h>

#include <catch2/catch.hpp>

using namespace flowrl;
using namespace flowrl::envs;

TEST_CASE("locomotion references (d4rl/infos.py)", "[envs][scores]") {
  CHECK(reference_scores("hopper").min_return == -20.272305);
  CHECK(reference_scores("hopper").max_return == 3234.3);
  CHECK(reference_scores("halfcheetah").min_return == -280.178953);
  CHECK(reference_scores("halfcheetah").max_return == 12135.0);
  CHECK(reference_scores("walker2d").min_return == 1.629008);
  CHECK(reference_scores("walker2d").max_return == 4592.3);
  CHECK(reference_scores("ant").min_return == -325.6);
  CHECK(reference_scores("ant").max_return == 3879.7);
}

TEST_CASE("normalized score is 100 (R - min) / (max - min) for every dataset and version", "[envs][scores]") {
  CHECK(normalized_score("hopper", 3234.3) == Approx(100.0));
  CHECK(normalized_score("hopper", -20.272305) == Approx(0.0).margin(1e-12));
  CHECK(normalized_score("hopper-medium-v2", 1607.0) == Approx(100.0 * (1607.0 + 20.272305) / (3234.3 + 20.272305)));
  CHECK(normalized_score("walker2d-medium-replay-v2", 4592.3) == Approx(100.0));
  CHECK(normalized_score("halfcheetah-expert-v0", -280.178953) == Approx(0.0).margin(1e-12));
  CHECK(normalized_score("ant-medium-expert-v2", 3879.7) == Approx(100.0));
  CHECK(normalized_score("Hopper-v3", 3234.3) == Approx(100.0));
  // the README's normalized column for the shipped expert hopper policy
  CHECK(normalized_score("hopper", 3579) == Approx(110.6).margin(0.05));
  CHECK(raw_return_for_score("halfcheetah", 98.9) == Approx(11999).margin(10));
  CHECK(raw_return_for_score("hopper", normalized_score("hopper", 1234.5)) == Approx(1234.5));
}

TEST_CASE("maze2d and antmaze references", "[envs][scores]") {
  CHECK(reference_scores("maze2d-umaze-v1").min_return == 23.85);
  CHECK(reference_scores("maze2d-umaze-v1").max_return == 161.86);
  CHECK(reference_scores("maze2d-large-dense-v1").max_return == 303.4857382709002);
  CHECK(reference_scores("maze2d-open-v0").max_return == 20.66);
  CHECK(normalized_score("antmaze-umaze-v0", 1.0) == 100.0);
  CHECK(normalized_score("antmaze-large-diverse-v2", 0.5) == 50.0);
  CHECK(normalized_score("antmaze-medium-play-v2", 0.0) == 0.0);
}

TEST_CASE("unknown names are errors listing the known ones", "[envs][scores]") {
  CHECK_FALSE(find_reference_scores("pendulum").has_value());
  CHECK_FALSE(find_reference_scores("maze2d-umaze-v0").has_value());  // only the listed versions
  CHECK_FALSE(find_reference_scores("hopper-medium").has_value());
  CHECK_THROWS_WITH(normalized_score("pendulum", 1.0),
                    Catch::Contains("'pendulum'") && Catch::Contains("hopper") && Catch::Contains("antmaze-umaze-v0"));
  auto names = scored_names();
  CHECK(std::find(names.begin(), names.end(), "walker2d") != names.end());
  CHECK(std::find(names.begin(), names.end(), "maze2d-medium-v1") != names.end());
}
