// parse_json / JsonValue: the strict JSON reader (Minari's metadata.json is read with it).
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/core/json_value.h>

#include <cmath>
#include <string>

using flowrl::JsonParseOptions;
using flowrl::JsonValue;
using flowrl::parse_json;
using Catch::Matchers::Contains;

namespace {
std::string parse_error(const std::string& text, const JsonParseOptions& options = JsonParseOptions()) {
  try {
    parse_json(text, "doc.json", options);
  } catch (const flowrl::Error& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("parse_json reads every kind of value", "[core][json]") {
  const auto doc = parse_json(
      " {\"n\": null, \"t\": true, \"f\": false, \"i\": -12, \"x\": 2.5e-1, \"s\": \"a\\\"b\\\\c\\/\\n\\t\\u00e9\\ud83d\\ude00\","
      " \"a\": [1, [2, {}], []], \"o\": {\"k\": \"v\"}}\n",
      "doc.json");
  REQUIRE(doc.kind() == JsonValue::Kind::kObject);
  const auto& members = doc.as_object("doc");
  REQUIRE(members.size() == 8);
  CHECK(members[0].first == "n");  // in the order of the text
  CHECK(members[7].first == "o");
  CHECK(doc.get("n", "doc").is_null());
  CHECK(doc.get("t", "doc").as_bool("t"));
  CHECK_FALSE(doc.get("f", "doc").as_bool("f"));
  CHECK(doc.get("i", "doc").as_int("i") == -12);
  CHECK(doc.get("i", "doc").as_number("i") == -12.0);
  CHECK(doc.get("x", "doc").as_number("x") == 0.25);
  CHECK(doc.get("s", "doc").as_string("s") == "a\"b\\c/\n\t\xc3\xa9\xf0\x9f\x98\x80");  // é and U+1F600
  const auto& a = doc.get("a", "doc").as_array("a");
  REQUIRE(a.size() == 3);
  CHECK(a[1].as_array("a[1]")[1].as_object("a[1][1]").empty());
  CHECK(a[2].as_array("a[2]").empty());
  CHECK(doc.get("o", "doc").get("k", "o").as_string("k") == "v");
  CHECK(doc.find("missing") == nullptr);
  CHECK(a[0].find("k") == nullptr);  // not an object
  // numbers keep their text: dump() gives the document back (compact)
  CHECK(parse_json("[1E+2, -0.0, 3]", "d").dump() == "[1E+2, -0.0, 3]");
  CHECK(doc.get("o", "doc").dump() == "{\"k\": \"v\"}");
  // integers are exact beyond 2^53, and 1e-999 reads as 0 (as Python reads it)
  CHECK(parse_json("9007199254740993", "d").as_int("d") == 9007199254740993LL);
  CHECK(parse_json("1e-999", "d").as_number("d") == 0.0);
}

TEST_CASE("parse_json's type errors name what was asked for and what is there", "[core][json]") {
  const auto doc = parse_json("{\"a\": \"3\", \"b\": 3.0, \"c\": 99999999999999999999, \"d\": 3e0}", "doc.json");
  CHECK_THROWS_WITH(doc.get("a", "doc.json").as_int("doc.json: key 'a'"),
                    "doc.json: key 'a' is a string; expected an integer.");
  CHECK_THROWS_WITH(doc.get("b", "doc.json").as_int("key 'b'"), Contains("is 3.0; expected an integer"));
  CHECK_THROWS_WITH(doc.get("c", "doc.json").as_int("key 'c'"), Contains("within +-9.2e18"));
  CHECK_THROWS_WITH(doc.get("d", "doc.json").as_int("key 'd'"), Contains("is 3e0; expected an integer"));
  CHECK_THROWS_WITH(doc.get("z", "doc.json"), "doc.json: key 'z' is missing.");
  CHECK_THROWS_WITH(doc.as_array("the document"), "the document is an object; expected an array.");
  CHECK_THROWS_WITH(doc.get("a", "doc.json").as_bool("key 'a'"), Contains("expected a boolean"));
}

TEST_CASE("parse_json refuses everything that is not strict JSON, naming line and column", "[core][json]") {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "line 1, column 1: the text is empty"},
      {"  \n ", "line 2, column 2: the text is empty"},
      {"{\"a\": 1,}", "expected a string key"},
      {"[1, 2,]", "unexpected character ']'"},
      {"[1 2]", "expected ',' or ']'"},
      {"{\"a\" 1}", "expected ':'"},
      {"{'a': 1}", "expected a string key"},
      {"{\"a\": 1, \"a\": 2}", "line 1, column 10: duplicate key \"a\""},
      {"01", "may not start with 0"},
      {"+1", "unexpected character '+'"},
      {".5", "unexpected character '.'"},
      {"1.", "expected a digit after the decimal point"},
      {"1e", "expected a digit in the exponent"},
      {"-", "expected a digit after '-'"},
      {"1e999", "out of double's range"},
      {"\"abc", "not closed"},
      {"\"a\tb\"", "raw control character"},
      {"\"\\x41\"", "unknown escape '\\x'"},
      {"\"\\u12g4\"", "4 hex digits"},
      {"\"\\ud83d\"", "without its low surrogate"},
      {"\"\\ude00\"", "lone low surrogate"},
      {"\"\xff\"", "invalid UTF-8"},
      {"\"\xc0\xaf\"", "invalid UTF-8"},          // overlong '/'
      {"\"\xed\xa0\x80\"", "invalid UTF-8"},      // an encoded surrogate
      {"\"\xe2\x82\"", "invalid UTF-8"},          // cut short
      {"{} {}", "unexpected text after the JSON value"},
      {"[1] x", "line 1, column 5: unexpected text"},
      {"{\"a\":\n  tru}", "line 2, column 3: unexpected character 't'"},
      {"NaN", "NaN and Infinity are not JSON numbers"},
      {"-Infinity", "NaN and Infinity are not JSON numbers"},
      {"// comment\n1", "unexpected character '/'"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    const std::string msg = parse_error(c.text);
    CHECK_THAT(msg, Contains("doc.json: invalid JSON at ") && Contains(c.message));
  }
  // nesting deeper than max_depth is an error, not a stack overflow
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK_THAT(parse_error(deep), Contains("nested more than 64 deep"));
  CHECK(parse_json("[[[1]]]", "d", JsonParseOptions().max_depth(3)).dump() == "[[[1]]]");
  CHECK_THAT(parse_error("[[[[1]]]]", JsonParseOptions().max_depth(3)), Contains("nested more than 3 deep"));
}

TEST_CASE("parse_json reads Python's NaN and Infinity only when asked to", "[core][json]") {
  const auto options = JsonParseOptions().allow_nonfinite(true);
  const auto doc = parse_json("[-Infinity, Infinity, NaN, -1]", "metadata.json", options);
  const auto& a = doc.as_array("a");
  CHECK(a[0].as_number("a") == -INFINITY);
  CHECK(a[1].as_number("a") == INFINITY);
  CHECK(std::isnan(a[2].as_number("a")));
  CHECK(a[3].as_int("a") == -1);
  CHECK(doc.dump() == "[-Infinity, Infinity, NaN, -1]");
  CHECK_THAT(parse_error("[-NaN]", options), Contains("expected a digit after '-'"));
  CHECK_THAT(parse_error("[Inf]", options), Contains("unexpected character 'I'"));
}
