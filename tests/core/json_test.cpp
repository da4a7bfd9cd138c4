// json_string / json_number: what every --json report is made of.
#include <catch2/catch.hpp>
#include <flowrl/core/json.h>

#include <limits>
#include <string>

TEST_CASE("json_string quotes and escapes what a user may type", "[core][json]") {
  CHECK(flowrl::json_string("runs/hopper") == "\"runs/hopper\"");
  CHECK(flowrl::json_string("") == "\"\"");
  CHECK(flowrl::json_string("a \"b\" c\\d") == "\"a \\\"b\\\" c\\\\d\"");
  CHECK(flowrl::json_string("line\nnext\ttab\rcr") == "\"line\\nnext\\ttab\\rcr\"");
  CHECK(flowrl::json_string(std::string("bell\x07") + '\x1f') == "\"bell\\u0007\\u001f\"");
  // Bytes above 0x7f (UTF-8) pass through unchanged.
  CHECK(flowrl::json_string("d\xc3\xa9j\xc3\xa0") == "\"d\xc3\xa9j\xc3\xa0\"");
}

TEST_CASE("json_number writes finite numbers and null for what JSON cannot hold", "[core][json]") {
  CHECK(flowrl::json_number(3600) == "3600");
  CHECK(flowrl::json_number(-0.25) == "-0.25");
  CHECK(flowrl::json_number(1.0 / 3.0) == "0.333333333333");
  CHECK(flowrl::json_number(1.0 / 3.0, 4) == "0.3333");
  CHECK(flowrl::json_number(std::numeric_limits<double>::quiet_NaN()) == "null");
  CHECK(flowrl::json_number(std::numeric_limits<double>::infinity()) == "null");
  CHECK(flowrl::json_number(-std::numeric_limits<double>::infinity()) == "null");
}
