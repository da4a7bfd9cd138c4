// h5_util.h — private HDF5 helpers of flowrl::data: RAII ids, a silenced error stack that keeps
// HDF5's innermost message for our errors, and small queries. Only included from data/src/*.cpp.
#pragma once

#include <flowrl/core/error.h>
#include <hdf5.h>

#include <cmath>
#include <cstdint>
#include <optional>
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

/// What open_file() tells the user when the file is not there or not HDF5.
struct OpenHints {
  std::string missing;    ///< appended to "<path>: file not found. " (where such files come from)
  std::string not_hdf5;   ///< appended to "<path>: not an HDF5 file (...). " (what the file should be)
};

/// Opens `path` read-only. Throws flowrl::Error telling apart a missing path, a folder, an empty
/// file, a file without HDF5's signature and a truncated or corrupt one.
Id open_file(const std::string& path, const OpenHints& hints);

/// H5Dread of the whole dataset into `out` as `memtype`. Throws flowrl::Error naming `where`
/// ("FILE: key 'K'"), telling a compression filter this HDF5 lacks apart from corrupt data.
void read(hid_t dataset, hid_t memtype, void* out, const std::string& where);

/// An attribute of one value, as read by read_attribute().
struct Attribute {
  /// What the value is.
  enum class Kind { kInteger, kFloat, kString, kOther };
  Kind kind = Kind::kOther;
  bool is_unsigned = false;  ///< kInteger: stored unsigned (read into `uinteger`)
  int64_t integer = 0;       ///< kInteger, signed
  uint64_t uinteger = 0;     ///< kInteger, unsigned
  double real = 0.0;         ///< kFloat
  std::string text;          ///< kString
  std::string dtype;         ///< numpy-style stored type, for messages
  std::vector<int64_t> shape;  ///< dims (empty for a scalar); kOther when more than one value
};

/// Attribute `name` of `object` (a file, group or dataset); nullopt when absent. One value of an
/// integer, enum, float or string type is read; anything else comes back as kOther.
std::optional<Attribute> read_attribute(hid_t object, const std::string& name);

/// Names of `object`'s attributes, in name order.
std::vector<std::string> attribute_names(hid_t object);

/// Names of the links directly below group `group` (a file id names its root), in name order.
std::vector<std::string> member_names(hid_t group);

/// "(N, d)" / "(N,)" / "()": a shape as numpy prints it.
std::string shape_str(const std::vector<int64_t>& shape);

/// Throws flowrl::Error "<where> holds a non-finite value (...) at row R[, column C]" for the first
/// NaN/Inf of a rows x cols array; `row_word` names what a row is ("row", "step").
template <typename T>
void check_finite(const std::string& where, const T* data, int64_t rows, int64_t cols, const char* row_word = "row") {
  const int64_t n = rows * cols;
  for (int64_t k = 0; k < n; ++k) {
    if (!std::isfinite(data[k])) {
      const int64_t row = k / (cols > 0 ? cols : 1);
      fail(where, " holds a non-finite value (", data[k], ") at ", row_word, " ", row,
           cols > 1 ? ", column " + std::to_string(k % cols) : std::string(), " (the first bad ", row_word,
           "). Remove or repair the rows with NaN/Inf before using this dataset.");
    }
  }
}

}  // namespace flowrl::data::h5
