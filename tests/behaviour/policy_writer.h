// policy_writer.h — writes small mlp-policy/1 files for tests (HDF5 C API; tests only).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace flowrl::test {

/// A dense layer to write: weight [out, in] row-major, optional bias.
struct LayerSpec {
  int64_t out, in;
  std::vector<double> weight;
  std::vector<double> bias;  // empty: no bias dataset
  std::string activation;
};

/// Everything in an mlp-policy/1 file; empty/absent fields are not written.
struct PolicySpec {
  std::map<std::string, std::string> string_attrs = {
      {"format", "mlp-policy/1"}, {"env_id", "Hopper-v3"}, {"algorithm", "test"}, {"output", "clip"},
      {"source", "unit test"},    {"license", "MIT"}};
  std::map<std::string, double> float_attrs;    // obs_clip, obs_eps, zoo_eval_*
  std::map<std::string, int64_t> int_attrs = {{"normalize_obs", 0}};  // n_layers is added from layers
  std::vector<LayerSpec> layers;
  std::vector<double> obs_mean, obs_var;        // written when non-empty
  std::vector<double> log_std_value;            // log_std/value
  LayerSpec log_std_head{0, 0, {}, {}, "none"}; // log_std/weight + bias when out > 0
  bool write_n_layers = true;
};

/// Writes `spec` to `path` (overwriting it).
void write_policy(const std::string& path, const PolicySpec& spec);

/// A scratch file path in the temp folder, unique per process.
std::string temp_path(const std::string& name);

}  // namespace flowrl::test
