// h5_util.cpp — private HDF5 helpers of flowrl::data (see h5_util.h).
#include "h5_util.h"

#include <sstream>
#include <vector>

namespace flowrl::data::h5 {

QuietErrors::QuietErrors() {
  H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

QuietErrors::~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }

namespace {
herr_t collect(unsigned, const H5E_error2_t* err, void* out) {
  if (err->desc != nullptr && *err->desc != '\0') static_cast<std::vector<std::string>*>(out)->push_back(err->desc);
  return 0;
}
}  // namespace

std::string last_error() {
  // walked from the API call down to where the error was detected: the first entry says what
  // failed ("can't read data"), the last one why ("required filter 'lzf' is not registered")
  std::vector<std::string> stack;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect, &stack);
  H5Eclear2(H5E_DEFAULT);
  if (stack.empty()) return "no details";
  if (stack.size() == 1 || stack.front() == stack.back()) return stack.front();
  return stack.front() + ": " + stack.back();
}

bool exists(hid_t file, const std::string& key) {
  // H5Lexists fails (not false) when an intermediate group is missing: walk the path
  std::string path;
  std::istringstream parts(key);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part.empty()) continue;
    path += path.empty() ? part : "/" + part;
    if (H5Lexists(file, path.c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return !path.empty();
}

bool is_dataset(hid_t file, const std::string& key) {
  if (!exists(file, key)) return false;
  H5O_info_t info;
  if (H5Oget_info_by_name(file, key.c_str(), &info, H5P_DEFAULT) < 0) return false;
  return info.type == H5O_TYPE_DATASET;
}

std::vector<int64_t> dims(hid_t dataset) {
  Id space(H5Dget_space(dataset));
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : 0;
  if (rank <= 0) return {};
  std::vector<hsize_t> d(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), d.data(), nullptr);
  return std::vector<int64_t>(d.begin(), d.end());
}

std::string dtype_name(hid_t type) {
  const size_t size = H5Tget_size(type);
  switch (H5Tget_class(type)) {
    case H5T_FLOAT:
      return "float" + std::to_string(8 * size);
    case H5T_INTEGER:
      return std::string(H5Tget_sign(type) == H5T_SGN_NONE ? "uint" : "int") + std::to_string(8 * size);
    case H5T_ENUM: {
      // h5py stores numpy bool as enum(int8){FALSE=0, TRUE=1}
      int nmembers = H5Tget_nmembers(type);
      if (nmembers == 2 && size == 1) {
        char* name0 = H5Tget_member_name(type, 0);
        char* name1 = H5Tget_member_name(type, 1);
        const bool is_bool = name0 && name1 && std::string(name0) == "FALSE" && std::string(name1) == "TRUE";
        H5free_memory(name0);
        H5free_memory(name1);
        if (is_bool) return "bool";
      }
      return "enum" + std::to_string(8 * size);
    }
    case H5T_STRING:
      if (H5Tis_variable_str(type) > 0) return "str";
      return "|S" + std::to_string(size);
    case H5T_COMPOUND:
      return "compound";
    case H5T_ARRAY:
      return "array";
    case H5T_OPAQUE:
      return "opaque";
    case H5T_BITFIELD:
      return "bitfield";
    case H5T_REFERENCE:
      return "reference";
    case H5T_VLEN:
      return "vlen";
    default:
      return "unknown";
  }
}

hid_t make_bool_enum() {
  hid_t type = H5Tenum_create(H5T_NATIVE_INT8);
  int8_t value = 0;
  H5Tenum_insert(type, "FALSE", &value);
  value = 1;
  H5Tenum_insert(type, "TRUE", &value);
  return type;
}

}  // namespace flowrl::data::h5
