// flowrl/launch/process.h — one child process: started with posix_spawn, watched without blocking,
// always reaped.
//
//   auto child = Process::spawn(ProcessOptions({"/bin/sh", "-c", "exit 3"}).add_env("KEY", "value"));
//   ExitStatus status = child.wait();     // status.code == 3, status.describe() == "exited with code 3"
//
// A Process owns its child: destroying one whose child still runs sends SIGKILL and reaps it, so no
// zombie or stray child outlives the object. POSIX and std only.
#pragma once

#include <flowrl/core/arg.h>

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace flowrl::launch {

/// How a child process ended: exited with `code`, or killed by `signal` (then `code` is 0).
struct ExitStatus {
  int code = 0;    ///< the exit code (0..255) when the process exited
  int signal = 0;  ///< the signal that killed the process; 0 when it exited

  /// True when the process exited with code 0.
  bool ok() const { return code == 0 && signal == 0; }
  /// "exited with code 3" or "killed by signal 9 (SIGKILL)".
  std::string describe() const;
};

/// The name of signal `sig` ("SIGKILL"), or "signal N" for one without a known name.
std::string signal_name(int sig);

/// Environment entries (name, value) a child gets on top of the current environment.
using EnvOverrides = std::vector<std::pair<std::string, std::string>>;

/// What Process::spawn starts.
///
///   ProcessOptions({"/usr/bin/env"}).add_env("RANK", "0").stdout_path("rank0.log")
struct ProcessOptions {
  /// argv: the program and its arguments (see argv()).
  explicit ProcessOptions(std::vector<std::string> argv = {}) : argv_(std::move(argv)) {}

  /// The program (argv[0]) and its arguments. argv[0] is the program's path; a name without '/'
  /// is looked up in this process's PATH (not in one set through env()).
  FLOWRL_ARG(std::vector<std::string>, argv);
  /// Entries added to, or replacing those of, the current environment (later entries win).
  FLOWRL_ARG(EnvOverrides, env);
  /// A file that receives the child's stdout, created or truncated; empty: the child inherits
  /// this process's stdout.
  FLOWRL_ARG(std::string, stdout_path);
  /// A file that receives the child's stderr, created or truncated (the same path as stdout_path:
  /// both go to one file, in the order written); empty: the child inherits this process's stderr.
  FLOWRL_ARG(std::string, stderr_path);

 public:
  /// Appends one environment entry to env().
  ProcessOptions& add_env(std::string name, std::string value) {
    env_.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

/// One child process, owned: movable, not copyable. The destructor (and assigning over a Process)
/// sends SIGKILL to a child that still runs and reaps it.
///
/// The child starts in this process's process group and with its open file descriptors (those
/// without FD_CLOEXEC), with no signal blocked and with SIGINT, SIGTERM and SIGPIPE at their
/// default actions, so that it can be interrupted even when this process ignores those signals.
/// Its status is collected with waitpid() on its pid only; a process that sets SIGCHLD to SIG_IGN
/// (the kernel then reaps children itself) cannot use this class.
class Process {
 public:
  /// No process (pid() is -1); what a moved-from Process is too.
  Process() = default;
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  /// Sends SIGKILL to a child that still runs and waits until it is gone.
  ~Process();

  /// Starts options.argv() with the environment and redirections of `options`. Throws
  /// flowrl::Error naming the program and the system's reason when it cannot start (no such
  /// file, not executable, ...), naming the file when a redirection cannot be opened, and when
  /// argv is empty or an environment name is empty or contains '='.
  static Process spawn(const ProcessOptions& options);

  /// The child's process id; -1 for no process.
  pid_t pid() const { return pid_; }
  /// The program that was started (argv[0]).
  const std::string& program() const { return program_; }

  /// The exit status if the child has ended (it is reaped then), without waiting; std::nullopt
  /// while it runs. Returns the same status again on later calls. Throws flowrl::Error for no
  /// process.
  std::optional<ExitStatus> poll();
  /// Waits until the child ends and returns its status. Throws flowrl::Error for no process.
  ExitStatus wait();
  /// Waits at most `timeout` for the child to end: its status, or std::nullopt if it still runs.
  /// Throws flowrl::Error for no process.
  std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);
  /// Sends signal `sig` to the child; does nothing once the child has been reaped (its pid may
  /// belong to another process by then). Throws flowrl::Error for an invalid signal number.
  void signal(int sig);
  /// True while the child runs (the same as !poll()); false for no process.
  bool running();

 private:
  Process(pid_t pid, std::string program) : pid_(pid), program_(std::move(program)) {}
  void kill_and_reap() noexcept;

  pid_t pid_ = -1;
  std::string program_;
  std::optional<ExitStatus> status_;  // set once the child is reaped
};

/// A TCP port that is free on 127.0.0.1 right now: binds port 0, reads the port the system chose
/// and closes the socket. Another process may take the port before it is used again, so a caller
/// that must be sure binds it itself. Throws flowrl::Error when no socket can be bound.
uint16_t free_local_port();

/// The absolute path of the running program (from /proc/self/exe, so Linux only). Throws
/// flowrl::Error when it cannot be read.
std::string current_executable();

}  // namespace flowrl::launch
