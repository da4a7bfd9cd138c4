// h5_reader.cpp — RAII HDF5 handles and checked reads; existence is tested first so HDF5 never
// prints its error stack for an expected absence.
#include "h5_reader.h"

#include <flowrl/core/error.h>

#include <hdf5.h>

#include <filesystem>
#include <sstream>

namespace flowrl::behaviour::detail {
namespace {

// closes an HDF5 handle with the matching H5*close on scope exit
struct Handle {
  hid_t id;
  herr_t (*close)(hid_t);
  Handle(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  ~Handle() {
    if (id >= 0) close(id);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
};

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream in(path);
  for (std::string part; std::getline(in, part, '/');)
    if (!part.empty()) parts.push_back(part);
  return parts;
}

}  // namespace

H5Reader::H5Reader(const std::string& path) : path_(path) {
  FLOWRL_CHECK(!std::filesystem::is_directory(path), "policy file ", path, " is a folder; pass an .h5 file in it");
  FLOWRL_CHECK(std::filesystem::is_regular_file(path), "policy file ", path, " does not exist");
  // HDF5 would print its error stack for a damaged file; the message below says what matters
  H5E_auto2_t print = nullptr;
  void* print_data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &print, &print_data);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const bool hdf5 = H5Fis_hdf5(path.c_str()) > 0;
  if (hdf5) file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  H5Eset_auto2(H5E_DEFAULT, print, print_data);
  FLOWRL_CHECK(hdf5, "policy file ", path, " is not an HDF5 file");
  FLOWRL_CHECK(file_ >= 0, "cannot open policy file ", path, ": the file is damaged (cut short?)");
}

H5Reader::~H5Reader() {
  if (file_ >= 0) H5Fclose(static_cast<hid_t>(file_));
}

bool H5Reader::has(const std::string& path) const {
  // every component must exist, walked from the root
  std::string prefix;
  for (const auto& part : split_path(path)) {
    prefix += "/" + part;
    if (H5Lexists(static_cast<hid_t>(file_), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return !prefix.empty();
}

bool H5Reader::has_attr(const std::string& object, const std::string& name) const {
  if (object != "/" && !has(object)) return false;
  return H5Aexists_by_name(static_cast<hid_t>(file_), object.c_str(), name.c_str(), H5P_DEFAULT) > 0;
}

std::string H5Reader::attr_string(const std::string& object, const std::string& name) const {
  FLOWRL_CHECK(has_attr(object, name), path_, ": missing attribute '", name, "' on ", object);
  Handle attr(H5Aopen_by_name(static_cast<hid_t>(file_), object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  Handle type(H5Aget_type(attr.id), H5Tclose);
  FLOWRL_CHECK(H5Tget_class(type.id) == H5T_STRING, path_, ": attribute '", name, "' on ", object, " is not a string");
  std::string value;
  if (H5Tis_variable_str(type.id) > 0) {
    // variable-length: HDF5 allocates, we free
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.id, H5T_VARIABLE);
    char* buf = nullptr;
    FLOWRL_CHECK(H5Aread(attr.id, mem.id, &buf) >= 0, path_, ": cannot read attribute '", name, "' on ", object);
    if (buf) value = buf;
    H5free_memory(buf);
  } else {
    const size_t size = H5Tget_size(type.id);
    std::vector<char> buf(size + 1, '\0');
    FLOWRL_CHECK(H5Aread(attr.id, type.id, buf.data()) >= 0, path_, ": cannot read attribute '", name, "' on ", object);
    value.assign(buf.data(), size);
  }
  // fixed-length strings are NUL- or space-padded
  while (!value.empty() && (value.back() == '\0' || value.back() == ' ')) value.pop_back();
  if (auto nul = value.find('\0'); nul != std::string::npos) value.resize(nul);
  return value;
}

double H5Reader::attr_double(const std::string& object, const std::string& name) const {
  FLOWRL_CHECK(has_attr(object, name), path_, ": missing attribute '", name, "' on ", object);
  Handle attr(H5Aopen_by_name(static_cast<hid_t>(file_), object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  Handle type(H5Aget_type(attr.id), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.id);
  FLOWRL_CHECK(cls == H5T_INTEGER || cls == H5T_FLOAT, path_, ": attribute '", name, "' on ", object, " is not numeric");
  Handle space(H5Aget_space(attr.id), H5Sclose);
  FLOWRL_CHECK(H5Sget_simple_extent_npoints(space.id) == 1, path_, ": attribute '", name, "' on ", object,
               " must be a scalar");
  double value = 0.0;
  FLOWRL_CHECK(H5Aread(attr.id, H5T_NATIVE_DOUBLE, &value) >= 0, path_, ": cannot read attribute '", name, "' on ", object);
  return value;
}

H5Array H5Reader::dataset(const std::string& path) const {
  FLOWRL_CHECK(has(path), path_, ": missing dataset '", path, "'");
  Handle ds(H5Dopen2(static_cast<hid_t>(file_), path.c_str(), H5P_DEFAULT), H5Dclose);
  FLOWRL_CHECK(ds.id >= 0, path_, ": '", path, "' is not a dataset");
  Handle type(H5Dget_type(ds.id), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.id);
  FLOWRL_CHECK(cls == H5T_INTEGER || cls == H5T_FLOAT, path_, ": dataset '", path, "' is not numeric");
  Handle space(H5Dget_space(ds.id), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.id);
  FLOWRL_CHECK(rank >= 0, path_, ": cannot read the shape of dataset '", path, "'");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.id, dims.data(), nullptr);
  H5Array out;
  size_t n = 1;
  for (hsize_t d : dims) {
    out.shape.push_back(static_cast<int64_t>(d));
    n *= d;
  }
  out.values.resize(n);
  if (n > 0)
    FLOWRL_CHECK(H5Dread(ds.id, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.values.data()) >= 0, path_,
                 ": cannot read dataset '", path, "'");
  return out;
}

}  // namespace flowrl::behaviour::detail
