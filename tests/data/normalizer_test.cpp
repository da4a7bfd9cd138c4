// normalizer_test.cpp — StateNormalizer: DT's mean / (population std + 1e-6) over episode rows.
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/data/normalizer.h>

#include <cmath>

#include "d4rl_fixtures.h"

using namespace flowrl;
using namespace flowrl::data;

TEST_CASE("StateNormalizer::fit uses the rows of the given episodes only", "[data][normalizer]") {
  // obs[i][j] = i + j / 100; episodes cover rows 0..6 (the trailing rows 7, 8 excluded)
  const auto ds = test::make_dataset({4, 3, 2}, "to-");
  const auto norm = StateNormalizer::fit(ds, split_episodes(ds));
  REQUIRE(norm.dim() == 3);
  // rows 0..6: mean 3, population variance 28 / 7 = 4
  CHECK(norm.mean[0] == Approx(3.0));
  CHECK(norm.mean[2] == Approx(3.02));
  CHECK(norm.std[0] == Approx(2.0 + 1e-6).epsilon(1e-7));
  std::vector<float> out = norm.apply(std::vector<float>{5.0f, 3.01f, 1.02f});
  CHECK(out[0] == Approx(1.0).epsilon(1e-5));
  CHECK(out[1] == Approx(0.0).margin(1e-5));
  CHECK(out[2] == Approx(-1.0).epsilon(1e-5));
  CHECK_THROWS_AS(norm.apply(std::vector<float>{1.0f}), Error);
}

TEST_CASE("a constant dimension gets std eps, not zero", "[data][normalizer]") {
  auto ds = test::make_dataset({5}, "t");
  for (int64_t i = 0; i < 5; ++i) ds.observations.row(i)[1] = 2.5f;
  const auto norm = StateNormalizer::fit(ds, split_episodes(ds), 1e-6);
  CHECK(norm.std[1] == Approx(1e-6));
  CHECK(std::isfinite(norm.apply(std::vector<float>{0, 2.5f, 0})[1]));
}

TEST_CASE("fit without rows is an error, identity passes states through", "[data][normalizer]") {
  const auto ds = test::make_dataset({5}, "-");
  CHECK_THROWS_AS(StateNormalizer::fit(ds, split_episodes(ds)), Error);
  const auto id = StateNormalizer::identity(3);
  CHECK(id.apply(std::vector<float>{1, 2, 3}) == std::vector<float>{1, 2, 3});
}
