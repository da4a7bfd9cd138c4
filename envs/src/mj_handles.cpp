// mj_handles.cpp — checked MuJoCo loading, a per-process model cache, the warning and error routes.
#include "mj_handles.h"

#include <flowrl/core/error.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <tuple>

namespace flowrl::envs::detail {
namespace {

void warning_to_stderr(const char* message) { std::fprintf(stderr, "MuJoCo warning: %s\n", message); }

// MuJoCo's own error handler prints "Press Enter to exit", waits on stdin and exits; this one throws
// instead (an allocation that fails, say), so the program reports the error and ends cleanly. The
// x86-64 ABI's unwind tables let the exception pass through MuJoCo's C frames.
[[noreturn]] void error_to_exception(const char* message) {
  fail("MuJoCo: ", message, " (for an allocation: too many environment copies or too little memory)");
}

}  // namespace

void check_mujoco_version() {
  FLOWRL_CHECK(mj_version() == mjVERSION_HEADER, "MuJoCo library version ", mj_version(),
               " does not match the headers flowrl was built with (", mjVERSION_HEADER,
               "); rebuild flowrl against the installed libmujoco");
}

void install_mujoco_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (mju_user_warning == nullptr) mju_user_warning = warning_to_stderr;
    if (mju_user_error == nullptr) mju_user_error = error_to_exception;
  });
}

ModelPtr load_model(const std::string& path) {
  check_mujoco_version();
  install_mujoco_handlers();
  FLOWRL_CHECK(std::filesystem::is_regular_file(path), "MuJoCo model file ", path,
               " does not exist; set FLOWRL_ASSETS_DIR (or EnvOptions::assets_dir) to the folder "
               "holding hopper.xml, walker2d.xml, half_cheetah.xml and ant.xml");
  // mj_loadXML reports problems through the caller's buffer
  char error[1024] = "";
  ModelPtr model(mj_loadXML(path.c_str(), nullptr, error, sizeof(error)));
  FLOWRL_CHECK(model != nullptr, "MuJoCo could not load model file ", path, ": ",
               error[0] ? error : "unknown error");
  return model;
}

SharedModel load_shared_model(const std::string& path) {
  // key: canonical path + modification time + size, so an edited file is recompiled
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);
  if (ec) canonical = path;
  auto mtime = fs::last_write_time(canonical, ec);
  auto size = fs::file_size(canonical, ec);
  if (ec) return SharedModel(load_model(path).release(), ModelDeleter{});
  using Key = std::tuple<std::string, fs::file_time_type::rep, std::uintmax_t>;
  Key key{canonical.string(), mtime.time_since_epoch().count(), size};

  static std::mutex mutex;
  static std::map<Key, SharedModel> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  SharedModel model(load_model(canonical.string()).release(), ModelDeleter{});
  cache.emplace(key, model);
  return model;
}

DataPtr make_data(const mjModel* model) {
  install_mujoco_handlers();
  DataPtr data(mj_makeData(model));
  FLOWRL_CHECK(data != nullptr, "MuJoCo could not allocate mjData (out of memory?)");
  return data;
}

}  // namespace flowrl::envs::detail
