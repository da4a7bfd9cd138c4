// bench_util.h — small helpers shared by flowrl's benchmarks: wall clock, process memory,
// machine description, and writing one section of docs/benchmarks.md.
#pragma once

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

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

}  // namespace flowrl::bench
