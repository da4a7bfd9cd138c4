// Ranks and collectives over c10d: TCPStore rendezvous, ProcessGroupGloo (CPU), ProcessGroupNCCL (GPU).
#include <flowrl/core/error.h>
#include <flowrl/dist/group.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef FLOWRL_WITH_NCCL
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <utility>

namespace flowrl::dist {
namespace {

// An environment variable as an int; `fallback` when unset. Throws naming the variable otherwise.
int env_int(const char* name, int fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  FLOWRL_CHECK(*end == '\0' && value >= 0 && value <= 1 << 20, "the environment variable ", name, "='", text,
               "' is not a count >= 0: set it as torchrun does (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_PORT), or unset ",
               "it for a single-process run");
  return static_cast<int>(value);
}

bool is_loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1"; }

// The message of whatever c10d threw, without LibTorch's C++ backtrace.
std::string what_of(const std::exception& e) {
  if (const auto* c = dynamic_cast<const c10::Error*>(&e)) return c->what_without_backtrace();
  return e.what();
}

// The rendezvous (the store, then the backend's own connections) failed: a taken port, or a rank
// that did not arrive in time or cannot be reached.
[[noreturn]] void rendezvous_failed(const RankInfo& where, const std::string& why, int64_t seconds) {
  const std::string at = where.master_addr + ":" + std::to_string(where.master_port);
  if (where.rank == 0 && why.find("in use") != std::string::npos) {
    fail("rank 0 cannot serve the rendezvous at ", at, ": the port is already taken (", why, "). Choose another ",
         "MASTER_PORT (train-agent --nproc picks a free one unless --master-port is given)");
  }
  fail("rank ", where.rank, " of ", where.world_size, ": the rendezvous at ", at, " did not complete within ", seconds,
       " s (", why, "). Check that all ", where.world_size, " ranks were started with the same MASTER_ADDR, MASTER_PORT ",
       "and WORLD_SIZE, that rank 0 runs, and that every rank can reach the others (GLOO_SOCKET_IFNAME names the ",
       "network interface to use; docs/train-agent.md, \"Several machines\")");
}

}  // namespace

RankInfo rank_from_environment() {
  RankInfo where;
  where.world_size = env_int("WORLD_SIZE", 1);
  FLOWRL_CHECK(where.world_size >= 1, "WORLD_SIZE=0: a run has at least one rank (unset WORLD_SIZE for one process)");
  const bool has_rank = std::getenv("RANK") != nullptr;
  FLOWRL_CHECK(!has_rank || std::getenv("WORLD_SIZE") != nullptr,
               "RANK is set but WORLD_SIZE is not: set both (torchrun's convention), or neither for one process");
  where.rank = env_int("RANK", 0);
  FLOWRL_CHECK(where.rank < where.world_size, "RANK=", where.rank, " but WORLD_SIZE=", where.world_size,
               ": ranks are 0 .. WORLD_SIZE-1; check the launcher's WORLD_SIZE (it must count every rank of the run)");
  where.local_rank = env_int("LOCAL_RANK", where.rank);
  if (const char* addr = std::getenv("MASTER_ADDR"); addr != nullptr && *addr != '\0') where.master_addr = addr;
  where.master_port = env_int("MASTER_PORT", 29500);
  FLOWRL_CHECK(where.master_port >= 1 && where.master_port <= 65535, "MASTER_PORT=", where.master_port,
               " is not a TCP port (1..65535)");
  FLOWRL_CHECK(!where.distributed() || std::getenv("MASTER_ADDR") != nullptr,
               "WORLD_SIZE=", where.world_size, " but MASTER_ADDR is not set: set MASTER_ADDR to rank 0's machine ",
               "(and MASTER_PORT) on every rank, as torchrun does");
  return where;
}

Share share_of(int64_t total, int rank, int world) {
  const int64_t base = total / world, extra = total % world;
  Share s;
  s.count = base + (rank < extra ? 1 : 0);
  s.begin = rank * base + std::min<int64_t>(rank, extra);
  return s;
}

namespace {
// Runs one collective and waits for it; a failure (a rank gone, a timeout) becomes a flowrl::Error.
template <class Start>
void run_collective(bool& broken, const RankInfo& where, const char* what, Start&& start) {
  FLOWRL_CHECK(!broken, "rank ", where.rank, ": the group failed in an earlier collective and cannot be used");
  try {
    auto work = start();
    work->wait();
  } catch (const std::exception& e) {
    broken = true;
    fail("rank ", where.rank, " of ", where.world_size, ": ", what, " with the other ranks failed (", what_of(e),
         "). Another rank stopped, crashed or hangs: its own output names the cause. The last complete checkpoint ",
         "is kept; continue with --resume and the same number of ranks");
  }
}
}  // namespace

struct Group::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#ifdef FLOWRL_WITH_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
  bool broken = false;

  // One in-place collective on `tensor` (`call(backend, tensors)` starts it): NCCL for CUDA tensors
  // when built with it, otherwise Gloo, a CUDA tensor then going through a host copy.
  template <class Call>
  void in_place(const RankInfo& where, torch::Tensor& tensor, const char* what, Call&& call) {
#ifdef FLOWRL_WITH_NCCL
    const bool on_nccl = nccl && tensor.is_cuda();
#else
    const bool on_nccl = false;
#endif
    auto t = tensor.is_cuda() && !on_nccl ? tensor.cpu() : tensor;
    std::vector<torch::Tensor> ts{t};
    run_collective(broken, where, what, [&] {
#ifdef FLOWRL_WITH_NCCL
      if (on_nccl) return call(*nccl, ts);
#endif
      return call(*gloo, ts);
    });
    if (!t.is_same(tensor)) tensor.copy_(t);
  }
};

Group::Group() = default;
Group::~Group() = default;
Group::Group(Group&&) noexcept = default;
Group& Group::operator=(Group&&) noexcept = default;

Group::Group(const RankInfo& where, GroupOptions options) : where_(where) {
  if (!where.distributed()) return;
  impl_ = std::make_unique<Impl>();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(options.timeout()).count();
  // Rendezvous: rank 0 serves the store and waits for the others to connect.
  try {
    c10d::TCPStoreOptions so;
    so.port = static_cast<std::uint16_t>(where.master_port);
    so.isServer = where.rank == 0;
    so.numWorkers = static_cast<std::size_t>(where.world_size);
    so.waitWorkers = true;
    so.timeout = options.timeout();
    impl_->store = c10::make_intrusive<c10d::TCPStore>(where.master_addr, so);
  } catch (const std::exception& e) {
    rendezvous_failed(where, what_of(e), seconds);
  }
  try {
    auto store = c10::make_intrusive<c10d::PrefixStore>("flowrl", impl_->store);
#ifdef FLOWRL_WITH_NCCL
    if (options.device().is_cuda()) {
      c10::cuda::set_device(static_cast<c10::DeviceIndex>(where.local_rank));
      auto nopt = c10d::ProcessGroupNCCL::Options::create();
      nopt->timeout = options.timeout();
      impl_->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, where.rank, where.world_size, nopt);
    }
#endif
    auto gopt = c10d::ProcessGroupGloo::Options::create(options.timeout());
    // Loopback runs stay on 127.0.0.1; otherwise GLOO_SOCKET_IFNAME, or the address of this machine's name.
    if (is_loopback(where.master_addr)) {
      gopt->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else if (const char* ifname = std::getenv("GLOO_SOCKET_IFNAME"); ifname != nullptr && *ifname != '\0') {
      gopt->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    } else {
      gopt->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    gopt->threads = 1;
    impl_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(store, where.rank, where.world_size, gopt);
  } catch (const std::exception& e) {
    rendezvous_failed(where, what_of(e), seconds);
  }
}

std::string Group::backend() const {
  if (!impl_) return "single";
#ifdef FLOWRL_WITH_NCCL
  if (impl_->nccl) return "nccl";
#endif
  return "gloo";
}


void Group::allreduce(torch::Tensor& tensor, ReduceOp op) {
  if (!impl_) return;
  c10d::AllreduceOptions opts;
  opts.reduceOp = op == ReduceOp::kSum ? c10d::ReduceOp::SUM : c10d::ReduceOp::MAX;
  impl_->in_place(where_, tensor, "an all-reduce", [&](auto& backend, auto& ts) { return backend.allreduce(ts, opts); });
}

void Group::broadcast(torch::Tensor& tensor, int root) {
  if (!impl_) return;
  c10d::BroadcastOptions opts;
  opts.rootRank = root;
  impl_->in_place(where_, tensor, "a broadcast", [&](auto& backend, auto& ts) { return backend.broadcast(ts, opts); });
}

std::vector<torch::Tensor> Group::allgather(const torch::Tensor& tensor) {
  if (!impl_) return {tensor.clone()};
  // Through the host: the gathers here carry bookkeeping (episode results, RNG states), not weights.
  auto input = tensor.detach().to(torch::kCPU).contiguous();
  std::vector<torch::Tensor> inputs{input};
  std::vector<std::vector<torch::Tensor>> outputs(1);
  for (int r = 0; r < where_.world_size; ++r) outputs[0].push_back(torch::empty_like(input));
  run_collective(impl_->broken, where_, "an all-gather", [&] { return impl_->gloo->allgather(outputs, inputs); });
  for (auto& o : outputs[0]) o = o.to(tensor.device());
  return outputs[0];
}

void Group::barrier() {
  if (!impl_) return;
  run_collective(impl_->broken, where_, "a barrier", [&] { return impl_->gloo->barrier(); });
}

std::vector<std::string> Group::allgather_strings(const std::string& text) {
  if (!impl_) return {text};
  // lengths first, then the bytes padded to the longest
  auto length = torch::tensor({static_cast<int64_t>(text.size())}, torch::kInt64);
  const auto lengths = allgather(length);
  int64_t longest = 0;
  for (const auto& l : lengths) longest = std::max(longest, l.item<int64_t>());
  auto bytes = torch::zeros({std::max<int64_t>(longest, 1)}, torch::kUInt8);
  std::memcpy(bytes.data_ptr<uint8_t>(), text.data(), text.size());
  const auto all = allgather(bytes);
  std::vector<std::string> out;
  for (size_t r = 0; r < all.size(); ++r) {
    out.emplace_back(reinterpret_cast<const char*>(all[r].data_ptr<uint8_t>()),
                     static_cast<size_t>(lengths[r].item<int64_t>()));
  }
  return out;
}

std::string Group::broadcast_string(const std::string& text) {
  if (!impl_) return text;
  auto length = torch::tensor({static_cast<int64_t>(text.size())}, torch::kInt64);
  broadcast(length);
  auto bytes = torch::zeros({std::max<int64_t>(length.item<int64_t>(), 1)}, torch::kUInt8);
  if (root()) std::memcpy(bytes.data_ptr<uint8_t>(), text.data(), text.size());
  broadcast(bytes);
  return std::string(reinterpret_cast<const char*>(bytes.data_ptr<uint8_t>()), static_cast<size_t>(length.item<int64_t>()));
}

}  // namespace flowrl::dist
