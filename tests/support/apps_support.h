// apps_support.h — running flowrl's programs from the tests.
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace flowrl::test {

/// What a program run printed and returned.
struct RunResult {
  int code = -1;       ///< exit status
  std::string output;  ///< stdout and stderr together
};

/// Runs `command` through the shell, capturing its output in `log_file`.
inline RunResult run_command(const std::string& command, const std::string& log_file) {
  const int status = std::system((command + " > '" + log_file + "' 2>&1").c_str());
  RunResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(log_file);
  std::stringstream buf;
  buf << in.rdbuf();
  r.output = buf.str();
  return r;
}

}  // namespace flowrl::test
