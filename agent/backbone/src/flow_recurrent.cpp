// Recurrent causal Flow-Attention: the state of running sums and the step that advances it.
//
// Shape legend: B batch (rows), H heads, T tokens in the step, C tokens in one chunk of the step,
// d query/key head width, dv value head width.
#include <flowrl/backbone/flow_recurrent.h>
#include <flowrl/core/error.h>
#include <torch/torch.h>

#include <algorithm>
#include <vector>

namespace flowrl {

namespace {

std::string shape(const torch::Tensor& t) { return detail::concat(t.sizes()); }
const char* on_off(bool b) { return b ? "on" : "off"; }

// Every tensor the state holds (undefined ones included).
std::vector<const torch::Tensor*> sums_of(const FlowAttentionState& s) {
  return {&s.count, &s.sum_k, &s.sum_q, &s.sum_ok, &s.sum_iq, &s.sum_e, &s.kv};
}

}  // namespace

FlowAttentionState::FlowAttentionState(torch::Dtype accumulate) : accumulate_(accumulate) {
  FLOWRL_CHECK(accumulate == torch::kFloat64 || accumulate == torch::kFloat32,
               "FlowAttentionState: the running sums accumulate in float64 or float32, got ",
               c10::toString(accumulate));
}

void FlowAttentionState::reset() {
  count = sum_k = sum_q = sum_ok = sum_iq = sum_e = kv = torch::Tensor();
  competition = allocation = false;
}

void FlowAttentionState::reset_rows(const torch::Tensor& rows) {
  if (!defined()) return;  // nothing carried yet
  FLOWRL_CHECK(rows.dim() == 1 && rows.size(0) == batch() && rows.scalar_type() == torch::kBool,
               "FlowAttentionState::reset_rows: rows must be a [", batch(), "] bool tensor (true: start over), got ",
               shape(rows), " ", c10::toString(rows.scalar_type()));
  auto keep = rows.logical_not().to(count.device());  // [B]
  // zero the rows that start over, every sum broadcast from [B]
  auto zero = [&](torch::Tensor& t) {
    if (!t.defined()) return;
    std::vector<int64_t> view(static_cast<size_t>(t.dim()), 1);
    view[0] = batch();
    t = t * keep.view(view).to(t.scalar_type());
  };
  zero(count);
  zero(sum_k);
  zero(sum_q);
  zero(sum_ok);
  zero(sum_iq);
  zero(sum_e);
  zero(kv);
}

int64_t FlowAttentionState::numel() const {
  int64_t n = 0;
  for (const auto* t : sums_of(*this)) n += t->defined() ? t->numel() : 0;
  return n;
}

int64_t FlowAttentionState::nbytes() const {
  int64_t n = 0;
  for (const auto* t : sums_of(*this)) n += t->defined() ? static_cast<int64_t>(t->nbytes()) : 0;
  return n;
}

namespace flow {
namespace {

// <a + eps, b + eps> over the last dimension.
torch::Tensor eps_dot(const torch::Tensor& a, const torch::Tensor& b, double eps) {
  return ((a + eps) * (b + eps)).sum(-1);
}

// Prefix sums along dim that start from a carried sum: carry [..., e] (the accumulation type),
// x [..., C, e] or [..., C] (the kernel's type) -> the same shape as x, in the kernel's type. The sums
// run in the accumulation type and are rounded once, as LibTorch's CPU cumsum rounds its double sums.
torch::Tensor carried_prefix(const torch::Tensor& x, const torch::Tensor& carry, int64_t dim) {
  const auto wide = c10::promoteTypes(carry.scalar_type(), x.scalar_type());
  return (carry.unsqueeze(dim).to(wide) + x.to(wide).cumsum(dim)).to(x.scalar_type());
}

// carry + the sum of x over dim, counting only the tokens where mask is 1 (mask undefined: all).
// x is finite everywhere (padding inputs are zeroed first), so the mask can multiply.
torch::Tensor advance(const torch::Tensor& carry, const torch::Tensor& x, const torch::Tensor& mask, int64_t dim) {
  auto wide = x.to(c10::promoteTypes(carry.scalar_type(), x.scalar_type()));
  if (mask.defined()) wide = wide * mask.to(wide.scalar_type());
  return (carry + wide.sum(dim)).to(carry.scalar_type());
}

// Checks the step's inputs against each other and against the state; sizes an empty state.
void prepare(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, FlowAttentionState& s,
             const KernelOptions& opt) {
  FLOWRL_CHECK(q.dim() == 4 && k.dim() == 4 && v.dim() == 4,
               "flow::causal_step: q, k, v must be [B, H, T, d], [B, H, T, d], [B, H, T, dv]; got ", shape(q), ", ",
               shape(k), ", ", shape(v));
  FLOWRL_CHECK(q.sizes() == k.sizes(), "flow::causal_step: q and k must have the same shape; got ", shape(q),
               " and ", shape(k));
  FLOWRL_CHECK(v.size(0) == q.size(0) && v.size(1) == q.size(1) && v.size(2) == q.size(2),
               "flow::causal_step: v must be [B, H, T, dv] with q's B, H, T; got q ", shape(q), ", v ", shape(v));
  FLOWRL_CHECK(q.size(2) > 0, "flow::causal_step: empty block (T = 0); pass at least one token");
  FLOWRL_CHECK(q.scalar_type() == k.scalar_type() && k.scalar_type() == v.scalar_type(),
               "flow::causal_step: q, k, v must have one type");
  FLOWRL_CHECK(q.is_floating_point(), "flow::causal_step: q, k, v must be floating point");
  FLOWRL_CHECK(opt.chunk_size > 0, "flow::causal_step: chunk_size must be positive, got ", opt.chunk_size);
  const auto B = q.size(0), H = q.size(1), d = q.size(3), dv = v.size(3);
  if (!s.defined()) {
    auto acc = q.options().dtype(s.accumulate());
    s.count = torch::zeros({B}, q.options().dtype(torch::kLong));  // [B]
    s.sum_k = torch::zeros({B, H, d}, acc);                        // [B,H,d]
    s.kv = torch::zeros({B, H, d, dv}, acc);                       // [B,H,d,dv]
    if (opt.allocation) {
      s.sum_q = torch::zeros({B, H, d}, acc);                      // [B,H,d]
      s.sum_ok = torch::zeros({B, H, d}, acc);                     // [B,H,d]
    }
    if (opt.competition) {
      s.sum_iq = torch::zeros({B, H, d}, acc);                     // [B,H,d]
      s.sum_e = torch::zeros({B, H}, acc);                         // [B,H]
    }
    s.competition = opt.competition;
    s.allocation = opt.allocation;
    return;
  }
  FLOWRL_CHECK(s.batch() == B && s.heads() == H && s.head_dim() == d && s.value_dim() == dv,
               "flow::causal_step: the state holds B = ", s.batch(), ", H = ", s.heads(), ", d = ", s.head_dim(),
               ", dv = ", s.value_dim(), " but the block is q ", shape(q), ", v ", shape(v),
               "; continue with blocks of the same rows and heads, or reset() the state for new sequences");
  FLOWRL_CHECK(s.competition == opt.competition && s.allocation == opt.allocation,
               "flow::causal_step: the state was made for competition ", on_off(s.competition), ", allocation ",
               on_off(s.allocation), " but the kernel runs with competition ", on_off(opt.competition), ", allocation ",
               on_off(opt.allocation), "; use one state per module, or reset() it");
  FLOWRL_CHECK(s.kv.device() == q.device(), "flow::causal_step: the state is on ", s.kv.device(),
               " but the block is on ", q.device(), "; keep the state with the module");
}

// The valid-token mask of the block from `lengths`: [B,T] in {0,1} as the kernel's type, or
// undefined when every row consumes the whole block.
torch::Tensor token_mask(const torch::Tensor& lengths, int64_t B, int64_t T, const torch::TensorOptions& like) {
  if (!lengths.defined()) return {};
  FLOWRL_CHECK(lengths.dim() == 1 && lengths.size(0) == B,
               "flow::causal_step: lengths must be [B] = [", B, "] (tokens each row consumes, or a bool per row); got ",
               shape(lengths));
  auto len = lengths.to(like.device());
  if (len.scalar_type() == torch::kBool) {
    len = len.to(torch::kLong) * T;  // [B] the whole block or nothing
  } else {
    FLOWRL_CHECK(!len.is_floating_point() && !len.is_complex(),
                 "flow::causal_step: lengths must be an integer or bool tensor, got ", c10::toString(len.scalar_type()));
    len = len.to(torch::kLong);
    FLOWRL_CHECK(len.ge(0).all().item<bool>() && len.le(T).all().item<bool>(),
                 "flow::causal_step: lengths must be in [0, T] = [0, ", T, "] (tokens of this block each row consumes)");
  }
  auto t = torch::arange(T, like.dtype(torch::kLong));                     // [T]
  return t.unsqueeze(0).lt(len.unsqueeze(1)).to(like.dtype());            // [B,T]
}

// One chunk of the step: q, k [B,H,C,d], v [B,H,C,dv], mask [B,1,C] (or undefined); advances s.
torch::Tensor chunk_step(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                         const torch::Tensor& mask, FlowAttentionState& s, const KernelOptions& opt) {
  const auto B = q.size(0), C = q.size(2);
  const auto kind = q.scalar_type();
  const double eps = opt.eps;
  auto qs = torch::sigmoid(q);                                                          // [B,H,C,d]
  auto ks = torch::sigmoid(k);                                                          // [B,H,C,d]
  auto n = (s.count.view({B, 1, 1}) + torch::arange(1, C + 1, s.count.options())).to(kind);  // [B,1,C]
  auto vmask = mask.defined() ? mask.unsqueeze(-1) : torch::Tensor();                    // [B,1,C,1]

  // 1. incoming flow I = n / <Qs + eps, P[Ks] + eps> against the carried prefix
  auto incoming = n / eps_dot(qs, carried_prefix(ks, s.sum_k, 2), eps);                // [B,H,C]
  auto row_scale = incoming / n;                                                        // [B,H,C]
  auto next_k = advance(s.sum_k, ks, vmask, 2);                                         // [B,H,d]

  // 2-3. allocation A = sigmoid(<Qs + eps, P[O Ks] + eps> / n), O = n / <Ks + eps, P[Qs] + eps>
  if (opt.allocation) {
    auto outgoing = n / eps_dot(ks, carried_prefix(qs, s.sum_q, 2), eps);              // [B,H,C]
    auto oks = ks * outgoing.unsqueeze(-1);                                             // [B,H,C,d]
    auto sink = eps_dot(qs, carried_prefix(oks, s.sum_ok, 2), eps) / n;                // [B,H,C]
    row_scale = row_scale * torch::sigmoid(sink);                                       // [B,H,C]
    s.sum_q = advance(s.sum_q, qs, vmask, 2);                                           // [B,H,d]
    s.sum_ok = advance(s.sum_ok, oks, vmask, 2);                                        // [B,H,d]
  }
  //      competition C = n exp(Ohat) / P[exp(Ohat)], Ohat = clamp(<Ks + eps, P[I Qs] + eps> / n)
  auto values = v;                                                                      // [B,H,C,dv]
  if (opt.competition) {
    auto iqs = qs * incoming.unsqueeze(-1);                                             // [B,H,C,d]
    auto source = eps_dot(ks, carried_prefix(iqs, s.sum_iq, 2), eps) / n;              // [B,H,C]
    auto e = torch::exp(source.clamp(-opt.clamp, opt.clamp));                           // [B,H,C]
    values = v * (n * e / carried_prefix(e, s.sum_e, 2)).unsqueeze(-1);                 // [B,H,C,dv]
    s.sum_iq = advance(s.sum_iq, iqs, vmask, 2);                                        // [B,H,d]
    s.sum_e = advance(s.sum_e, e, mask, 2);                                             // [B,H]
  }
  s.sum_k = next_k;

  // 4. R = A (I / n) Qs^T P[Ks (C V)^T]: the carried d x dv sum plus the chunk's masked products
  auto out = torch::matmul(qs, s.kv.to(kind));                                          // [B,H,C,dv]
  if (C > 1) {
    auto lower = torch::matmul(qs, ks.transpose(-1, -2)).tril();                        // [B,H,C,C]
    out = out + torch::matmul(lower, values);                                           // [B,H,C,dv]
  } else {
    out = out + (qs * ks).sum(-1, true) * values;                                       // [B,H,1,dv]
  }
  auto counted = vmask.defined() ? values * vmask : values;                             // [B,H,C,dv]
  s.kv = s.kv + torch::matmul(ks.transpose(-1, -2), counted).to(s.kv.scalar_type());    // [B,H,d,dv]
  out = out * row_scale.unsqueeze(-1);                                                  // [B,H,C,dv]
  return vmask.defined() ? out * vmask : out;                                           // [B,H,C,dv]
}

}  // namespace

torch::Tensor causal_step(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                          FlowAttentionState& state, const KernelOptions& opt, const torch::Tensor& lengths) {
  prepare(q, k, v, state, opt);
  const auto B = q.size(0), T = q.size(2);
  auto mask = token_mask(lengths, B, T, q.options());           // [B,T] or undefined
  auto qq = q, kk = k, vv = v;
  if (mask.defined()) {
    // padding tokens become zeros, so that nothing they hold (NaN included) reaches a valid token
    auto keep = mask.view({B, 1, T, 1}).to(torch::kBool);       // [B,1,T,1]
    qq = torch::where(keep, q, torch::zeros({}, q.options()));   // [B,H,T,d]
    kk = torch::where(keep, k, torch::zeros({}, k.options()));   // [B,H,T,d]
    vv = torch::where(keep, v, torch::zeros({}, v.options()));   // [B,H,T,dv]
  }
  // chunk by chunk, each continuing from the state the previous one left
  std::vector<torch::Tensor> outs;
  for (int64_t start = 0; start < T; start += opt.chunk_size) {
    const auto C = std::min(opt.chunk_size, T - start);
    auto m = mask.defined() ? mask.narrow(1, start, C).unsqueeze(1) : torch::Tensor();  // [B,1,C]
    auto out = chunk_step(qq.narrow(2, start, C), kk.narrow(2, start, C), vv.narrow(2, start, C), m, state, opt);
    if (m.defined()) {
      // a chunk's count advances by its valid tokens only
      state.count = state.count + m.sum({1, 2}).to(torch::kLong);  // [B]
    } else {
      state.count = state.count + C;                               // [B]
    }
    outs.push_back(out);                                           // [B,H,C,dv]
  }
  return outs.size() == 1 ? outs[0] : torch::cat(outs, 2);         // [B,H,T,dv]
}

}  // namespace flow
}  // namespace flowrl
