// flowrl/core/cpu.h — what the CPU offers, as the kernel lists it.
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace flowrl {

/// The instruction-set flags of the first CPU in /proc/cpuinfo (as `lscpu` lists them), keeping
/// only those for which `keep(flag)` is true; empty where /proc/cpuinfo cannot be read.
template <class Keep>
std::vector<std::string> cpu_flags(Keep&& keep) {
  std::ifstream in("/proc/cpuinfo");
  std::vector<std::string> found;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    for (std::string w; words >> w;) {
      if (keep(w)) found.push_back(w);
    }
    break;
  }
  return found;
}

/// `flags` joined by spaces, or `none` when empty.
inline std::string join_flags(const std::vector<std::string>& flags, const std::string& none) {
  std::string out;
  for (const auto& f : flags) out += (out.empty() ? "" : " ") + f;
  return out.empty() ? none : out;
}

}  // namespace flowrl
