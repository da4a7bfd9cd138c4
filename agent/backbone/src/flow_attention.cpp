// Flow-Attention: module and kernels. Semantics are the authors' reference module, number for number.
//
// Shape legend: B batch, H heads, L sinks (queries), S sources (keys/values), d head width,
// dv value head width, N chunks, C chunk length.
#include <flowrl/backbone/flow_attention.h>
#include <flowrl/core/error.h>

#include "attention_common.h"

namespace flowrl {

namespace flow {
namespace {

// <a + eps, b + eps> over the last dimension.
torch::Tensor eps_dot(const torch::Tensor& a, const torch::Tensor& b, double eps) {
  return ((a + eps) * (b + eps)).sum(-1);
}

// 1-based positions as the inputs' dtype, shaped to broadcast over [B, H, L].
torch::Tensor positions(const torch::Tensor& like, int64_t L) {
  return torch::arange(1, L + 1, like.options());  // [L]
}

// The per-position factors of causal Flow-Attention: R_t = A_t * (Q't^T P_t[Ks V'^T]) with
// Q' = Qs * I / n and V' = V * C. Shared by the chunked and the naive kernels.
struct CausalFactors {
  torch::Tensor q;           // Q' [B,H,L,d]
  torch::Tensor k;           // Ks [B,H,L,d]
  torch::Tensor v;           // V' [B,H,L,dv]
  torch::Tensor allocation;  // A  [B,H,L,1] (undefined when allocation is off)
};

CausalFactors causal_factors(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             const KernelOptions& opt) {
  const auto L = q.size(2);
  auto qs = torch::sigmoid(q);                                       // [B,H,L,d]
  auto ks = torch::sigmoid(k);                                       // [B,H,L,d]
  auto n = positions(q, L);                                          // [L]
  // 1. incoming / outgoing flow against prefix sums
  auto incoming = n / eps_dot(qs, ks.cumsum(2), opt.eps);            // [B,H,L]
  auto outgoing = n / eps_dot(ks, qs.cumsum(2), opt.eps);            // [B,H,L]
  CausalFactors f;
  f.q = qs * (incoming / n).unsqueeze(-1);                           // [B,H,L,d]
  f.k = ks;
  f.v = v;
  // 2-3. conservation refinement, allocation and competition
  if (opt.allocation) {
    auto conserved_sink = eps_dot(qs, (ks * outgoing.unsqueeze(-1)).cumsum(2), opt.eps) / n;  // [B,H,L]
    f.allocation = torch::sigmoid(conserved_sink).unsqueeze(-1);                              // [B,H,L,1]
  }
  if (opt.competition) {
    auto conserved_source = eps_dot(ks, (qs * incoming.unsqueeze(-1)).cumsum(2), opt.eps) / n;  // [B,H,L]
    auto e = torch::exp(conserved_source.clamp(-opt.clamp, opt.clamp));                        // [B,H,L]
    auto competition = e / e.cumsum(-1) * n;                                                   // [B,H,L]
    f.v = v * competition.unsqueeze(-1);                                                       // [B,H,L,dv]
  }
  return f;
}

torch::Tensor apply_allocation(torch::Tensor out, const CausalFactors& f) {
  return f.allocation.defined() ? out * f.allocation : out;
}

// sum_{tau <= t} (q_t . k_tau) v_tau, chunk by chunk: masked products inside a chunk plus a running
// d x dv state carried across chunk boundaries.
torch::Tensor causal_linear_chunked(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                    int64_t chunk) {
  const auto B = q.size(0), H = q.size(1), L = q.size(2), d = q.size(3), dv = v.size(3);
  const auto C = std::min(chunk, L);
  const auto N = (L + C - 1) / C;
  const auto pad = N * C - L;
  auto chunks = [&](const torch::Tensor& x) {  // [B,H,L,e] -> [B,H,N,C,e]; zero rows pad the tail
    auto p = pad > 0 ? torch::constant_pad_nd(x, {0, 0, 0, pad}) : x;
    return p.reshape({B, H, N, C, x.size(3)});
  };
  auto qc = chunks(q);                                                   // [B,H,N,C,d]
  auto kc = chunks(k);                                                   // [B,H,N,C,d]
  auto vc = chunks(v);                                                   // [B,H,N,C,dv]
  auto mask = torch::ones({C, C}, q.options().dtype(torch::kBool)).tril();  // [C,C]
  auto scores = torch::matmul(qc, kc.transpose(-1, -2)).masked_fill(mask.logical_not(), 0.0);  // [B,H,N,C,C]
  auto out = torch::matmul(scores, vc);                                  // [B,H,N,C,dv]
  if (N > 1) {
    auto kv = torch::matmul(kc.transpose(-1, -2), vc);                   // [B,H,N,d,dv] per-chunk state
    auto before = torch::constant_pad_nd(kv.narrow(2, 0, N - 1), {0, 0, 0, 0, 1, 0});  // [B,H,N,d,dv]
    auto state = before.cumsum(2);                                       // [B,H,N,d,dv] state entering chunk
    out = out + torch::matmul(qc, state);                                // [B,H,N,C,dv]
  }
  (void)d;
  return out.reshape({B, H, N * C, dv}).narrow(2, 0, L);                 // [B,H,L,dv]
}

}  // namespace

torch::Tensor noncausal(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                        const KernelOptions& opt) {
  const double L = static_cast<double>(q.size(2)), S = static_cast<double>(k.size(2));
  auto qs = torch::sigmoid(q);                                            // [B,H,L,d]
  auto ks = torch::sigmoid(k);                                            // [B,H,S,d]
  // 1. incoming flow of each sink, outgoing flow of each source
  auto incoming = 1.0 / eps_dot(qs, ks.sum(2, true), opt.eps);            // [B,H,L]
  auto outgoing = 1.0 / eps_dot(ks, qs.sum(2, true), opt.eps);            // [B,H,S]
  // 2-3. conservation refinement, then allocation (sinks) and competition (sources)
  auto values = v;                                                        // [B,H,S,dv]
  if (opt.competition) {
    auto conserved_source =
        eps_dot(ks, (qs * incoming.unsqueeze(-1)).sum(2, true), opt.eps).clamp(-opt.clamp, opt.clamp);  // [B,H,S]
    auto competition = torch::softmax(conserved_source, -1) * S;         // [B,H,S]
    values = v * competition.unsqueeze(-1);                               // [B,H,S,dv]
  }
  // 4. aggregation through the d x dv state
  auto kv = torch::matmul(ks.transpose(-1, -2), values);                  // [B,H,d,dv]
  auto out = torch::matmul(qs, kv) * incoming.unsqueeze(-1);              // [B,H,L,dv]
  if (opt.allocation) {
    auto conserved_sink = eps_dot(qs, (ks * outgoing.unsqueeze(-1)).sum(2, true), opt.eps);  // [B,H,L]
    out = out * torch::sigmoid(conserved_sink * (L / S)).unsqueeze(-1);   // [B,H,L,dv]
  }
  return out;
}

torch::Tensor causal(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     const KernelOptions& opt) {
  auto f = causal_factors(q, k, v, opt);
  return apply_allocation(causal_linear_chunked(f.q, f.k, f.v, opt.chunk_size), f);  // [B,H,L,dv]
}

torch::Tensor causal_naive(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                           const KernelOptions& opt) {
  auto f = causal_factors(q, k, v, opt);
  auto kv = (f.k.unsqueeze(-1) * f.v.unsqueeze(-2)).cumsum(2);           // [B,H,L,d,dv]
  auto out = (f.q.unsqueeze(-1) * kv).sum(-2);                           // [B,H,L,dv]
  return apply_allocation(out, f);
}

}  // namespace flow

FlowAttentionImpl::FlowAttentionImpl(const FlowAttentionOptions& options_) : options(options_) { reset(); }

void FlowAttentionImpl::reset() {
  detail::validate_attention_options(options, "FlowAttention");
  auto p = detail::register_projections(*this, options);
  query_projection = p.query;
  key_projection = p.key;
  value_projection = p.value;
  out_projection = p.out;
  dropout = p.dropout;
}

torch::Tensor FlowAttentionImpl::forward(const torch::Tensor& queries, const torch::Tensor& keys,
                                         const torch::Tensor& values) {
  detail::check_attention_inputs(queries, keys, values, options, "FlowAttention");
  const auto H = options.n_heads();
  auto q = detail::split_heads(query_projection(queries), H);  // [B,H,L,d]
  auto k = detail::split_heads(key_projection(keys), H);       // [B,H,S,d]
  auto v = detail::split_heads(value_projection(values), H);   // [B,H,S,d]
  flow::KernelOptions kopt;
  kopt.eps = options.eps();
  kopt.clamp = options.clamp();
  kopt.competition = options.competition();
  kopt.allocation = options.allocation();
  kopt.chunk_size = options.chunk_size();
  auto out = options.causal() ? flow::causal(q, k, v, kopt) : flow::noncausal(q, k, v, kopt);  // [B,H,L,d]
  return dropout(out_projection(detail::merge_heads(out)));    // [B,L,d_output]
}

}  // namespace flowrl
