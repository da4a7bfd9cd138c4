// --nproc: the local launcher side of a data-parallel run.
#include <flowrl/core/error.h>
#include <flowrl/dist/launch_ranks.h>
#include <flowrl/launch/launcher.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace flowrl::dist {

bool starts_ranks(int nproc) {
  FLOWRL_CHECK(nproc >= 1 && nproc <= launch::kMaxLocalRanks, "--nproc ", nproc, ": the number of processes to train ",
               "with on this machine is 1..", launch::kMaxLocalRanks, " (1: one process)");
  const char* world = std::getenv("WORLD_SIZE");
  if (world != nullptr && std::getenv("RANK") != nullptr) {
    FLOWRL_CHECK(nproc == 1 || std::to_string(nproc) == world, "--nproc ", nproc, " but this process is a rank of a run ",
                 "with WORLD_SIZE=", world, " (set by torchrun or another launcher): leave --nproc out under a launcher");
    return false;
  }
  return nproc > 1;
}

int launch_ranks(int argc, char** argv, const LaunchRanksOptions& options) {
  FLOWRL_CHECK(options.master_port() >= 0 && options.master_port() <= 65535, "--master-port ", options.master_port(),
               " is not a TCP port (1..65535; 0 or none: a free one)");
  // this program's arguments without the launcher's own
  std::vector<std::string> args{launch::current_executable()};
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--nproc" || a == "--master-port") {
      ++i;  // and its value
      continue;
    }
    if (a.rfind("--nproc=", 0) == 0 || a.rfind("--master-port=", 0) == 0) continue;
    quiet = quiet || a == "--no-progress";
    args.push_back(a);
  }
  auto lo = launch::LocalLaunchOptions(options.nproc())
                .argv(args)
                .master_port(static_cast<uint16_t>(options.master_port()))
                .rank_args([quiet](int rank) {
                  return rank > 0 && !quiet ? std::vector<std::string>{"--no-progress"} : std::vector<std::string>{};
                });
  const auto result = launch::launch_local(lo);
  if (result.exit_code != 0) std::cerr << options.program() << ": " << result.message << "\n";
  return result.exit_code;
}

Group join_ranks(double timeout_seconds, const std::string& device) {
  FLOWRL_CHECK(timeout_seconds > 0, "--dist-timeout ", timeout_seconds, ": give a positive number of seconds");
  const auto where = rank_from_environment();
  const auto on = device == "cuda" ? torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(where.local_rank))
                                   : torch::Device(torch::kCPU);
  return Group(where, GroupOptions().timeout(std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000))).device(on));
}

}  // namespace flowrl::dist
