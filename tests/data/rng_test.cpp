// rng_test.cpp — Rng: seeded, portable distributions, saveable state.
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/data/rng.h>

#include <vector>

using namespace flowrl;
using namespace flowrl::data;

TEST_CASE("same seed, same stream, state() resumes bit-identically", "[data][rng]") {
  Rng a(7), b(7), c(8);
  for (int i = 0; i < 5; ++i) CHECK(a.next() == b.next());
  CHECK(a.next() != c.next());
  const std::string saved = a.state();
  std::vector<uint64_t> first;
  for (int i = 0; i < 10; ++i) first.push_back(a.below(1000));
  Rng d(123);
  d.set_state(saved);
  for (int i = 0; i < 10; ++i) CHECK(d.below(1000) == first[i]);
  CHECK_THROWS_AS(d.set_state("not a state"), Error);
}

TEST_CASE("below and uniform stay in range and cover it", "[data][rng]") {
  Rng r(1);
  std::vector<int> hist(7, 0);
  int bad = 0;
  for (int i = 0; i < 7000; ++i) {
    const auto v = r.below(7);
    if (v >= 7) ++bad;
    else ++hist[v];
  }
  REQUIRE(bad == 0);
  for (int h : hist) CHECK(h > 800);  // expected 1000 each
  double lo = 1, hi = 0, sum = 0;
  for (int i = 0; i < 10000; ++i) {
    const double u = r.uniform();
    if (u < 0.0 || u >= 1.0) ++bad;
    lo = std::min(lo, u);
    hi = std::max(hi, u);
    sum += u;
  }
  CHECK(bad == 0);
  CHECK(lo < 0.01);
  CHECK(hi > 0.99);
  CHECK(sum / 10000 == Approx(0.5).margin(0.02));
  CHECK(r.below(1) == 0);
  CHECK_THROWS_AS(r.below(0), Error);
  double m = 0, s = 0;
  for (int i = 0; i < 20000; ++i) {
    const double z = r.normal();
    m += z;
    s += z * z;
  }
  CHECK(m / 20000 == Approx(0.0).margin(0.03));
  CHECK(s / 20000 == Approx(1.0).margin(0.05));
}
