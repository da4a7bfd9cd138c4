// flowrl/core/progress.h — a progress bar for long jobs (training, dataset collection).
//
// On a terminal it redraws one line in place a few times per second; otherwise (logs, CI) it
// prints a plain line every `log_interval` seconds, so long runs leave a readable trace.
//
//   ProgressBar bar(steps, "train");
//   for (...) bar.update(step + 1, "loss 0.012");
//   bar.finish();
#pragma once

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

namespace flowrl {

/// A throttled progress bar: percent, count, rate, elapsed time and ETA, plus caller text.
class ProgressBar {
 public:
  /// total: the count at completion; `start` the count already done (a resumed job).
  ProgressBar(int64_t total, std::string label, int64_t start = 0, double log_interval = 30.0)
      : total_(std::max<int64_t>(total, 1)), start_count_(start), label_(std::move(label)),
        tty_(isatty(fileno(stderr)) != 0), log_interval_(log_interval), t0_(Clock::now()), last_(t0_) {}

  /// Reports `done` units finished; redraws if enough time has passed (the final state is drawn by finish()).
  void update(int64_t done, const std::string& extra = "") {
    const auto now = Clock::now();
    const double since = seconds(last_, now);
    if (done >= total_ || since < (tty_ ? 0.2 : log_interval_)) return;  // finish() draws the end
    last_ = now;
    draw(done, extra, done >= total_);
  }

  /// Draws the final state and ends the line.
  void finish(const std::string& extra = "") {
    draw(total_, extra, true);
  }

  /// Seconds since the bar was created.
  double elapsed() const { return seconds(t0_, Clock::now()); }

  /// "1h02m" / "3m05s" / "12s".
  static std::string format_duration(double s) {
    const auto t = static_cast<int64_t>(s + 0.5);
    char buf[32];
    if (t >= 3600) {
      std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(t / 3600), static_cast<long long>(t % 3600 / 60));
    } else if (t >= 60) {
      std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(t / 60), static_cast<long long>(t % 60));
    } else {
      std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(t));
    }
    return buf;
  }

 private:
  using Clock = std::chrono::steady_clock;
  static double seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
  }

  void draw(int64_t done, const std::string& extra, bool final_line) {
    const double el = elapsed();
    const double rate = el > 0 ? static_cast<double>(done - start_count_) / el : 0.0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
    const double frac = std::clamp(static_cast<double>(done) / static_cast<double>(total_), 0.0, 1.0);
    std::ostringstream line;
    line << label_ << " ";
    if (tty_) {
      const int width = 24, filled = static_cast<int>(frac * width);
      line << "[" << std::string(static_cast<size_t>(filled), '#') << std::string(static_cast<size_t>(width - filled), '.')
           << "] ";
    }
    char buf[128];
    std::snprintf(buf, sizeof buf, "%3.0f%% %lld/%lld %.1f/s elapsed %s ETA %s", 100.0 * frac,
                  static_cast<long long>(done), static_cast<long long>(total_), rate, format_duration(el).c_str(),
                  format_duration(eta).c_str());
    line << buf;
    if (!extra.empty()) line << " | " << extra;
    if (tty_) {
      std::cerr << "\r" << line.str() << "\033[K" << (final_line ? "\n" : "") << std::flush;
    } else {
      std::cerr << line.str() << "\n" << std::flush;
    }
  }

  int64_t total_, start_count_;
  std::string label_;
  bool tty_;
  double log_interval_;
  Clock::time_point t0_, last_;
};

}  // namespace flowrl
