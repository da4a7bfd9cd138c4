// launcher.cpp — launch_local: N ranks with torchrun's environment, supervised until all have
// exited; SIGINT/SIGTERM handlers that count signals for the supervising loop to forward.
#include <flowrl/launch/launcher.h>

#include <flowrl/core/error.h>

#include <signal.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

namespace flowrl::launch {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(50);

// What the handlers saw of one signal: every delivery, and those to forward (not from a terminal).
struct SignalCounts {
  std::atomic<unsigned> received{0};
  std::atomic<unsigned> to_forward{0};
};
static_assert(std::atomic<unsigned>::is_always_lock_free, "the signal handler needs lock-free atomics");

SignalCounts g_sigint;
SignalCounts g_sigterm;

void on_signal(int sig, siginfo_t* info, void*) {
  SignalCounts& counts = sig == SIGINT ? g_sigint : g_sigterm;
  counts.received.fetch_add(1);
  // A terminal (Ctrl-C) signals the whole foreground process group, the ranks included; the
  // kernel marks such a signal SI_KERNEL.
  bool from_terminal = false;
#ifdef SI_KERNEL
  from_terminal = info != nullptr && info->si_code == SI_KERNEL;
#else
  (void)info;
#endif
  if (!from_terminal) counts.to_forward.fetch_add(1);
}

// Installs on_signal for SIGINT and SIGTERM while at least one guard lives (launch_local may run
// in several threads at once); the last guard restores the handlers found by the first.
class SignalGuard {
 public:
  SignalGuard() {
    std::lock_guard<std::mutex> lock(mutex());
    if (users()++ > 0) return;
    struct sigaction action {};
    action.sa_sigaction = on_signal;
    action.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &saved_int());
    sigaction(SIGTERM, &action, &saved_term());
  }
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;
  ~SignalGuard() {
    std::lock_guard<std::mutex> lock(mutex());
    if (--users() > 0) return;
    sigaction(SIGINT, &saved_int(), nullptr);
    sigaction(SIGTERM, &saved_term(), nullptr);
  }

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static int& users() {
    static int n = 0;
    return n;
  }
  static struct sigaction& saved_int() {
    static struct sigaction a {};
    return a;
  }
  static struct sigaction& saved_term() {
    static struct sigaction a {};
    return a;
  }
};

// The counts of one signal as this launch last saw them.
struct SeenCounts {
  unsigned received;
  unsigned to_forward;
  explicit SeenCounts(const SignalCounts& c) : received(c.received.load()), to_forward(c.to_forward.load()) {}
};

std::string rank_list(const std::vector<int>& ranks) {
  std::ostringstream out;
  for (std::size_t i = 0; i < ranks.size(); ++i) out << (i ? ", " : "") << ranks[i];
  return out.str();
}

}  // namespace

LocalLaunchResult launch_local(const LocalLaunchOptions& options) {
  using clock = std::chrono::steady_clock;
  const int nproc = options.nproc();
  FLOWRL_CHECK(nproc >= 1 && nproc <= kMaxLocalRanks, "--nproc must be between 1 and ", kMaxLocalRanks,
               " (the number of processes to start on this machine), got ", nproc,
               "; use --nproc 1 to train in one process");
  FLOWRL_CHECK(!options.argv().empty() && !options.argv()[0].empty(),
               "launch_local: no program given (argv is empty; argv[0] is the program's path)");
  FLOWRL_CHECK(!options.master_addr().empty(), "launch_local: master_addr is empty; use 127.0.0.1 for one machine");

  LocalLaunchResult result;
  result.master_port = options.master_port() != 0 ? options.master_port() : free_local_port();

  // Declared before the processes: any exception below destroys (SIGKILLs and reaps) the ranks
  // already started first, then restores the signal handlers.
  SignalGuard guard;
  SeenCounts seen_int(g_sigint), seen_term(g_sigterm);
  std::vector<Process> ranks;
  ranks.reserve(static_cast<std::size_t>(nproc));
  for (int rank = 0; rank < nproc; ++rank) {
    ProcessOptions process(options.argv());
    if (options.rank_args()) {
      for (auto& arg : options.rank_args()(rank)) process.argv().push_back(std::move(arg));
    }
    process.env(options.env())
        .add_env("RANK", std::to_string(rank))
        .add_env("LOCAL_RANK", std::to_string(rank))
        .add_env("WORLD_SIZE", std::to_string(nproc))
        .add_env("LOCAL_WORLD_SIZE", std::to_string(nproc))
        .add_env("MASTER_ADDR", options.master_addr())
        .add_env("MASTER_PORT", std::to_string(result.master_port))
        .add_env("FLOWRL_LAUNCHED", "1");
    ranks.push_back(Process::spawn(process));
  }

  std::vector<std::optional<ExitStatus>> statuses(static_cast<std::size_t>(nproc));
  int remaining = nproc;
  std::optional<clock::time_point> kill_at;  // set once the ranks are being stopped
  bool killed = false;
  std::vector<int> stopped;     // ranks still running when the others were stopped
  std::vector<int> force_killed;  // ranks still running after the grace period
  std::string forwarded;        // what was done about signals to the launcher

  const auto signal_running = [&](int sig, std::vector<int>* which) {
    for (int r = 0; r < nproc; ++r) {
      if (statuses[static_cast<std::size_t>(r)]) continue;
      ranks[static_cast<std::size_t>(r)].signal(sig);
      if (which) which->push_back(r);
    }
  };
  const auto check_signal = [&](SignalCounts& counts, SeenCounts& seen, int sig) {
    const unsigned received = counts.received.load(), to_forward = counts.to_forward.load();
    if (received == seen.received) return;
    result.signal_received = sig;
    if (to_forward != seen.to_forward) {
      signal_running(sig, nullptr);
      if (forwarded.empty()) forwarded = "the launcher received " + signal_name(sig) + " and sent it on to the ranks";
    } else if (forwarded.empty()) {
      forwarded = "the launcher received " + signal_name(sig) + " from the terminal (as did the ranks)";
    }
    seen.received = received;
    seen.to_forward = to_forward;
    if (!kill_at) kill_at = clock::now() + options.grace();
  };

  while (remaining > 0) {
    check_signal(g_sigint, seen_int, SIGINT);
    check_signal(g_sigterm, seen_term, SIGTERM);
    for (int r = 0; r < nproc; ++r) {
      auto& status = statuses[static_cast<std::size_t>(r)];
      if (status) continue;
      status = ranks[static_cast<std::size_t>(r)].poll();
      if (!status) continue;
      --remaining;
      if (!status->ok() && result.failed_rank < 0) {
        result.failed_rank = r;
        result.failed_status = *status;
        signal_running(SIGTERM, &stopped);
        if (!kill_at) kill_at = clock::now() + options.grace();
      }
    }
    if (remaining == 0) break;
    const auto now = clock::now();
    if (kill_at && !killed && now >= *kill_at) {
      signal_running(SIGKILL, &force_killed);
      killed = true;
    }
    auto pause = std::chrono::duration_cast<clock::duration>(kPollInterval);
    if (kill_at && !killed) pause = std::min(pause, *kill_at - now);
    std::this_thread::sleep_for(pause);
  }

  for (const auto& status : statuses) result.statuses.push_back(*status);
  std::ostringstream message;
  if (!forwarded.empty()) message << forwarded << "; ";
  if (result.failed_rank >= 0) {
    result.exit_code = 1;
    message << "rank " << result.failed_rank << " " << (result.failed_status.signal ? "was " : "")
            << result.failed_status.describe();
    if (!stopped.empty()) message << "; stopped the other rank(s)";
  } else {
    message << "all " << nproc << " rank(s) exited with code 0";
  }
  if (!force_killed.empty()) {
    message << "; rank(s) " << rank_list(force_killed) << " still ran " << options.grace().count()
            << " s later and were killed (SIGKILL)";
  }
  result.message = message.str();
  return result;
}

}  // namespace flowrl::launch
