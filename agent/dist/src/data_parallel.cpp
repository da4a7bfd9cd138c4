// Weight broadcast, bucketed gradient all-reduce and replica checks.
#include <flowrl/core/error.h>
#include <flowrl/dist/data_parallel.h>

#include <chrono>
#include <iomanip>
#include <map>
#include <sstream>
#include <utility>

namespace flowrl::dist {

uint64_t stream_seed(uint64_t seed, int64_t stream) {
  if (stream == 0) return seed;
  uint64_t z = seed + 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(stream);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void broadcast_parameters(Group& group, const std::vector<torch::Tensor>& tensors) {
  if (group.size() == 1) return;
  torch::NoGradGuard no_grad;
  // one flat buffer per (dtype, device): parameters of a model are usually one
  std::map<std::string, std::vector<torch::Tensor>> by_kind;
  for (const auto& t : tensors) {
    if (t.defined()) by_kind[std::string(c10::toString(t.scalar_type())) + "@" + t.device().str()].push_back(t);
  }
  for (auto& [kind, members] : by_kind) {
    std::vector<torch::Tensor> flat_parts;
    for (const auto& t : members) flat_parts.push_back(t.detach().reshape({-1}));
    auto flat = torch::cat(flat_parts);  // [sum numel]
    group.broadcast(flat, 0);
    int64_t offset = 0;
    for (auto& t : members) {
      t.detach().copy_(flat.narrow(0, offset, t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
}

GradientReducer::GradientReducer(std::vector<torch::Tensor> parameters, GradientReducerOptions options)
    : parameters_(std::move(parameters)) {
  FLOWRL_CHECK(options.bucket_mib() > 0, "GradientReducer: bucket_mib must be > 0, got ", options.bucket_mib());
  const auto cap = static_cast<int64_t>(options.bucket_mib() * 1024 * 1024);
  int64_t filled = 0;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const auto& p = parameters_[i];
    const int64_t size = p.numel() * static_cast<int64_t>(p.element_size());
    bytes_ += size;
    const bool fits = !buckets_.empty() && filled + size <= cap &&
                      parameters_[buckets_.back().members.front()].scalar_type() == p.scalar_type() &&
                      parameters_[buckets_.back().members.front()].device() == p.device();
    if (!fits) {
      buckets_.emplace_back();
      filled = 0;
    }
    buckets_.back().members.push_back(i);
    filled += size;
  }
  for (auto& b : buckets_) {
    int64_t numel = 0;
    for (size_t i : b.members) numel += parameters_[i].numel();
    b.flat = torch::empty({numel}, parameters_[b.members.front()].options());
  }
}

void GradientReducer::allreduce(Group& group) {
  const auto t0 = std::chrono::steady_clock::now();
  torch::NoGradGuard no_grad;
  for (auto& b : buckets_) {
    int64_t offset = 0;
    for (size_t i : b.members) {  // gradients -> flat bucket
      const auto& p = parameters_[i];
      auto slot = b.flat.narrow(0, offset, p.numel());
      if (p.grad().defined()) {
        slot.copy_(p.grad().reshape({-1}));
      } else {
        slot.zero_();
      }
      offset += p.numel();
    }
    group.allreduce(b.flat, ReduceOp::kSum);
    offset = 0;
    for (size_t i : b.members) {  // flat bucket -> gradients
      auto& p = parameters_[i];
      auto summed = b.flat.narrow(0, offset, p.numel()).view(p.sizes());
      if (p.grad().defined()) {
        p.mutable_grad().copy_(summed);
      } else {
        p.mutable_grad() = summed.clone();
      }
      offset += p.numel();
    }
  }
  last_ms_ = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

void check_replicas_agree(Group& group, const std::vector<torch::Tensor>& tensors, int64_t step) {
  if (group.size() == 1) return;
  torch::NoGradGuard no_grad;
  // two checksums of the weights; MAX of (c, -c) over the ranks gives the largest and the smallest
  double sum = 0.0, weighted = 0.0;
  int64_t k = 0;
  for (const auto& t : tensors) {
    const auto d = t.detach().to(torch::kCPU, torch::kFloat64);
    sum += d.sum().item<double>();
    weighted += static_cast<double>(++k) * d.abs().sum().item<double>();
  }
  auto c = torch::tensor({sum, weighted, -sum, -weighted}, torch::kFloat64);
  group.allreduce(c, ReduceOp::kMax);
  const auto* v = c.data_ptr<double>();
  if (v[0] != -v[2] || v[1] != -v[3]) {
    std::ostringstream s;
    s << std::setprecision(17) << "weight checksums between " << -v[2] << " and " << v[0];
    fail("rank ", group.rank(), ": at update ", step, " the ", group.size(), " ranks no longer hold the same weights (",
         s.str(), "). Their gradients or updates diverged (ranks with different LibTorch builds, devices or ",
         "configs?); the run stops. Start every rank from the same build and config");
  }
}

}  // namespace flowrl::dist
