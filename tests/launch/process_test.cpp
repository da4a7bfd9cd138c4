// Process: exit codes and signals, environment overrides, redirections, wait_for, the RAII kill,
// spawn errors; free_local_port and current_executable.
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/launch/process.h>

#include "launch_test_util.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

using flowrl::launch::ExitStatus;
using flowrl::launch::Process;
using flowrl::launch::ProcessOptions;
using flowrl_test::no_children_left;
using flowrl_test::read_text;
using flowrl_test::TempDir;

namespace {
ProcessOptions shell(const std::string& script) { return ProcessOptions({"/bin/sh", "-c", script}); }
}  // namespace

TEST_CASE("ExitStatus describes an exit code or a signal", "[launch][process]") {
  CHECK(ExitStatus{}.ok());
  CHECK(ExitStatus{}.describe() == "exited with code 0");
  CHECK_FALSE(ExitStatus{3, 0}.ok());
  CHECK(ExitStatus{3, 0}.describe() == "exited with code 3");
  CHECK_FALSE(ExitStatus{0, SIGKILL}.ok());
  CHECK(ExitStatus{0, SIGKILL}.describe() == "killed by signal 9 (SIGKILL)");
  CHECK(ExitStatus{0, SIGTERM}.describe() == "killed by signal 15 (SIGTERM)");
  CHECK(ExitStatus{0, 40}.describe() == "killed by signal 40");
  CHECK(flowrl::launch::signal_name(SIGINT) == "SIGINT");
}

TEST_CASE("Process reports exit codes and signals", "[launch][process]") {
  auto ok = Process::spawn(shell("exit 0"));
  CHECK(ok.pid() > 0);
  CHECK(ok.program() == "/bin/sh");
  CHECK(ok.wait().ok());
  CHECK(ok.wait().ok());  // the same status again
  CHECK_FALSE(ok.running());

  auto three = Process::spawn(shell("exit 3"));
  const ExitStatus status = three.wait();
  CHECK(status.code == 3);
  CHECK(status.signal == 0);
  CHECK(status.describe() == "exited with code 3");

  auto killed = Process::spawn(shell("kill -9 $$"));
  CHECK(killed.wait().signal == SIGKILL);
  CHECK(killed.wait().describe() == "killed by signal 9 (SIGKILL)");
  REQUIRE(killed.poll().has_value());
  CHECK(killed.poll()->signal == SIGKILL);
  CHECK(no_children_left());
}

TEST_CASE("Process adds and replaces environment entries and inherits the rest", "[launch][process]") {
  REQUIRE(::setenv("FLOWRL_TEST_INHERITED", "kept", 1) == 0);
  REQUIRE(::setenv("FLOWRL_TEST_REPLACED", "old", 1) == 0);
  auto child = Process::spawn(shell("test \"$FLOWRL_TEST_NEW\" = 'a b=c' && test \"$FLOWRL_TEST_REPLACED\" = new && "
                                    "test \"$FLOWRL_TEST_INHERITED\" = kept && test \"$FLOWRL_TEST_TWICE\" = second")
                                  .add_env("FLOWRL_TEST_NEW", "a b=c")
                                  .add_env("FLOWRL_TEST_REPLACED", "new")
                                  .add_env("FLOWRL_TEST_TWICE", "first")
                                  .add_env("FLOWRL_TEST_TWICE", "second"));
  CHECK(child.wait().ok());
  ::unsetenv("FLOWRL_TEST_INHERITED");
  ::unsetenv("FLOWRL_TEST_REPLACED");
}

TEST_CASE("Process writes stdout and stderr to files", "[launch][process]") {
  TempDir dir;
  auto split = Process::spawn(
      shell("echo out; echo err >&2").stdout_path(dir.file("out.txt")).stderr_path(dir.file("err.txt")));
  CHECK(split.wait().ok());
  CHECK(read_text(dir.file("out.txt")) == "out\n");
  CHECK(read_text(dir.file("err.txt")) == "err\n");

  auto both = Process::spawn(
      shell("echo one; echo two >&2; echo three").stdout_path(dir.file("both.txt")).stderr_path(dir.file("both.txt")));
  CHECK(both.wait().ok());
  CHECK(read_text(dir.file("both.txt")) == "one\ntwo\nthree\n");
}

TEST_CASE("Process::wait_for times out on a running child, which signal() then stops", "[launch][process]") {
  auto child = Process::spawn(shell("exec sleep 30"));
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(child.wait_for(std::chrono::milliseconds(100)).has_value());
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(100));
  CHECK(child.running());
  CHECK_FALSE(child.poll().has_value());
  child.signal(SIGTERM);
  const auto status = child.wait_for(std::chrono::seconds(5));
  REQUIRE(status.has_value());
  CHECK(status->signal == SIGTERM);
  CHECK_NOTHROW(child.signal(SIGTERM));  // reaped: nothing is sent
  CHECK(no_children_left());
}

TEST_CASE("Process's destructor kills and reaps a running child", "[launch][process]") {
  pid_t pid = -1;
  {
    auto child = Process::spawn(shell("exec sleep 30"));
    pid = child.pid();
    REQUIRE(::kill(pid, 0) == 0);
  }
  CHECK(::kill(pid, 0) < 0);  // gone, not even a zombie
  CHECK(errno == ESRCH);
  CHECK(no_children_left());
}

TEST_CASE("Process moves ownership of its child", "[launch][process]") {
  auto first = Process::spawn(shell("exec sleep 30"));
  const pid_t pid = first.pid();
  Process second(std::move(first));
  CHECK(first.pid() == -1);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  CHECK_FALSE(first.running());
  CHECK_THROWS_AS(first.wait(), flowrl::Error);
  CHECK(second.pid() == pid);

  Process third;
  third = std::move(second);
  CHECK(third.running());
  third = Process::spawn(shell("exit 4"));  // the sleeping child is killed and reaped
  CHECK(::kill(pid, 0) < 0);
  CHECK(third.wait().code == 4);
  CHECK(no_children_left());
}

TEST_CASE("Process::spawn names the program and the reason when it cannot start", "[launch][process]") {
  CHECK_THROWS_WITH(Process::spawn(ProcessOptions({"/nonexistent/flowrl-program", "x"})),
                    Catch::Contains("/nonexistent/flowrl-program") && Catch::Contains("No such file or directory"));
  CHECK_THROWS_WITH(Process::spawn(ProcessOptions({"flowrl-no-such-program-in-path"})),
                    Catch::Contains("flowrl-no-such-program-in-path (looked up in PATH)"));
  CHECK_THROWS_WITH(Process::spawn(ProcessOptions({"/dev/null"})),
                    Catch::Contains("/dev/null") && Catch::Contains("Permission denied"));
  CHECK_THROWS_WITH(Process::spawn(ProcessOptions()), Catch::Contains("no program given"));
  CHECK_THROWS_WITH(Process::spawn(shell("true").add_env("A=B", "c")), Catch::Contains("'A=B'"));
  CHECK_THROWS_WITH(Process::spawn(shell("true").stdout_path("/nonexistent-folder/out.txt")),
                    Catch::Contains("/nonexistent-folder/out.txt") && Catch::Contains("stdout"));
  CHECK_THROWS_AS(Process().poll(), flowrl::Error);
  CHECK(no_children_left());
}

TEST_CASE("Process finds a program without '/' in PATH", "[launch][process]") {
  auto child = Process::spawn(ProcessOptions({"sh", "-c", "exit 5"}));
  CHECK(child.wait().code == 5);
}

TEST_CASE("free_local_port returns a port that can be bound on 127.0.0.1", "[launch][process]") {
  const uint16_t port = flowrl::launch::free_local_port();
  CHECK(port > 0);
  const int sock = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(sock >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  CHECK(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  ::close(sock);
}

TEST_CASE("current_executable is this test program", "[launch][process]") {
  const std::string exe = flowrl::launch::current_executable();
  CHECK(std::filesystem::path(exe).is_absolute());
  CHECK(std::filesystem::path(exe).filename() == "test_launch");
  CHECK(std::filesystem::exists(exe));
}
