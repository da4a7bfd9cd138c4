// flowrl/config/config.h — strict YAML configuration: nested keys read as dotted names, type-checked
// reads with defaults, `--set key=value` overrides, and unknown keys reported as errors.
//
//   auto cfg = Config::load("configs/dt/hopper-medium.yaml");
//   cfg.set("train.steps=2000");                          // from --set
//   int64_t steps = cfg.get_int("train.steps", 100000);   // throws if not an integer
//   cfg.finish();                                         // throws on keys nobody read
//   std::string resolved = cfg.resolved_yaml();           // every key read, with its final value
//
// Every error is a flowrl::Error naming the source file and the dotted key.
#pragma once

#include <flowrl/core/error.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace flowrl::config {

/// A YAML mapping flattened to dotted keys ("model.embed_dim"). Values are scalars or flat lists.
class Config {
 public:
  /// An empty config (all reads return their defaults); `source` names it in messages.
  explicit Config(std::string source = "<config>");
  /// Parses a YAML file. Throws flowrl::Error naming the file on I/O or syntax errors.
  static Config load(const std::string& path);
  /// Parses YAML text; `source` names it in messages.
  static Config parse(const std::string& yaml, const std::string& source);

  /// Overlays another config: its keys replace or extend this one's (later --config files win).
  void merge(const Config& other);
  /// Applies an override "dotted.key=value"; the value is YAML ("3", "1e-3", "[1, 2]", "flow").
  void set(const std::string& assignment);
  /// Sets a key to a scalar value (text as it would appear in YAML).
  void set(const std::string& key, const std::string& value);

  /// True if the key is present (in the file or set).
  bool has(const std::string& key) const;
  /// Reads an integer (default if absent).
  int64_t get_int(const std::string& key, int64_t fallback);
  /// Reads a number.
  double get_double(const std::string& key, double fallback);
  /// Reads true/false.
  bool get_bool(const std::string& key, bool fallback);
  /// Reads a string.
  std::string get_string(const std::string& key, const std::string& fallback);
  /// Reads a string that must be one of `choices`.
  std::string get_choice(const std::string& key, const std::string& fallback, const std::vector<std::string>& choices);
  /// Reads a list of numbers (a single number is a one-element list).
  std::vector<double> get_doubles(const std::string& key, const std::vector<double>& fallback);

  /// Throws flowrl::Error listing every key present but never read (a typo or an unsupported
  /// option), with the keys that are known.
  void finish() const;
  /// The keys read so far with their final values (defaults included), as nested YAML.
  std::string resolved_yaml() const;
  /// Where the config came from.
  const std::string& source() const { return source_; }

 private:
  struct Value {
    std::vector<std::string> items;  // one item for a scalar
    bool list = false;
  };
  const Value* find(const std::string& key);
  std::string scalar(const std::string& key, const Value& v) const;
  void remember(const std::string& key, const Value& v);

  std::string source_;
  std::map<std::string, Value> values_;
  std::map<std::string, Value> resolved_;
  std::set<std::string> read_;
};

/// Calls `read()` and returns what it returns. A flowrl::Error it throws is thrown again with the
/// `--set` overrides appended, " (with --set overrides: train.steps=-1, ...)", when there are any:
/// the message names the config file, but the bad value may come from an override.
template <typename Read>
auto read_noting_overrides(const std::vector<std::string>& overrides, Read&& read) -> decltype(read()) {
  try {
    return read();
  } catch (const Error& e) {
    if (overrides.empty()) throw;
    std::string listed;
    for (const auto& o : overrides) listed += (listed.empty() ? "" : ", ") + o;
    fail(e.what(), " (with --set overrides: ", listed, ")");
  }
}

}  // namespace flowrl::config
