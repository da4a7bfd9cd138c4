// attention_common.h — pieces FlowAttention and SoftmaxAttention share: option validation,
// the four projections, head split/merge and input-shape checks. Internal to the backbone.
//
// Shape legend: B batch, L query length, S key/value length, H heads, d head width, D d_model.
#pragma once

#include <flowrl/backbone/options.h>
#include <flowrl/backbone/precision.h>
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

/// The body of both modules' reset(): validates the options and (re)registers the projections
/// into the module's holders.
template <class Impl>
void reset_attention(Impl& m, const std::string& module) {
  validate_attention_options(m.options, module);
  auto p = register_projections(m, m.options);
  m.query_projection = p.query;
  m.key_projection = p.key;
  m.value_projection = p.value;
  m.out_projection = p.out;
  m.dropout = p.dropout;
}

/// The body of both modules' forward(): checks the inputs, projects and splits heads, applies
/// `kernel(q [B,H,L,d], k [B,H,S,d], v [B,H,S,d]) -> [B,H,L,d]`, merges heads and projects out.
/// Under bf16 the projections' outputs, and so the kernel's inputs, are bf16.
template <class Impl, class Kernel>
torch::Tensor attend(Impl& m, const torch::Tensor& queries, const torch::Tensor& keys, const torch::Tensor& values,
                     const std::string& module, Kernel&& kernel);

/// [B, L, D] -> [B, H, L, D/H]
torch::Tensor split_heads(const torch::Tensor& x, int64_t heads);
/// [B, H, L, d] -> [B, L, H*d]
torch::Tensor merge_heads(const torch::Tensor& x);

template <class Impl, class Kernel>
torch::Tensor attend(Impl& m, const torch::Tensor& queries, const torch::Tensor& keys, const torch::Tensor& values,
                     const std::string& module, Kernel&& kernel) {
  check_attention_inputs(queries, keys, values, m.options, module);
  const auto H = m.options.n_heads();
  // the projections run in the current precision (bf16 under a PrecisionGuard), the kernel decides its own
  auto q = split_heads(linear(m.query_projection, queries), H);  // [B,H,L,d]
  auto k = split_heads(linear(m.key_projection, keys), H);       // [B,H,S,d]
  auto v = split_heads(linear(m.value_projection, values), H);   // [B,H,S,d]
  auto out = kernel(q, k, v);                                    // [B,H,L,d]
  return m.dropout(linear(m.out_projection, merge_heads(out)));  // [B,L,d_output]
}

}  // namespace flowrl::detail
