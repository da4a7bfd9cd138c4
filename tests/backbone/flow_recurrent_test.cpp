// Recurrent causal Flow-Attention: the state of running sums against the parallel causal kernel
// (token by token and in blocks, up to 4096 tokens), rows of different lengths, the golden cases, the
// Flowformer stack token by token, the state's size, precision and errors.
#include <catch2/catch.hpp>
#include <flowrl/backbone.h>
#include <flowrl/core/error.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "h5_fixture.h"
#include "golden_cases.h"
#include "torch_support.h"

using namespace flowrl;

namespace {

struct QKV {
  torch::Tensor q, k, v;
};

QKV random_qkv(int64_t B, int64_t H, int64_t L, int64_t d, int64_t dv, torch::Dtype dtype,
               torch::Device device = torch::kCPU) {
  auto o = torch::TensorOptions().dtype(dtype).device(device);
  return {torch::randn({B, H, L, d}, o), torch::randn({B, H, L, d}, o), torch::randn({B, H, L, dv}, o)};
}

flow::KernelOptions kernel(bool competition, bool allocation, int64_t chunk = 32, double clamp = 10) {
  flow::KernelOptions o;
  o.competition = competition;
  o.allocation = allocation;
  o.chunk_size = chunk;
  o.clamp = clamp;
  return o;
}

// Runs causal_step over x in blocks of the given sizes (cycled until L tokens are consumed).
torch::Tensor run_blocks(const QKV& x, const std::vector<int64_t>& sizes, FlowAttentionState& state,
                         const flow::KernelOptions& opt) {
  const auto L = x.q.size(2);
  std::vector<torch::Tensor> outs;
  size_t i = 0;
  for (int64_t t = 0; t < L; ++i) {
    const auto T = std::min(sizes[i % sizes.size()], L - t);
    outs.push_back(flow::causal_step(x.q.narrow(2, t, T), x.k.narrow(2, t, T), x.v.narrow(2, t, T), state, opt));
    t += T;
  }
  return torch::cat(outs, 2);  // [B,H,L,dv]
}

// The four settings of the paper's two ablations.
const std::vector<std::pair<bool, bool>> kAblations = {{true, true}, {false, true}, {true, false}, {false, false}};

const char* ablation_name(bool competition, bool allocation) {
  if (competition && allocation) return "competition and allocation";
  if (competition) return "competition only";
  if (allocation) return "allocation only";
  return "neither";
}

using test::GoldenCase;

// A causal golden case: the module it describes, its parameters loaded by name, input and output.
GoldenCase load_golden(const std::string& name) { return test::load_golden_case(name, 3); }

}  // namespace

TEST_CASE("recurrent Flow-Attention equals the causal kernel token by token, 4096 tokens",
          "[backbone][flow][recurrent]") {
  torch::NoGradGuard no_grad;
  const int64_t L = 4096;
  for (auto [competition, allocation] : kAblations) {
    DYNAMIC_SECTION(ablation_name(competition, allocation)) {
      torch::manual_seed(41);
      const auto opt = kernel(competition, allocation);
      auto x64 = random_qkv(2, 2, L, 4, 5, torch::kFloat64);
      SECTION("float64 to 1e-12") {
        auto parallel = flow::causal(x64.q, x64.k, x64.v, opt);  // [B,H,L,dv]
        FlowAttentionState state;
        auto recurrent = run_blocks(x64, {1}, state, opt);      // [B,H,L,dv]
        const double err = test::max_abs_diff(recurrent, parallel);
        INFO("max |recurrent - parallel| = " << err);
        CHECK(err < 1e-12);
        CHECK(state.count.eq(L).all().item<bool>());
      }
      SECTION("float32 to 1e-6") {
        QKV x32{x64.q.to(torch::kFloat32), x64.k.to(torch::kFloat32), x64.v.to(torch::kFloat32)};
        auto parallel = flow::causal(x32.q, x32.k, x32.v, opt);  // [B,H,L,dv] float32
        FlowAttentionState state;
        auto recurrent = run_blocks(x32, {1}, state, opt);      // [B,H,L,dv] float32
        REQUIRE(recurrent.scalar_type() == torch::kFloat32);
        auto truth = flow::causal(x64.q, x64.k, x64.v, opt);    // float64
        const double err = test::max_abs_diff(recurrent, parallel);
        INFO("max |recurrent - parallel| = " << err << "; against float64: recurrent "
                                             << test::max_abs_diff(recurrent.to(torch::kFloat64), truth)
                                             << ", parallel " << test::max_abs_diff(parallel.to(torch::kFloat64), truth)
                                             << ", max |out| " << truth.abs().max().item<double>());
        CHECK(err < 1e-6);
      }
    }
  }
}

TEST_CASE("recurrent Flow-Attention in blocks of mixed sizes equals the causal kernel", "[backbone][flow][recurrent]") {
  torch::NoGradGuard no_grad;
  const int64_t L = 4096;
  const std::vector<int64_t> sizes = {1, 7, 64, 3, 200, 16, 1, 33, 500};
  for (auto [competition, allocation] : kAblations) {
    DYNAMIC_SECTION(ablation_name(competition, allocation)) {
      torch::manual_seed(42);
      const auto opt = kernel(competition, allocation, 16);
      auto x64 = random_qkv(2, 2, L, 4, 5, torch::kFloat64);
      FlowAttentionState s64, s32, whole;
      const double e64 = test::max_abs_diff(run_blocks(x64, sizes, s64, opt), flow::causal(x64.q, x64.k, x64.v, opt));
      QKV x32{x64.q.to(torch::kFloat32), x64.k.to(torch::kFloat32), x64.v.to(torch::kFloat32)};
      const double e32 = test::max_abs_diff(run_blocks(x32, sizes, s32, opt), flow::causal(x32.q, x32.k, x32.v, opt));
      // the whole sequence as one block is chunked inside the step
      const double e_whole = test::max_abs_diff(run_blocks(x64, {L}, whole, opt), flow::causal(x64.q, x64.k, x64.v, opt));
      INFO("max |recurrent - parallel|: float64 " << e64 << ", float32 " << e32 << ", one block float64 " << e_whole);
      CHECK(e64 < 1e-12);
      CHECK(e32 < 1e-6);
      CHECK(e_whole < 1e-12);
    }
  }
}

TEST_CASE("float32 drift of the recurrent state over 4096 tokens", "[backbone][flow][recurrent]") {
  // The numbers docs/recurrent.md quotes: each float32 path against the float64 kernel, over all
  // positions and over the last 256 (where the outputs are averages over thousands of tokens, small,
  // and the running sums large).
  torch::NoGradGuard no_grad;
  torch::manual_seed(43);
  const int64_t L = 4096, tail = 256;
  const auto opt = kernel(true, true);
  auto x64 = random_qkv(1, 2, L, 4, 5, torch::kFloat64);
  QKV x32{x64.q.to(torch::kFloat32), x64.k.to(torch::kFloat32), x64.v.to(torch::kFloat32)};
  auto truth = flow::causal(x64.q, x64.k, x64.v, opt);
  auto parallel = flow::causal(x32.q, x32.k, x32.v, opt).to(torch::kFloat64);
  FlowAttentionState wide;                     // float64 running sums (the default)
  auto recurrent = run_blocks(x32, {1}, wide, opt).to(torch::kFloat64);
  FlowAttentionState narrow(torch::kFloat32);  // float32 running sums
  auto recurrent32 = run_blocks(x32, {1}, narrow, opt).to(torch::kFloat64);
  auto err = [&](const torch::Tensor& a) { return test::max_abs_diff(a, truth); };
  auto tail_err = [&](const torch::Tensor& a) {
    return test::max_abs_diff(a.narrow(2, L - tail, tail), truth.narrow(2, L - tail, tail));
  };
  INFO("against float64, max abs over all positions / the last 256: parallel float32 "
       << err(parallel) << " / " << tail_err(parallel) << "; recurrent float32, float64 sums " << err(recurrent)
       << " / " << tail_err(recurrent) << "; float32 sums " << err(recurrent32) << " / " << tail_err(recurrent32)
       << "; max |out| " << truth.abs().max().item<double>() << " / "
       << truth.narrow(2, L - tail, tail).abs().max().item<double>());
  CHECK(err(parallel) < 1e-6);
  CHECK(err(recurrent) < 1e-6);
  CHECK(err(recurrent32) < 1e-6);
  CHECK(tail_err(recurrent) < 2e-8);    // measured 7.8e-9, parallel 6.7e-9
  CHECK(tail_err(recurrent32) < 2e-7);  // measured 4.1e-8: float32 sums drift as they grow
  CHECK(narrow.kv.scalar_type() == torch::kFloat32);
  CHECK(wide.kv.scalar_type() == torch::kFloat64);
}

TEST_CASE("rows of different lengths advance independently", "[backbone][flow][recurrent]") {
  torch::NoGradGuard no_grad;
  torch::manual_seed(44);
  const auto opt = kernel(true, true, 8);
  const std::vector<int64_t> lengths = {37, 20, 1, 0};
  const int64_t B = 4, L = 37;
  auto x = random_qkv(B, 2, L, 3, 4, torch::kFloat64);
  // padding past each row's end holds NaN: none of it may reach a valid token or the state
  QKV padded{x.q.clone(), x.k.clone(), x.v.clone()};
  for (int64_t b = 0; b < B; ++b) {
    for (auto* t : {&padded.q, &padded.k, &padded.v}) t->select(0, b).narrow(1, lengths[b], L - lengths[b]).fill_(NAN);
  }
  auto expected = [&](int64_t b, const torch::Tensor& got) {
    // row b alone, through the parallel kernel
    const auto n = lengths[b];
    if (n == 0) return;
    auto ref = flow::causal(x.q.narrow(0, b, 1).narrow(2, 0, n), x.k.narrow(0, b, 1).narrow(2, 0, n),
                            x.v.narrow(0, b, 1).narrow(2, 0, n), opt);  // [1,H,n,dv]
    INFO("row " << b);
    CHECK(test::max_abs_diff(got.narrow(0, b, 1).narrow(2, 0, n), ref) < 1e-12);
  };
  SECTION("one block with per-row lengths") {
    FlowAttentionState state;
    auto out = flow::causal_step(padded.q, padded.k, padded.v, state, opt, torch::tensor(lengths));
    for (int64_t b = 0; b < B; ++b) expected(b, out);
    CHECK(torch::equal(state.count, torch::tensor(lengths)));
    CHECK(torch::isfinite(out).all().item<bool>());
    CHECK(out.select(0, 1).narrow(1, 20, L - 20).abs().max().item<double>() == 0.0);  // padding outputs are 0
  }
  SECTION("blocks of mixed sizes with per-row lengths") {
    FlowAttentionState state;
    std::vector<torch::Tensor> outs;
    const std::vector<int64_t> sizes = {5, 1, 12, 19};
    for (int64_t t = 0, i = 0; t < L; t += sizes[i++]) {
      const auto T = sizes[i];
      std::vector<int64_t> part;
      for (auto n : lengths) part.push_back(std::clamp<int64_t>(n - t, 0, T));
      outs.push_back(flow::causal_step(padded.q.narrow(2, t, T), padded.k.narrow(2, t, T), padded.v.narrow(2, t, T),
                                       state, opt, torch::tensor(part)));
    }
    auto out = torch::cat(outs, 2);
    for (int64_t b = 0; b < B; ++b) expected(b, out);
    CHECK(torch::equal(state.count, torch::tensor(lengths)));
    CHECK(torch::isfinite(state.kv).all().item<bool>());
  }
  SECTION("token by token with an active mask") {
    FlowAttentionState state;
    std::vector<torch::Tensor> outs;
    for (int64_t t = 0; t < L; ++t) {
      std::vector<int64_t> active;
      for (auto n : lengths) active.push_back(t < n);
      auto mask = torch::tensor(active).to(torch::kBool);
      outs.push_back(
          flow::causal_step(padded.q.narrow(2, t, 1), padded.k.narrow(2, t, 1), padded.v.narrow(2, t, 1), state, opt, mask));
    }
    auto out = torch::cat(outs, 2);
    for (int64_t b = 0; b < B; ++b) expected(b, out);
    CHECK(torch::equal(state.count, torch::tensor(lengths)));
  }
}

TEST_CASE("reset_rows starts chosen rows over", "[backbone][flow][recurrent]") {
  torch::NoGradGuard no_grad;
  torch::manual_seed(45);
  const auto opt = kernel(true, true, 4);
  auto x = random_qkv(2, 1, 20, 3, 3, torch::kFloat64);
  FlowAttentionState state;
  flow::causal_step(x.q.narrow(2, 0, 9), x.k.narrow(2, 0, 9), x.v.narrow(2, 0, 9), state, opt);
  state.reset_rows(torch::tensor({false, true}));
  CHECK(torch::equal(state.count, torch::tensor({9, 0}, torch::kLong)));
  auto out = flow::causal_step(x.q.narrow(2, 9, 11), x.k.narrow(2, 9, 11), x.v.narrow(2, 9, 11), state, opt);
  // row 0 continues its sequence, row 1 starts a new one at token 9
  auto full0 = flow::causal(x.q.narrow(0, 0, 1), x.k.narrow(0, 0, 1), x.v.narrow(0, 0, 1), opt).narrow(2, 9, 11);
  auto fresh1 = flow::causal(x.q.narrow(0, 1, 1).narrow(2, 9, 11), x.k.narrow(0, 1, 1).narrow(2, 9, 11),
                             x.v.narrow(0, 1, 1).narrow(2, 9, 11), opt);
  CHECK(test::max_abs_diff(out.narrow(0, 0, 1), full0) < 1e-12);
  CHECK(test::max_abs_diff(out.narrow(0, 1, 1), fresh1) < 1e-12);
  CHECK_THROWS_AS(state.reset_rows(torch::tensor({true})), Error);
}

// The module's projections around causal_step, fed in blocks of the given sizes: queries, keys and
// values may be different tensors in a golden case, so this goes below FlowAttentionImpl::step.
torch::Tensor golden_steps(GoldenCase& c, const torch::Tensor& queries, const torch::Tensor& keys,
                           const torch::Tensor& values, const std::vector<int64_t>& sizes) {
  const auto H = c.module->options.n_heads();
  auto split = [&](const torch::Tensor& t) {
    return t.view({t.size(0), t.size(1), H, t.size(2) / H}).transpose(1, 2);  // [B,H,T,d]
  };
  auto q = split(c.module->query_projection(queries)), k = split(c.module->key_projection(keys)),
       v = split(c.module->value_projection(values));
  FlowAttentionState state;
  std::vector<torch::Tensor> outs;
  const auto L = q.size(2);
  size_t i = 0;
  for (int64_t t = 0; t < L; ++i) {
    const auto T = std::min(sizes[i % sizes.size()], L - t);
    outs.push_back(flow::causal_step(q.narrow(2, t, T), k.narrow(2, t, T), v.narrow(2, t, T), state,
                                     c.module->kernel_options()));
    t += T;
  }
  auto out = torch::cat(outs, 2);                                                        // [B,H,L,d]
  return c.module->out_projection(out.transpose(1, 2).reshape({out.size(0), L, out.size(1) * out.size(3)}));   // [B,L,d_output]
}

TEST_CASE("recurrent Flow-Attention reproduces the golden causal cases", "[backbone][flow][recurrent][parity]") {
  torch::NoGradGuard no_grad;
  for (const char* name : {"causal_core", "causal_rl"}) {
    DYNAMIC_SECTION(name) {
      auto c = load_golden(name);
      SECTION("token by token, float64 to 1e-9 of the authors' outputs and 1e-12 of forward()") {
        auto y = golden_steps(c, c.queries, c.keys, c.values, {1});
        REQUIRE(y.sizes() == c.output.sizes());
        INFO("max |step - golden| = " << test::max_abs_diff(y, c.output));
        CHECK(test::max_abs_diff(y, c.output) < 1e-9);
        CHECK(test::max_abs_diff(y, c.module(c.queries, c.keys, c.values)) < 1e-12);
      }
      SECTION("in blocks of 2 and 5") {
        CHECK(test::max_abs_diff(golden_steps(c, c.queries, c.keys, c.values, {2, 5}), c.output) < 1e-9);
      }
      SECTION("float32 to 1e-4 relative") {
        c.module->to(torch::kFloat32);
        auto y = golden_steps(c, c.queries.to(torch::kFloat32), c.keys.to(torch::kFloat32), c.values.to(torch::kFloat32), {1});
        INFO("max relative |step - golden| = " << test::max_rel_diff(y.to(torch::kFloat64), c.output));
        CHECK(test::max_rel_diff(y.to(torch::kFloat64), c.output) < 1e-4);
      }
      SECTION("FlowAttention::step on the golden parameters equals forward() token by token") {
        auto x = c.queries;  // self-attention on the case's queries
        FlowAttentionState state;
        std::vector<torch::Tensor> ys;
        for (int64_t t = 0; t < x.size(1); ++t) ys.push_back(c.module->step(x.narrow(1, t, 1), state));
        CHECK(test::max_abs_diff(torch::cat(ys, 1), c.module(x, x, x)) < 1e-12);
      }
    }
  }
}

TEST_CASE("a Flowformer stack run token by token equals its forward pass", "[backbone][flowformer][recurrent]") {
  torch::NoGradGuard no_grad;
  for (auto [competition, allocation] : kAblations) {
    DYNAMIC_SECTION(ablation_name(competition, allocation)) {
      torch::manual_seed(46);
      Flowformer net(FlowformerOptions(16, 2)
                         .layers(3)
                         .causal(true)
                         .clamp(10)
                         .chunk_size(8)
                         .competition(competition)
                         .allocation(allocation)
                         .activation(Activation::kGELU));
      net->eval();
      const int64_t B = 2, L = 150;
      auto x = torch::randn({B, L, 16});
      auto token_by_token = [&](const torch::Tensor& in) {
        FlowformerState state;
        std::vector<torch::Tensor> ys;
        for (int64_t t = 0; t < L; ++t) ys.push_back(net->step(in.narrow(1, t, 1), state));
        CHECK(state.layers.size() == 3);
        return torch::cat(ys, 1);  // [B,L,D]
      };
      SECTION("float32 to 1e-5") {
        const double err = test::max_abs_diff(token_by_token(x), net(x));
        INFO("max |step - forward| = " << err);
        CHECK(err < 1e-5);
      }
      SECTION("float64 to 1e-10") {
        net->to(torch::kFloat64);
        auto x64 = x.to(torch::kFloat64);
        const double err = test::max_abs_diff(token_by_token(x64), net(x64));
        INFO("max |step - forward| = " << err);
        CHECK(err < 1e-10);
      }
      SECTION("float64 in blocks, rows of different lengths") {
        net->to(torch::kFloat64);
        auto x64 = x.to(torch::kFloat64);
        FlowformerState state;
        const std::vector<int64_t> sizes = {1, 40, 9, 100};
        const int64_t short_len = 60;  // row 1 ends at token 60
        std::vector<torch::Tensor> ys;
        for (int64_t t = 0, i = 0; t < L; t += sizes[i++]) {
          const auto T = std::min(sizes[i], L - t);
          auto lengths = torch::tensor({T, std::clamp<int64_t>(short_len - t, 0, T)});
          ys.push_back(net->step(x64.narrow(1, t, T), state, lengths));
        }
        auto y = torch::cat(ys, 1);
        CHECK(test::max_abs_diff(y.narrow(0, 0, 1), net(x64.narrow(0, 0, 1))) < 1e-10);
        CHECK(test::max_abs_diff(y.narrow(0, 1, 1).narrow(1, 0, short_len), net(x64.narrow(0, 1, 1).narrow(1, 0, short_len))) <
              1e-10);
        CHECK(torch::equal(state.count(), torch::tensor({L, short_len}, torch::kLong)));
      }
    }
  }
}

TEST_CASE("the recurrent state does not grow with the tokens", "[backbone][flow][recurrent]") {
  torch::NoGradGuard no_grad;
  torch::manual_seed(47);
  const int64_t B = 3, H = 2, d = 4, dv = 6;
  for (auto [competition, allocation] : kAblations) {
    INFO(ablation_name(competition, allocation));
    const auto opt = kernel(competition, allocation);
    auto x = random_qkv(B, H, 300, d, dv, torch::kFloat64);
    FlowAttentionState state;
    CHECK(state.numel() == 0);
    flow::causal_step(x.q.narrow(2, 0, 1), x.k.narrow(2, 0, 1), x.v.narrow(2, 0, 1), state, opt);
    const auto after_one = state.numel(), bytes_one = state.nbytes();
    // the documented size: per row and head d dv + d + [allocation] 2d + [competition] (d + 1), a count per row
    const int64_t per_head = d * dv + d + (allocation ? 2 * d : 0) + (competition ? d + 1 : 0);
    CHECK(after_one == B * H * per_head + B);
    flow::causal_step(x.q.narrow(2, 1, 299), x.k.narrow(2, 1, 299), x.v.narrow(2, 1, 299), state, opt);
    CHECK(state.numel() == after_one);
    CHECK(state.nbytes() == bytes_one);
  }
  // the stack: per layer and row D^2/H + 4D + H sums with both on
  Flowformer net(FlowformerOptions(16, 2).layers(3).causal(true));
  net->eval();
  FlowformerState state;
  net->step(torch::randn({B, 5, 16}), state);
  const auto size = state.numel();
  CHECK(size == 3 * (B * (16 * 16 / 2 + 4 * 16 + 2) + B));
  net->step(torch::randn({B, 500, 16}), state);
  CHECK(state.numel() == size);
  CHECK(state.nbytes() == size * 8);  // float64 sums and int64 counts
}

TEST_CASE("recurrent steps follow the precision contract", "[backbone][flow][recurrent][precision]") {
  torch::NoGradGuard no_grad;
  torch::manual_seed(48);
  FlowAttention attn(FlowAttentionOptions(32, 4).causal(true).clamp(10).chunk_size(8));
  attn->eval();
  auto x = torch::randn({3, 12, 32});
  torch::Tensor y;
  FlowAttentionState state;
  {
    PrecisionGuard bf16(Precision::kBF16);
    y = attn->step(x, state);
  }
  CHECK(y.scalar_type() == torch::kBFloat16);  // the output projection ran in bf16, as in forward()
  // by hand: bf16 projections widened to float32, the float32 recurrent kernel, a bf16 output projection
  auto bf = [](const torch::nn::Linear& l, const torch::Tensor& in) {
    return torch::linear(in.to(torch::kBFloat16), l->weight.to(torch::kBFloat16), l->bias.to(torch::kBFloat16));
  };
  auto heads = [](const torch::Tensor& t) { return t.view({3, 12, 4, 8}).transpose(1, 2).to(torch::kFloat32); };
  FlowAttentionState by_hand;
  auto inner = flow::causal_step(heads(bf(attn->query_projection, x)), heads(bf(attn->key_projection, x)),
                                 heads(bf(attn->value_projection, x)), by_hand, attn->kernel_options());
  REQUIRE(inner.scalar_type() == torch::kFloat32);
  CHECK(torch::equal(y, bf(attn->out_projection, inner.transpose(1, 2).reshape({3, 12, 32}))));
  // and it equals forward() under the same guard
  PrecisionGuard bf16(Precision::kBF16);
  CHECK(test::max_abs_diff(y.to(torch::kFloat32), attn(x, x, x).to(torch::kFloat32)) < 1e-2);
  CHECK(state.kv.scalar_type() == torch::kFloat64);
}

TEST_CASE("recurrent steps are differentiable and match forward's gradients", "[backbone][flow][recurrent][grad]") {
  torch::manual_seed(49);
  FlowAttention attn(FlowAttentionOptions(8, 2).causal(true).clamp(10).chunk_size(3).dropout(0));
  attn->to(torch::kFloat64);
  auto x = torch::randn({2, 10, 8}, torch::kFloat64).requires_grad_(true);
  auto w = torch::randn({2, 10, 8}, torch::kFloat64);
  auto g_forward = torch::autograd::grad({(attn(x, x, x) * w).sum()}, {x})[0];
  FlowAttentionState state;
  auto y = torch::cat({attn->step(x.narrow(1, 0, 4), state), attn->step(x.narrow(1, 4, 1), state),
                       attn->step(x.narrow(1, 5, 5), state)},
                      1);
  auto g_step = torch::autograd::grad({(y * w).sum()}, {x})[0];
  CHECK(test::max_abs_diff(g_step, g_forward) < 1e-10);
}

TEST_CASE("recurrent steps refuse what they cannot do, naming the fix", "[backbone][flow][recurrent]") {
  torch::NoGradGuard no_grad;
  SECTION("a non-causal FlowAttention") {
    FlowAttention attn(FlowAttentionOptions(8, 2));
    FlowAttentionState state;
    CHECK_THROWS_WITH(attn->step(torch::randn({1, 1, 8}), state), Catch::Contains("causal(true)"));
  }
  SECTION("wrong widths") {
    FlowAttention attn(FlowAttentionOptions(8, 2).causal(true));
    FlowAttentionState state;
    CHECK_THROWS_WITH(attn->step(torch::randn({1, 1, 6}), state), Catch::Contains("d_input = 8"));
    CHECK_THROWS_AS(attn->step(torch::randn({1, 8}), state), Error);
    Flowformer net(FlowformerOptions(8, 2).causal(true));
    FlowformerState fs;
    CHECK_THROWS_WITH(net->step(torch::randn({1, 1, 6}), fs), Catch::Contains("[B, T, 8]"));
  }
  SECTION("a state made for other rows, heads or options") {
    FlowAttention attn(FlowAttentionOptions(8, 2).causal(true));
    FlowAttentionState state;
    attn->step(torch::randn({2, 3, 8}), state);
    CHECK_THROWS_WITH(attn->step(torch::randn({3, 1, 8}), state), Catch::Contains("reset()"));
    FlowAttention other(FlowAttentionOptions(8, 4).causal(true));
    CHECK_THROWS_WITH(other->step(torch::randn({2, 1, 8}), state), Catch::Contains("H = 2"));
    FlowAttention ablated(FlowAttentionOptions(8, 2).causal(true).competition(false));
    CHECK_THROWS_WITH(ablated->step(torch::randn({2, 1, 8}), state), Catch::Contains("one state per module"));
    Flowformer two(FlowformerOptions(8, 2).layers(2).causal(true)), three(FlowformerOptions(8, 2).layers(3).causal(true));
    FlowformerState fs;
    two->step(torch::randn({1, 1, 8}), fs);
    CHECK_THROWS_WITH(three->step(torch::randn({1, 1, 8}), fs), Catch::Contains("one FlowformerState per stack"));
  }
  SECTION("bad lengths and blocks") {
    auto x = random_qkv(2, 1, 4, 3, 3, torch::kFloat64);
    const auto opt = kernel(true, true);
    FlowAttentionState state;
    CHECK_THROWS_WITH(flow::causal_step(x.q, x.k, x.v, state, opt, torch::tensor({1, 5})), Catch::Contains("[0, 4]"));
    CHECK_THROWS_WITH(flow::causal_step(x.q, x.k, x.v, state, opt, torch::tensor({1})), Catch::Contains("[B] = [2]"));
    CHECK_THROWS_AS(flow::causal_step(x.q, x.k, x.v, state, opt, torch::tensor({1.0, 2.0})), Error);
    CHECK_THROWS_WITH(flow::causal_step(x.q.narrow(2, 0, 0), x.k.narrow(2, 0, 0), x.v.narrow(2, 0, 0), state, opt),
                      Catch::Contains("at least one token"));
    CHECK_THROWS_AS(flow::causal_step(x.q, x.k.narrow(2, 0, 2), x.v, state, opt), Error);
    CHECK_THROWS_AS(FlowAttentionState(torch::kBFloat16), Error);
  }
  SECTION("softmax attention and non-causal stacks") {
    Flowformer softmax(FlowformerOptions(8, 2).causal(true).attention(AttentionKind::kSoftmax));
    FlowformerState fs;
    CHECK_THROWS_WITH(softmax->step(torch::randn({1, 1, 8}), fs),
                      Catch::Contains("softmax attention has no recurrent state") &&
                          Catch::Contains("AttentionKind::kFlow"));
    auto block = softmax->blocks[0]->as<FlowformerBlock>();
    FlowAttentionState s;
    CHECK_THROWS_AS(block->step(torch::randn({1, 1, 8}), s), Error);
    Flowformer bidirectional(FlowformerOptions(8, 2));
    CHECK_THROWS_WITH(bidirectional->step(torch::randn({1, 1, 8}), fs), Catch::Contains("causal(true)"));
  }
}

TEST_CASE("recurrent Flow-Attention on CUDA equals the CPU numbers", "[backbone][flow][recurrent][cuda]") {
  FLOWRL_SKIP_WITHOUT_CUDA();
  torch::NoGradGuard no_grad;
  torch::manual_seed(50);
  const auto opt = kernel(true, true, 16);
  auto x = random_qkv(2, 2, 300, 4, 5, torch::kFloat64);
  QKV xc{x.q.cuda(), x.k.cuda(), x.v.cuda()};
  FlowAttentionState s1, s2;
  CHECK(test::max_abs_diff(run_blocks(xc, {1, 17, 64}, s1, opt).cpu(), flow::causal(x.q, x.k, x.v, opt)) < 1e-12);
  QKV x32{xc.q.to(torch::kFloat32), xc.k.to(torch::kFloat32), xc.v.to(torch::kFloat32)};
  CHECK(test::max_abs_diff(run_blocks(x32, {1}, s2, opt), flow::causal(x32.q, x32.k, x32.v, opt)) < 1e-5);
  Flowformer net(FlowformerOptions(16, 2).layers(2).causal(true).clamp(10));
  net->to(torch::kCUDA, torch::kFloat64);
  net->eval();
  auto h = torch::randn({2, 40, 16}, torch::TensorOptions().dtype(torch::kFloat64).device(torch::kCUDA));
  FlowformerState fs;
  std::vector<torch::Tensor> ys;
  for (int64_t t = 0; t < 40; ++t) ys.push_back(net->step(h.narrow(1, t, 1), fs));
  CHECK(test::max_abs_diff(torch::cat(ys, 1), net(h)) < 1e-10);
}

