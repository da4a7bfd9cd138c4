// flowrl/agent/action_loss.h — the Decision Transformer's training loss.
#pragma once

#include <torch/torch.h>

namespace flowrl {

/// Mean squared error of predicted actions pred [B,K,A] against actions [B,K,A] over the valid
/// steps only (mask [B,K], 1 where a window holds a real step): sum over valid steps and action
/// dims, divided by (valid steps x A). Used by the trainer and the training-step benchmarks.
torch::Tensor masked_action_mse(const torch::Tensor& pred, const torch::Tensor& actions, const torch::Tensor& mask);

}  // namespace flowrl
