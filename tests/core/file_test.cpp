// write_file, write_file_atomically, check_output_folder: whole files or none, errors that name the path.
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/core/file.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh, empty folder under the system temp dir.
fs::path scratch(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("flowrl-core-test-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

TEST_CASE("write_file_atomically writes and replaces whole files", "[core][file]") {
  const auto dir = scratch("replace");
  const auto path = (dir / "result.json").string();
  flowrl::write_file_atomically(path, "{\"a\": 1}\n");
  CHECK(read(path) == "{\"a\": 1}\n");
  // A shorter text replaces the file; nothing of the old one is left over, and no temporary remains.
  flowrl::write_file_atomically(path, "{}");
  CHECK(read(path) == "{}");
  CHECK_FALSE(fs::exists(path + ".tmp"));
  fs::remove_all(dir);
}

TEST_CASE("write_file_atomically keeps the old file when it cannot write", "[core][file]") {
  const auto dir = scratch("keep");
  const auto path = (dir / "eval-final.json").string();
  flowrl::write_file_atomically(path, "old");
  // The temporary's name is taken by a folder: the write fails, the old file stays whole.
  fs::create_directories(path + ".tmp");
  CHECK_THROWS_AS(flowrl::write_file_atomically(path, "new"), flowrl::Error);
  CHECK(read(path) == "old");
  fs::remove_all(dir);
}

TEST_CASE("write_file_atomically names the path it cannot write", "[core][file]") {
  CHECK_THROWS_WITH(flowrl::write_file_atomically("/nonexistent-flowrl-dir/x.json", "{}"),
                    Catch::Contains("/nonexistent-flowrl-dir/x.json") && Catch::Contains("folder exists"));
}

TEST_CASE("write_file replaces a file in place and names the path it cannot write", "[core][file]") {
  const auto dir = scratch("in-place");
  const auto path = (dir / "state.yaml").string();
  flowrl::write_file(path, "step: 250\nmore: 1\n");
  flowrl::write_file(path, "step: 500\n");
  CHECK(read(path) == "step: 500\n");
  CHECK_FALSE(fs::exists(path + ".tmp"));
  CHECK_THROWS_WITH(flowrl::write_file("/nonexistent-flowrl-dir/state.yaml", "x"),
                    Catch::Contains("/nonexistent-flowrl-dir/state.yaml") && Catch::Contains("folder exists"));
  fs::remove_all(dir);
}

TEST_CASE("check_output_folder names a missing folder before any work is done", "[core][file]") {
  const auto dir = scratch("output-folder");
  CHECK_NOTHROW(flowrl::check_output_folder((dir / "report.json").string(), "--json"));
  CHECK_NOTHROW(flowrl::check_output_folder("report.json", "--json"));  // the working folder
  CHECK_THROWS_WITH(flowrl::check_output_folder((dir / "missing" / "report.json").string(), "--json"),
                    Catch::Contains("--json " + (dir / "missing" / "report.json").string()) &&
                        Catch::Contains("the folder " + (dir / "missing").string() + " does not exist"));
  fs::remove_all(dir);
}

TEST_CASE("check_not_input refuses an output that is one of the inputs", "[core][file]") {
  const auto dir = scratch("not-input");
  const auto data = (dir / "data.hdf5").string();
  std::ofstream(data) << "rows";
  fs::create_symlink(data, dir / "link.hdf5");
  // by name, by another spelling of the name, and through a link
  for (const auto& out : {data, (dir / "." / "data.hdf5").string(), (dir / "link.hdf5").string()}) {
    INFO(out);
    CHECK_THROWS_WITH(flowrl::check_not_input(out, "--json", data, "the dataset"),
                      Catch::Contains("--json " + out + " is the dataset too"));
  }
  // other files, and options left empty, pass
  CHECK_NOTHROW(flowrl::check_not_input((dir / "data.json").string(), "--json", data, "the dataset"));
  CHECK_NOTHROW(flowrl::check_not_input("", "--json", data, "the dataset"));
  CHECK(read(data) == "rows");
  fs::remove_all(dir);
}

TEST_CASE("sync_to_disk flushes files and folders and names what it cannot open", "[core][file]") {
  const auto dir = scratch("sync");
  std::ofstream((dir / "a").string()) << "x";
  CHECK_NOTHROW(flowrl::sync_to_disk((dir / "a").string()));
  CHECK_NOTHROW(flowrl::sync_to_disk(dir.string()));
  CHECK_THROWS_WITH(flowrl::sync_to_disk((dir / "missing").string()), Catch::Contains((dir / "missing").string()));
  fs::remove_all(dir);
}
