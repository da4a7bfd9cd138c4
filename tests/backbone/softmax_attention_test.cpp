// SoftmaxAttention: the textbook formula, options and errors.
#include <catch2/catch.hpp>
#include <flowrl/backbone.h>
#include <flowrl/core/error.h>

#include <cmath>

#include "torch_support.h"

using namespace flowrl;

TEST_CASE("SoftmaxAttention matches scaled dot-product attention", "[backbone][softmax]") {
  torch::manual_seed(7);
  SoftmaxAttention m(SoftmaxAttentionOptions(8, 2).causal(true));
  m->to(torch::kFloat64);
  m->eval();
  torch::NoGradGuard no_grad;
  auto x = torch::randn({1, 5, 8}, torch::kFloat64);
  auto y = m(x, x, x);
  // Head by head, by the formula.
  auto q = m->query_projection(x), k = m->key_projection(x), v = m->value_projection(x);  // [1,5,8]
  std::vector<torch::Tensor> heads;
  for (int h = 0; h < 2; ++h) {
    auto qh = q.narrow(2, 4 * h, 4), kh = k.narrow(2, 4 * h, 4), vh = v.narrow(2, 4 * h, 4);  // [1,5,4]
    auto s = torch::matmul(qh, kh.transpose(1, 2)) / std::sqrt(4.0);                    // [1,5,5]
    s = s.masked_fill(torch::ones({5, 5}, torch::kBool).triu(1), -1e300);
    heads.push_back(torch::matmul(torch::softmax(s, -1), vh));                           // [1,5,4]
  }
  auto expected = m->out_projection(torch::cat(heads, 2));
  CHECK(test::max_abs_diff(y, expected) < 1e-12);
}

TEST_CASE("SoftmaxAttention errors", "[backbone][softmax]") {
  CHECK_THROWS_AS(SoftmaxAttention(SoftmaxAttentionOptions(10, 3)), Error);
  SoftmaxAttention m(SoftmaxAttentionOptions(8, 2).causal(true));
  CHECK_THROWS_AS(m(torch::randn({1, 3, 8}), torch::randn({1, 4, 8}), torch::randn({1, 4, 8})), Error);
}
