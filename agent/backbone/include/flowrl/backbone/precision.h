// flowrl/backbone/precision.h — mixed precision: which floating-point type the big matrix
// products of flowrl's modules run in.
//
// Under bf16 the weight matrices of the attention projections and of the MLPs (and softmax
// attention's two score/value products) are multiplied in bfloat16; everything else stays float32:
// the master weights and their gradients, the residual stream, LayerNorm, embeddings and output
// heads, softmax itself, and all of Flow-Attention's kernel (sigmoid feature maps, the flow
// normalizers, cumulative sums, competition and allocation). The casts are explicit in the
// modules' code, not left to LibTorch's autocast, so the precision of each op is the same on
// LibTorch 1.13 and 2.x, on CPU and CUDA, and tests can check it (docs/precision.md).
#pragma once

#include <torch/torch.h>

#include <string>

namespace flowrl {

/// The floating-point type of the big matrix products.
enum class Precision {
  kFP32,  ///< everything in float32 (the default)
  kBF16,  ///< matrix products in bfloat16, the rest in float32
};

/// "fp32" | "bf16" -> Precision; throws flowrl::Error naming `what` (an option or config key) otherwise.
Precision parse_precision(const std::string& name, const std::string& what);
/// Precision -> "fp32" | "bf16".
const char* precision_name(Precision p);

/// The precision flowrl modules use on the calling thread (fp32 unless a PrecisionGuard is alive).
Precision current_precision();

/// Sets the calling thread's precision for as long as it lives; the previous one comes back after.
///
///   flowrl::PrecisionGuard bf16(flowrl::Precision::kBF16);
///   auto y = net(x);   // projections and MLPs in bf16; y is float32
class PrecisionGuard {
 public:
  explicit PrecisionGuard(Precision p);
  ~PrecisionGuard();
  PrecisionGuard(const PrecisionGuard&) = delete;
  PrecisionGuard& operator=(const PrecisionGuard&) = delete;

 private:
  Precision previous_;
};

/// What a device does with bf16 matrix products, measured on one DT-sized product
/// ([3840, 128] x [128, 512]: batch 64 x 60 tokens into a 128 -> 512 MLP layer).
struct Bf16Capability {
  bool native = false;       ///< CPU: AVX512-BF16 or AMX-BF16 in /proc/cpuinfo; CUDA: the bf16 product is the faster one
  std::string features;      ///< what was found, e.g. "avx512_bf16 amx_bf16" or "none"
  double fp32_ms = 0.0;      ///< one product in float32 (the fastest of several)
  double bf16_ms = 0.0;      ///< the same product in bfloat16
  /// fp32_ms / bf16_ms: above 1, bf16 is faster.
  double speedup() const { return bf16_ms > 0 ? fp32_ms / bf16_ms : 0.0; }
  /// One line for a program's start-up: the measurement and, where bf16 is slower, the advice to use fp32.
  std::string describe() const;
};

/// Measures Bf16Capability on `device`: one warm-up and five timed products per type (a few ms each
/// on the development VM); uses the calling thread's torch settings and no RNG.
Bf16Capability measure_bf16(torch::Device device = torch::kCPU);

namespace detail {
/// y = x W^T + b in the current precision: bf16 casts x, W and b (the output is bf16); fp32 calls
/// the module. Gradients reach the float32 parameters through the casts.
torch::Tensor linear(const torch::nn::Linear& layer, const torch::Tensor& x);
/// `t` in float32 when it is in a reduced type (bf16, fp16); otherwise `t` itself (float32 and
/// float64 pass through untouched).
torch::Tensor widen(const torch::Tensor& t);
}  // namespace detail

}  // namespace flowrl
