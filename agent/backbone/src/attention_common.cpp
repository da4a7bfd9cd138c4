#include "attention_common.h"

#include <flowrl/core/error.h>

namespace flowrl::detail {

void validate_attention_options(const FlowAttentionOptions& o, const std::string& module) {
  FLOWRL_CHECK(o.n_heads() > 0, module, ": n_heads must be positive, got ", o.n_heads());
  FLOWRL_CHECK(o.d_model() > 0 && o.d_model() % o.n_heads() == 0, module, ": d_model (", o.d_model(),
               ") must be a positive multiple of n_heads (", o.n_heads(), ")");
  FLOWRL_CHECK(o.d_input() > 0 && o.d_output() > 0, module, ": d_input and d_output must be positive");
  FLOWRL_CHECK(o.dropout() >= 0.0 && o.dropout() < 1.0, module, ": dropout must be in [0, 1), got ",
               o.dropout());
  FLOWRL_CHECK(o.clamp() > 0.0, module, ": clamp must be positive, got ", o.clamp());
  FLOWRL_CHECK(o.chunk_size() > 0, module, ": chunk_size must be positive, got ", o.chunk_size());
}

Projections register_projections(torch::nn::Module& m, const FlowAttentionOptions& o) {
  // Names match the authors' module so their checkpoints map by name.
  return Projections{
      m.register_module("query_projection", torch::nn::Linear(o.d_input(), o.d_model())),
      m.register_module("key_projection", torch::nn::Linear(o.d_input(), o.d_model())),
      m.register_module("value_projection", torch::nn::Linear(o.d_input(), o.d_model())),
      m.register_module("out_projection", torch::nn::Linear(o.d_model(), o.d_output())),
      m.register_module("dropout", torch::nn::Dropout(o.dropout())),
  };
}

void check_attention_inputs(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                            const FlowAttentionOptions& o, const std::string& module) {
  auto shape = [](const torch::Tensor& t) { return detail::concat(t.sizes()); };
  FLOWRL_CHECK(q.dim() == 3 && k.dim() == 3 && v.dim() == 3, module,
               ": queries, keys and values must be [B, L, d_input]; got ", shape(q), ", ", shape(k), ", ",
               shape(v));
  FLOWRL_CHECK(q.size(2) == o.d_input() && k.size(2) == o.d_input() && v.size(2) == o.d_input(), module,
               ": last dimension must be d_input = ", o.d_input(), "; got ", shape(q), ", ", shape(k), ", ",
               shape(v));
  FLOWRL_CHECK(q.size(0) == k.size(0) && k.size(0) == v.size(0), module, ": batch sizes differ: ", shape(q),
               ", ", shape(k), ", ", shape(v));
  FLOWRL_CHECK(k.size(1) == v.size(1), module, ": keys and values must have the same length; got ", shape(k),
               " and ", shape(v));
  FLOWRL_CHECK(k.size(1) > 0 && q.size(1) > 0, module, ": empty sequence");
  FLOWRL_CHECK(!o.causal() || q.size(1) == k.size(1), module,
               ": causal attention is self-attention and needs L == S; got L = ", q.size(1), ", S = ",
               k.size(1));
}

torch::Tensor split_heads(const torch::Tensor& x, int64_t heads) {
  const auto B = x.size(0), L = x.size(1), D = x.size(2);
  return x.view({B, L, heads, D / heads}).transpose(1, 2);  // [B, H, L, d]
}

torch::Tensor merge_heads(const torch::Tensor& x) {
  const auto B = x.size(0), H = x.size(1), L = x.size(2), d = x.size(3);
  return x.transpose(1, 2).reshape({B, L, H * d});  // [B, L, D]
}

}  // namespace flowrl::detail
