// d4rl_fixtures.h — helpers of the data tests: a temp folder, small in-memory D4RL datasets, and a
// raw HDF5 writer for making malformed files (the library's writer refuses to write those).
#pragma once

#include <flowrl/data/d4rl.h>
#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace flowrl::test {

/// A fresh folder under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/flowrl-data-test-XXXXXX";
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  /// path_/name
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// A dataset of sum(lengths) rows whose episodes have the given lengths; `ends[e]` says how
/// episode e ends: 't' terminal, 'o' timeout, '-' nothing (a trailing partial episode).
/// Values are deterministic: obs[i][j] = i + j / 100, act = sin(i + j), reward = 1 + i % 7,
/// qpos/qvel/logp filled, next_observations[i] = obs[i + 1] (obs of a fresh row at the end).
inline data::D4RLDataset make_dataset(const std::vector<int64_t>& lengths, const std::string& ends,
                                      int64_t obs_dim = 3, int64_t act_dim = 2, bool with_timeouts = true) {
  int64_t n = 0;
  for (auto l : lengths) n += l;
  data::D4RLDataset ds;
  ds.observations = data::FloatMatrix(n, obs_dim);
  ds.next_observations = data::FloatMatrix(n, obs_dim);
  ds.actions = data::FloatMatrix(n, act_dim);
  ds.rewards.resize(n);
  ds.terminals.assign(n, 0);
  if (with_timeouts) ds.timeouts.assign(n, 0);
  ds.infos.qpos = data::DoubleMatrix(n, 2);
  ds.infos.qvel = data::DoubleMatrix(n, 2);
  ds.infos.action_log_probs.assign(n, -1.5f);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < obs_dim; ++j) {
      ds.observations.row(i)[j] = static_cast<float>(i) + static_cast<float>(j) / 100.0f;
      ds.next_observations.row(i)[j] = static_cast<float>(i + 1) + static_cast<float>(j) / 100.0f;
    }
    for (int64_t j = 0; j < act_dim; ++j) ds.actions.row(i)[j] = static_cast<float>(std::sin(double(i + j)));
    ds.rewards[i] = 1.0f + static_cast<float>(i % 7);
    ds.infos.qpos.row(i)[0] = 0.5 * i;
    ds.infos.qpos.row(i)[1] = 1e-9 * i;  // float64 precision matters here
    ds.infos.qvel.row(i)[0] = -double(i);
    ds.infos.qvel.row(i)[1] = 0.25;
  }
  int64_t row = 0;
  for (size_t e = 0; e < lengths.size(); ++e) {
    row += lengths[e];
    const char end = e < ends.size() ? ends[e] : '-';
    if (end == 't') ds.terminals[row - 1] = 1;
    if (end == 'o' && with_timeouts) ds.timeouts[row - 1] = 1;
  }
  return ds;
}

/// Raw HDF5 writing for malformed-file tests. Throws std::runtime_error on HDF5 failures.
class RawH5 {
 public:
  explicit RawH5(const std::string& path) {
    file_ = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file_ < 0) throw std::runtime_error("RawH5: cannot create " + path);
  }
  ~RawH5() { close(); }
  RawH5(const RawH5&) = delete;
  RawH5& operator=(const RawH5&) = delete;

  void close() {
    if (file_ >= 0) H5Fclose(file_);
    file_ = -1;
  }

  /// A float32 (or float64) array; values are generated as 0.1 * index when `values` is empty.
  void floats(const std::string& key, const std::vector<hsize_t>& shape, std::vector<double> values = {},
              bool f64 = false) {
    hsize_t count = 1;
    for (auto d : shape) count *= d;
    if (values.empty())
      for (hsize_t k = 0; k < count; ++k) values.push_back(0.1 * double(k));
    write(key, shape, f64 ? H5T_IEEE_F64LE : H5T_IEEE_F32LE, H5T_NATIVE_DOUBLE, values.data());
  }

  /// A uint8 array.
  void bytes(const std::string& key, const std::vector<hsize_t>& shape, std::vector<uint8_t> values) {
    write(key, shape, H5T_STD_U8LE, H5T_NATIVE_UINT8, values.data());
  }

  /// A fixed-length string scalar.
  void string(const std::string& key, const std::string& value) {
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, value.size());
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(file_, key.c_str(), type, space, lcpl(), H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, value.data());
    H5Dclose(d);
    H5Sclose(space);
    H5Tclose(type);
  }

  /// An (N,) array of fixed-length strings (a wrong dtype for a numeric key).
  void strings(const std::string& key, hsize_t n) {
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, 4);
    std::string data(4 * n, 'x');
    write(key, {n}, type, type, data.data());
    H5Tclose(type);
  }

  /// An empty group.
  void group(const std::string& key) {
    hid_t g = H5Gcreate2(file_, key.c_str(), lcpl(), H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) throw std::runtime_error("RawH5: cannot create group " + key);
    H5Gclose(g);
  }

 private:
  static hid_t lcpl() {
    static hid_t p = [] {
      hid_t q = H5Pcreate(H5P_LINK_CREATE);
      H5Pset_create_intermediate_group(q, 1);
      return q;
    }();
    return p;
  }

  void write(const std::string& key, const std::vector<hsize_t>& shape, hid_t ftype, hid_t mtype,
             const void* data) {
    hid_t space = H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr);
    hid_t d = H5Dcreate2(file_, key.c_str(), ftype, space, lcpl(), H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0) throw std::runtime_error("RawH5: cannot create " + key);
    H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
    H5Dclose(d);
    H5Sclose(space);
  }

  hid_t file_ = -1;
};

/// A minimal valid v2 file of n rows (obs 3, act 2) written raw, to be broken by the caller:
/// every key but `skip` is written.
inline void write_minimal(RawH5& f, hsize_t n, const std::string& skip = "") {
  if (skip != "observations") f.floats("observations", {n, 3});
  if (skip != "actions") f.floats("actions", {n, 2});
  if (skip != "rewards") f.floats("rewards", {n});
  std::vector<uint8_t> flags(n, 0);
  if (skip != "terminals") f.bytes("terminals", {n}, flags);
  if (skip != "timeouts") f.bytes("timeouts", {n}, flags);
}

/// Writes `text` to `path`.
inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace flowrl::test
