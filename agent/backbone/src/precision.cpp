#include <flowrl/backbone/precision.h>
#include <flowrl/core/cpu.h>
#include <flowrl/core/error.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

namespace flowrl {

namespace {
thread_local Precision tls_precision = Precision::kFP32;
}  // namespace

Precision parse_precision(const std::string& name, const std::string& what) {
  if (name == "fp32") return Precision::kFP32;
  if (name == "bf16") return Precision::kBF16;
  fail(what, " '", name, "' is not a precision: use fp32 or bf16");
}

const char* precision_name(Precision p) { return p == Precision::kBF16 ? "bf16" : "fp32"; }

Precision current_precision() { return tls_precision; }

PrecisionGuard::PrecisionGuard(Precision p) : previous_(tls_precision) { tls_precision = p; }
PrecisionGuard::~PrecisionGuard() { tls_precision = previous_; }

namespace detail {

torch::Tensor linear(const torch::nn::Linear& layer, const torch::Tensor& x) {
  if (tls_precision == Precision::kFP32) return torch::nn::Linear(layer)->forward(x);  // holders share the module
  const auto bf16 = torch::kBFloat16;
  const auto& b = layer->bias;
  return torch::linear(x.to(bf16), layer->weight.to(bf16), b.defined() ? b.to(bf16) : torch::Tensor());
}

torch::Tensor widen(const torch::Tensor& t) {
  const auto type = t.scalar_type();
  return type == torch::kBFloat16 || type == torch::kHalf ? t.to(torch::kFloat32) : t;
}

}  // namespace detail

namespace {

// The fastest of `reps` runs of f, in milliseconds, after one warm-up run.
template <class F>
double fastest_ms(F&& f, int reps, torch::Device device) {
  auto sync = [&] {
    if (device.is_cuda()) torch::cuda::synchronize();
  };
  f();
  sync();
  double best = 1e300;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    sync();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

Bf16Capability measure_bf16(torch::Device device) {
  Bf16Capability c;
  if (device.is_cuda()) {
    c.features = "cuda";  // no flag to read: the product below decides
  } else {
    const auto flags = cpu_flags([](const std::string& f) { return f == "avx512_bf16" || f == "amx_bf16"; });
    c.native = !flags.empty();
    c.features = join_flags(flags, "none");
  }
  torch::NoGradGuard no_grad;
  // fixed values, not random ones: the measurement must not move any RNG stream
  auto a = torch::linspace(-1.0, 1.0, 3840 * 128).reshape({3840, 128}).sin().to(device);  // [3840,128]
  auto w = torch::linspace(-1.0, 1.0, 512 * 128).reshape({512, 128}).cos().to(device);    // [512,128]
  auto a16 = a.to(torch::kBFloat16), w16 = w.to(torch::kBFloat16);
  c.fp32_ms = fastest_ms([&] { return torch::linear(a, w); }, 5, device);
  c.bf16_ms = fastest_ms([&] { return torch::linear(a16, w16); }, 5, device);
  if (device.is_cuda()) c.native = c.speedup() > 1.0;
  return c;
}

std::string Bf16Capability::describe() const {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(2);
  s << "bf16: a [3840,128]x[128,512] product takes " << bf16_ms << " ms in bf16, " << fp32_ms << " ms in fp32 ("
    << speedup() << "x; bf16 instructions: " << features << ")";
  if (speedup() < 1.0) {
    s.precision(1);
    s << ". WARNING: bf16 is " << 1.0 / std::max(speedup(), 1e-9) << "x slower than fp32 here"
      << (native ? "" : " (this CPU has no AVX512-BF16 or AMX: bf16 is emulated)") << "; use fp32 on this machine";
  }
  return s.str();
}

}  // namespace flowrl
