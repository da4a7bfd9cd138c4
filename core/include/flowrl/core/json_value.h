// flowrl/core/json_value.h — a small, strict JSON reader: parse_json() and the JsonValue it returns.
//
// Strict means RFC 8259 and nothing more: no comments, no trailing commas, no single quotes, no
// leading zeros or '+' in numbers, no raw control characters in strings, valid UTF-8 only, no lone
// surrogates in \u escapes, no duplicate keys in an object, nothing but whitespace after the value.
// One extension is opt-in: NaN, Infinity and -Infinity, which Python's json module writes by default
// (Minari's metadata.json holds them in its serialized Box bounds). Every error is a flowrl::Error
// naming the source, the line and the column.
//
//   const JsonValue doc = parse_json(text, "metadata.json", JsonParseOptions().allow_nonfinite(true));
//   const int64_t episodes = doc.get("total_episodes", "metadata.json").as_int("metadata.json: key 'total_episodes'");
//   if (const JsonValue* ref = doc.find("ref_min_score")) use(ref->as_number("..."));
//
// Header-only, standard library only.
#pragma once

#include <flowrl/core/arg.h>
#include <flowrl/core/error.h>
#include <flowrl/core/json.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace flowrl {

/// One JSON value: null, a boolean, a number, a string, an array or an object. Objects keep their
/// members in the order of the text (keys are unique). Numbers keep the text they were written as,
/// so that as_int() is exact and dump() gives them back unchanged.
class JsonValue {
 public:
  /// What a value is.
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  using Array = std::vector<JsonValue>;
  using Object = std::vector<std::pair<std::string, JsonValue>>;

  /// null.
  JsonValue() = default;
  /// true or false.
  static JsonValue boolean(bool b) {
    JsonValue v;
    v.kind_ = Kind::kBool;
    v.bool_ = b;
    return v;
  }
  /// A number with the text it was written as ("1e3", "-0.5", "NaN").
  static JsonValue number(double x, std::string literal) {
    JsonValue v;
    v.kind_ = Kind::kNumber;
    v.number_ = x;
    v.text_ = std::move(literal);
    return v;
  }
  /// A string (UTF-8).
  static JsonValue string(std::string s) {
    JsonValue v;
    v.kind_ = Kind::kString;
    v.text_ = std::move(s);
    return v;
  }
  /// An array.
  static JsonValue array(Array items) {
    JsonValue v;
    v.kind_ = Kind::kArray;
    v.array_ = std::move(items);
    return v;
  }
  /// An object (keys must be unique; parse_json() guarantees it).
  static JsonValue object(Object members) {
    JsonValue v;
    v.kind_ = Kind::kObject;
    v.object_ = std::move(members);
    return v;
  }

  /// What this value is.
  Kind kind() const { return kind_; }
  /// True for null.
  bool is_null() const { return kind_ == Kind::kNull; }
  /// "null", "a boolean", "a number", "a string", "an array" or "an object" (for messages).
  const char* kind_name() const {
    switch (kind_) {
      case Kind::kNull: return "null";
      case Kind::kBool: return "a boolean";
      case Kind::kNumber: return "a number";
      case Kind::kString: return "a string";
      case Kind::kArray: return "an array";
      case Kind::kObject: return "an object";
    }
    return "a value";
  }

  /// The boolean; throws flowrl::Error "<what> is <kind>; expected a boolean" otherwise.
  bool as_bool(const std::string& what) const {
    expect(Kind::kBool, what, "a boolean");
    return bool_;
  }
  /// The number (NaN and infinities only when parsed with allow_nonfinite); throws otherwise.
  double as_number(const std::string& what) const {
    expect(Kind::kNumber, what, "a number");
    return number_;
  }
  /// The number as an integer: written without fraction or exponent and within int64's range
  /// ("3", "-12"); throws flowrl::Error otherwise ("3.0" and "3e0" are not integers here).
  int64_t as_int(const std::string& what) const {
    expect(Kind::kNumber, what, "an integer");
    int64_t out = 0;
    const char* first = text_.data();
    const char* last = first + text_.size();
    const auto [end, ec] = std::from_chars(first, last, out);
    FLOWRL_CHECK(ec == std::errc() && end == last, what, " is ", text_, "; expected an integer",
                 ec == std::errc::result_out_of_range ? " within +-9.2e18" : "", ".");
    return out;
  }
  /// The string; throws flowrl::Error otherwise.
  const std::string& as_string(const std::string& what) const {
    expect(Kind::kString, what, "a string");
    return text_;
  }
  /// The elements; throws flowrl::Error otherwise.
  const Array& as_array(const std::string& what) const {
    expect(Kind::kArray, what, "an array");
    return array_;
  }
  /// The members, in the order of the text; throws flowrl::Error otherwise.
  const Object& as_object(const std::string& what) const {
    expect(Kind::kObject, what, "an object");
    return object_;
  }

  /// The member `key` of an object; nullptr when absent or when this is not an object.
  const JsonValue* find(const std::string& key) const {
    if (kind_ != Kind::kObject) return nullptr;
    for (const auto& [k, v] : object_)
      if (k == key) return &v;
    return nullptr;
  }
  /// The member `key`; throws flowrl::Error "<where>: key '<key>' is missing" when absent (or when
  /// this is not an object).
  const JsonValue& get(const std::string& key, const std::string& where) const {
    const JsonValue* v = find(key);
    FLOWRL_CHECK(v != nullptr, where, ": key '", key, "' is missing", kind_ == Kind::kObject ? "" : " (not an object)",
                 ".");
    return *v;
  }

  /// Compact JSON text of this value (numbers as they were written; strings escaped by json_string).
  std::string dump() const {
    switch (kind_) {
      case Kind::kNull: return "null";
      case Kind::kBool: return bool_ ? "true" : "false";
      case Kind::kNumber: return text_;
      case Kind::kString: return json_string(text_);
      case Kind::kArray: {
        std::string out = "[";
        for (size_t i = 0; i < array_.size(); ++i) out += (i ? ", " : "") + array_[i].dump();
        return out + "]";
      }
      case Kind::kObject: {
        std::string out = "{";
        for (size_t i = 0; i < object_.size(); ++i)
          out += (i ? ", " : "") + json_string(object_[i].first) + ": " + object_[i].second.dump();
        return out + "}";
      }
    }
    return "null";
  }

 private:
  void expect(Kind kind, const std::string& what, const char* expected) const {
    FLOWRL_CHECK(kind_ == kind, what, " is ", kind_name(), "; expected ", expected, ".");
  }

  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  double number_ = 0.0;
  std::string text_;  // a string's value, or a number's literal
  Array array_;
  Object object_;
};

/// How parse_json() reads.
struct JsonParseOptions {
  /// Accept NaN, Infinity and -Infinity as numbers (Python's json.dump writes them; JSON has no
  /// such values).
  FLOWRL_ARG(bool, allow_nonfinite) = false;
  /// The deepest nesting of arrays and objects accepted: deeper text is an error, not a stack overflow.
  FLOWRL_ARG(int, max_depth) = 64;
};

namespace detail {

class JsonParser {
 public:
  JsonParser(const std::string& text, const std::string& source, const JsonParseOptions& options)
      : s_(text), source_(source), options_(options) {}

  JsonValue parse() {
    skip_space();
    if (pos_ == s_.size()) error("the text is empty (a JSON document holds one value)");
    JsonValue v = value(0);
    skip_space();
    if (pos_ != s_.size()) error("unexpected text after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void error(const std::string& what) const { error_at(pos_, what); }
  [[noreturn]] void error_at(size_t at, const std::string& what) const {
    size_t line = 1, column = 1;
    for (size_t i = 0; i < at && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    fail(source_, ": invalid JSON at line ", line, ", column ", column, ": ", what, ".");
  }

  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) ++pos_;
  }
  bool starts_with(const char* word) const { return s_.compare(pos_, std::char_traits<char>::length(word), word) == 0; }

  JsonValue value(int depth) {
    if (pos_ >= s_.size()) error("the text ends where a value should be");
    const char c = s_[pos_];
    if (c == '{') return object(depth + 1);
    if (c == '[') return array(depth + 1);
    if (c == '"') return JsonValue::string(string());
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    for (const char* word : {"true", "false", "null"}) {
      if (!starts_with(word)) continue;
      pos_ += std::char_traits<char>::length(word);
      return word[0] == 'n' ? JsonValue() : JsonValue::boolean(word[0] == 't');
    }
    if (starts_with("NaN") || starts_with("Infinity")) return nonfinite();
    error(std::string("unexpected character '") + printable(c) + "' where a value should be");
  }

  static std::string printable(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) return std::string(1, c);
    char buf[8];
    std::snprintf(buf, sizeof(buf), "\\x%02x", u);
    return buf;
  }

  void check_depth(int depth) {
    if (depth > options_.max_depth())
      error("arrays and objects are nested more than " + std::to_string(options_.max_depth()) + " deep");
  }

  JsonValue object(int depth) {
    check_depth(depth);
    ++pos_;  // '{'
    JsonValue::Object members;
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return JsonValue::object(std::move(members));
    }
    while (true) {
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != '"') error("expected a string key in double quotes");
      const size_t key_at = pos_;
      std::string key = string();
      for (const auto& m : members)
        if (m.first == key) error_at(key_at, "duplicate key " + json_string(key) + " in an object");
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != ':') error("expected ':' after an object key");
      ++pos_;
      skip_space();
      JsonValue v = value(depth);
      members.emplace_back(std::move(key), std::move(v));
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return JsonValue::object(std::move(members));
      }
      error("expected ',' or '}' in an object");
    }
  }

  JsonValue array(int depth) {
    check_depth(depth);
    ++pos_;  // '['
    JsonValue::Array items;
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return JsonValue::array(std::move(items));
    }
    while (true) {
      skip_space();
      items.push_back(value(depth));
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return JsonValue::array(std::move(items));
      }
      error("expected ',' or ']' in an array");
    }
  }

  JsonValue nonfinite() {
    const size_t start = pos_;
    if (!options_.allow_nonfinite()) error("NaN and Infinity are not JSON numbers");
    const bool negative = s_[pos_] == '-';
    if (negative) ++pos_;
    if (starts_with("Infinity")) {
      pos_ += 8;
      const double inf = std::numeric_limits<double>::infinity();
      return JsonValue::number(negative ? -inf : inf, s_.substr(start, pos_ - start));
    }
    if (!negative && starts_with("NaN")) {
      pos_ += 3;
      return JsonValue::number(std::numeric_limits<double>::quiet_NaN(), "NaN");
    }
    error("expected a digit after '-'");
  }

  bool digit() const { return pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; }

  JsonValue number() {
    const size_t start = pos_;
    if (s_[pos_] == '-') {
      ++pos_;
      if (starts_with("Infinity")) {
        pos_ = start;
        return nonfinite();
      }
      if (!digit()) error("expected a digit after '-'");
    }
    if (s_[pos_] == '0') {
      ++pos_;
      if (digit()) error("a number may not start with 0 (leading zeros are not JSON)");
    } else {
      while (digit()) ++pos_;
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (!digit()) error("expected a digit after the decimal point");
      while (digit()) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digit()) error("expected a digit in the exponent");
      while (digit()) ++pos_;
    }
    std::string literal = s_.substr(start, pos_ - start);
    double x = 0.0;
    const auto [end, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), x);
    if (ec == std::errc::result_out_of_range) {
      // from_chars leaves x alone both for overflow (1e999: an error) and for underflow (1e-999:
      // 0 or a denormal, as Python reads it); strtod tells them apart (the literal is JSON's
      // grammar, which the "C" locale flowrl's programs run in reads whole)
      x = std::strtod(literal.c_str(), nullptr);
      if (!std::isfinite(x)) error_at(start, "the number " + literal + " is out of double's range");
    } else if (ec != std::errc() || end != literal.data() + literal.size()) {
      error_at(start, "the number " + literal + " cannot be read");
    }
    return JsonValue::number(x, std::move(literal));
  }

  unsigned hex4() {
    if (pos_ + 4 > s_.size()) error("expected 4 hex digits after \\u");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<unsigned>(c - 'A' + 10);
      else error("expected 4 hex digits after \\u");
    }
    return v;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xc0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xe0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (cp & 0x3f));
    }
  }

  // one UTF-8 sequence starting at pos_ (its first byte >= 0x80): copied when well-formed (no
  // overlong forms, no surrogates, at most U+10FFFF)
  void utf8_sequence(std::string& out) {
    const auto b0 = static_cast<unsigned char>(s_[pos_]);
    int more = 0;
    unsigned cp = 0, min = 0;
    if (b0 >= 0xc2 && b0 <= 0xdf) more = 1, cp = b0 & 0x1fu, min = 0x80;
    else if (b0 >= 0xe0 && b0 <= 0xef) more = 2, cp = b0 & 0x0fu, min = 0x800;
    else if (b0 >= 0xf0 && b0 <= 0xf4) more = 3, cp = b0 & 0x07u, min = 0x10000;
    else error("invalid UTF-8 byte in a string");
    if (pos_ + static_cast<size_t>(more) >= s_.size()) error("a UTF-8 sequence is cut short");
    for (int i = 1; i <= more; ++i) {
      const auto b = static_cast<unsigned char>(s_[pos_ + static_cast<size_t>(i)]);
      if ((b & 0xc0) != 0x80) error("invalid UTF-8 sequence in a string");
      cp = (cp << 6) | (b & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) error("invalid UTF-8 sequence in a string");
    out.append(s_, pos_, static_cast<size_t>(more) + 1);
    pos_ += static_cast<size_t>(more) + 1;
  }

  std::string string() {
    ++pos_;  // '"'
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) error("a string is not closed (missing '\"')");
      const char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) error("a raw control character in a string (write it as an escape)");
      if (static_cast<unsigned char>(c) >= 0x80) {
        utf8_sequence(out);
        continue;
      }
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) error("a string ends inside an escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xdc00 && cp <= 0xdfff) error("a lone low surrogate in a \\u escape");
          if (cp >= 0xd800 && cp <= 0xdbff) {
            if (!starts_with("\\u")) error("a high surrogate \\u escape without its low surrogate");
            pos_ += 2;
            const unsigned low = hex4();
            if (low < 0xdc00 || low > 0xdfff) error("a high surrogate \\u escape without its low surrogate");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          }
          append_utf8(out, cp);
          break;
        }
        default:
          --pos_;
          error(std::string("unknown escape '\\") + printable(e) + "' in a string");
      }
    }
  }

  const std::string& s_;
  const std::string& source_;
  const JsonParseOptions& options_;
  size_t pos_ = 0;
};

}  // namespace detail

/// Parses one JSON document (see the file comment for what "strict" means). `source` names the
/// text in messages ("metadata.json"). Throws flowrl::Error "<source>: invalid JSON at line L,
/// column C: <what>" on any deviation.
inline JsonValue parse_json(const std::string& text, const std::string& source,
                            const JsonParseOptions& options = JsonParseOptions()) {
  return detail::JsonParser(text, source, options).parse();
}

}  // namespace flowrl
