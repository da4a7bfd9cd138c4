// Flow-Attention: module and kernels. Semantics are the authors' reference module, number for number.
//
// Shape legend: B batch, H heads, L sinks (queries), S sources (keys/values), d head width,
// dv value head width, N chunks, C chunk length.
#include <flowrl/backbone/flow_attention.h>
#include <flowrl/backbone/flow_recurrent.h>
#include <flowrl/core/error.h>

#include <algorithm>
#include <vector>

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

// Chunked causal Flow-Attention. Every prefix sum P_t[x] = sum_{tau <= t} x_tau splits into the
// part inside t's chunk, read off the chunk's masked score matrix A[t, tau] = Qs_t . Ks_tau, and the
// part before the chunk, carried as one d-vector (or d x dv state) per chunk boundary. The eps terms
// expand exactly: <a + eps, b + eps> = <a, b> + eps (sum a + sum b) + d eps^2.
class CausalChunks {
 public:
  CausalChunks(const torch::Tensor& q, int64_t chunk)
      : B_(q.size(0)), H_(q.size(1)), L_(q.size(2)), C_(std::min(chunk, q.size(2))), N_((L_ + C_ - 1) / C_) {}

  // [B,H,L,e] -> [B,H,N,C,e]; zero rows pad the tail (they follow every real position, so no real
  // position sees them).
  torch::Tensor split(const torch::Tensor& x) const {
    const auto pad = N_ * C_ - L_;
    auto p = pad > 0 ? torch::constant_pad_nd(x, {0, 0, 0, pad}) : x;
    return p.reshape({B_, H_, N_, C_, x.size(3)});
  }
  // [B,H,N,C,e] -> [B,H,L,e]
  torch::Tensor merge(const torch::Tensor& x) const {
    return x.reshape({B_, H_, N_ * C_, x.size(4)}).narrow(2, 0, L_);
  }
  // Sum of w_i x_i over each chunk, w [B,H,N,C] (undefined: 1), x [B,H,N,C,e] -> [B,H,N,e].
  static torch::Tensor chunk_sum(const torch::Tensor& x, const torch::Tensor& w = {}) {
    return w.defined() ? torch::matmul(w.unsqueeze(-2), x).squeeze(-2) : x.sum(-2);
  }
  // Sum over all earlier chunks: s [B,H,N,...] -> [B,H,N,...], zero for the first chunk.
  static torch::Tensor before(const torch::Tensor& s) {
    const auto N = s.size(2);
    std::vector<int64_t> pad(2 * (s.dim() - 2), 0);
    pad[pad.size() - 2] = 1;  // one zero slice in front along dim 2
    return torch::constant_pad_nd(s.narrow(2, 0, N - 1), pad).cumsum(2);
  }
  // Global prefix sum over positions of a per-position scalar x [B,H,N,C].
  torch::Tensor prefix(const torch::Tensor& x) const {
    return x.reshape({B_, H_, N_ * C_}).cumsum(-1).reshape({B_, H_, N_, C_});
  }
  // x . s for every position: x [B,H,N,C,d], s [B,H,N,d] -> [B,H,N,C].
  static torch::Tensor dot(const torch::Tensor& x, const torch::Tensor& s) {
    return torch::matmul(x, s.unsqueeze(-1)).squeeze(-1);
  }

  int64_t chunks() const { return N_; }
  int64_t chunk() const { return C_; }

 private:
  int64_t B_, H_, L_, C_, N_;
};

torch::Tensor causal_chunked(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                             const KernelOptions& opt) {
  const CausalChunks ch(q, opt.chunk_size);
  const auto C = ch.chunk(), N = ch.chunks();
  const double eps = opt.eps, d_eps2 = static_cast<double>(q.size(3)) * eps * eps;
  const bool carry = N > 1;  // contributions from earlier chunks
  auto qs = torch::sigmoid(ch.split(q));                                  // [B,H,N,C,d]
  auto ks = torch::sigmoid(ch.split(k));                                  // [B,H,N,C,d]
  auto vc = ch.split(v);                                                  // [B,H,N,C,dv]
  auto n = torch::arange(1, N * C + 1, q.options()).view({N, C});         // [N,C] 1-based positions
  auto sq = qs.sum(-1), sk = ks.sum(-1);                                  // [B,H,N,C]
  // Masked score matrices: lower[t, tau] = A[t, tau] for tau <= t; upper[tau, t] = A[tau, t] for tau <= t.
  auto ones = torch::ones({C, C}, q.options());
  auto scores = torch::matmul(qs, ks.transpose(-1, -2));                  // [B,H,N,C,C]
  auto lower = scores * ones.tril();                                      // [B,H,N,C,C]
  auto upper = scores * ones.triu();                                      // [B,H,N,C,C]
  scores.reset();                                                         // not needed past here

  // 1. incoming I_t = n / <Qs_t + eps, P_t[Ks] + eps>, outgoing O_t = n / <Ks_t + eps, P_t[Qs] + eps>
  auto in_dot = lower.sum(-1);                                            // [B,H,N,C]
  auto out_dot = upper.sum(-2);                                           // [B,H,N,C]
  if (carry) {
    in_dot = in_dot + CausalChunks::dot(qs, CausalChunks::before(CausalChunks::chunk_sum(ks)));
    out_dot = out_dot + CausalChunks::dot(ks, CausalChunks::before(CausalChunks::chunk_sum(qs)));
  }
  auto incoming = n / (in_dot + eps * (sq + ch.prefix(sk)) + d_eps2);    // [B,H,N,C]
  auto outgoing = n / (out_dot + eps * (sk + ch.prefix(sq)) + d_eps2);   // [B,H,N,C]

  // 2-3. allocation A_t = sigmoid(<Qs_t + eps, P_t[O Ks] + eps> / n)
  torch::Tensor row_scale = incoming / n;                                 // [B,H,N,C]
  if (opt.allocation) {
    auto sink = torch::matmul(lower, outgoing.unsqueeze(-1)).squeeze(-1);  // [B,H,N,C]
    if (carry) {
      sink = sink + CausalChunks::dot(qs, CausalChunks::before(CausalChunks::chunk_sum(ks, outgoing)));
    }
    sink = (sink + eps * (sq + ch.prefix(outgoing * sk)) + d_eps2) / n;   // [B,H,N,C]
    row_scale = row_scale * torch::sigmoid(sink);                         // [B,H,N,C]
  }
  //      competition C_t = n exp(Ohat_t) / P_t[exp(Ohat)], Ohat_t = clamp(<Ks_t + eps, P_t[I Qs] + eps> / n)
  auto values = vc;                                                       // [B,H,N,C,dv]
  if (opt.competition) {
    auto source = torch::matmul(incoming.unsqueeze(-2), upper).squeeze(-2);  // [B,H,N,C]
    if (carry) {
      source = source + CausalChunks::dot(ks, CausalChunks::before(CausalChunks::chunk_sum(qs, incoming)));
    }
    source = (source + eps * (sk + ch.prefix(incoming * sq)) + d_eps2) / n;  // [B,H,N,C]
    auto e = torch::exp(source.clamp(-opt.clamp, opt.clamp));              // [B,H,N,C]
    values = vc * (n * e / ch.prefix(e)).unsqueeze(-1);                    // [B,H,N,C,dv]
  }

  // 4. R_t = A_t (I_t / n_t) Qs_t^T P_t[Ks (C V)^T]: masked products in the chunk + the carried state.
  auto out = torch::matmul(lower, values);                                // [B,H,N,C,dv]
  if (carry) {
    auto state = CausalChunks::before(torch::matmul(ks.transpose(-1, -2), values));  // [B,H,N,d,dv]
    out = out + torch::matmul(qs, state);                                 // [B,H,N,C,dv]
  }
  return ch.merge(out * row_scale.unsqueeze(-1));                         // [B,H,L,dv]
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
  return causal_chunked(q, k, v, opt);  // [B,H,L,dv]
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

void FlowAttentionImpl::reset() { detail::reset_attention(*this, "FlowAttention"); }

flow::KernelOptions FlowAttentionImpl::kernel_options() const {
  flow::KernelOptions kopt;
  kopt.eps = options.eps();
  kopt.clamp = options.clamp();
  kopt.competition = options.competition();
  kopt.allocation = options.allocation();
  kopt.chunk_size = options.chunk_size();
  return kopt;
}

torch::Tensor FlowAttentionImpl::forward(const torch::Tensor& queries, const torch::Tensor& keys,
                                         const torch::Tensor& values) {
  const auto kopt = kernel_options();
  const bool causal = options.causal();
  return detail::attend(*this, queries, keys, values, "FlowAttention",
                        [&](const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) {
                          // The whole kernel runs in float32 under any precision: its flow normalizers are
                          // ratios of prefix sums, and competition exponentiates them (docs/precision.md).
                          auto qf = detail::widen(q), kf = detail::widen(k), vf = detail::widen(v);  // [B,H,*,d]
                          return causal ? flow::causal(qf, kf, vf, kopt) : flow::noncausal(qf, kf, vf, kopt);
                        });
}

torch::Tensor FlowAttentionImpl::step(const torch::Tensor& x, FlowAttentionState& state, const torch::Tensor& lengths) {
  FLOWRL_CHECK(options.causal(),
               "FlowAttention::step: the module is not causal, and non-causal attention at a position depends on "
               "later tokens, so it has no recurrent form; build it with FlowAttentionOptions(...).causal(true)");
  FLOWRL_CHECK(x.dim() == 3 && x.size(2) == options.d_input(), "FlowAttention::step: x must be [B, T, d_input = ",
               options.d_input(), "] (self-attention over the next T tokens), got ", detail::concat(x.sizes()));
  const auto H = options.n_heads();
  // as in forward(): projections in the current precision, the kernel in float32 (or float64)
  auto q = detail::split_heads(detail::linear(query_projection, x), H);  // [B,H,T,d]
  auto k = detail::split_heads(detail::linear(key_projection, x), H);    // [B,H,T,d]
  auto v = detail::split_heads(detail::linear(value_projection, x), H);  // [B,H,T,d]
  auto out = flow::causal_step(detail::widen(q), detail::widen(k), detail::widen(v), state, kernel_options(),
                               lengths);                                 // [B,H,T,d]
  return dropout(detail::linear(out_projection, detail::merge_heads(out)));  // [B,T,d_output]
}

}  // namespace flowrl
