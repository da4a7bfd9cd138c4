// flowrl/dist/data_parallel.h — what a data-parallel trainer does with a Group: start every rank
// from rank 0's weights, sum the gradients in a few flat buckets, and check now and then that the
// replicas still agree.
//
// The trainer computes each rank's loss as (its share of the global sum) / (the global count), so
// that summing the gradients over the ranks gives exactly the gradient of the global batch's loss;
// clipping and the optimizer then see the same gradient on every rank, and the weights stay equal.
//
//   dist::broadcast_parameters(group, model->parameters());
//   dist::GradientReducer reducer(model->parameters());
//   loss.backward(); reducer.allreduce(group);            // grads = sum over ranks
//   if (step % 100 == 0) dist::check_replicas_agree(group, model->parameters(), step);
#pragma once

#include <flowrl/dist/group.h>
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace flowrl::dist {

/// The seed of random stream `stream` of a run seeded with `seed` (a rank's sampler or dropout stream):
/// stream 0 is `seed` itself, so a one-process run draws what it always drew; the others are a
/// splitmix64 step away from it.
uint64_t stream_seed(uint64_t seed, int64_t stream);

/// Copies rank 0's values of `tensors` (parameters, buffers) into every rank's, one flat buffer per
/// dtype and device.
void broadcast_parameters(Group& group, const std::vector<torch::Tensor>& tensors);

/// Options of GradientReducer.
struct GradientReducerOptions {
  /// Largest bucket in MiB; parameters are packed in order into buckets up to this size (as DDP's
  /// bucket_cap_mb). A parameter larger than a bucket gets one of its own.
  TORCH_ARG(double, bucket_mib) = 25.0;
};

/// Sums the gradients of a fixed list of parameters over the ranks: per bucket, one copy into a flat
/// buffer, one all-reduce, one copy back.
class GradientReducer {
 public:
  explicit GradientReducer(std::vector<torch::Tensor> parameters,
                           GradientReducerOptions options = GradientReducerOptions());
  /// Replaces every parameter's .grad() by its sum over the ranks (a missing grad counts as zero).
  void allreduce(Group& group);
  /// Number of buckets.
  int64_t buckets() const { return static_cast<int64_t>(buckets_.size()); }
  /// Bytes of gradient sent into each all-reduce round, all buckets together.
  int64_t bytes() const { return bytes_; }
  /// Wall time of the last allreduce() call (copies included), in milliseconds.
  double last_milliseconds() const { return last_ms_; }

 private:
  struct Bucket {
    std::vector<size_t> members;  // indices into parameters_
    torch::Tensor flat;           // [sum of numel] of the members' dtype and device
  };
  std::vector<torch::Tensor> parameters_;
  std::vector<Bucket> buckets_;
  int64_t bytes_ = 0;
  double last_ms_ = 0.0;
};

/// The weights of every rank should be bit-identical. Compares a float64 checksum of `tensors` over
/// the ranks (one small all-reduce); throws flowrl::Error naming `step` and the ranks' values when they
/// differ.
void check_replicas_agree(Group& group, const std::vector<torch::Tensor>& tensors, int64_t step);

}  // namespace flowrl::dist
