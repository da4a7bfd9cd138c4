// torch_support.h — tensor helpers shared by the torch-based tests.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace flowrl::test {

/// max |a - b| as a double.
inline double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

/// max |a - b| / max |b|.
inline double max_rel_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return max_abs_diff(a, b) / std::max(b.abs().max().item<double>(), 1e-30);
}

/// True when a CUDA device is usable; [cuda] tests return early (with a warning) otherwise.
inline bool cuda_available() { return torch::cuda::is_available(); }

/// First line of every [cuda] test: without a CUDA device the test warns and passes.
#define FLOWRL_SKIP_WITHOUT_CUDA()               \
  do {                                           \
    if (!::flowrl::test::cuda_available()) {     \
      WARN("no CUDA device: skipped");           \
      return;                                    \
    }                                            \
  } while (0)

/// Finite-difference gradient check in float64: compares the autograd gradient of
/// sum(f(inputs) * w) (w fixed random) with central differences for every input element.
/// Returns the largest absolute difference found.
inline double gradcheck(const std::function<torch::Tensor(const std::vector<torch::Tensor>&)>& f,
                        std::vector<torch::Tensor> inputs, double h = 1e-6) {
  for (auto& x : inputs) x = x.detach().to(torch::kFloat64).requires_grad_(true);
  auto out = f(inputs);
  auto w = torch::randn_like(out);
  auto loss = (out * w).sum();
  auto grads = torch::autograd::grad({loss}, inputs);
  double worst = 0.0;
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto flat = inputs[i].view(-1);
    auto g = grads[i].reshape(-1);
    for (int64_t j = 0; j < flat.numel(); ++j) {
      const double orig = flat[j].item<double>();
      flat[j] = orig + h;
      const double plus = (f(inputs) * w).sum().item<double>();
      flat[j] = orig - h;
      const double minus = (f(inputs) * w).sum().item<double>();
      flat[j] = orig;
      const double numeric = (plus - minus) / (2 * h);
      worst = std::max(worst, std::abs(numeric - g[j].item<double>()));
    }
  }
  return worst;
}

}  // namespace flowrl::test
