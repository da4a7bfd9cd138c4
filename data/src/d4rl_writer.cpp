// d4rl_writer.cpp — write_d4rl(): the D4RL v2 layout as h5py writes it (gzip-chunked arrays, enum
// bools, fixed-length string scalars), so Python's h5py / d4rl code reads flowrl's files unchanged.
#include <flowrl/core/error.h>
#include <flowrl/data/d4rl.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <sstream>

#include "h5_util.h"

namespace flowrl::data {

namespace {

using h5::Id;

class FileWriter {
 public:
  FileWriter(std::string path, const D4RLWriteOptions& options)
      : path_(std::move(path)), options_(options) {
    FLOWRL_CHECK(options.gzip_level() >= 0 && options.gzip_level() <= 9,
                 "D4RLWriteOptions::gzip_level must be in 0..9, got ", options.gzip_level(), ".");
    file_ = Id(H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    if (!file_.valid())
      fail(path_, ": cannot create the file (HDF5: ", h5::last_error(),
           "). Check that the folder exists and is writable.");
  }

  // creates every missing group on the way to `key`
  void make_groups(const std::string& key) {
    size_t pos = 0;
    while ((pos = key.find('/', pos)) != std::string::npos) {
      const std::string group = key.substr(0, pos++);
      if (H5Lexists(file_.get(), group.c_str(), H5P_DEFAULT) > 0) continue;
      Id g(H5Gcreate2(file_.get(), group.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
      if (!g.valid()) fail(path_, ": cannot create group '", group, "' (HDF5: ", h5::last_error(), ").");
    }
  }

  // gzip-chunked array dataset of `file_type`, written from `data` of `mem_type`
  void array(const std::string& key, const std::vector<int64_t>& shape, hid_t file_type,
             hid_t mem_type, const void* data) {
    make_groups(key);
    std::vector<hsize_t> dims(shape.begin(), shape.end());
    Id space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
    Id dcpl(H5Pcreate(H5P_DATASET_CREATE));
    int64_t total = 1;
    for (auto d : shape) total *= d;
    if (total > 0) {
      // chunk whole rows: about 256 KiB per chunk unless chunk_rows says otherwise
      int64_t row_values = 1;
      for (size_t i = 1; i < shape.size(); ++i) row_values *= shape[i];
      const int64_t row_bytes = std::max<int64_t>(1, row_values * static_cast<int64_t>(H5Tget_size(file_type)));
      int64_t rows = options_.chunk_rows() > 0 ? options_.chunk_rows()
                                               : std::max<int64_t>(1, (256 << 10) / row_bytes);
      rows = std::min(rows, shape[0]);
      std::vector<hsize_t> chunk(dims);
      chunk[0] = static_cast<hsize_t>(rows);
      H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
      if (options_.gzip_level() > 0) H5Pset_deflate(dcpl.get(), static_cast<unsigned>(options_.gzip_level()));
    }
    Id dset(H5Dcreate2(file_.get(), key.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(),
                       H5P_DEFAULT));
    if (!dset.valid()) fail(path_, ": cannot create key '", key, "' (HDF5: ", h5::last_error(), ").");
    if (total > 0 && H5Dwrite(dset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
      fail(path_, ": cannot write key '", key, "' (HDF5: ", h5::last_error(),
           "). Is the disk full?");
  }

  void floats(const std::string& key, const std::vector<int64_t>& shape, const float* data, bool f64) {
    array(key, shape, f64 ? H5T_IEEE_F64LE : H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, data);
  }

  void doubles(const std::string& key, const std::vector<int64_t>& shape, const double* data, bool f64) {
    array(key, shape, f64 ? H5T_IEEE_F64LE : H5T_IEEE_F32LE, H5T_NATIVE_DOUBLE, data);
  }

  void flags(const std::string& key, const std::vector<uint8_t>& values) {
    const std::vector<int64_t> shape{static_cast<int64_t>(values.size())};
    if (options_.flags_as_uint8()) {
      array(key, shape, H5T_STD_U8LE, H5T_NATIVE_UINT8, values.data());
    } else {
      // h5py's bool: enum(int8){FALSE=0, TRUE=1}; the 0/1 bytes are its member values
      Id type(h5::make_bool_enum());
      array(key, shape, type.get(), type.get(), values.data());
    }
  }

  // scalar datasets (no chunking or compression, as h5py writes scalars)
  void scalar(const std::string& key, hid_t file_type, hid_t mem_type, const void* data) {
    make_groups(key);
    Id space(H5Screate(H5S_SCALAR));
    Id dset(H5Dcreate2(file_.get(), key.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT,
                       H5P_DEFAULT));
    if (!dset.valid()) fail(path_, ": cannot create key '", key, "' (HDF5: ", h5::last_error(), ").");
    if (H5Dwrite(dset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
      fail(path_, ": cannot write key '", key, "' (HDF5: ", h5::last_error(), ").");
  }

  void string(const std::string& key, const std::string& value) {
    // numpy np.string_ / bytes: fixed-length, null-padded ASCII
    Id type(H5Tcopy(H5T_C_S1));
    H5Tset_size(type.get(), std::max<size_t>(1, value.size()));
    H5Tset_strpad(type.get(), H5T_STR_NULLPAD);
    H5Tset_cset(type.get(), H5T_CSET_ASCII);
    std::string buf = value;
    buf.resize(std::max<size_t>(1, value.size()), '\0');
    scalar(key, type.get(), type.get(), buf.data());
  }

  void finish() {
    if (H5Fflush(file_.get(), H5F_SCOPE_GLOBAL) < 0)
      fail(path_, ": cannot flush the file (HDF5: ", h5::last_error(), "). Is the disk full?");
    if (H5Fclose(file_.get()) < 0) {
      file_ = Id();
      fail(path_, ": cannot close the file (HDF5: ", h5::last_error(), ").");
    }
    // H5Fclose released the id; keep Id from releasing it again
    file_ = Id();
  }

  ~FileWriter() = default;

 private:
  std::string path_;
  D4RLWriteOptions options_;
  Id file_;
};

}  // namespace

void write_d4rl(const std::string& path, const D4RLDataset& ds, const D4RLWriteOptions& options) {
  validate_d4rl(ds, D4RLReadOptions().check_finite(false));
  h5::QuietErrors quiet;
  const int64_t n = ds.size();
  const bool f64 = options.float64();
  const std::string tmp = path + ".partial";
  try {
    // write under a temporary name, rename at the end: an interrupted run leaves no half file
    FileWriter w(tmp, options);
    w.floats("observations", {n, ds.obs_dim()}, ds.observations.values.data(), f64);
    w.floats("actions", {n, ds.act_dim()}, ds.actions.values.data(), f64);
    w.floats("rewards", options.rewards_column() ? std::vector<int64_t>{n, 1} : std::vector<int64_t>{n},
             ds.rewards.data(), f64);
    w.flags("terminals", ds.terminals);
    if (ds.has_timeouts()) w.flags("timeouts", ds.timeouts);
    if (!ds.next_observations.empty())
      w.floats("next_observations", {n, ds.next_observations.cols}, ds.next_observations.values.data(), f64);
    const bool i64 = options.infos_float64();
    if (!ds.infos.qpos.empty()) w.doubles("infos/qpos", {n, ds.infos.qpos.cols}, ds.infos.qpos.values.data(), i64);
    if (!ds.infos.qvel.empty()) w.doubles("infos/qvel", {n, ds.infos.qvel.cols}, ds.infos.qvel.values.data(), i64);
    if (!ds.infos.action_log_probs.empty())
      w.floats("infos/action_log_probs", {n}, ds.infos.action_log_probs.data(), f64);
    for (const auto& [key, value] : ds.metadata.strings) w.string("metadata/" + key, value);
    for (const auto& [key, value] : ds.metadata.integers) {
      if (value >= std::numeric_limits<int32_t>::min() && value <= std::numeric_limits<int32_t>::max()) {
        const int32_t v = static_cast<int32_t>(value);
        w.scalar("metadata/" + key, H5T_STD_I32LE, H5T_NATIVE_INT32, &v);
      } else {
        w.scalar("metadata/" + key, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
      }
    }
    for (const auto& [key, value] : ds.metadata.reals)
      w.scalar("metadata/" + key, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
    for (const auto& [key, a] : ds.metadata.arrays) {
      int64_t count = 1;
      for (auto d : a.shape) count *= d;
      FLOWRL_CHECK(count == static_cast<int64_t>(a.values.size()), "metadata array '", key,
                   "' holds ", a.values.size(), " values but its shape says ", count, ".");
      FLOWRL_CHECK(!a.shape.empty(), "metadata array '", key, "' has an empty shape.");
      w.array("metadata/" + key, a.shape, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, a.values.data());
    }
    w.finish();
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    fail(path, ": cannot move the finished file into place (from ", tmp, ").");
  }
}

}  // namespace flowrl::data
