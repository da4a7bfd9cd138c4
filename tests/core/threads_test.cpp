// check_thread_count: the accepted range of every thread-count option, and messages naming it.
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/core/threads.h>

TEST_CASE("check_thread_count accepts min..kMaxThreads and names the option otherwise", "[core][threads]") {
  CHECK_NOTHROW(flowrl::check_thread_count(1, 1, "--threads"));
  CHECK_NOTHROW(flowrl::check_thread_count(flowrl::kMaxThreads, 1, "--threads"));
  CHECK_NOTHROW(flowrl::check_thread_count(0, 0, "--blas-threads", "the run's value"));
  CHECK_THROWS_WITH(flowrl::check_thread_count(0, 1, "--threads"),
                    Catch::Equals("--threads must be between 1 and 1024, got 0"));
  CHECK_THROWS_WITH(flowrl::check_thread_count(100000, 0, "--blas-threads", "the run's value"),
                    Catch::Equals("--blas-threads must be between 0 and 1024 (0: the run's value), got 100000"));
  CHECK_THROWS_AS(flowrl::check_thread_count(-1, 0, "x"), flowrl::Error);
}
