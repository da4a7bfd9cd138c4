// minari_fixtures.h — the Minari fixtures of the data tests (tests/fixtures/minari, written by
// scripts/fixtures/make-minari-fixtures.py with the real minari package) and what that script read
// back with minari's own API (expected.json).
#pragma once

#include <flowrl/core/json_value.h>
#include <hdf5.h>

#include "scoped_env.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace flowrl::test {

/// tests/fixtures/minari in the source tree.
inline std::string minari_fixtures() { return std::string(FLOWRL_DATA_TEST_SOURCE_DIR) + "/tests/fixtures/minari"; }

/// The MINARI_DATASETS_PATH root of the minari 0.5 fixtures.
inline std::string minari_root() { return minari_fixtures() + "/datasets"; }

/// The dataset folder of fixture `name` ("sac-v0", "sac-noref-v0").
inline std::string minari_dataset(const std::string& name) { return minari_root() + "/flowrl-fixtures/hopper/" + name; }

/// A text file's contents.
inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

/// `file` of the fixture folder ("expected.json"), parsed.
inline JsonValue minari_expected(const std::string& file = "expected.json") {
  const std::string path = minari_fixtures() + "/" + file;
  return parse_json(read_text_file(path), path);
}

/// Copies a fixture dataset folder to `to` (so that a test may edit the copy).
inline void copy_dataset(const std::string& from, const std::string& to) {
  std::filesystem::create_directories(to);
  std::filesystem::copy(from, to, std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
}

/// Overwrites the values of bool dataset `key` of an existing HDF5 file (h5py's enum bool) with
/// `values` (0/1, one per element). Throws std::runtime_error on HDF5 failures.
inline void overwrite_bools(const std::string& file, const std::string& key, const std::vector<uint8_t>& values) {
  const hid_t f = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (f < 0) throw std::runtime_error("cannot open " + file);
  const hid_t d = H5Dopen2(f, key.c_str(), H5P_DEFAULT);
  const hid_t type = d >= 0 ? H5Dget_type(d) : -1;
  const hid_t native = type >= 0 ? H5Tget_native_type(type, H5T_DIR_ASCEND) : -1;
  const herr_t ok = native >= 0 ? H5Dwrite(d, native, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) : -1;
  if (native >= 0) H5Tclose(native);
  if (type >= 0) H5Tclose(type);
  if (d >= 0) H5Dclose(d);
  H5Fclose(f);
  if (ok < 0) throw std::runtime_error("cannot write " + key + " of " + file);
}

}  // namespace flowrl::test
