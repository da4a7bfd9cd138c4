// d4rl_writer_test.cpp — write_d4rl stores exactly what h5py / d4rl expect.
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/data/d4rl.h>
#include <hdf5.h>

#include <cstring>
#include <filesystem>

#include "d4rl_fixtures.h"

using namespace flowrl;
using namespace flowrl::data;
using flowrl::test::TempDir;

namespace {

// opens `key` of `path` and hands its dataset, type and creation plist to `check`
template <typename F>
void with_dataset(const std::string& path, const std::string& key, F check) {
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(file >= 0);
  hid_t d = H5Dopen2(file, key.c_str(), H5P_DEFAULT);
  REQUIRE(d >= 0);
  hid_t type = H5Dget_type(d);
  hid_t dcpl = H5Dget_create_plist(d);
  check(d, type, dcpl);
  H5Pclose(dcpl);
  H5Tclose(type);
  H5Dclose(d);
  H5Fclose(file);
}

}  // namespace

TEST_CASE("flags are h5py's enum bool: int8 base, FALSE=0, TRUE=1", "[data][writer]") {
  TempDir tmp;
  const auto path = tmp.file("bool.hdf5");
  write_d4rl(path, test::make_dataset({3, 2}, "to"));
  for (const char* key : {"terminals", "timeouts"}) {
    with_dataset(path, key, [&](hid_t, hid_t type, hid_t) {
      REQUIRE(H5Tget_class(type) == H5T_ENUM);
      CHECK(H5Tget_nmembers(type) == 2);
      char* n0 = H5Tget_member_name(type, 0);
      char* n1 = H5Tget_member_name(type, 1);
      CHECK(std::string(n0) == "FALSE");
      CHECK(std::string(n1) == "TRUE");
      H5free_memory(n0);
      H5free_memory(n1);
      int8_t v0 = -1, v1 = -1;
      H5Tget_member_value(type, 0, &v0);
      H5Tget_member_value(type, 1, &v1);
      CHECK(v0 == 0);
      CHECK(v1 == 1);
      hid_t base = H5Tget_super(type);
      CHECK(H5Tequal(base, H5T_STD_I8LE) > 0);
      H5Tclose(base);
    });
  }
}

TEST_CASE("arrays are chunked and gzip-compressed, strings are fixed-length null-padded ASCII", "[data][writer]") {
  TempDir tmp;
  auto ds = test::make_dataset({50, 50}, "oo");
  ds.metadata.strings["algorithm"] = "SAC";
  ds.metadata.strings["policy/output_distribution"] = "tanh_gaussian";
  ds.metadata.integers["iteration"] = 42;
  const auto path = tmp.file("layout.hdf5");
  write_d4rl(path, ds, D4RLWriteOptions().chunk_rows(16));
  for (const char* key : {"observations", "actions", "rewards", "terminals", "timeouts", "next_observations",
                          "infos/qpos", "infos/qvel", "infos/action_log_probs"}) {
    with_dataset(path, key, [&](hid_t, hid_t, hid_t dcpl) {
      INFO(key);
      CHECK(H5Pget_layout(dcpl) == H5D_CHUNKED);
      hsize_t chunk[2] = {0, 0};
      H5Pget_chunk(dcpl, 2, chunk);
      CHECK(chunk[0] == 16);
      REQUIRE(H5Pget_nfilters(dcpl) == 1);
      unsigned flags = 0, level[1] = {0};
      size_t nelem = 1;
      CHECK(H5Pget_filter2(dcpl, 0, &flags, &nelem, level, 0, nullptr, nullptr) == H5Z_FILTER_DEFLATE);
      CHECK(level[0] == 4);
    });
  }
  with_dataset(path, "metadata/algorithm", [&](hid_t d, hid_t type, hid_t) {
    CHECK(H5Tget_class(type) == H5T_STRING);
    CHECK(H5Tis_variable_str(type) == 0);
    CHECK(H5Tget_size(type) == 3);
    CHECK(H5Tget_strpad(type) == H5T_STR_NULLPAD);
    CHECK(H5Tget_cset(type) == H5T_CSET_ASCII);
    hid_t space = H5Dget_space(d);
    CHECK(H5Sget_simple_extent_type(space) == H5S_SCALAR);
    H5Sclose(space);
    char buf[4] = {0};
    H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    CHECK(std::string(buf) == "SAC");
  });
  with_dataset(path, "metadata/iteration", [&](hid_t, hid_t type, hid_t) {
    CHECK(H5Tequal(type, H5T_STD_I32LE) > 0);
  });
  with_dataset(path, "observations", [&](hid_t, hid_t type, hid_t) {
    CHECK(H5Tequal(type, H5T_IEEE_F32LE) > 0);
  });
  with_dataset(path, "infos/qpos", [&](hid_t, hid_t type, hid_t) {
    CHECK(H5Tequal(type, H5T_IEEE_F64LE) > 0);
  });
}

TEST_CASE("round trip keeps every key, including v0 files without timeouts", "[data][writer]") {
  TempDir tmp;
  for (bool with_timeouts : {true, false}) {
    auto ds = test::make_dataset({7, 5, 3}, "tt-", 4, 3, with_timeouts);
    ds.infos.qpos = DoubleMatrix();  // an absent optional key stays absent
    const auto path = tmp.file(with_timeouts ? "rt2.hdf5" : "rt0.hdf5");
    write_d4rl(path, ds);
    const auto back = load_d4rl(path);
    CHECK(back.has_timeouts() == with_timeouts);
    CHECK(back.timeouts == ds.timeouts);
    CHECK(back.observations.values == ds.observations.values);
    CHECK(back.actions.values == ds.actions.values);
    CHECK(back.terminals == ds.terminals);
    CHECK(back.infos.qpos.empty());
    CHECK(back.infos.qvel.values == ds.infos.qvel.values);
    // and a second round trip is byte-stable in content
    const auto path2 = tmp.file("again.hdf5");
    write_d4rl(path2, back);
    const auto again = load_d4rl(path2);
    CHECK(again.rewards == back.rewards);
    CHECK(again.next_observations.values == back.next_observations.values);
  }
}

TEST_CASE("writer overwrites, leaves no partial file, and reports unwritable paths", "[data][writer]") {
  TempDir tmp;
  const auto path = tmp.file("over.hdf5");
  write_d4rl(path, test::make_dataset({3}, "t"));
  write_d4rl(path, test::make_dataset({5}, "t"));
  CHECK(load_d4rl(path).size() == 5);
  CHECK_FALSE(std::filesystem::exists(path + ".partial"));
  CHECK_THROWS_WITH(write_d4rl(tmp.file("no/such/dir/x.hdf5"), test::make_dataset({3}, "t")),
                    Catch::Matchers::Contains("cannot create the file"));
  CHECK_THROWS_AS(write_d4rl(path, test::make_dataset({3}, "t"), D4RLWriteOptions().gzip_level(11)), Error);
}
