// bench_util.h — small helpers shared by flowrl's benchmarks: wall clock, process memory,
// machine description, and writing one section of docs/benchmarks.md.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <sys/resource.h>
#include <vector>

namespace flowrl::bench {

/// Seconds since an arbitrary epoch (steady clock).
inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// A "Vm..." field of /proc/self/status in MiB (VmRSS: resident now, VmHWM: peak resident).
inline double proc_status_mib(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::istringstream fields(line.substr(field.size() + 1));
      double kib = 0;
      fields >> kib;
      return kib / 1024.0;
    }
  }
  return -1.0;
}

/// CPU time (user + system) and minor page faults of this process so far.
struct ProcessUsage {
  double cpu_ms = 0;
  double minor_faults = 0;
};
inline ProcessUsage process_usage() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  auto ms = [](const timeval& t) { return 1e3 * static_cast<double>(t.tv_sec) + 1e-3 * static_cast<double>(t.tv_usec); };
  return {ms(r.ru_utime) + ms(r.ru_stime), static_cast<double>(r.ru_minflt)};
}

/// Resets the peak-RSS counter (VmHWM) to the current RSS (Linux >= 4.0), so that a later
/// VmHWM reading is the peak of what ran in between.
inline bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  return static_cast<bool>(clear);
}

/// "model name, N cores" from /proc/cpuinfo.
inline std::string machine_description() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  std::ostringstream out;
  out << model << ", " << std::thread::hardware_concurrency() << " cores";
  return out.str();
}

/// The 1-minute load average from /proc/loadavg (-1 when unreadable).
inline double load_average() {
  std::ifstream in("/proc/loadavg");
  double one = -1.0;
  in >> one;
  return in ? one : -1.0;
}

/// A sentence on how busy the machine was, from load averages sampled at the start and the end of
/// a benchmark: the figures are only comparable across machines when the load stayed below the
/// core count.
inline std::string load_note(double load_start, double load_end) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(2);
  const unsigned cores = std::thread::hardware_concurrency();
  out << "1-minute load average " << load_start << " at the start and " << load_end << " at the end on "
      << cores << " cores";
  if (load_start > cores + 0.5 || load_end > cores + 0.5)
    out << " (other jobs shared the machine, so absolute times are pessimistic; read the ratios)";
  return out.str();
}

/// Replaces the text between `<!-- bench:NAME:begin -->` and `<!-- bench:NAME:end -->` in the
/// Markdown file (appending the section if absent), so each benchmark owns one section.
inline void write_section(const std::string& path, const std::string& name, const std::string& body) {
  std::string text;
  {
    std::ifstream in(path);
    std::stringstream buf;
    buf << in.rdbuf();
    text = buf.str();
  }
  if (text.empty()) text = "# flowrl benchmarks\n\nEach section is written by the benchmark it names.\n";
  const std::string begin = "<!-- bench:" + name + ":begin -->", end = "<!-- bench:" + name + ":end -->";
  const std::string block = begin + "\n" + body + end;
  auto b = text.find(begin), e = text.find(end);
  if (b != std::string::npos && e != std::string::npos && e > b) {
    text.replace(b, e + end.size() - b, block);
  } else {
    if (text.back() != '\n') text += "\n";
    text += "\n" + block + "\n";
  }
  std::ofstream(path) << text;
}

/// Writes `body` as section `name` of the Markdown file `path` (write_section) and prints it.
inline void publish_section(const std::string& path, const std::string& name, const std::string& body) {
  write_section(path, name, body);
  std::cout << body;
}

/// A benchmark's command line: "--name value" pairs from a fixed list of options. --help (or -h)
/// prints the usage and exits 0; an unknown option, a missing value or a malformed number throws
/// std::invalid_argument with a message naming the option, before anything is measured or written.
class Args {
 public:
  Args(int argc, char** argv, std::string usage, std::vector<std::string> options) : usage_(std::move(usage)) {
    for (int i = 1; i < argc; ++i) {
      const std::string name = argv[i];
      if (name == "--help" || name == "-h") {
        std::cout << usage_ << "\n";
        std::exit(0);
      }
      if (std::find(options.begin(), options.end(), name) == options.end()) fail("unknown option " + name);
      if (i + 1 >= argc) fail(name + " needs a value");
      values_[name] = argv[++i];
    }
  }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string text(const std::string& name, const std::string& fallback) const {
    return has(name) ? values_.at(name) : fallback;
  }
  /// An integer option, at least `min`.
  int64_t integer(const std::string& name, int64_t fallback, int64_t min = 1) const {
    if (!has(name)) return fallback;
    const std::string& v = values_.at(name);
    char* end = nullptr;
    const long long x = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || x < min) fail(name + ": '" + v + "' is not an integer >= " + std::to_string(min));
    return x;
  }
  /// A positive number option.
  double real(const std::string& name, double fallback) const {
    if (!has(name)) return fallback;
    const std::string& v = values_.at(name);
    char* end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !(x > 0)) fail(name + ": '" + v + "' is not a positive number");
    return x;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw std::invalid_argument(what + "\n" + usage_); }
  std::string usage_;
  std::map<std::string, std::string> values_;
};

}  // namespace flowrl::bench
