// thread_pool_test.cpp — every index exactly once; exceptions of the lowest index rethrown.
#include <flowrl/core/error.h>
#include <flowrl/envs/thread_pool.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <vector>

using namespace flowrl;
using flowrl::envs::ThreadPool;

TEST_CASE("parallel_for runs every index once, for any thread count", "[envs][thread_pool]") {
  for (int64_t threads : {1, 2, 4}) {
    ThreadPool pool(threads);
    CHECK(pool.size() == threads);
    for (int64_t n : {0, 1, 3, 100}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      for (int repeat = 0; repeat < 5; ++repeat) pool.parallel_for(n, [&](int64_t i) { ++hits[static_cast<size_t>(i)]; });
      for (auto& h : hits) REQUIRE(h.load() == 5);
    }
  }
}

TEST_CASE("parallel_for rethrows the exception of the lowest failing index", "[envs][thread_pool]") {
  ThreadPool pool(3);
  std::atomic<int> ran{0};
  CHECK_THROWS_WITH(pool.parallel_for(50, [&](int64_t i) {
    ++ran;
    if (i == 7 || i == 30) fail("failed at ", i);
  }), "failed at 7");
  CHECK(ran.load() == 50);  // the other indices still ran
  // the pool is usable afterwards
  std::atomic<int> after{0};
  pool.parallel_for(10, [&](int64_t) { ++after; });
  CHECK(after.load() == 10);
  CHECK_THROWS_AS(ThreadPool(0), Error);
}
