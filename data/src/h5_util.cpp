// h5_util.cpp — private HDF5 helpers of flowrl::data (see h5_util.h).
#include "h5_util.h"

#include <sys/stat.h>

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

Id open_file(const std::string& path, const OpenHints& hints) {
  struct stat st {};
  FLOWRL_CHECK(::stat(path.c_str(), &st) == 0, path, ": file not found. ", hints.missing);
  FLOWRL_CHECK(!S_ISDIR(st.st_mode), path, ": is a directory, not an HDF5 file.");
  FLOWRL_CHECK(st.st_size > 0, path, ": the file is empty (0 bytes), not an HDF5 dataset. "
               "Download or generate it again.");
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    last_error();
    fail(path, ": not an HDF5 file (no HDF5 signature in its first bytes). ", hints.not_hdf5);
  }
  Id file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!file.valid()) {
    const std::string why = last_error();
    fail(path, ": cannot be opened as HDF5: the file is truncated or corrupt (HDF5: ", why,
         "). Download or generate it again.");
  }
  return file;
}

void read(hid_t dataset, hid_t memtype, void* out, const std::string& where) {
  if (H5Dread(dataset, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0) return;
  const std::string why = last_error();
  // a compression filter this HDF5 lacks (h5py's lzf, blosc plugins) is not a corrupt file
  FLOWRL_CHECK(why.find("not registered") == std::string::npos, where, " is stored with a compression ",
               "filter this machine's HDF5 library cannot decode (HDF5: ", why, "). Re-save the file with gzip ",
               "or without compression (h5py: compression='gzip'), or install the filter's HDF5 plugin.");
  fail(where, " cannot be read: the data is truncated or corrupt (HDF5: ", why,
       "). Download or generate the file again.");
}

std::optional<Attribute> read_attribute(hid_t object, const std::string& name) {
  if (H5Aexists(object, name.c_str()) <= 0) return std::nullopt;
  Id attr(H5Aopen(object, name.c_str(), H5P_DEFAULT));
  if (!attr.valid()) return std::nullopt;
  Id type(H5Aget_type(attr.get()));
  Id space(H5Aget_space(attr.get()));
  Attribute a;
  a.dtype = dtype_name(type.get());
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank > 0) {
    std::vector<hsize_t> d(static_cast<size_t>(rank));
    H5Sget_simple_extent_dims(space.get(), d.data(), nullptr);
    a.shape.assign(d.begin(), d.end());
  }
  if (H5Sget_simple_extent_npoints(space.get()) != 1) return a;  // kOther: an array (or empty)
  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER:
    case H5T_ENUM: {
      Id base(H5Tget_class(type.get()) == H5T_ENUM ? H5Tget_super(type.get()) : H5Tcopy(type.get()));
      a.is_unsigned = H5Tget_sign(base.get()) == H5T_SGN_NONE;
      const herr_t ok = a.is_unsigned ? H5Aread(attr.get(), H5T_NATIVE_UINT64, &a.uinteger)
                                      : H5Aread(attr.get(), H5T_NATIVE_INT64, &a.integer);
      if (ok < 0) return a;
      a.kind = Attribute::Kind::kInteger;
      return a;
    }
    case H5T_FLOAT:
      if (H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &a.real) >= 0) a.kind = Attribute::Kind::kFloat;
      return a;
    case H5T_STRING: {
      Id mem(H5Tcopy(H5T_C_S1));
      H5Tset_cset(mem.get(), H5Tget_cset(type.get()));
      if (H5Tis_variable_str(type.get()) > 0) {
        H5Tset_size(mem.get(), H5T_VARIABLE);
        char* s = nullptr;
        if (H5Aread(attr.get(), mem.get(), &s) < 0) return a;
        a.text = s ? s : "";
        H5free_memory(s);
      } else {
        const size_t size = H5Tget_size(type.get());
        H5Tset_size(mem.get(), size + 1);
        std::string buf(size + 1, '\0');
        if (H5Aread(attr.get(), mem.get(), buf.data()) < 0) return a;
        buf.resize(std::char_traits<char>::length(buf.c_str()));
        a.text = buf;
      }
      a.kind = Attribute::Kind::kString;
      return a;
    }
    default:
      return a;
  }
}

namespace {
herr_t collect_name(hid_t, const char* name, const H5A_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}
herr_t collect_link(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}
}  // namespace

std::vector<std::string> attribute_names(hid_t object) {
  std::vector<std::string> names;
  hsize_t index = 0;
  if (H5Aiterate2(object, H5_INDEX_NAME, H5_ITER_INC, &index, collect_name, &names) < 0) last_error();
  return names;
}

std::vector<std::string> member_names(hid_t group) {
  std::vector<std::string> names;
  hsize_t index = 0;
  if (H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, collect_link, &names) < 0) last_error();
  return names;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) s += ",";
  return s + ")";
}

}  // namespace flowrl::data::h5
