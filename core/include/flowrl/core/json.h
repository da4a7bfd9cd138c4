// flowrl/core/json.h — the two JSON value writers every report needs (reports are written by hand:
// flat documents, no JSON library dependency).
#pragma once

#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>

namespace flowrl {

/// `s` as a JSON string literal, quotes included: `"`, `\` and control characters escaped, so a
/// path or name a user typed cannot break the document.
inline std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

/// `x` as a JSON number with `precision` significant digits; NaN and infinities (which JSON cannot
/// hold) become `null`.
inline std::string json_number(double x, int precision = 12) {
  if (!std::isfinite(x)) return "null";
  std::ostringstream out;
  out.precision(precision);
  out << x;
  return out.str();
}

}  // namespace flowrl
