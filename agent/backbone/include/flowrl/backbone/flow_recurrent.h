// flowrl/backbone/flow_recurrent.h — the recurrent form of causal Flow-Attention: a state of running
// sums that consumes tokens one at a time (or a block at a time) and gives, at every position, the
// numbers the parallel causal kernel (flow::causal) gives (docs/recurrent.md).
//
// Shape legend: B batch (rows), H heads, T tokens in one step, d query/key head width, dv value head width.
//
// Every quantity of causal Flow-Attention at position t is a function of position t's own q, k, v,
// its position n = t (1-based) and a handful of prefix sums over positions <= t. The state carries
// those sums from one step to the next:
//
//   sum_k  = P[Ks]            [B,H,d]     incoming flow I_t = n / <Qs_t + eps, P_t[Ks] + eps>
//   sum_q  = P[Qs]            [B,H,d]     outgoing flow O_t = n / <Ks_t + eps, P_t[Qs] + eps>    (allocation)
//   sum_ok = P[O Ks]          [B,H,d]     allocation  A_t = sigmoid(<Qs_t + eps, P_t[O Ks] + eps> / n)
//   sum_iq = P[I Qs]          [B,H,d]     competition: Ohat_t = clamp(<Ks_t + eps, P_t[I Qs] + eps> / n)
//   sum_e  = P[exp(Ohat)]     [B,H]       C_t = n exp(Ohat_t) / P_t[exp(Ohat)]                     (competition)
//   kv     = P[Ks (C V)^T]    [B,H,d,dv]  R_t = A_t (I_t / n) Qs_t^T P_t[Ks (C V)^T]
//   count  = n                [B]         tokens each row has consumed
//
// State size: per row and head d*dv + d + [allocation] 2d + [competition] (d + 1) numbers, plus one
// count per row; with both on, H (d dv + 4 d + 1) per row and layer. It does not grow with the tokens.
#pragma once

#include <flowrl/backbone/flow_attention.h>
#include <torch/types.h>

#include <cstdint>

namespace flowrl {

/// The running sums of causal Flow-Attention for B rows and H heads: the whole memory a causal
/// Flow-Attention layer needs to continue a sequence, O(d*dv) per head whatever the length.
///
/// An empty state is sized by the first step that uses it (rows, heads, widths, device and which
/// sums the kernel options need). The sums are kept in `accumulate` (float64 by default) whatever
/// the kernel's type: the kernel itself computes in its inputs' type (float32 under any precision,
/// float64 for float64 modules), and only the carry between steps is wider, as LibTorch's CPU
/// cumsum carries the parallel kernel's prefix sums (docs/recurrent.md, numerical notes).
///
///   FlowAttentionState state;                       // empty
///   for (int64_t t = 0; t < L; ++t)
///     y[t] = flow::causal_step(q_t, k_t, v_t, state, opt);   // [B,H,1,d] -> [B,H,1,dv]
class FlowAttentionState {
 public:
  /// An empty state. `accumulate`: the type of the running sums, kFloat64 (default) or kFloat32
  /// (half the memory; drifts from the parallel kernel by float32 round-off that grows with the length).
  explicit FlowAttentionState(torch::Dtype accumulate = torch::kFloat64);

  /// True once a step has sized the state.
  bool defined() const { return count.defined(); }
  /// Rows B (0 while empty).
  int64_t batch() const { return defined() ? count.size(0) : 0; }
  /// Heads H (0 while empty).
  int64_t heads() const { return defined() ? kv.size(1) : 0; }
  /// Query/key head width d (0 while empty).
  int64_t head_dim() const { return defined() ? kv.size(2) : 0; }
  /// Value head width dv (0 while empty).
  int64_t value_dim() const { return defined() ? kv.size(3) : 0; }
  /// The type of the running sums.
  torch::Dtype accumulate() const { return accumulate_; }

  /// Back to empty: the next step starts new sequences of any shape.
  void reset();
  /// Rows where `rows` ([B] bool) is true start over: count 0, sums 0 (e.g. a new episode in a batch).
  void reset_rows(const torch::Tensor& rows);
  /// Elements the state holds (count included); constant for a given shape, whatever the tokens seen.
  int64_t numel() const;
  /// Bytes the state holds.
  int64_t nbytes() const;

  /// n: tokens each row has consumed.                                    [B] int64
  torch::Tensor count;
  /// P[Ks], always present.                                              [B,H,d]
  torch::Tensor sum_k;
  /// P[Qs], with allocation (the outgoing flow only feeds allocation).   [B,H,d]
  torch::Tensor sum_q;
  /// P[O Ks], with allocation.                                           [B,H,d]
  torch::Tensor sum_ok;
  /// P[I Qs], with competition.                                          [B,H,d]
  torch::Tensor sum_iq;
  /// P[exp(Ohat)], with competition.                                     [B,H]
  torch::Tensor sum_e;
  /// P[Ks (C V)^T], always present.                                      [B,H,d,dv]
  torch::Tensor kv;
  /// Whether the sums were made for a kernel with competition / allocation (set by the first step).
  bool competition = false, allocation = false;

 private:
  torch::Dtype accumulate_;
};

namespace flow {

/// Recurrent causal Flow-Attention on already-projected, head-split tensors: continues the sequences
/// of `state` by T tokens and returns those tokens' outputs, equal (to round-off) to the rows
/// n+1..n+T of flow::causal over the whole sequence so far.
///
/// q, k [B,H,T,d] and v [B,H,T,dv], raw (before the sigmoid feature map) -> [B,H,T,dv].
/// `lengths` (optional) lets rows of one batch advance by different amounts:
///   - [B] integer: row b consumes its first lengths[b] tokens (0..T); the rest are padding;
///   - [B] bool: a row where it is false consumes nothing this step (an ended sequence).
/// Padding tokens change nothing in the state, whatever their values (NaN included), and their
/// outputs are 0. Blocks longer than opt.chunk_size are processed chunk by chunk: memory
/// O(B H T (d + dv) + B H chunk^2). Differentiable (the state is updated out of place).
/// Throws flowrl::Error on shape, device or option mismatches with the state.
torch::Tensor causal_step(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                          FlowAttentionState& state, const KernelOptions& opt,
                          const torch::Tensor& lengths = {});

}  // namespace flow
}  // namespace flowrl
