// FlowAttention module: golden parity with the authors' reference, options and shape errors.
#include <catch2/catch.hpp>
#include <flowrl/backbone.h>
#include <flowrl/core/error.h>

#include "h5_fixture.h"
#include "golden_cases.h"
#include "torch_support.h"

using namespace flowrl;

namespace {

using test::golden_file;
using test::GoldenCase;

// several chunks even on the short golden sequences
GoldenCase load_case(const std::string& name) { return test::load_golden_case(name, 4); }

}  // namespace

TEST_CASE("golden file holds the four reference cases", "[backbone][parity]") {
  auto groups = test::list_h5_group(golden_file(), "/");
  for (const char* name : {"noncausal_self", "noncausal_cross", "causal_core", "causal_rl"}) {
    INFO(name);
    CHECK(std::find(groups.begin(), groups.end(), name) != groups.end());
  }
}

TEST_CASE("FlowAttention reproduces the authors' outputs", "[backbone][parity]") {
  for (const char* name : {"noncausal_self", "noncausal_cross", "causal_core", "causal_rl"}) {
    DYNAMIC_SECTION(name) {
      auto c = load_case(name);
      torch::NoGradGuard no_grad;
      SECTION("float64 to 1e-9 absolute") {
        auto y = c.module(c.queries, c.keys, c.values);
        REQUIRE(y.sizes() == c.output.sizes());
        CHECK(test::max_abs_diff(y, c.output) < 1e-9);
      }
      SECTION("float32 to 1e-4 relative") {
        c.module->to(torch::kFloat32);
        auto y = c.module(c.queries.to(torch::kFloat32), c.keys.to(torch::kFloat32), c.values.to(torch::kFloat32));
        CHECK(test::max_rel_diff(y.to(torch::kFloat64), c.output) < 1e-4);
      }
    }
  }
}

TEST_CASE("FlowAttention golden parity on CUDA", "[backbone][parity][cuda]") {
  FLOWRL_SKIP_WITHOUT_CUDA();
  for (const char* name : {"noncausal_self", "noncausal_cross", "causal_core", "causal_rl"}) {
    DYNAMIC_SECTION(name) {
      auto c = load_case(name);
      torch::NoGradGuard no_grad;
      c.module->to(torch::kCUDA);
      auto y = c.module(c.queries.cuda(), c.keys.cuda(), c.values.cuda()).cpu();
      CHECK(test::max_abs_diff(y, c.output) < 1e-9);
    }
  }
}

TEST_CASE("FlowAttention shapes and options", "[backbone]") {
  torch::manual_seed(0);
  SECTION("defaults") {
    auto o = FlowAttentionOptions(64, 4);
    CHECK(o.d_input() == 64);
    CHECK(o.d_output() == 64);
    CHECK_FALSE(o.causal());
    CHECK(o.eps() == 1e-6);
    CHECK(o.clamp() == 1.0);
    CHECK(o.dropout() == 0.05);
    CHECK(o.competition());
    CHECK(o.allocation());
  }
  SECTION("submodule names map the reference's checkpoints") {
    FlowAttention attn(FlowAttentionOptions(16, 2).d_input(8).d_output(4));
    auto params = attn->named_parameters();
    for (const char* n : {"query_projection.weight", "key_projection.bias", "value_projection.weight",
                          "out_projection.weight"}) {
      CHECK(params.contains(n));
    }
    CHECK(params["query_projection.weight"].sizes() == torch::IntArrayRef({16, 8}));
    CHECK(params["out_projection.weight"].sizes() == torch::IntArrayRef({4, 16}));
  }
  SECTION("cross attention with different lengths") {
    FlowAttention attn(FlowAttentionOptions(16, 2).d_input(8).d_output(4));
    auto y = attn(torch::randn({3, 5, 8}), torch::randn({3, 7, 8}), torch::randn({3, 7, 8}));
    CHECK(y.sizes() == torch::IntArrayRef({3, 5, 4}));
  }
  SECTION("errors") {
    CHECK_THROWS_AS(FlowAttention(FlowAttentionOptions(10, 4)), Error);
    CHECK_THROWS_AS(FlowAttention(FlowAttentionOptions(8, 2).dropout(1.5)), Error);
    FlowAttention causal(FlowAttentionOptions(8, 2).causal(true));
    CHECK_THROWS_AS(causal(torch::randn({1, 4, 8}), torch::randn({1, 5, 8}), torch::randn({1, 5, 8})), Error);
    FlowAttention attn(FlowAttentionOptions(8, 2));
    CHECK_THROWS_AS(attn(torch::randn({1, 4, 6}), torch::randn({1, 4, 6}), torch::randn({1, 4, 6})), Error);
    CHECK_THROWS_AS(attn(torch::randn({1, 4, 8}), torch::randn({2, 4, 8}), torch::randn({2, 4, 8})), Error);
    CHECK_THROWS_AS(attn(torch::randn({1, 4, 8}), torch::randn({1, 4, 8}), torch::randn({1, 5, 8})), Error);
    CHECK_THROWS_AS(attn(torch::randn({4, 8}), torch::randn({4, 8}), torch::randn({4, 8})), Error);
    try {
      FlowAttention bad(FlowAttentionOptions(10, 4));
    } catch (const Error& e) {
      CHECK_THAT(e.what(), Catch::Contains("n_heads"));
    }
  }
}
