// policy_writer.cpp — mlp-policy/1 test files: fixed-length ASCII string attributes, int64 and
// float64 scalar attributes, float32 weights, as the shipped files have them.
#include "policy_writer.h"

#include <hdf5.h>

#include <filesystem>
#include <stdexcept>

#include <unistd.h>

namespace flowrl::test {
namespace {

void check(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("policy_writer: " + what);
}

void string_attr(hid_t loc, const std::string& name, const std::string& value) {
  hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, value.empty() ? 1 : value.size());
  H5Tset_strpad(type, H5T_STR_NULLPAD);
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t attr = H5Acreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT);
  check(attr >= 0 && H5Awrite(attr, type, value.c_str()) >= 0, "attribute " + name);
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
}

template <typename T>
void scalar_attr(hid_t loc, const std::string& name, hid_t file_type, hid_t mem_type, T value) {
  hid_t space = H5Screate(H5S_SCALAR);
  hid_t attr = H5Acreate2(loc, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT);
  check(attr >= 0 && H5Awrite(attr, mem_type, &value) >= 0, "attribute " + name);
  H5Aclose(attr);
  H5Sclose(space);
}

void dataset(hid_t loc, const std::string& name, const std::vector<hsize_t>& dims, const std::vector<double>& values,
             hid_t file_type) {
  hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  hid_t ds = H5Dcreate2(loc, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  check(ds >= 0 && H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0, "dataset " + name);
  H5Dclose(ds);
  H5Sclose(space);
}

void layer(hid_t group, const LayerSpec& l) {
  dataset(group, "weight", {static_cast<hsize_t>(l.out), static_cast<hsize_t>(l.in)}, l.weight, H5T_IEEE_F32LE);
  if (!l.bias.empty()) dataset(group, "bias", {l.bias.size()}, l.bias, H5T_IEEE_F32LE);
}

}  // namespace

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("flowrl_test_" + std::to_string(::getpid()) + "_" + name)).string();
}

void write_policy(const std::string& path, const PolicySpec& spec) {
  hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  check(file >= 0, "cannot create " + path);
  for (const auto& [k, v] : spec.string_attrs) string_attr(file, k, v);
  for (const auto& [k, v] : spec.float_attrs) scalar_attr(file, k, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v);
  for (const auto& [k, v] : spec.int_attrs) scalar_attr(file, k, H5T_STD_I64LE, H5T_NATIVE_INT64, v);
  if (spec.write_n_layers)
    scalar_attr(file, "n_layers", H5T_STD_I64LE, H5T_NATIVE_INT64, static_cast<int64_t>(spec.layers.size()));

  hid_t layers = H5Gcreate2(file, "layers", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  for (size_t i = 0; i < spec.layers.size(); ++i) {
    hid_t g = H5Gcreate2(layers, std::to_string(i).c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    string_attr(g, "activation", spec.layers[i].activation);
    layer(g, spec.layers[i]);
    H5Gclose(g);
  }
  H5Gclose(layers);

  if (!spec.obs_mean.empty()) dataset(file, "obs_mean", {spec.obs_mean.size()}, spec.obs_mean, H5T_IEEE_F64LE);
  if (!spec.obs_var.empty()) dataset(file, "obs_var", {spec.obs_var.size()}, spec.obs_var, H5T_IEEE_F64LE);
  if (!spec.log_std_value.empty() || spec.log_std_head.out > 0) {
    hid_t g = H5Gcreate2(file, "log_std", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (!spec.log_std_value.empty()) dataset(g, "value", {spec.log_std_value.size()}, spec.log_std_value, H5T_IEEE_F32LE);
    if (spec.log_std_head.out > 0) layer(g, spec.log_std_head);
    H5Gclose(g);
  }
  H5Fclose(file);
}

}  // namespace flowrl::test
