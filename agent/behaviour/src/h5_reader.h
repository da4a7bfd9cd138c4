// h5_reader.h — just enough checked HDF5 reading for policy files (internal; HDF5 stays private).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace flowrl::behaviour::detail {

/// A float64 array read from a dataset, with its shape.
struct H5Array {
  std::vector<int64_t> shape;  ///< dimensions
  std::vector<double> values;  ///< row-major values
};

/// An open HDF5 file, read-only; every accessor throws flowrl::Error naming file and key.
class H5Reader {
 public:
  /// Opens `path`. Throws flowrl::Error when it is missing or not HDF5.
  explicit H5Reader(const std::string& path);
  ~H5Reader();
  H5Reader(const H5Reader&) = delete;
  H5Reader& operator=(const H5Reader&) = delete;

  /// True when a link `path` (e.g. "layers/0/bias") exists.
  bool has(const std::string& path) const;
  /// True when object `object` (e.g. "/") has attribute `name`.
  bool has_attr(const std::string& object, const std::string& name) const;
  /// A string attribute (fixed- or variable-length), trailing NULs and blanks removed.
  std::string attr_string(const std::string& object, const std::string& name) const;
  /// A numeric scalar attribute, converted to double.
  double attr_double(const std::string& object, const std::string& name) const;
  /// A numeric dataset, converted to double.
  H5Array dataset(const std::string& path) const;
  /// The file path.
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int64_t file_ = -1;  // hid_t
};

}  // namespace flowrl::behaviour::detail
