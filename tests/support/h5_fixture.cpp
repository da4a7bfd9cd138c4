#include "h5_fixture.h"

#include <flowrl/core/error.h>
#include <hdf5.h>

#include <cstdlib>

namespace flowrl::test {
namespace {

struct File {
  hid_t id;
  explicit File(const std::string& path) : id(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)) {
    FLOWRL_CHECK(id >= 0, "cannot open HDF5 fixture ", path);
  }
  ~File() { H5Fclose(id); }
};

herr_t collect(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

}  // namespace

H5Array read_h5_array(const std::string& file, const std::string& path) {
  File f(file);
  hid_t ds = H5Dopen2(f.id, path.c_str(), H5P_DEFAULT);
  FLOWRL_CHECK(ds >= 0, file, ": no dataset ", path);
  hid_t space = H5Dget_space(ds);
  int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(rank);
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  H5Array a;
  size_t n = 1;
  for (auto d : dims) {
    a.shape.push_back(static_cast<int64_t>(d));
    n *= d;
  }
  a.values.resize(n);
  herr_t rc = H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.values.data());
  H5Sclose(space);
  H5Dclose(ds);
  FLOWRL_CHECK(rc >= 0, file, ": cannot read ", path);
  return a;
}

double read_h5_attr(const std::string& file, const std::string& path, const std::string& name) {
  File f(file);
  hid_t attr = H5Aopen_by_name(f.id, path.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT);
  FLOWRL_CHECK(attr >= 0, file, ": no attribute ", path, "@", name);
  double v = 0;
  herr_t rc = H5Aread(attr, H5T_NATIVE_DOUBLE, &v);
  H5Aclose(attr);
  FLOWRL_CHECK(rc >= 0, file, ": cannot read attribute ", path, "@", name);
  return v;
}

std::vector<std::string> list_h5_group(const std::string& file, const std::string& path) {
  File f(file);
  std::vector<std::string> names;
  H5Literate_by_name(f.id, path.c_str(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names, H5P_DEFAULT);
  return names;
}

std::string test_data_dir() {
  if (const char* dir = std::getenv("FLOWRL_TEST_DATA")) return dir;
  return FLOWRL_SOURCE_DIR "/tests/fixtures";
}

}  // namespace flowrl::test
