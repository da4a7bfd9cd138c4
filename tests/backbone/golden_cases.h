// golden_cases.h — the authors' Flow-Attention reference cases (tests/fixtures/golden/flow_attention.h5):
// a module built as a case describes, its parameters loaded by name, and the case's tensors.
#pragma once

#include <flowrl/backbone.h>
#include <torch/torch.h>

#include <string>

#include "h5_fixture.h"

namespace flowrl::test {

inline std::string golden_file() { return test_data_dir() + "/golden/flow_attention.h5"; }

/// A float64 tensor read from the golden file.
inline torch::Tensor read_golden_tensor(const std::string& path) {
  auto a = read_h5_array(golden_file(), path);
  return torch::tensor(a.values, torch::kFloat64).reshape(a.shape);
}

/// One golden case: the module it describes (float64, eval mode, the reference parameters) and its
/// queries, keys, values and reference output.
struct GoldenCase {
  FlowAttention module{nullptr};
  torch::Tensor queries, keys, values, output;
};

/// Loads golden case `name`, its causal kernel split into chunks of `chunk_size` tokens.
inline GoldenCase load_golden_case(const std::string& name, int64_t chunk_size) {
  auto attr = [&](const char* a) { return read_h5_attr(golden_file(), "/" + name, a); };
  auto opts = FlowAttentionOptions(static_cast<int64_t>(attr("d_model")), static_cast<int64_t>(attr("n_heads")))
                  .d_input(static_cast<int64_t>(attr("d_input")))
                  .d_output(static_cast<int64_t>(attr("d_output")))
                  .causal(attr("causal") != 0)
                  .eps(attr("eps"))
                  .clamp(attr("clamp"))
                  .chunk_size(chunk_size);
  GoldenCase c;
  c.module = FlowAttention(opts);
  c.module->to(torch::kFloat64);
  c.module->eval();
  torch::NoGradGuard no_grad;
  for (auto& p : c.module->named_parameters()) p.value().copy_(read_golden_tensor("/" + name + "/params/" + p.key()));
  c.queries = read_golden_tensor("/" + name + "/queries");
  c.keys = read_golden_tensor("/" + name + "/keys");
  c.values = read_golden_tensor("/" + name + "/values");
  c.output = read_golden_tensor("/" + name + "/output");
  return c;
}

}  // namespace flowrl::test
