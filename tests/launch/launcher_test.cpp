// launch_local: torchrun's environment per rank, a failing or killed rank stops the others (SIGTERM,
// then SIGKILL after the grace period), SIGTERM to the launcher reaches the ranks, bad options are
// refused, and no child is left behind in any of these.
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/launch/launcher.h>

#include "launch_test_util.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

using flowrl::launch::launch_local;
using flowrl::launch::LocalLaunchOptions;
using flowrl::launch::LocalLaunchResult;
using flowrl_test::no_children_left;
using flowrl_test::read_text;
using flowrl_test::TempDir;

namespace {

using clock_type = std::chrono::steady_clock;

// Every rank runs `script` in /bin/sh with $1 = dir (then rank_args as $2...).
LocalLaunchOptions shell_ranks(int nproc, const std::string& script, const TempDir& dir) {
  return LocalLaunchOptions(nproc).argv({"/bin/sh", "-c", script, "sh", dir.path()});
}

// NAME=value lines of a file, as a map.
std::map<std::string, std::string> read_env(const std::string& path) {
  std::map<std::string, std::string> env;
  std::istringstream in(read_text(path));
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return env;
}

// Waits (at most 5 s) until every file exists.
bool wait_for_files(const std::vector<std::string>& paths) {
  const auto deadline = clock_type::now() + std::chrono::seconds(5);
  while (clock_type::now() < deadline) {
    bool all = true;
    for (const auto& p : paths) all = all && std::filesystem::exists(p);
    if (all) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace

TEST_CASE("launch_local gives every rank torchrun's environment and its extra arguments", "[launch][launcher]") {
  TempDir dir;
  const auto options =
      shell_ranks(3, "env > \"$1/rank$RANK.env\"; echo \"ARGS=$*\" >> \"$1/rank$RANK.env\"", dir)
          .rank_args([](int rank) { return rank > 0 ? std::vector<std::string>{"--no-progress"} : std::vector<std::string>{}; })
          .env({{"FLOWRL_TEST_EXTRA", "x"}, {"RANK", "overridden by the launcher"}});
  const LocalLaunchResult result = launch_local(options);
  CHECK(result.exit_code == 0);
  CHECK(result.failed_rank == -1);
  CHECK(result.signal_received == 0);
  CHECK(result.message == "all 3 rank(s) exited with code 0");
  CHECK(result.master_port > 0);
  REQUIRE(result.statuses.size() == 3);
  for (int rank = 0; rank < 3; ++rank) {
    INFO("rank " << rank);
    CHECK(result.statuses[static_cast<std::size_t>(rank)].ok());
    auto env = read_env(dir.file("rank" + std::to_string(rank) + ".env"));
    CHECK(env["RANK"] == std::to_string(rank));
    CHECK(env["LOCAL_RANK"] == std::to_string(rank));
    CHECK(env["WORLD_SIZE"] == "3");
    CHECK(env["LOCAL_WORLD_SIZE"] == "3");
    CHECK(env["MASTER_ADDR"] == "127.0.0.1");
    CHECK(env["MASTER_PORT"] == std::to_string(result.master_port));
    CHECK(env["FLOWRL_LAUNCHED"] == "1");
    CHECK(env["FLOWRL_TEST_EXTRA"] == "x");
    CHECK(env["ARGS"] == (rank > 0 ? dir.path() + " --no-progress" : dir.path()));
  }
  CHECK(no_children_left());
}

TEST_CASE("launch_local passes a given master address and port unchanged", "[launch][launcher]") {
  TempDir dir;
  const auto result = launch_local(shell_ranks(1, "test \"$MASTER_ADDR:$MASTER_PORT\" = 10.0.0.7:29511", dir)
                                       .master_addr("10.0.0.7")
                                       .master_port(29511));
  CHECK(result.exit_code == 0);
  CHECK(result.master_port == 29511);
}

TEST_CASE("launch_local stops the other ranks when one fails and names it", "[launch][launcher]") {
  TempDir dir;
  const auto start = clock_type::now();
  const auto result = launch_local(shell_ranks(3, "if [ \"$RANK\" = 1 ]; then exit 3; fi; exec sleep 30", dir));
  CHECK(clock_type::now() - start < std::chrono::seconds(5));  // well within the 10 s grace
  CHECK(result.exit_code == 1);
  CHECK(result.failed_rank == 1);
  CHECK(result.failed_status.code == 3);
  CHECK(result.message == "rank 1 exited with code 3; stopped the other rank(s)");
  REQUIRE(result.statuses.size() == 3);
  CHECK(result.statuses[0].signal == SIGTERM);
  CHECK(result.statuses[2].signal == SIGTERM);
  CHECK(no_children_left());
}

TEST_CASE("launch_local reports a rank killed by a signal", "[launch][launcher]") {
  TempDir dir;
  const auto result = launch_local(shell_ranks(2, "if [ \"$RANK\" = 0 ]; then kill -9 $$; fi; exec sleep 30", dir));
  CHECK(result.exit_code == 1);
  CHECK(result.failed_rank == 0);
  CHECK(result.failed_status.signal == SIGKILL);
  CHECK(result.message == "rank 0 was killed by signal 9 (SIGKILL); stopped the other rank(s)");
  CHECK(no_children_left());
}

TEST_CASE("launch_local kills a rank that ignores SIGTERM after the grace period", "[launch][launcher]") {
  TempDir dir;
  // rank 1 ignores SIGTERM (sleep inherits that), then tells rank 0 to fail
  const auto options = shell_ranks(2,
                                   "if [ \"$RANK\" = 1 ]; then trap '' TERM; : > \"$1/ready\"; exec sleep 30; fi; "
                                   "while [ ! -e \"$1/ready\" ]; do sleep 0.01; done; exit 1",
                                   dir)
                           .grace(std::chrono::seconds(1));
  const auto start = clock_type::now();
  const auto result = launch_local(options);
  const auto elapsed = clock_type::now() - start;
  CHECK(elapsed >= std::chrono::seconds(1));
  CHECK(elapsed < std::chrono::seconds(4));
  CHECK(result.failed_rank == 0);
  CHECK(result.statuses[1].signal == SIGKILL);
  CHECK(result.message ==
        "rank 0 exited with code 1; stopped the other rank(s); rank(s) 1 still ran 1 s later and were killed (SIGKILL)");
  CHECK(no_children_left());
}

TEST_CASE("launch_local sends SIGTERM received by the launcher on to the ranks", "[launch][launcher]") {
  TempDir dir;
  struct sigaction before {};
  REQUIRE(::sigaction(SIGTERM, nullptr, &before) == 0);
  std::atomic<bool> sent{false};
  std::thread sender([&] {
    // the ranks exist only after launch_local installed its handlers
    if (wait_for_files({dir.file("ready0"), dir.file("ready1")})) {
      ::kill(::getpid(), SIGTERM);
      sent = true;
    }
  });
  const auto result = launch_local(shell_ranks(2, ": > \"$1/ready$RANK\"; exec sleep 10", dir));
  sender.join();
  REQUIRE(sent);
  CHECK(result.signal_received == SIGTERM);
  CHECK(result.exit_code == 1);
  CHECK(result.statuses[0].signal == SIGTERM);
  CHECK(result.statuses[1].signal == SIGTERM);
  CHECK_THAT(result.message, Catch::StartsWith("the launcher received SIGTERM and sent it on to the ranks; rank "));
  struct sigaction after {};
  REQUIRE(::sigaction(SIGTERM, nullptr, &after) == 0);
  CHECK(after.sa_sigaction == before.sa_sigaction);  // the previous handler is back
  CHECK(no_children_left());
}

TEST_CASE("launch_local refuses a bad --nproc or no program", "[launch][launcher]") {
  TempDir dir;
  CHECK_THROWS_WITH(launch_local(shell_ranks(0, "true", dir)),
                    Catch::StartsWith("--nproc must be between 1 and 1024") && Catch::Contains("got 0") &&
                        Catch::Contains("--nproc 1"));
  CHECK_THROWS_AS(launch_local(shell_ranks(-2, "true", dir)), flowrl::Error);
  CHECK_THROWS_AS(launch_local(shell_ranks(100000, "true", dir)), flowrl::Error);
  CHECK_THROWS_WITH(launch_local(LocalLaunchOptions(2)), Catch::Contains("no program given"));
  CHECK(no_children_left());
}

TEST_CASE("launch_local kills and reaps the started ranks when a later one cannot start", "[launch][launcher]") {
  TempDir dir;
  const auto failing_args = [](int rank) -> std::vector<std::string> {
    if (rank == 2) throw flowrl::Error("no arguments for rank 2");
    return {};
  };
  CHECK_THROWS_WITH(launch_local(shell_ranks(3, "exec sleep 30", dir).rank_args(failing_args)),
                    "no arguments for rank 2");
  CHECK(no_children_left());
  CHECK_THROWS_WITH(launch_local(LocalLaunchOptions(2).argv({"/nonexistent/flowrl-program"})),
                    Catch::Contains("/nonexistent/flowrl-program"));
  CHECK(no_children_left());
}
