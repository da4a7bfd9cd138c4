// flowrl/launch/launcher.h — data-parallel ranks on this machine, started and supervised the way
// torchrun does it.
//
//   auto options = LocalLaunchOptions(2).argv({current_executable(), "--config", "run.yaml"})
//                      .rank_args([](int rank) { return rank > 0 ? std::vector<std::string>{"--no-progress"}
//                                                                : std::vector<std::string>{}; });
//   LocalLaunchResult result = launch_local(options);
//   if (result.exit_code != 0) std::cerr << result.message << "\n";
//   return result.exit_code;
//
// Every rank gets torchrun's environment (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT), which PyTorch's c10d env:// rendezvous reads, plus FLOWRL_LAUNCHED=1.
// POSIX and std only.
#pragma once

#include <flowrl/core/arg.h>
#include <flowrl/launch/process.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace flowrl::launch {

/// The most ranks launch_local starts (a typo such as 100000 fails at once instead of starting
/// that many processes).
inline constexpr int kMaxLocalRanks = 1024;

/// Extra arguments for one rank, appended after LocalLaunchOptions::argv (a std::function, as
/// FLOWRL_ARG needs a one-word type).
using RankArgs = std::function<std::vector<std::string>(int rank)>;

/// What launch_local starts and how it stops it.
struct LocalLaunchOptions {
  /// nproc: the number of ranks.
  explicit LocalLaunchOptions(int nproc = 1) : nproc_(nproc) {}

  /// The number of ranks (processes), 1..kMaxLocalRanks.
  FLOWRL_ARG(int, nproc);
  /// The program (argv[0], a path; a name without '/' is looked up in PATH) and its arguments,
  /// given unchanged to every rank; rank-specific changes go through rank_args.
  FLOWRL_ARG(std::vector<std::string>, argv);
  /// Extra arguments per rank, appended after argv (e.g. "--no-progress" for ranks > 0); unset:
  /// none. Called once per rank, in rank order, before that rank starts.
  FLOWRL_ARG(RankArgs, rank_args);
  /// Environment entries every rank gets besides the launch variables (e.g. OMP_NUM_THREADS);
  /// the launch variables win over these.
  FLOWRL_ARG(EnvOverrides, env);
  /// MASTER_ADDR: where rank 0 hosts the c10d store.
  FLOWRL_ARG(std::string, master_addr) = "127.0.0.1";
  /// MASTER_PORT; 0: a port free on 127.0.0.1 when launch_local starts (free_local_port()).
  FLOWRL_ARG(uint16_t, master_port) = 0;
  /// After a rank fails (or the launcher receives SIGINT/SIGTERM), how long the ranks still
  /// running have to exit before they get SIGKILL.
  FLOWRL_ARG(std::chrono::seconds, grace) = std::chrono::seconds(10);
};

/// How a launch_local run ended.
struct LocalLaunchResult {
  /// 0 when every rank exited with code 0, else 1.
  int exit_code = 0;
  /// The first rank seen to exit with a non-zero code or by a signal; -1 when none did.
  int failed_rank = -1;
  /// How failed_rank ended (meaningless when failed_rank is -1).
  ExitStatus failed_status;
  /// One line for the user: what failed and what the launcher did about it, e.g. "rank 1 was
  /// killed by signal 9 (SIGKILL); stopped the other rank(s)"; on success "all 2 rank(s) exited
  /// with code 0".
  std::string message;
  /// The MASTER_PORT the ranks were given.
  uint16_t master_port = 0;
  /// How each rank ended, indexed by rank.
  std::vector<ExitStatus> statuses;
  /// The last SIGINT or SIGTERM the launcher received while supervising; 0 when none.
  int signal_received = 0;
};

/// Starts options.nproc() copies of options.argv() (plus rank_args(rank)) with the environment
/// RANK=r, LOCAL_RANK=r, WORLD_SIZE=LOCAL_WORLD_SIZE=nproc, MASTER_ADDR, MASTER_PORT and
/// FLOWRL_LAUNCHED=1, and supervises them until all have exited:
///   - the first rank seen (every 50 ms) to exit non-zero or by a signal is the failed rank; the
///     others get SIGTERM, then SIGKILL if they still run after options.grace();
///   - SIGINT and SIGTERM sent to the launcher while it supervises are sent on to every rank still
///     running (handlers installed for the duration and the previous ones restored afterwards), and
///     the ranks then get the same grace before SIGKILL. A SIGINT from the terminal (Ctrl-C; the
///     kernel marks it SI_KERNEL) is not sent again: the ranks share the launcher's process group
///     and received it from the terminal already.
/// Every rank is reaped before launch_local returns or throws. Ranks inherit stdin, stdout and
/// stderr. If the launcher itself is killed (SIGKILL), the ranks keep running.
///
/// Throws flowrl::Error when nproc is outside 1..kMaxLocalRanks (the message names --nproc and the
/// fix), when argv is empty, and when a rank cannot start or rank_args throws (the ranks already
/// started are then killed and reaped).
LocalLaunchResult launch_local(const LocalLaunchOptions& options);

}  // namespace flowrl::launch
