// Flow-Attention kernels: chunked causal vs the naive reference formula, gradients, causality,
// permutation equivariance and the ablations.
#include <catch2/catch.hpp>
#include <flowrl/backbone.h>

#include "torch_support.h"

using namespace flowrl;

namespace {

struct QKV {
  torch::Tensor q, k, v;
};

QKV random_qkv(int64_t B, int64_t H, int64_t L, int64_t d, int64_t dv, torch::Device device = torch::kCPU) {
  auto o = torch::TensorOptions().dtype(torch::kFloat64).device(device);
  return {torch::randn({B, H, L, d}, o), torch::randn({B, H, L, d}, o), torch::randn({B, H, L, dv}, o)};
}

flow::KernelOptions kernel(int64_t chunk, bool competition = true, bool allocation = true, double clamp = 10) {
  flow::KernelOptions o;
  o.chunk_size = chunk;
  o.competition = competition;
  o.allocation = allocation;
  o.clamp = clamp;
  return o;
}

// Changing inputs at positions > t leaves outputs at positions <= t unchanged.
template <typename Module>
void check_causal(Module& m, int64_t L, int64_t D, torch::Device device) {
  torch::NoGradGuard no_grad;
  m->eval();
  m->to(device);
  auto x = torch::randn({2, L, D}, torch::TensorOptions().dtype(torch::kFloat64).device(device));
  auto y = m(x, x, x);
  for (int64_t t : {int64_t{0}, L / 3, L / 2, L - 2}) {
    auto x2 = x.clone();
    x2.narrow(1, t + 1, L - t - 1).normal_();
    auto y2 = m(x2, x2, x2);
    INFO("t = " << t);
    CHECK(test::max_abs_diff(y.narrow(1, 0, t + 1), y2.narrow(1, 0, t + 1)) < 1e-12);
    CHECK(test::max_abs_diff(y.narrow(1, t + 1, L - t - 1), y2.narrow(1, t + 1, L - t - 1)) > 1e-6);
  }
}

}  // namespace

TEST_CASE("chunked causal kernel equals the naive formula", "[backbone][flow]") {
  torch::manual_seed(1);
  const int64_t chunk = 8;
  for (int64_t L : {1, 7, 8, 9, 16, 21, 37}) {
    for (auto [competition, allocation] : {std::pair{true, true}, {false, true}, {true, false}, {false, false}}) {
      INFO("L = " << L << " competition = " << competition << " allocation = " << allocation);
      auto x = random_qkv(2, 3, L, 4, 5);
      auto opt = kernel(chunk, competition, allocation);
      auto chunked = flow::causal(x.q, x.k, x.v, opt);
      auto naive = flow::causal_naive(x.q, x.k, x.v, opt);
      REQUIRE(chunked.sizes() == torch::IntArrayRef({2, 3, L, 5}));
      CHECK(test::max_abs_diff(chunked, naive) < 1e-9);
    }
  }
}

TEST_CASE("the chunk length does not change the numbers", "[backbone][flow]") {
  torch::manual_seed(2);
  auto x = random_qkv(1, 2, 50, 6, 6);
  auto ref = flow::causal(x.q, x.k, x.v, kernel(50));
  for (int64_t chunk : {1, 3, 16, 49, 64}) {
    INFO("chunk = " << chunk);
    CHECK(test::max_abs_diff(flow::causal(x.q, x.k, x.v, kernel(chunk)), ref) < 1e-9);
  }
}

TEST_CASE("Flow-Attention gradients pass a float64 gradient check", "[backbone][flow][grad]") {
  torch::manual_seed(3);
  auto x = random_qkv(1, 2, 6, 3, 3);
  SECTION("chunked causal (3 chunks)") {
    auto f = [](const std::vector<torch::Tensor>& in) { return flow::causal(in[0], in[1], in[2], kernel(2)); };
    CHECK(test::gradcheck(f, {x.q, x.k, x.v}) < 1e-6);
  }
  SECTION("naive causal") {
    auto f = [](const std::vector<torch::Tensor>& in) { return flow::causal_naive(in[0], in[1], in[2], kernel(2)); };
    CHECK(test::gradcheck(f, {x.q, x.k, x.v}) < 1e-6);
  }
  SECTION("non-causal cross attention") {
    auto k = torch::randn({1, 2, 4, 3}, torch::kFloat64), v = torch::randn({1, 2, 4, 3}, torch::kFloat64);
    auto f = [](const std::vector<torch::Tensor>& in) { return flow::noncausal(in[0], in[1], in[2], kernel(2, true, true, 1)); };
    CHECK(test::gradcheck(f, {x.q, k, v}) < 1e-6);
  }
  SECTION("chunked and naive gradients agree") {
    auto q = x.q.clone().requires_grad_(true), k = x.k.clone().requires_grad_(true), v = x.v.clone().requires_grad_(true);
    auto w = torch::randn({1, 2, 6, 3}, torch::kFloat64);
    auto g1 = torch::autograd::grad({(flow::causal(q, k, v, kernel(4)) * w).sum()}, {q, k, v});
    auto g2 = torch::autograd::grad({(flow::causal_naive(q, k, v, kernel(4)) * w).sum()}, {q, k, v});
    for (size_t i = 0; i < 3; ++i) CHECK(test::max_abs_diff(g1[i], g2[i]) < 1e-9);
  }
}

TEST_CASE("ablations change the kernel as the paper describes", "[backbone][flow]") {
  torch::manual_seed(4);
  auto x = random_qkv(1, 1, 12, 4, 4);
  auto full = flow::causal(x.q, x.k, x.v, kernel(4));
  auto no_comp = flow::causal(x.q, x.k, x.v, kernel(4, false, true));
  auto no_alloc = flow::causal(x.q, x.k, x.v, kernel(4, true, false));
  CHECK(test::max_abs_diff(full, no_comp) > 1e-6);
  CHECK(test::max_abs_diff(full, no_alloc) > 1e-6);
  // Without both, it is plain causal linear attention with the incoming normalization.
  auto plain = flow::causal(x.q, x.k, x.v, kernel(4, false, false));
  auto qs = torch::sigmoid(x.q), ks = torch::sigmoid(x.k);
  auto scores = torch::matmul(qs, ks.transpose(-1, -2)).tril();                    // [1,1,L,L]
  auto denom = ((qs + 1e-6) * (ks.cumsum(2) + 1e-6)).sum(-1, true);                // [1,1,L,1]
  auto expected = torch::matmul(scores, x.v) / denom;
  CHECK(test::max_abs_diff(plain, expected) < 1e-10);
}

TEST_CASE("causal attention never looks ahead", "[backbone][causal]") {
  torch::manual_seed(5);
  SECTION("flow, several chunks") {
    FlowAttention m(FlowAttentionOptions(12, 3).causal(true).clamp(10).chunk_size(5));
    m->to(torch::kFloat64);
    check_causal(m, 23, 12, torch::kCPU);
  }
  SECTION("softmax") {
    SoftmaxAttention m(SoftmaxAttentionOptions(12, 3).causal(true));
    m->to(torch::kFloat64);
    check_causal(m, 23, 12, torch::kCPU);
  }
}

TEST_CASE("causal attention never looks ahead on CUDA", "[backbone][causal][cuda]") {
  FLOWRL_SKIP_WITHOUT_CUDA();
  torch::manual_seed(5);
  FlowAttention flow_m(FlowAttentionOptions(12, 3).causal(true).clamp(10).chunk_size(5));
  flow_m->to(torch::kFloat64);
  check_causal(flow_m, 23, 12, torch::kCUDA);
  SoftmaxAttention soft_m(SoftmaxAttentionOptions(12, 3).causal(true));
  soft_m->to(torch::kFloat64);
  check_causal(soft_m, 23, 12, torch::kCUDA);
  // Chunked kernel on CUDA equals the CPU numbers.
  auto x = random_qkv(2, 2, 30, 4, 4);
  auto cpu = flow::causal(x.q, x.k, x.v, kernel(8));
  auto gpu = flow::causal(x.q.cuda(), x.k.cuda(), x.v.cuda(), kernel(8)).cpu();
  CHECK(test::max_abs_diff(cpu, gpu) < 1e-9);
}

TEST_CASE("non-causal attention is permutation equivariant", "[backbone][flow]") {
  torch::manual_seed(6);
  auto check = [](auto& m) {
    torch::NoGradGuard no_grad;
    m->to(torch::kFloat64);
    m->eval();
    auto x = torch::randn({2, 11, 8}, torch::kFloat64);
    auto perm = torch::randperm(11, torch::kLong);
    auto y = m(x, x, x);
    auto yp = m(x.index_select(1, perm), x.index_select(1, perm), x.index_select(1, perm));
    CHECK(test::max_abs_diff(yp, y.index_select(1, perm)) < 1e-10);
  };
  SECTION("flow") {
    FlowAttention m(FlowAttentionOptions(8, 2));
    check(m);
  }
  SECTION("softmax") {
    SoftmaxAttention m(SoftmaxAttentionOptions(8, 2));
    check(m);
  }
}
