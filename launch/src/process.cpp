// process.cpp — Process (posix_spawn, waitpid on the child's pid only), ExitStatus messages,
// free_local_port and current_executable.
#include <flowrl/launch/process.h>

#include <flowrl/core/error.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>

extern char** environ;

namespace flowrl::launch {
namespace {

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// posix_spawn's file actions and attributes, destroyed when they go out of scope.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    FLOWRL_CHECK(posix_spawn_file_actions_init(&actions) == 0, "cannot start a process: out of memory");
    if (posix_spawnattr_init(&attr) != 0) {
      posix_spawn_file_actions_destroy(&actions);
      fail("cannot start a process: out of memory");
    }
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
  }
};

int open_output(const std::string& path, const std::string& what, const std::string& program) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err = errno;
  FLOWRL_CHECK(fd >= 0, "cannot start ", program, ": cannot open ", path, " for its ", what, ": ",
               std::strerror(err), " (check that the folder exists and is writable)");
  return fd;
}

ExitStatus decode(int status) {
  ExitStatus out;
  if (WIFSIGNALED(status)) {
    out.signal = WTERMSIG(status);
  } else if (WIFEXITED(status)) {
    out.code = WEXITSTATUS(status);
  }
  return out;
}

}  // namespace

std::string signal_name(int sig) {
  switch (sig) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGUSR1: return "SIGUSR1";
    case SIGSEGV: return "SIGSEGV";
    case SIGUSR2: return "SIGUSR2";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
    case SIGCHLD: return "SIGCHLD";
    case SIGCONT: return "SIGCONT";
    case SIGSTOP: return "SIGSTOP";
    case SIGTSTP: return "SIGTSTP";
    case SIGTTIN: return "SIGTTIN";
    case SIGTTOU: return "SIGTTOU";
    case SIGURG: return "SIGURG";
    case SIGXCPU: return "SIGXCPU";
    case SIGXFSZ: return "SIGXFSZ";
    case SIGVTALRM: return "SIGVTALRM";
    case SIGPROF: return "SIGPROF";
    case SIGSYS: return "SIGSYS";
    default: return "signal " + std::to_string(sig);
  }
}

std::string ExitStatus::describe() const {
  if (signal != 0) {
    const std::string name = signal_name(signal);
    return "killed by signal " + std::to_string(signal) +
           (name.rfind("SIG", 0) == 0 ? " (" + name + ")" : std::string());
  }
  return "exited with code " + std::to_string(code);
}

// --- Process ---

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), program_(std::move(other.program_)), status_(std::exchange(other.status_, {})) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    kill_and_reap();
    pid_ = std::exchange(other.pid_, -1);
    program_ = std::move(other.program_);
    status_ = std::exchange(other.status_, {});
  }
  return *this;
}

Process::~Process() { kill_and_reap(); }

void Process::kill_and_reap() noexcept {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    pid_t rc;
    do {
      rc = ::waitpid(pid_, &status, 0);
    } while (rc < 0 && errno == EINTR);
    if (rc == pid_) status_ = decode(status);
  }
}

Process Process::spawn(const ProcessOptions& options) {
  const auto& argv = options.argv();
  FLOWRL_CHECK(!argv.empty() && !argv[0].empty(),
               "cannot start a process: no program given (argv is empty; argv[0] is the program's path)");
  const std::string& program = argv[0];
  for (const auto& [name, value] : options.env()) {
    (void)value;
    FLOWRL_CHECK(!name.empty() && name.find('=') == std::string::npos, "cannot start ", program,
                 ": the environment name '", name, "' is empty or contains '='");
  }

  // The environment: this process's, with the overrides replacing or extending it.
  std::vector<std::string> env_entries;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    const std::string name = entry.substr(0, eq);
    const bool overridden = std::any_of(options.env().begin(), options.env().end(),
                                        [&](const auto& kv) { return kv.first == name; });
    if (!overridden) env_entries.push_back(entry);
  }
  for (std::size_t i = 0; i < options.env().size(); ++i) {
    const auto& [name, value] = options.env()[i];
    // a later override of the same name wins
    const bool later = std::any_of(options.env().begin() + static_cast<std::ptrdiff_t>(i) + 1, options.env().end(),
                                   [&](const auto& kv) { return kv.first == name; });
    if (!later) env_entries.push_back(name + "=" + value);
  }
  std::vector<char*> envp;
  for (auto& entry : env_entries) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> argp;
  for (auto& arg : args) argp.push_back(arg.data());
  argp.push_back(nullptr);

  // Redirections, opened here (close-on-exec) so that a failure names the file; the child gets
  // them through dup2, which clears close-on-exec on the copy.
  Fd out_fd(options.stdout_path().empty() ? -1 : open_output(options.stdout_path(), "stdout", program));
  Fd err_fd(options.stderr_path().empty() || options.stderr_path() == options.stdout_path()
                ? -1
                : open_output(options.stderr_path(), "stderr", program));
  SpawnSetup setup;
  const auto check = [&](int rc) { FLOWRL_CHECK(rc == 0, "cannot start ", program, ": ", std::strerror(rc)); };
  if (out_fd.get() >= 0) check(posix_spawn_file_actions_adddup2(&setup.actions, out_fd.get(), STDOUT_FILENO));
  if (!options.stderr_path().empty()) {
    const int fd = err_fd.get() >= 0 ? err_fd.get() : out_fd.get();
    check(posix_spawn_file_actions_adddup2(&setup.actions, fd, STDERR_FILENO));
  }
  // No signal blocked in the child, and SIGINT, SIGTERM, SIGPIPE at their defaults even when this
  // process ignores them (the launcher forwards SIGINT/SIGTERM; SIGPIPE as Python's subprocess).
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  check(posix_spawnattr_setsigmask(&setup.attr, &none));
  check(posix_spawnattr_setsigdefault(&setup.attr, &defaults));
  check(posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));

  const bool search_path = program.find('/') == std::string::npos;
  pid_t pid = -1;
  const int rc = search_path ? posix_spawnp(&pid, program.c_str(), &setup.actions, &setup.attr, argp.data(), envp.data())
                   : posix_spawn(&pid, program.c_str(), &setup.actions, &setup.attr, argp.data(), envp.data());
  FLOWRL_CHECK(rc == 0, "cannot start ", program, search_path ? " (looked up in PATH)" : "", ": ",
               std::strerror(rc));
  return Process(pid, program);
}

std::optional<ExitStatus> Process::poll() {
  FLOWRL_CHECK(pid_ > 0, "Process::poll: no process (default-constructed or moved from)");
  if (status_) return status_;
  int status = 0;
  pid_t rc;
  do {
    rc = ::waitpid(pid_, &status, WNOHANG);
  } while (rc < 0 && errno == EINTR);
  const int err = errno;
  FLOWRL_CHECK(rc >= 0, "cannot get the status of process ", pid_, " (", program_, "): ", std::strerror(err),
               err == ECHILD ? " (was SIGCHLD set to SIG_IGN, or the child reaped elsewhere?)" : "");
  if (rc == pid_) status_ = decode(status);
  return status_;
}

ExitStatus Process::wait() {
  FLOWRL_CHECK(pid_ > 0, "Process::wait: no process (default-constructed or moved from)");
  if (status_) return *status_;
  int status = 0;
  pid_t rc;
  do {
    rc = ::waitpid(pid_, &status, 0);
  } while (rc < 0 && errno == EINTR);
  const int err = errno;
  FLOWRL_CHECK(rc == pid_, "cannot wait for process ", pid_, " (", program_, "): ", std::strerror(err),
               err == ECHILD ? " (was SIGCHLD set to SIG_IGN, or the child reaped elsewhere?)" : "");
  status_ = decode(status);
  return *status_;
}

std::optional<ExitStatus> Process::wait_for(std::chrono::milliseconds timeout) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    if (auto status = poll()) return status;
    const auto now = clock::now();
    if (now >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::min<clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
}

void Process::signal(int sig) {
  FLOWRL_CHECK(pid_ > 0, "Process::signal: no process (default-constructed or moved from)");
  if (status_) return;  // reaped: the pid may be another process's by now
  // a child that has exited but is not reaped yet is a zombie: kill() succeeds and does nothing
  const int rc = ::kill(pid_, sig);
  const int err = errno;
  FLOWRL_CHECK(rc == 0 || err == ESRCH, "cannot send signal ", sig, " to process ", pid_, " (", program_, "): ",
               std::strerror(err));
}

bool Process::running() { return pid_ > 0 && !poll(); }

// --- helpers ---

uint16_t free_local_port() {
  Fd sock(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  FLOWRL_CHECK(sock.get() >= 0, "cannot find a free port: socket() failed: ", std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  FLOWRL_CHECK(::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0,
               "cannot find a free port: binding 127.0.0.1:0 failed: ", std::strerror(errno));
  socklen_t len = sizeof addr;
  FLOWRL_CHECK(::getsockname(sock.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0,
               "cannot find a free port: getsockname() failed: ", std::strerror(errno));
  return ntohs(addr.sin_port);
}

std::string current_executable() {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  FLOWRL_CHECK(!ec, "cannot find the running program's path: reading /proc/self/exe failed: ", ec.message());
  return path.string();
}

}  // namespace flowrl::launch
