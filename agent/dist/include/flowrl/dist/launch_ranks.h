// flowrl/dist/launch_ranks.h — what train-agent and train-forecaster do with --nproc: start N local
// ranks of themselves (flowrl/launch/launcher.h), or, inside a rank, join the others.
//
//   if (dist::starts_ranks(nproc)) return dist::launch_ranks(argc, argv, LaunchRanksOptions(nproc));
//   dist::Group group = dist::join_ranks(300, "cpu");  // a rank joins the others; one process: a group of one
#pragma once

#include <flowrl/dist/group.h>

#include <cstdint>
#include <string>

namespace flowrl::dist {

/// Options of launch_ranks().
struct LaunchRanksOptions {
  explicit LaunchRanksOptions(int nproc = 1) : nproc_(nproc) {}
  /// Ranks to start on this machine.
  TORCH_ARG(int, nproc);
  /// MASTER_PORT; 0: a free port.
  TORCH_ARG(int, master_port) = 0;
  /// The program's name in messages ("train-agent").
  TORCH_ARG(std::string, program) = "flowrl";
};

/// True when this process should start `nproc` > 1 ranks of itself: it is not a rank already (no
/// RANK/WORLD_SIZE in the environment). Throws flowrl::Error for nproc < 1, and for --nproc N given
/// to a rank whose WORLD_SIZE differs (torchrun and --nproc disagree).
bool starts_ranks(int nproc);

/// Starts options.nproc() copies of this program with the same arguments, less --nproc and
/// --master-port, with torchrun's environment; ranks above 0 get --no-progress. Waits for them
/// and returns the exit code for main(): 0 when all succeeded; otherwise the failing rank is named
/// on stderr and the others have been stopped.
int launch_ranks(int argc, char** argv, const LaunchRanksOptions& options);

/// The group of this process: with torchrun's environment (rank_from_environment()), the ranks of
/// the run, joined within `timeout_seconds`, their collectives on `device` ("cpu", or "cuda": the GPU
/// LOCAL_RANK names); without it, a group of one. Throws flowrl::Error as Group's constructor does.
Group join_ranks(double timeout_seconds, const std::string& device);

}  // namespace flowrl::dist
