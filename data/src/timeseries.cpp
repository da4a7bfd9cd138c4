// Forecasting data: benchmark CSV reader, TSLib borders, train-only scaler, timeF features, windows.
//
// Shape legend: R rows, N variates, F time features, L look-back, H horizon.
#include <flowrl/core/error.h>
#include <flowrl/data/timeseries.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string_view>

namespace flowrl::data {
namespace {

// days since 1970-01-01 of a proleptic Gregorian date (civil-from-days inverse)
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                                  // [0, 399]
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;  // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           // [0, 146096]
  return era * 146097 + doe - 719468;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static const int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Monday = 0 for an arbitrary date
int weekday(int64_t y, int m, int d) {
  const int64_t days = days_from_civil(y, m, d);  // 1970-01-01 was a Thursday (3)
  return static_cast<int>(((days % 7) + 7 + 3) % 7);
}

// ISO weeks in a year: 53 when Jan 1 is a Thursday, or a Wednesday in a leap year
int iso_weeks_in_year(int y) {
  const int jan1 = weekday(y, 1, 1);
  return (jan1 == 3 || (jan1 == 2 && is_leap(y))) ? 53 : 52;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '"' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// reads an unsigned integer of 1..max_digits digits at s[pos], advancing pos
bool read_int(std::string_view s, size_t& pos, int max_digits, int& out) {
  size_t start = pos;
  int value = 0;
  while (pos < s.size() && pos - start < static_cast<size_t>(max_digits) &&
         std::isdigit(static_cast<unsigned char>(s[pos]))) {
    value = value * 10 + (s[pos] - '0');
    ++pos;
  }
  if (pos == start) return false;
  out = value;
  return true;
}

void split_fields(std::string_view line, std::vector<std::string_view>& fields) {
  fields.clear();
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return;
    }
    fields.push_back(line.substr(start, comma - start));
    start = comma + 1;
  }
}

bool parse_double(std::string_view text, double& out) {
  text = trim(text);
  if (text.empty()) return false;
  if (text.front() == '+') text.remove_prefix(1);
  const auto result = std::from_chars(text.data(), text.data() + text.size(), out);
  return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

}  // namespace

// --- CalendarTime ---

int CalendarTime::day_of_week() const { return weekday(year, month, day); }

int CalendarTime::day_of_year() const {
  return static_cast<int>(days_from_civil(year, month, day) - days_from_civil(year, 1, 1)) + 1;
}

int CalendarTime::iso_week() const {
  // ISO: week containing the year's first Thursday is week 1
  const int iso_dow = day_of_week() + 1;  // Monday = 1 .. Sunday = 7
  const int week = (day_of_year() - iso_dow + 10) / 7;
  if (week < 1) return iso_weeks_in_year(year - 1);
  if (week > iso_weeks_in_year(year)) return 1;
  return week;
}

bool parse_calendar_time(const std::string& text, CalendarTime& out) {
  const std::string_view s = trim(text);
  size_t pos = 0;
  CalendarTime t;
  if (!read_int(s, pos, 4, t.year)) return false;
  if (pos >= s.size() || (s[pos] != '-' && s[pos] != '/')) return false;
  const char sep = s[pos++];
  if (!read_int(s, pos, 2, t.month)) return false;
  if (pos >= s.size() || s[pos] != sep) return false;
  ++pos;
  if (!read_int(s, pos, 2, t.day)) return false;
  if (pos < s.size()) {
    if (s[pos] != ' ' && s[pos] != 'T') return false;
    ++pos;
    if (!read_int(s, pos, 2, t.hour)) return false;
    if (pos >= s.size() || s[pos] != ':') return false;
    ++pos;
    if (!read_int(s, pos, 2, t.minute)) return false;
    if (pos < s.size()) {
      if (s[pos] != ':') return false;
      ++pos;
      if (!read_int(s, pos, 2, t.second)) return false;
    }
    if (pos != s.size()) return false;
  }
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > days_in_month(t.year, t.month)) return false;
  if (t.hour > 23 || t.minute > 59 || t.second > 59) return false;
  out = t;
  return true;
}

// --- CSV ---

TimeSeriesTable read_timeseries_csv(const std::string& path, const TimeSeriesCsvOptions& options) {
  FLOWRL_CHECK(!std::filesystem::is_directory(path), "time-series CSV '", path, "' is a folder; name the CSV file in it");
  std::ifstream in(path, std::ios::binary);
  FLOWRL_CHECK(in.good(), "time-series CSV '", path, "' cannot be opened (", std::strerror(errno),
               "); check the path, or point the config at the folder that holds it (--set data.dir=DIR)");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // a UTF-8 byte-order mark (spreadsheet exports)

  TimeSeriesTable table;
  table.path = path;
  std::vector<std::string_view> fields;
  std::vector<std::string> header;
  int64_t date_index = -1;
  size_t line_start = 0;
  int64_t line_number = 0;
  while (line_start < text.size()) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string::npos) line_end = text.size();
    std::string_view line(text.data() + line_start, line_end - line_start);
    line_start = line_end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (trim(line).empty()) continue;  // blank lines (e.g. a trailing one)
    split_fields(line, fields);

    // header: the date column and the numeric column names
    if (header.empty()) {
      for (const auto& f : fields) header.emplace_back(trim(f));
      for (size_t c = 0; c < header.size(); ++c) {
        if (header[c] == options.date_column()) date_index = static_cast<int64_t>(c);
      }
      FLOWRL_CHECK(date_index >= 0, path, ":", line_number, ": the header has no '", options.date_column(),
                   "' column (columns: ", line, "); the benchmark files start with 'date,...'");
      FLOWRL_CHECK(header.size() >= 2, path, ":", line_number, ": the header names no numeric column");
      for (size_t c = 0; c < header.size(); ++c) {
        if (static_cast<int64_t>(c) != date_index) table.columns.push_back(header[c]);
      }
      continue;
    }

    // data row: a date and N numbers
    FLOWRL_CHECK(fields.size() == header.size(), path, ":", line_number, ": ragged row: expected ",
                 header.size(), " comma-separated fields like the header, got ", fields.size());
    CalendarTime t;
    const std::string date(trim(fields[static_cast<size_t>(date_index)]));
    FLOWRL_CHECK(parse_calendar_time(date, t), path, ":", line_number, ": date '", date,
                 "' is not YYYY-MM-DD[ HH:MM[:SS]] (or with '/' separators)");
    table.times.push_back(t);
    for (size_t c = 0; c < fields.size(); ++c) {
      if (static_cast<int64_t>(c) == date_index) continue;
      double v = 0.0;
      FLOWRL_CHECK(parse_double(fields[c], v), path, ":", line_number, ": column '", header[c], "' holds '",
                   trim(fields[c]), "', which is not a number");
      FLOWRL_CHECK(std::isfinite(v), path, ":", line_number, ": column '", header[c], "' holds '",
                   trim(fields[c]), "'; missing or non-finite values are not supported (fill them first)");
      table.values.push_back(v);
    }
  }
  FLOWRL_CHECK(!header.empty(), "time-series CSV '", path, "' is empty (no header line)");
  FLOWRL_CHECK(table.rows() > 0, "time-series CSV '", path, "' has a header but no data rows");

  // move the target column last (TSLib's Dataset_Custom column order)
  if (!options.target().empty()) {
    const auto it = std::find(table.columns.begin(), table.columns.end(), options.target());
    FLOWRL_CHECK(it != table.columns.end(), path, ": target column '", options.target(),
                 "' is not in the header; set data.target to one of the numeric columns");
    const int64_t from = it - table.columns.begin();
    const int64_t N = table.cols();
    if (from != N - 1) {
      std::vector<int64_t> order;
      for (int64_t c = 0; c < N; ++c) {
        if (c != from) order.push_back(c);
      }
      order.push_back(from);
      std::vector<std::string> columns;
      for (auto c : order) columns.push_back(table.columns[static_cast<size_t>(c)]);
      std::vector<double> values(table.values.size());
      for (int64_t r = 0; r < table.rows(); ++r) {
        for (int64_t c = 0; c < N; ++c) values[static_cast<size_t>(r * N + c)] = table.at(r, order[c]);
      }
      table.columns = std::move(columns);
      table.values = std::move(values);
    }
  }
  return table;
}

// --- splits ---

SplitScheme split_scheme_for(const std::string& path) {
  const auto slash = path.find_last_of("/\\");
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  // by the ETT name, in any case ("etth1.csv" is ETTh1 too)
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  if (name.rfind("etth", 0) == 0) return SplitScheme::kETTHour;
  if (name.rfind("ettm", 0) == 0) return SplitScheme::kETTMinute;
  return SplitScheme::kRatio;
}

SplitScheme parse_split_scheme(const std::string& name) {
  if (name == "etth") return SplitScheme::kETTHour;
  if (name == "ettm") return SplitScheme::kETTMinute;
  if (name == "ratio") return SplitScheme::kRatio;
  fail("unknown split scheme '", name, "'; use etth, ettm or ratio (or auto, from the file name)");
}

const char* split_name(Split split) {
  switch (split) {
    case Split::kTrain: return "train";
    case Split::kVal: return "val";
    case Split::kTest: return "test";
  }
  return "?";
}

const RowRange& SplitBorders::operator[](Split split) const {
  switch (split) {
    case Split::kTrain: return train;
    case Split::kVal: return val;
    case Split::kTest: return test;
  }
  return train;
}

SplitBorders split_borders(SplitScheme scheme, int64_t rows, int64_t seq_len) {
  FLOWRL_CHECK(seq_len > 0, "split_borders: seq_len must be positive, got ", seq_len);
  SplitBorders b;
  if (scheme == SplitScheme::kRatio) {
    const int64_t n_train = static_cast<int64_t>(static_cast<double>(rows) * 0.7);
    const int64_t n_test = static_cast<int64_t>(static_cast<double>(rows) * 0.2);
    const int64_t n_val = rows - n_train - n_test;
    b.train = {0, n_train};
    b.val = {n_train - seq_len, n_train + n_val};
    b.test = {rows - n_test - seq_len, rows};
  } else {
    // 12/4/4 months of 30 days, in hours or quarter hours
    const int64_t unit = scheme == SplitScheme::kETTHour ? 24 : 96;
    const int64_t month = 30 * unit;
    const int64_t train_end = 12 * month, val_end = 16 * month, test_end = 20 * month;
    FLOWRL_CHECK(rows >= test_end, "an ", scheme == SplitScheme::kETTHour ? "ETTh" : "ETTm",
                 " split needs at least ", test_end, " rows, the table has ", rows,
                 "; use data.split: ratio for other files");
    b.train = {0, train_end};
    b.val = {train_end - seq_len, val_end};
    b.test = {val_end - seq_len, test_end};
  }
  FLOWRL_CHECK(b.val.begin >= 0 && b.test.begin >= 0 && b.train.size() > 0, "a table of ", rows,
               " rows is too short for look-back ", seq_len);
  return b;
}

// --- time features ---

TimeFrequency parse_time_frequency(const std::string& name) {
  std::string s = name;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "t" || s == "min" || s == "15min" || s == "minutely") return TimeFrequency::kMinutely;
  if (s == "h" || s == "hourly") return TimeFrequency::kHourly;
  if (s == "d" || s == "b" || s == "daily") return TimeFrequency::kDaily;
  if (s == "w" || s == "weekly") return TimeFrequency::kWeekly;
  if (s == "m" || s == "monthly") return TimeFrequency::kMonthly;
  fail("unknown time-feature frequency '", name, "'; use t (minutely), h, d, w or m");
}

int64_t num_time_features(TimeFrequency freq) {
  switch (freq) {
    case TimeFrequency::kMinutely: return 5;
    case TimeFrequency::kHourly: return 4;
    case TimeFrequency::kDaily: return 3;
    case TimeFrequency::kWeekly: return 2;
    case TimeFrequency::kMonthly: return 1;
  }
  return 0;
}

void time_features(const CalendarTime& t, TimeFrequency freq, float* out) {
  const double minute = t.minute / 59.0 - 0.5;
  const double hour = t.hour / 23.0 - 0.5;
  const double weekday = t.day_of_week() / 6.0 - 0.5;
  const double mday = (t.day - 1) / 30.0 - 0.5;
  const double yday = (t.day_of_year() - 1) / 365.0 - 0.5;
  const double week = (t.iso_week() - 1) / 52.0 - 0.5;
  const double month = (t.month - 1) / 11.0 - 0.5;
  auto put = [&out](std::initializer_list<double> values) {
    for (double v : values) *out++ = static_cast<float>(v);
  };
  switch (freq) {
    case TimeFrequency::kMinutely: put({minute, hour, weekday, mday, yday}); break;
    case TimeFrequency::kHourly: put({hour, weekday, mday, yday}); break;
    case TimeFrequency::kDaily: put({weekday, mday, yday}); break;
    case TimeFrequency::kWeekly: put({mday, week}); break;
    case TimeFrequency::kMonthly: put({month}); break;
  }
}

// --- scaler ---

StandardScaler StandardScaler::fit(const TimeSeriesTable& table, RowRange rows) {
  FLOWRL_CHECK(rows.begin >= 0 && rows.end <= table.rows() && rows.size() > 0, "StandardScaler::fit: rows [",
               rows.begin, ", ", rows.end, ") are empty or outside the table of ", table.rows(), " rows");
  const int64_t N = table.cols();
  StandardScaler s;
  s.mean.assign(static_cast<size_t>(N), 0.0);
  s.scale.assign(static_cast<size_t>(N), 0.0);
  for (int64_t r = rows.begin; r < rows.end; ++r) {
    for (int64_t c = 0; c < N; ++c) s.mean[c] += table.at(r, c);
  }
  for (auto& m : s.mean) m /= static_cast<double>(rows.size());
  // two-pass population variance
  for (int64_t r = rows.begin; r < rows.end; ++r) {
    for (int64_t c = 0; c < N; ++c) {
      const double d = table.at(r, c) - s.mean[c];
      s.scale[c] += d * d;
    }
  }
  for (auto& v : s.scale) {
    v = std::sqrt(v / static_cast<double>(rows.size()));
    if (v == 0.0) v = 1.0;
  }
  return s;
}

// --- windows ---

int64_t ForecastSeries::num_windows(Split split) const {
  return std::max<int64_t>(0, borders[split].size() - seq_len - pred_len + 1);
}

const float* ForecastSeries::input(Split split, int64_t index) const {
  return values.data() + window_start(split, index) * n_vars;
}

const float* ForecastSeries::target(Split split, int64_t index) const {
  return values.data() + (window_start(split, index) + seq_len) * n_vars;
}

const float* ForecastSeries::input_marks(Split split, int64_t index) const {
  return marks.data() + window_start(split, index) * n_marks;
}

const float* ForecastSeries::target_marks(Split split, int64_t index) const {
  return marks.data() + (window_start(split, index) + seq_len) * n_marks;
}

ForecastSeries make_forecast_series(const TimeSeriesTable& table, const ForecastSeriesOptions& options) {
  FLOWRL_CHECK(options.seq_len() > 0 && options.pred_len() > 0, table.path,
               ": seq_len and pred_len must be positive, got ", options.seq_len(), " and ", options.pred_len());
  ForecastSeries s;
  s.columns = table.columns;
  s.n_vars = table.cols();
  s.n_marks = num_time_features(options.freq());
  s.seq_len = options.seq_len();
  s.pred_len = options.pred_len();
  s.borders = split_borders(options.scheme(), table.rows(), s.seq_len);
  s.rows = s.borders.test.end;
  for (Split split : {Split::kTrain, Split::kVal, Split::kTest}) {
    FLOWRL_CHECK(s.num_windows(split) > 0, table.path, ": the ", split_name(split), " split has ",
                 s.borders[split].size(), " rows, too few for look-back ", s.seq_len, " + horizon ", s.pred_len,
                 "; shorten data.seq_len or data.pred_len");
  }

  // scaler from the training rows only, applied to every kept row
  if (options.scale()) {
    s.scaler = StandardScaler::fit(table, s.borders.train);
  } else {
    s.scaler.mean.assign(static_cast<size_t>(s.n_vars), 0.0);
    s.scaler.scale.assign(static_cast<size_t>(s.n_vars), 1.0);
  }
  s.values.resize(static_cast<size_t>(s.rows * s.n_vars));  // (R x N)
  for (int64_t r = 0; r < s.rows; ++r) {
    for (int64_t c = 0; c < s.n_vars; ++c) {
      s.values[static_cast<size_t>(r * s.n_vars + c)] = static_cast<float>(s.scaler.transform(table.at(r, c), c));
    }
  }
  s.marks.resize(static_cast<size_t>(s.rows * s.n_marks));  // (R x F)
  for (int64_t r = 0; r < s.rows; ++r) {
    time_features(table.times[static_cast<size_t>(r)], options.freq(), s.marks.data() + r * s.n_marks);
  }
  return s;
}

}  // namespace flowrl::data
