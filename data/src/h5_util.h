// h5_util.h — private HDF5 helpers of flowrl::data: RAII ids, a silenced error stack that keeps
// HDF5's innermost message for our errors, and small queries. Only included from data/src/*.cpp.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace flowrl::data::h5 {

/// Owns an HDF5 id (file, group, dataset, type, space, plist); releases it with H5Idec_ref.
class Id {
 public:
  Id() = default;
  explicit Id(hid_t id) : id_(id) {}
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  Id(Id&& other) noexcept : id_(other.id_) { other.id_ = -1; }
  Id& operator=(Id&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = other.id_;
      other.id_ = -1;
    }
    return *this;
  }
  ~Id() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset() {
    if (id_ >= 0) H5Idec_ref(id_);
    id_ = -1;
  }

 private:
  hid_t id_ = -1;
};

/// While alive, HDF5 prints nothing on failures (the previous handler is restored afterwards).
class QuietErrors {
 public:
  QuietErrors();
  ~QuietErrors();
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

/// HDF5's current error stack in one line, "what failed: why" (its outermost and innermost
/// messages; "no details" when empty), then clears the stack.
std::string last_error();

/// True when every group on the way to `key` and `key` itself exist (no HDF5 error on absence).
bool exists(hid_t file, const std::string& key);

/// True when `key` exists and is a dataset.
bool is_dataset(hid_t file, const std::string& key);

/// Dims of a dataset's dataspace (empty for a scalar).
std::vector<int64_t> dims(hid_t dataset);

/// numpy-style name of a stored type ("float32", "bool", "|S3", "int32", "compound", ...).
std::string dtype_name(hid_t type);

/// h5py's boolean type: an ENUM of base int8 with FALSE=0, TRUE=1. Caller owns the id.
hid_t make_bool_enum();

}  // namespace flowrl::data::h5
