// flowrl/data/timeseries.h — long-horizon forecasting data: the benchmark CSV reader, the standard
// train/val/test borders, the train-only standard scaler, calendar time features and the stride-1
// look-back/horizon windows.
//
// The protocol is the one of Informer / Autoformer / Time-Series-Library (docs/forecasting.md):
//   ETTh*: train [0, 8640), val [8640-L, 11520), test [11520-L, 14400) (rows; the rest is unused)
//   ETTm*: the same borders times 4
//   other: n_train = int(0.7 N), n_test = int(0.2 N), n_val = N - n_train - n_test,
//          train [0, n_train), val [n_train-L, n_train+n_val), test [N-n_test-L, N)
// A split of R rows holds R - L - H + 1 windows; every one of them is used (no drop_last).
//
// Shape legend: R rows, N variates (numeric columns), F time features, L look-back, H horizon.
// Torch-free: values are row-major std::vector storage; batching into tensors is done by the
// forecast library.
//
//   auto table = flowrl::data::read_timeseries_csv("data/timeseries/ETTh1.csv");
//   auto series = flowrl::data::make_forecast_series(table, flowrl::data::ForecastSeriesOptions()
//                     .scheme(flowrl::data::SplitScheme::kETTHour).seq_len(96).pred_len(96));
//   series.num_windows(flowrl::data::Split::kTest);   // 2785
//   const float* x = series.input(flowrl::data::Split::kTest, 0);   // L x N values
#pragma once

#include <flowrl/core/arg.h>

#include <cstdint>
#include <string>
#include <vector>

namespace flowrl::data {

/// A calendar timestamp parsed from the CSV date column.
struct CalendarTime {
  int year = 1970;   ///< e.g. 2016
  int month = 1;     ///< 1..12
  int day = 1;       ///< 1..31
  int hour = 0;      ///< 0..23
  int minute = 0;    ///< 0..59
  int second = 0;    ///< 0..59

  /// Day of the week, Monday = 0 .. Sunday = 6 (pandas' dayofweek).
  int day_of_week() const;
  /// Day of the year, 1..366.
  int day_of_year() const;
  /// ISO-8601 week number, 1..53 (pandas' isocalendar().week).
  int iso_week() const;
};

/// Parses "YYYY-MM-DD[ HH:MM[:SS]]" (also '/' separators, 'T' before the time, one-digit fields).
/// Returns false when `text` is not such a date.
bool parse_calendar_time(const std::string& text, CalendarTime& out);

/// Options of read_timeseries_csv().
///
///   auto table = read_timeseries_csv(path, TimeSeriesCsvOptions().target("OT"));
struct TimeSeriesCsvOptions {
  /// Name of the date column (required in the header).
  FLOWRL_ARG(std::string, date_column) = "date";
  /// Column moved to the last place, as the Time-Series-Library loader does (the `S`/`MS` target).
  /// Empty: keep the file's column order. A name that is not a column is an error.
  FLOWRL_ARG(std::string, target) = "OT";
};

/// A benchmark CSV in memory: one date column and N numeric columns.
struct TimeSeriesTable {
  std::string path;                  ///< the file it was read from
  std::vector<std::string> columns;  ///< (N) numeric column names, target last
  std::vector<CalendarTime> times;   ///< (R) the date column
  /// (R x N) values, row-major, exactly as parsed (float64: sklearn's scaler sees float64 values).
  std::vector<double> values;

  /// Number of rows R.
  int64_t rows() const { return static_cast<int64_t>(times.size()); }
  /// Number of numeric columns N.
  int64_t cols() const { return static_cast<int64_t>(columns.size()); }
  /// Value of row r, column c (no bounds check).
  double at(int64_t r, int64_t c) const { return values[static_cast<size_t>(r * cols() + c)]; }
};

/// Reads a benchmark CSV (header line, then `date,x1,...,xN` rows; '\n' or "\r\n" line ends).
/// Throws flowrl::Error naming the file (and line/column) for a missing file, a header without the
/// date column, a ragged row, an unparsable date, a non-numeric or non-finite cell, or an empty table.
TimeSeriesTable read_timeseries_csv(const std::string& path,
                                    const TimeSeriesCsvOptions& options = TimeSeriesCsvOptions());

/// Which train/val/test borders a data set uses.
enum class SplitScheme {
  kETTHour,    ///< ETTh1/ETTh2: 12/4/4 months of hourly rows
  kETTMinute,  ///< ETTm1/ETTm2: 12/4/4 months of 15-minute rows
  kRatio,      ///< everything else: 0.7 / 0.1 / 0.2
};

/// The scheme the Time-Series-Library uses for a file name: ETTh* -> kETTHour, ETTm* -> kETTMinute,
/// anything else -> kRatio.
SplitScheme split_scheme_for(const std::string& path);

/// Parses "etth" / "ettm" / "ratio" (the config spelling). Throws flowrl::Error otherwise.
SplitScheme parse_split_scheme(const std::string& name);

/// One of the three splits.
enum class Split { kTrain, kVal, kTest };

/// "train", "val" or "test".
const char* split_name(Split split);

/// A half-open row range [begin, end).
struct RowRange {
  int64_t begin = 0;  ///< first row
  int64_t end = 0;    ///< one past the last row
  /// end - begin.
  int64_t size() const { return end - begin; }
};

/// The row ranges of the three splits. Val and test start seq_len rows before their border, so their
/// first inputs reach into the previous split while their targets never do.
struct SplitBorders {
  RowRange train;  ///< rows of the training windows (also the rows the scaler is fit on)
  RowRange val;    ///< rows of the validation windows
  RowRange test;   ///< rows of the test windows
  /// The range of one split.
  const RowRange& operator[](Split split) const;
};

/// The standard borders for a table of `rows` rows and look-back `seq_len`.
/// Throws flowrl::Error when the table is too short for the scheme (e.g. an ETTh file under 14400 rows).
SplitBorders split_borders(SplitScheme scheme, int64_t rows, int64_t seq_len);

/// Calendar feature sets of the Time-Series-Library `timeF` embedding, by data frequency.
enum class TimeFrequency {
  kMinutely,  ///< 't': minute, hour, weekday, day of month, day of year
  kHourly,    ///< 'h': hour, weekday, day of month, day of year
  kDaily,     ///< 'd': weekday, day of month, day of year
  kWeekly,    ///< 'w': day of month, week of year
  kMonthly,   ///< 'm': month of year
};

/// Parses "t", "h", "d", "w", "m" (also "min", "15min", "hourly", "daily", "weekly", "monthly").
/// Throws flowrl::Error otherwise.
TimeFrequency parse_time_frequency(const std::string& name);

/// Number of features time_features() produces per row.
int64_t num_time_features(TimeFrequency freq);

/// The `timeF` features of one timestamp, each in [-0.5, 0.5]: HourOfDay = hour/23 - 0.5,
/// DayOfWeek = weekday/6 - 0.5, DayOfMonth = (day-1)/30 - 0.5, DayOfYear = (doy-1)/365 - 0.5,
/// MinuteOfHour = minute/59 - 0.5, WeekOfYear = (week-1)/52 - 0.5, MonthOfYear = (month-1)/11 - 0.5.
/// Writes num_time_features(freq) values to `out`.
void time_features(const CalendarTime& t, TimeFrequency freq, float* out);

/// Per-column standardization z = (x - mean) / scale, as sklearn's StandardScaler: population std,
/// a zero std replaced by 1.
struct StandardScaler {
  std::vector<double> mean;   ///< (N) column means over the fitted rows
  std::vector<double> scale;  ///< (N) column population std over the fitted rows (1 where it is 0)

  /// Statistics of rows [rows.begin, rows.end) of `table`, in float64. Throws flowrl::Error on an
  /// empty or out-of-bounds range.
  static StandardScaler fit(const TimeSeriesTable& table, RowRange rows);
  /// Number of columns.
  int64_t dim() const { return static_cast<int64_t>(mean.size()); }
  /// (x - mean[c]) / scale[c].
  double transform(double x, int64_t c) const { return (x - mean[c]) / scale[c]; }
  /// x * scale[c] + mean[c].
  double inverse(double z, int64_t c) const { return z * scale[c] + mean[c]; }
};

/// Options of make_forecast_series().
///
///   auto series = make_forecast_series(table, ForecastSeriesOptions().seq_len(96).pred_len(336));
struct ForecastSeriesOptions {
  /// Train/val/test borders.
  FLOWRL_ARG(SplitScheme, scheme) = SplitScheme::kETTHour;
  /// Look-back L.
  FLOWRL_ARG(int64_t, seq_len) = 96;
  /// Horizon H.
  FLOWRL_ARG(int64_t, pred_len) = 96;
  /// Calendar features.
  FLOWRL_ARG(TimeFrequency, freq) = TimeFrequency::kHourly;
  /// Standardize with a scaler fit on the training rows (false: raw values, identity scaler).
  FLOWRL_ARG(bool, scale) = true;
};

/// A table prepared for forecasting: scaled values, time features, borders and windows.
/// Window i of a split covers rows [start, start + L) as input and [start + L, start + L + H) as
/// target, start = borders[split].begin + i, for i < num_windows(split).
struct ForecastSeries {
  std::vector<std::string> columns;  ///< (N) variate names, target last
  int64_t rows = 0;                  ///< R: rows kept (the unused tail of ETT files is dropped)
  int64_t n_vars = 0;                ///< N
  int64_t n_marks = 0;               ///< F
  int64_t seq_len = 0;               ///< L
  int64_t pred_len = 0;              ///< H
  SplitBorders borders;              ///< the three row ranges
  StandardScaler scaler;             ///< fit on borders.train
  std::vector<float> values;         ///< (R x N) scaled values, row-major
  std::vector<float> marks;          ///< (R x F) time features, row-major

  /// Windows of a split: borders[split].size() - L - H + 1 (0 when the split is too short).
  int64_t num_windows(Split split) const;
  /// First row of window `index` of `split` (no bounds check).
  int64_t window_start(Split split, int64_t index) const { return borders[split].begin + index; }
  /// The L x N input values of a window (contiguous, row-major).
  const float* input(Split split, int64_t index) const;
  /// The H x N target values of a window (contiguous, row-major).
  const float* target(Split split, int64_t index) const;
  /// The L x F time features of a window's input rows.
  const float* input_marks(Split split, int64_t index) const;
  /// The H x F time features of a window's target rows.
  const float* target_marks(Split split, int64_t index) const;
};

/// Splits, scales and featurizes `table`. Throws flowrl::Error for non-positive lengths or when a
/// split holds no window (with the numbers and the fix).
ForecastSeries make_forecast_series(const TimeSeriesTable& table,
                                    const ForecastSeriesOptions& options = ForecastSeriesOptions());

}  // namespace flowrl::data
