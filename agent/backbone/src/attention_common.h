// attention_common.h — pieces FlowAttention and SoftmaxAttention share: option validation,
// the four projections, head split/merge and input-shape checks. Internal to the backbone.
//
// Shape legend: B batch, L query length, S key/value length, H heads, d head width, D d_model.
#pragma once

#include <flowrl/backbone/options.h>
#include <torch/torch.h>

#include <string>

namespace flowrl::detail {

/// Throws flowrl::Error unless the options describe a buildable attention module.
void validate_attention_options(const FlowAttentionOptions& o, const std::string& module);

/// The projections and output dropout both attention modules register, under the reference names.
struct Projections {
  torch::nn::Linear query, key, value, out;
  torch::nn::Dropout dropout;
};
Projections register_projections(torch::nn::Module& m, const FlowAttentionOptions& o);

/// Throws flowrl::Error unless queries [B,L,d_input], keys/values [B,S,d_input] fit the options.
void check_attention_inputs(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                            const FlowAttentionOptions& o, const std::string& module);

/// [B, L, D] -> [B, H, L, D/H]
torch::Tensor split_heads(const torch::Tensor& x, int64_t heads);
/// [B, H, L, d] -> [B, L, H*d]
torch::Tensor merge_heads(const torch::Tensor& x);

}  // namespace flowrl::detail
