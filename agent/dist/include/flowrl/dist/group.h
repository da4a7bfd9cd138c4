// flowrl/dist/group.h — the ranks of a data-parallel run and the collectives between them.
//
// A run of N ranks follows torchrun's conventions: each process reads RANK, WORLD_SIZE, LOCAL_RANK,
// MASTER_ADDR and MASTER_PORT from its environment (train-agent --nproc N sets them for N local
// processes; torchrun, srun or a Kubernetes job set them across machines). The ranks meet at a
// c10d TCPStore served by rank 0 and talk through LibTorch's process groups: Gloo for CPU tensors,
// NCCL for CUDA tensors (one GPU per rank, LOCAL_RANK picks it). A group of one rank does nothing
// and needs no network. c10d stays inside group.cpp: this header is torch only.
//
//   auto where = dist::rank_from_environment();          // {rank, world_size, ...}
//   dist::Group group(where, dist::GroupOptions().timeout(std::chrono::seconds(300)));
//   group.allreduce(t, dist::ReduceOp::kSum);           // in place, the same result on every rank
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace flowrl::dist {

/// Where this process stands in a run: torchrun's environment variables.
struct RankInfo {
  int rank = 0;                         ///< RANK: 0 .. world_size - 1; rank 0 writes the run's files
  int world_size = 1;                   ///< WORLD_SIZE: ranks in the run
  int local_rank = 0;                   ///< LOCAL_RANK: rank on this machine (picks the GPU)
  std::string master_addr = "127.0.0.1";  ///< MASTER_ADDR: the machine of rank 0 (serves the store)
  int master_port = 29500;              ///< MASTER_PORT: the store's TCP port on it
  /// True when more than one rank takes part.
  bool distributed() const { return world_size > 1; }
};

/// The rank of this process from RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT. Without
/// WORLD_SIZE (or with WORLD_SIZE=1) it is the only rank. Throws flowrl::Error naming the variable
/// when they contradict each other (RANK >= WORLD_SIZE, a port out of range, RANK without WORLD_SIZE).
RankInfo rank_from_environment();

/// Options of Group.
struct GroupOptions {
  /// How long the rendezvous waits for every rank, and how long one collective may take before the
  /// run stops with an error (a rank that died is noticed at once: its connections close).
  TORCH_ARG(std::chrono::milliseconds, timeout) = std::chrono::seconds(300);
  /// Where the tensors of the collectives live: CPU (Gloo) or a CUDA device (NCCL when built with it).
  TORCH_ARG(torch::Device, device) = torch::kCPU;
};

/// Reduction of allreduce().
enum class ReduceOp { kSum, kMax };

/// The ranks of a run, joined. Collectives are blocking and must be called by every rank in the same
/// order. A failed collective (a rank crashed or was killed, a timeout) throws flowrl::Error naming
/// this rank and what to look at; the group cannot be used afterwards.
class Group {
 public:
  /// The group of one process: every collective returns its input.
  Group();
  /// Joins the run `where` describes: rank 0 serves a TCPStore at MASTER_ADDR:MASTER_PORT, every rank
  /// connects and waits (up to options.timeout()) for all WORLD_SIZE ranks. Throws flowrl::Error when
  /// the port is taken, a rank does not arrive in time, or the backend cannot start.
  Group(const RankInfo& where, GroupOptions options = GroupOptions());
  ~Group();
  Group(Group&&) noexcept;
  Group& operator=(Group&&) noexcept;
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  /// This process's rank.
  int rank() const { return where_.rank; }
  /// Number of ranks.
  int size() const { return where_.world_size; }
  /// True on rank 0, the rank that writes files.
  bool root() const { return where_.rank == 0; }
  /// Where the group stands.
  const RankInfo& where() const { return where_; }
  /// The backend's name: "single", "gloo" or "nccl".
  std::string backend() const;

  /// Reduces `tensor` over the ranks in place (contiguous; any dtype Gloo/NCCL reduce).
  void allreduce(torch::Tensor& tensor, ReduceOp op = ReduceOp::kSum);
  /// Copies rank `root`'s `tensor` into every rank's `tensor` (same shape and dtype on every rank).
  void broadcast(torch::Tensor& tensor, int root = 0);
  /// Every rank's `tensor` (same shape and dtype on every rank), in rank order.
  std::vector<torch::Tensor> allgather(const torch::Tensor& tensor);
  /// Waits for every rank.
  void barrier();

  /// Every rank's string, in rank order (lengths may differ).
  std::vector<std::string> allgather_strings(const std::string& text);
  /// Rank 0's string on every rank.
  std::string broadcast_string(const std::string& text);

 private:
  struct Impl;
  RankInfo where_;
  std::unique_ptr<Impl> impl_;
};

/// The part of `total` items rank `rank` of `world` takes: items [begin, begin + count). The first
/// total % world ranks take one more than the others.
struct Share {
  int64_t begin = 0;  ///< first item
  int64_t count = 0;  ///< items
};
Share share_of(int64_t total, int rank, int world);

}  // namespace flowrl::dist
