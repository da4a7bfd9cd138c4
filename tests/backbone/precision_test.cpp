// Mixed precision: the guard, which ops run in bf16 and which stay float32, and how far bf16 moves
// the numbers.
#include <catch2/catch.hpp>
#include <flowrl/backbone.h>
#include <flowrl/core/error.h>

#include <thread>

#include "torch_support.h"

using namespace flowrl;

namespace {

const auto kBF16 = torch::kBFloat16;

// y = x W^T + b with x, W, b rounded to bf16: what a bf16 projection must compute.
torch::Tensor bf16_linear(const torch::nn::Linear& l, const torch::Tensor& x) {
  return torch::linear(x.to(kBF16), l->weight.to(kBF16), l->bias.to(kBF16));
}

// [B,L,D] -> [B,H,L,D/H] and back, as the modules split heads.
torch::Tensor heads_of(const torch::Tensor& x, int64_t H) {
  return x.view({x.size(0), x.size(1), H, x.size(2) / H}).transpose(1, 2);
}
torch::Tensor merge_heads_of(const torch::Tensor& x) {
  return x.transpose(1, 2).reshape({x.size(0), x.size(2), x.size(1) * x.size(3)});
}

double cosine(const torch::Tensor& a, const torch::Tensor& b) {
  return (a * b).sum().item<double>() / (a.norm().item<double>() * b.norm().item<double>() + 1e-30);
}

}  // namespace

TEST_CASE("precision names, and a guard that is scoped and per thread", "[backbone][precision]") {
  CHECK(parse_precision("fp32", "--precision") == Precision::kFP32);
  CHECK(parse_precision("bf16", "--precision") == Precision::kBF16);
  CHECK(std::string(precision_name(Precision::kBF16)) == "bf16");
  CHECK_THROWS_WITH(parse_precision("fp16", "--precision"), Catch::Contains("--precision") && Catch::Contains("fp32 or bf16"));
  CHECK(current_precision() == Precision::kFP32);
  {
    PrecisionGuard outer(Precision::kBF16);
    CHECK(current_precision() == Precision::kBF16);
    Precision other_thread = Precision::kBF16;
    std::thread([&] { other_thread = current_precision(); }).join();
    CHECK(other_thread == Precision::kFP32);
    {
      PrecisionGuard inner(Precision::kFP32);
      CHECK(current_precision() == Precision::kFP32);
    }
    CHECK(current_precision() == Precision::kBF16);
  }
  CHECK(current_precision() == Precision::kFP32);
}

TEST_CASE("bf16 Flow-Attention: projections in bf16, the whole kernel in float32", "[backbone][precision][flow]") {
  torch::manual_seed(31);
  for (bool causal : {true, false}) {
    INFO("causal " << causal);
    FlowAttention attn(FlowAttentionOptions(32, 4).causal(causal).clamp(10).chunk_size(8));
    attn->eval();
    torch::NoGradGuard no_grad;
    auto x = torch::randn({3, 21, 32});
    torch::Tensor y;
    {
      PrecisionGuard bf16(Precision::kBF16);
      y = attn(x, x, x);
    }
    CHECK(y.scalar_type() == kBF16);  // the output projection ran in bf16
    // The same numbers by hand: bf16 projections, their outputs widened, the float32 kernel.
    flow::KernelOptions k;
    k.clamp = 10;
    k.chunk_size = 8;
    auto q = heads_of(bf16_linear(attn->query_projection, x), 4).to(torch::kFloat32);   // [B,H,L,d]
    auto kk = heads_of(bf16_linear(attn->key_projection, x), 4).to(torch::kFloat32);    // [B,H,L,d]
    auto v = heads_of(bf16_linear(attn->value_projection, x), 4).to(torch::kFloat32);   // [B,H,L,d]
    auto inner = causal ? flow::causal(q, kk, v, k) : flow::noncausal(q, kk, v, k);  // [B,H,L,d], float32
    REQUIRE(inner.scalar_type() == torch::kFloat32);
    auto expected = bf16_linear(attn->out_projection, merge_heads_of(inner));                 // [B,L,D]
    CHECK(torch::equal(y, expected));
    // A kernel run in bf16 would not give these numbers.
    auto bf16_inner = causal ? flow::causal(q.to(kBF16), kk.to(kBF16), v.to(kBF16), k)
                             : flow::noncausal(q.to(kBF16), kk.to(kBF16), v.to(kBF16), k);
    CHECK_FALSE(torch::equal(y, bf16_linear(attn->out_projection, merge_heads_of(bf16_inner.to(torch::kFloat32)))));
    // fp32 is untouched by the guard's existence, and bf16 stays close to it.
    auto y32 = attn(x, x, x);
    CHECK(y32.scalar_type() == torch::kFloat32);
    CHECK(test::max_abs_diff(y.to(torch::kFloat32), y32) < 0.05 * y32.abs().max().item<double>());
  }
}

TEST_CASE("bf16 softmax attention: products in bf16, scaling, mask and softmax in float32",
          "[backbone][precision][softmax]") {
  torch::manual_seed(32);
  SoftmaxAttention attn(SoftmaxAttentionOptions(32, 2).causal(true));
  attn->eval();
  torch::NoGradGuard no_grad;
  auto x = torch::randn({2, 11, 32});
  torch::Tensor y;
  {
    PrecisionGuard bf16(Precision::kBF16);
    y = attn(x, x, x);
  }
  auto q = heads_of(bf16_linear(attn->query_projection, x), 2);                                  // [B,H,L,d] bf16
  auto k = heads_of(bf16_linear(attn->key_projection, x), 2);                                    // [B,H,L,d] bf16
  auto v = heads_of(bf16_linear(attn->value_projection, x), 2);                                  // [B,H,L,d] bf16
  auto scores = torch::matmul(q, k.transpose(-1, -2)).to(torch::kFloat32) / std::sqrt(16.0);  // [B,H,L,L]
  scores = scores.masked_fill(torch::ones({11, 11}, torch::kBool).triu(1), -INFINITY);
  auto probs = torch::softmax(scores, -1);                                                    // float32
  auto expected = bf16_linear(attn->out_projection, merge_heads_of(torch::matmul(probs.to(kBF16), v)));
  CHECK(torch::equal(y, expected));
}

TEST_CASE("bf16 Flowformer: float32 residual stream, LayerNorm and output, gradients reach float32 weights",
          "[backbone][precision][flowformer]") {
  for (auto kind : {AttentionKind::kFlow, AttentionKind::kSoftmax}) {
    INFO((kind == AttentionKind::kFlow ? "flow" : "softmax"));
    torch::manual_seed(33);
    Flowformer net(FlowformerOptions(32, 2).layers(2).attention(kind).causal(true).activation(Activation::kGELU).dropout(0));
    auto x = torch::randn({4, 15, 32});
    // A block by hand: LayerNorm in float32 on the float32 stream, bf16 branches added to it.
    auto block = net->blocks[0]->as<FlowformerBlock>();
    {
      torch::NoGradGuard no_grad;
      PrecisionGuard bf16(Precision::kBF16);
      auto h = block->ln1(x);
      REQUIRE(h.scalar_type() == torch::kFloat32);
      auto y = x + block->attn.forward<torch::Tensor>(h, h, h);
      REQUIRE(y.scalar_type() == torch::kFloat32);
      auto m = torch::gelu(bf16_linear(block->fc, block->ln2(y)));
      CHECK(m.scalar_type() == kBF16);
      auto expected = y + bf16_linear(block->proj, m);
      CHECK(torch::equal(block->forward(x), expected));
    }
    // The stack: float32 out, close to fp32; gradients float32 and aligned with fp32's.
    auto run = [&](Precision p) {
      net->zero_grad();
      PrecisionGuard guard(p);
      auto out = net(x);
      out.pow(2).mean().backward();
      return out.detach();
    };
    auto out32 = run(Precision::kFP32);
    std::vector<torch::Tensor> grads32;
    for (auto& p : net->parameters()) grads32.push_back(p.grad().clone());
    auto out16 = run(Precision::kBF16);
    CHECK(out16.scalar_type() == torch::kFloat32);
    CHECK(test::max_abs_diff(out16, out32) < 0.1);
    const auto params = net->named_parameters();
    for (size_t i = 0; i < params.size(); ++i) {
      INFO(params[i].key() << ": fp32 gradient norm " << grads32[i].norm().item<double>());
      CHECK(params[i].value().grad().scalar_type() == torch::kFloat32);
      // softmax's key bias shifts every score of a query alike: its exact gradient is 0, and both
      // precisions give rounding noise there
      if (params[i].key().find("key_projection.bias") != std::string::npos && kind == AttentionKind::kSoftmax) {
        CHECK(grads32[i].norm().item<double>() < 1e-6);
        continue;
      }
      CHECK(cosine(params[i].value().grad(), grads32[i]) > 0.99);
    }
  }
}

TEST_CASE("bf16 leaves float64 modules in float64 outside a guard", "[backbone][precision]") {
  torch::manual_seed(34);
  FlowAttention attn(FlowAttentionOptions(16, 2).causal(true));
  attn->to(torch::kFloat64);
  auto x = torch::randn({1, 5, 16}, torch::kFloat64);
  CHECK(attn(x, x, x).scalar_type() == torch::kFloat64);
}

TEST_CASE("measure_bf16 times both types and says when bf16 is the slower one", "[backbone][precision]") {
  const auto c = measure_bf16(torch::kCPU);
  CHECK(c.fp32_ms > 0);
  CHECK(c.bf16_ms > 0);
  CHECK_FALSE(c.features.empty());
  CHECK_THAT(c.describe(), Catch::Contains("bf16 instructions: " + c.features));
  Bf16Capability slow;
  slow.fp32_ms = 1.0;
  slow.bf16_ms = 4.0;
  slow.features = "none";
  CHECK_THAT(slow.describe(), Catch::Contains("WARNING: bf16 is 4.0x slower") && Catch::Contains("no AVX512-BF16") &&
                                  Catch::Contains("use fp32"));
  Bf16Capability fast;
  fast.fp32_ms = 3.0;
  fast.bf16_ms = 1.0;
  fast.native = true;
  fast.features = "avx512_bf16";
  CHECK_THAT(fast.describe(), !Catch::Contains("WARNING"));
}

TEST_CASE("bf16 on the GPU: projections in bf16, Flow-Attention's kernel in float32", "[backbone][precision][cuda]") {
  FLOWRL_SKIP_WITHOUT_CUDA();
  torch::manual_seed(35);
  FlowAttention attn(FlowAttentionOptions(32, 4).causal(true));
  attn->to(torch::kCUDA);
  torch::NoGradGuard no_grad;
  auto x = torch::randn({3, 21, 32}, torch::kCUDA);
  torch::Tensor y;
  {
    PrecisionGuard bf16(Precision::kBF16);
    y = attn(x, x, x);
  }
  CHECK(y.scalar_type() == kBF16);
  auto y32 = attn(x, x, x);
  CHECK(test::max_abs_diff(y.to(torch::kFloat32), y32) < 0.05 * y32.abs().max().item<double>());
  const auto c = measure_bf16(torch::kCUDA);
  CHECK(c.bf16_ms > 0);
}
