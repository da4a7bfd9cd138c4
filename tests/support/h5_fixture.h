// h5_fixture.h — tiny HDF5 reader for test fixtures (golden outputs). Tests only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flowrl::test {

/// A float64 array read from an HDF5 dataset.
struct H5Array {
  std::vector<int64_t> shape;
  std::vector<double> values;
};

/// Reads dataset `path` of `file` as float64. Throws flowrl::Error if absent.
H5Array read_h5_array(const std::string& file, const std::string& path);
/// Reads a numeric scalar attribute `name` of the object at `path`, as double.
double read_h5_attr(const std::string& file, const std::string& path, const std::string& name);
/// Names of the direct children of group `path`.
std::vector<std::string> list_h5_group(const std::string& file, const std::string& path);

/// The test-data folder: $FLOWRL_TEST_DATA (set by CTest), else tests/fixtures relative to the source tree.
std::string test_data_dir();

}  // namespace flowrl::test
