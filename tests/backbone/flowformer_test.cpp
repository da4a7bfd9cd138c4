// Flowformer blocks and stacks: structure, shapes, causality of the whole stack.
#include <catch2/catch.hpp>
#include <flowrl/backbone.h>
#include <flowrl/core/error.h>

#include "torch_support.h"

using namespace flowrl;

TEST_CASE("Flowformer structure and shapes", "[backbone][flowformer]") {
  torch::manual_seed(8);
  for (auto kind : {AttentionKind::kFlow, AttentionKind::kSoftmax}) {
    for (auto act : {Activation::kReLU, Activation::kGELU}) {
      Flowformer net(FlowformerOptions(16, 4).layers(3).attention(kind).activation(act).causal(true));
      CHECK(net->blocks->size() == 3);
      auto params = net->named_parameters();
      CHECK(params.contains("blocks.0.attn.query_projection.weight"));
      CHECK(params.contains("blocks.2.mlp.fc.weight"));
      CHECK(params["blocks.1.mlp.fc.weight"].sizes() == torch::IntArrayRef({64, 16}));
      CHECK(params.contains("ln_f.weight"));
      auto y = net(torch::randn({2, 9, 16}));
      CHECK(y.sizes() == torch::IntArrayRef({2, 9, 16}));
      CHECK(torch::isfinite(y).all().item<bool>());
    }
  }
}

TEST_CASE("a causal Flowformer stack never looks ahead", "[backbone][flowformer][causal]") {
  torch::manual_seed(9);
  for (auto kind : {AttentionKind::kFlow, AttentionKind::kSoftmax}) {
    Flowformer net(FlowformerOptions(16, 2).layers(2).attention(kind).causal(true).clamp(10).chunk_size(4));
    net->to(torch::kFloat64);
    net->eval();
    torch::NoGradGuard no_grad;
    auto x = torch::randn({2, 13, 16}, torch::kFloat64);
    auto x2 = x.clone();
    x2.narrow(1, 7, 6).normal_();
    auto y = net(x), y2 = net(x2);
    CHECK(test::max_abs_diff(y.narrow(1, 0, 7), y2.narrow(1, 0, 7)) < 1e-12);
  }
}

TEST_CASE("the block is pre-LN residual: x + Attn(LN x), then + MLP(LN x)", "[backbone][flowformer]") {
  torch::manual_seed(10);
  FlowformerBlock block(FlowformerOptions(8, 2).dropout(0.0));
  block->to(torch::kFloat64);
  torch::NoGradGuard no_grad;
  auto x = torch::randn({1, 5, 8}, torch::kFloat64);
  auto h = block->ln1(x);
  auto y = x + block->attn.forward<torch::Tensor>(h, h, h);
  auto expected = y + block->mlp->forward(block->ln2(y));
  CHECK(test::max_abs_diff(block(x), expected) < 1e-14);
}

TEST_CASE("Flowformer option errors", "[backbone][flowformer]") {
  CHECK_THROWS_AS(Flowformer(FlowformerOptions(10, 3)), Error);
  CHECK_THROWS_AS(Flowformer(FlowformerOptions(8, 2).layers(0)), Error);
  Flowformer net(FlowformerOptions(8, 2));
  CHECK_THROWS_AS(net(torch::randn({1, 4, 6})), Error);
}
