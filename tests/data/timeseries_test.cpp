// Forecasting data: CSV reader and its errors, dates and time features, TSLib borders and window
// counts, the train-only scaler, window layout, and the shipped ETTh1.csv.
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/data/timeseries.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace flowrl::data;
using Catch::Matchers::Contains;

namespace {

// the source tree: $FLOWRL_TEST_DATA is <src>/tests/fixtures under CTest; else from this file's path
std::string source_dir() {
  if (const char* dir = std::getenv("FLOWRL_TEST_DATA")) return std::string(dir) + "/../..";
  const std::string file = __FILE__;
  return file.substr(0, file.rfind("/tests/data/"));
}

std::string fixture(const std::string& name) { return source_dir() + "/tests/fixtures/timeseries/" + name; }

// writes `text` to a fresh file under the temp dir and returns its path
std::string write_temp(const std::string& name, const std::string& text) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string path = std::string(tmp ? tmp : "/tmp") + "/flowrl_ts_" + std::to_string(getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// the message of the flowrl::Error `f` throws ("" when it does not throw)
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const flowrl::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("read_timeseries_csv reads a benchmark-style CSV and moves the target last", "[data][timeseries]") {
  const auto table = read_timeseries_csv(fixture("tiny.csv"));
  CHECK(table.rows() == 48);
  REQUIRE(table.cols() == 3);
  CHECK(table.columns == std::vector<std::string>{"a", "b", "OT"});
  CHECK(table.at(5, 0) == 5.0);                                   // a
  CHECK(table.at(5, 1) == Approx(std::sin(5.0 / 3)).margin(1e-6));  // b
  CHECK(table.at(5, 2) == 110.0);                                 // OT, moved last
  CHECK(table.times[25].day == 2);
  CHECK(table.times[25].hour == 1);

  SECTION("an empty target keeps the file order") {
    const auto raw = read_timeseries_csv(fixture("tiny.csv"), TimeSeriesCsvOptions().target(""));
    CHECK(raw.columns == std::vector<std::string>{"a", "OT", "b"});
    CHECK(raw.at(5, 1) == 110.0);
  }
  SECTION("a UTF-8 byte-order mark before the header (spreadsheet exports)") {
    const auto path = write_temp("bom.csv", "\xEF\xBB\xBF" "date,a,OT\n2016-07-01 00:00:00,1,2\n");
    const auto bom = read_timeseries_csv(path);
    CHECK(bom.columns == std::vector<std::string>{"a", "OT"});
    CHECK(bom.rows() == 1);
    std::remove(path.c_str());
  }
  SECTION("slash dates, CRLF line ends and no final newline") {
    const auto slash = read_timeseries_csv(fixture("slash_dates.csv"));
    CHECK(slash.rows() == 10);
    CHECK(slash.columns == std::vector<std::string>{"0", "1", "OT"});
    CHECK(slash.times[9].year == 1990);
    CHECK(slash.times[9].day == 10);
    CHECK(slash.at(9, 2) == 10.0);
  }
}

TEST_CASE("read_timeseries_csv errors name the file, the line and the fix", "[data][timeseries][errors]") {
  const auto missing = error_of([] { read_timeseries_csv("/nonexistent/ETTh9.csv"); });
  CHECK_THAT(missing, Contains("/nonexistent/ETTh9.csv") && Contains("data.dir"));
  CHECK_THAT(error_of([] { read_timeseries_csv("/"); }), Contains("is a folder"));

  const auto ragged_path = write_temp("ragged.csv", "date,a,OT\n2016-07-01 00:00:00,1,2\n2016-07-01 01:00:00,1\n");
  const auto ragged = error_of([&] { read_timeseries_csv(ragged_path); });
  CHECK_THAT(ragged, Contains(ragged_path + ":3") && Contains("ragged") && Contains("expected 3"));

  const auto text_path = write_temp("text.csv", "date,a,OT\n2016-07-01 00:00:00,1,2\n2016-07-01 01:00:00,x1,2\n");
  const auto text = error_of([&] { read_timeseries_csv(text_path); });
  CHECK_THAT(text, Contains(text_path + ":3") && Contains("'a'") && Contains("'x1'") && Contains("not a number"));

  const auto empty_cell_path = write_temp("empty_cell.csv", "date,a,OT\n2016-07-01 00:00:00,,2\n");
  CHECK_THAT(error_of([&] { read_timeseries_csv(empty_cell_path); }), Contains("not a number"));

  const auto nan_path = write_temp("nan.csv", "date,a,OT\n2016-07-01 00:00:00,nan,2\n");
  CHECK_THAT(error_of([&] { read_timeseries_csv(nan_path); }), Contains("non-finite"));

  const auto date_path = write_temp("date.csv", "date,a,OT\n2016-13-01 00:00:00,1,2\n");
  CHECK_THAT(error_of([&] { read_timeseries_csv(date_path); }), Contains(date_path + ":2") && Contains("2016-13-01"));

  const auto nodate_path = write_temp("nodate.csv", "time,a,OT\n1,2,3\n");
  CHECK_THAT(error_of([&] { read_timeseries_csv(nodate_path); }), Contains("no 'date' column"));

  const auto notarget_path = write_temp("notarget.csv", "date,a,b\n2016-07-01 00:00:00,1,2\n");
  CHECK_THAT(error_of([&] { read_timeseries_csv(notarget_path); }), Contains("'OT'") && Contains("data.target"));

  const auto header_only = write_temp("header_only.csv", "date,a,OT\n");
  CHECK_THAT(error_of([&] { read_timeseries_csv(header_only); }), Contains("no data rows"));

  const auto empty = write_temp("empty.csv", "");
  CHECK_THAT(error_of([&] { read_timeseries_csv(empty); }), Contains("empty"));
  for (const auto& p : {ragged_path, text_path, empty_cell_path, nan_path, date_path, nodate_path, notarget_path,
                        header_only, empty}) {
    std::remove(p.c_str());
  }
}

TEST_CASE("calendar dates: parsing, weekday, day of year, ISO week", "[data][timeseries]") {
  CalendarTime t;
  REQUIRE(parse_calendar_time("2016-07-01 00:00:00", t));
  CHECK(t.day_of_week() == 4);  // a Friday
  CHECK(t.day_of_year() == 183);
  REQUIRE(parse_calendar_time("1990/1/1 0:00", t));
  CHECK(t.day_of_week() == 0);  // a Monday
  CHECK(t.iso_week() == 1);
  REQUIRE(parse_calendar_time("2016-01-01", t));
  CHECK(t.iso_week() == 53);  // belongs to 2015's last ISO week
  REQUIRE(parse_calendar_time("2018-12-31T23:45", t));
  CHECK(t.iso_week() == 1);  // belongs to 2019's first ISO week
  CHECK(t.minute == 45);
  REQUIRE(parse_calendar_time("2016-12-31 00:00:00", t));
  CHECK(t.day_of_year() == 366);
  CHECK_FALSE(parse_calendar_time("2017-02-29", t));
  CHECK_FALSE(parse_calendar_time("2016-07-01 24:00", t));
  CHECK_FALSE(parse_calendar_time("07/01/2016", t));
  CHECK_FALSE(parse_calendar_time("2016-07-01 00:00:00 x", t));
}

TEST_CASE("timeF features match the Time-Series-Library definitions", "[data][timeseries]") {
  CalendarTime t;
  REQUIRE(parse_calendar_time("2016-07-01 23:30:00", t));
  float hourly[4];
  time_features(t, TimeFrequency::kHourly, hourly);
  CHECK(hourly[0] == Approx(0.5));                       // hour 23 / 23 - 0.5
  CHECK(hourly[1] == Approx(4.0 / 6 - 0.5));             // Friday
  CHECK(hourly[2] == Approx(-0.5));                      // day 1
  CHECK(hourly[3] == Approx(182.0 / 365 - 0.5));         // day of year 183
  float minutely[5];
  time_features(t, TimeFrequency::kMinutely, minutely);
  CHECK(minutely[0] == Approx(30.0 / 59 - 0.5));
  CHECK(minutely[1] == Approx(0.5));
  CHECK(num_time_features(TimeFrequency::kWeekly) == 2);
  CHECK(parse_time_frequency("h") == TimeFrequency::kHourly);
  CHECK(parse_time_frequency("15min") == TimeFrequency::kMinutely);
  CHECK_THAT(error_of([] { parse_time_frequency("fortnightly"); }), Contains("fortnightly"));
}

TEST_CASE("standard borders and window counts", "[data][timeseries][splits]") {
  SECTION("ETTh") {
    const auto b = split_borders(SplitScheme::kETTHour, 17420, 96);
    CHECK(b.train.begin == 0);
    CHECK(b.train.end == 8640);
    CHECK(b.val.begin == 8640 - 96);
    CHECK(b.val.end == 11520);
    CHECK(b.test.begin == 11520 - 96);
    CHECK(b.test.end == 14400);
  }
  SECTION("ETTm") {
    const auto b = split_borders(SplitScheme::kETTMinute, 69680, 96);
    CHECK(b.train.end == 34560);
    CHECK(b.val.begin == 34560 - 96);
    CHECK(b.test.begin == 46080 - 96);
    CHECK(b.test.end == 57600);
  }
  SECTION("ratio (exchange_rate: 7588 rows)") {
    const auto b = split_borders(SplitScheme::kRatio, 7588, 96);
    CHECK(b.train.end == 5311);
    CHECK(b.val.begin == 5311 - 96);
    CHECK(b.val.end == 5311 + 760);
    CHECK(b.test.begin == 7588 - 1517 - 96);
    CHECK(b.test.end == 7588);
  }
  SECTION("too short for the ETT borders") {
    CHECK_THAT(error_of([] { split_borders(SplitScheme::kETTHour, 1000, 96); }),
               Contains("14400") && Contains("ratio"));
  }
  CHECK(split_scheme_for("/x/ETTh2.csv") == SplitScheme::kETTHour);
  CHECK(split_scheme_for("ETTm1.csv") == SplitScheme::kETTMinute);
  CHECK(split_scheme_for("data/exchange_rate.csv") == SplitScheme::kRatio);
  CHECK(split_scheme_for("/x/etth1.csv") == SplitScheme::kETTHour);  // the ETT name in any case
  CHECK(split_scheme_for("Ettm2.CSV") == SplitScheme::kETTMinute);
  CHECK(parse_split_scheme("ettm") == SplitScheme::kETTMinute);
  CHECK_THROWS_AS(parse_split_scheme("month"), flowrl::Error);
}

TEST_CASE("the scaler is fit on the training rows only", "[data][timeseries][scaler]") {
  auto table = read_timeseries_csv(fixture("sines.csv"));
  const auto options = ForecastSeriesOptions().scheme(SplitScheme::kRatio).seq_len(24).pred_len(12);
  const auto series = make_forecast_series(table, options);
  const auto& train = series.borders.train;
  REQUIRE(train.end == 420);

  // hand-computed population statistics of the training rows
  for (int64_t c = 0; c < table.cols(); ++c) {
    double mean = 0.0, var = 0.0;
    for (int64_t r = train.begin; r < train.end; ++r) mean += table.at(r, c);
    mean /= static_cast<double>(train.size());
    for (int64_t r = train.begin; r < train.end; ++r) var += (table.at(r, c) - mean) * (table.at(r, c) - mean);
    CHECK(series.scaler.mean[c] == Approx(mean).margin(1e-12));
    CHECK(series.scaler.scale[c] == Approx(std::sqrt(var / static_cast<double>(train.size()))));
  }

  // changing val/test rows leaves the scaler unchanged
  for (int64_t r = train.end; r < table.rows(); ++r) table.values[static_cast<size_t>(r * table.cols())] += 1000.0;
  const auto shifted = make_forecast_series(table, options);
  CHECK(shifted.scaler.mean == series.scaler.mean);
  CHECK(shifted.scaler.scale == series.scaler.scale);
  // ... while the scaled test values carry the shift
  CHECK(shifted.values[static_cast<size_t>(590 * 3)] ==
        Approx(series.values[static_cast<size_t>(590 * 3)] + 1000.0 / series.scaler.scale[0]));

  SECTION("a constant column gets scale 1, like sklearn") {
    TimeSeriesTable flat;
    flat.columns = {"OT"};
    flat.times.resize(10);
    flat.values.assign(10, 3.0);
    const auto s = StandardScaler::fit(flat, {0, 10});
    CHECK(s.mean[0] == 3.0);
    CHECK(s.scale[0] == 1.0);
    CHECK(s.inverse(s.transform(7.0, 0), 0) == 7.0);
  }
  SECTION("scale(false) keeps raw values") {
    const auto raw = make_forecast_series(table, ForecastSeriesOptions(options).scale(false));
    CHECK(raw.values[5 * 3 + 2] == static_cast<float>(table.at(5, 2)));
  }
}

TEST_CASE("windows: layout, counts, every test window", "[data][timeseries][windows]") {
  const auto table = read_timeseries_csv(fixture("sines.csv"));
  const auto series =
      make_forecast_series(table, ForecastSeriesOptions().scheme(SplitScheme::kRatio).seq_len(24).pred_len(12));
  // 600 rows: train 420, test 120, val 60
  CHECK(series.num_windows(Split::kTrain) == 420 - 24 - 12 + 1);
  CHECK(series.num_windows(Split::kVal) == 60 + 24 - 24 - 12 + 1);
  CHECK(series.num_windows(Split::kTest) == 120 + 24 - 24 - 12 + 1);
  CHECK(series.n_marks == 4);
  // the target of window i starts right after its input; the last test window ends at the last row
  const int64_t last = series.num_windows(Split::kTest) - 1;
  CHECK(series.window_start(Split::kTest, last) + 24 + 12 == series.rows);
  CHECK(series.target(Split::kTest, 0) == series.input(Split::kTest, 0) + 24 * series.n_vars);
  CHECK(series.input(Split::kTest, 0) == series.values.data() + (600 - 120 - 24) * 3);
  CHECK(series.target_marks(Split::kVal, 3) == series.input_marks(Split::kVal, 3) + 24 * 4);
  const double z = (table.at(500, 1) - series.scaler.mean[1]) / series.scaler.scale[1];
  CHECK(series.values[500 * 3 + 1] == Approx(z));

  CHECK_THAT(error_of([&] {
               make_forecast_series(table, ForecastSeriesOptions().scheme(SplitScheme::kRatio).seq_len(24).pred_len(61));
             }),
             Contains("val split") && Contains("pred_len"));
  CHECK_THROWS_AS(make_forecast_series(table, ForecastSeriesOptions().seq_len(0)), flowrl::Error);
}

TEST_CASE("the shipped ETTh1.csv: TSLib window counts and scaling", "[data][timeseries][etth1]") {
  const auto table = read_timeseries_csv(source_dir() + "/data/timeseries/ETTh1.csv");
  CHECK(table.rows() == 17420);
  CHECK(table.columns == std::vector<std::string>{"HUFL", "HULL", "MUFL", "MULL", "LUFL", "LULL", "OT"});
  CHECK(table.at(0, 0) == 5.827000141143799);
  CHECK(table.at(17419, 6) == 9.56700038909912);
  const int64_t horizons[] = {96, 192, 336, 720};
  const int64_t test_windows[] = {2785, 2689, 2545, 2161};
  for (int i = 0; i < 4; ++i) {
    const auto s = make_forecast_series(table, ForecastSeriesOptions().seq_len(96).pred_len(horizons[i]));
    CHECK(s.num_windows(Split::kTest) == test_windows[i]);
    CHECK(s.num_windows(Split::kTrain) == 8640 - 96 - horizons[i] + 1);
    CHECK(s.num_windows(Split::kVal) == 2880 + 96 - 96 - horizons[i] + 1);
    CHECK(s.rows == 14400);
  }
  // scaled training rows have mean 0 and population std 1 per column
  const auto s = make_forecast_series(table);
  for (int64_t c = 0; c < 7; ++c) {
    double mean = 0.0, sq = 0.0;
    for (int64_t r = 0; r < 8640; ++r) {
      mean += s.values[static_cast<size_t>(r * 7 + c)];
      sq += double(s.values[static_cast<size_t>(r * 7 + c)]) * s.values[static_cast<size_t>(r * 7 + c)];
    }
    mean /= 8640;
    CHECK(std::abs(mean) < 1e-5);
    CHECK(std::sqrt(sq / 8640 - mean * mean) == Approx(1.0).epsilon(1e-4));
  }
}

TEST_CASE("the shipped exchange_rate and national_illness files: TSLib window counts", "[data][timeseries]") {
  const auto exchange = read_timeseries_csv(source_dir() + "/data/timeseries/exchange_rate.csv");
  CHECK(exchange.rows() == 7588);
  CHECK(exchange.cols() == 8);
  const int64_t exchange_windows[] = {1422, 1326, 1182, 798};
  const int64_t horizons[] = {96, 192, 336, 720};
  for (int i = 0; i < 4; ++i) {
    const auto s = make_forecast_series(
        exchange, ForecastSeriesOptions().scheme(SplitScheme::kRatio).seq_len(96).pred_len(horizons[i]));
    CHECK(s.num_windows(Split::kTest) == exchange_windows[i]);
  }
  const auto ili = read_timeseries_csv(source_dir() + "/data/timeseries/national_illness.csv");
  CHECK(ili.rows() == 966);
  const int64_t ili_windows[] = {170, 158, 146, 134};
  const int64_t ili_horizons[] = {24, 36, 48, 60};
  for (int i = 0; i < 4; ++i) {
    const auto s = make_forecast_series(
        ili, ForecastSeriesOptions().scheme(SplitScheme::kRatio).seq_len(36).pred_len(ili_horizons[i]));
    CHECK(s.num_windows(Split::kTest) == ili_windows[i]);
  }
}
