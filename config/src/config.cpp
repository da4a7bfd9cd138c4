// Strict YAML configs: flatten the document to dotted keys, read with type checks, reject the rest.
#include <flowrl/config/config.h>
#include <flowrl/core/error.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace flowrl::config {
namespace {

// Flattens nested mappings into dotted keys; sequences must hold scalars.
void flatten(const YAML::Node& node, const std::string& prefix, const std::string& source,
             std::map<std::string, std::vector<std::string>>& scalars, std::set<std::string>& lists) {
  if (node.IsMap()) {
    std::set<std::string> seen;  // YAML forbids a key twice in one mapping; yaml-cpp keeps both
    for (const auto& kv : node) {
      const auto key = kv.first.as<std::string>();
      const auto dotted = prefix.empty() ? key : prefix + "." + key;
      FLOWRL_CHECK(seen.insert(key).second, source, ": key '", dotted, "' appears twice; keep one");
      flatten(kv.second, dotted, source, scalars, lists);
    }
  } else if (node.IsSequence()) {
    std::vector<std::string> items;
    for (const auto& item : node) {
      FLOWRL_CHECK(item.IsScalar(), source, ": key '", prefix, "' must be a list of plain values");
      items.push_back(item.as<std::string>());
    }
    scalars[prefix] = items;
    lists.insert(prefix);
  } else if (node.IsScalar()) {
    scalars[prefix] = {node.as<std::string>()};
  } else if (node.IsNull() && !prefix.empty()) {
    scalars[prefix] = {""};
  }
}

YAML::Node parse_yaml(const std::string& text, const std::string& source) {
  try {
    const auto documents = YAML::LoadAll(text);
    FLOWRL_CHECK(documents.size() <= 1, source, ": holds ", documents.size(), " YAML documents (separated by ---); ",
                 "a config is one document: merge them, or pass each with its own --config");
    return documents.empty() ? YAML::Node() : documents.front();
  } catch (const YAML::Exception& e) {
    fail(source, ": not valid YAML (line ", e.mark.line + 1, ", column ", e.mark.column + 1, "): ", e.msg);
  }
}

}  // namespace

Config::Config(std::string source) : source_(std::move(source)) {}

Config Config::load(const std::string& path) {
  FLOWRL_CHECK(!std::filesystem::is_directory(path), "config file '", path, "' is a folder; pass a YAML file in it");
  std::ifstream in(path);
  FLOWRL_CHECK(in.good(), "cannot read config file '", path, "': check the path");
  std::stringstream buf;
  buf << in.rdbuf();
  return parse(buf.str(), path);
}

Config Config::parse(const std::string& yaml, const std::string& source) {
  Config cfg(source);
  auto root = parse_yaml(yaml, source);
  FLOWRL_CHECK(root.IsNull() || root.IsMap(), source, ": the top level must be a mapping of keys to values");
  std::map<std::string, std::vector<std::string>> scalars;
  std::set<std::string> lists;
  flatten(root, "", source, scalars, lists);
  for (auto& [key, items] : scalars) cfg.values_[key] = Value{items, lists.count(key) > 0};
  return cfg;
}

void Config::merge(const Config& other) {
  for (const auto& [key, value] : other.values_) values_[key] = value;
  source_ += " + " + other.source_;
}

void Config::set(const std::string& assignment) {
  const auto eq = assignment.find('=');
  FLOWRL_CHECK(eq != std::string::npos && eq > 0, "--set '", assignment, "': expected key=value, e.g. train.steps=1000");
  const auto key = assignment.substr(0, eq), text = assignment.substr(eq + 1);
  FLOWRL_CHECK(key.front() != '.' && key.back() != '.' && key.find("..") == std::string::npos, "--set '", assignment,
               "': empty component in key '", key, "'");
  // a key may not turn a value into a section or a section into a value
  for (auto dot = key.find('.'); dot != std::string::npos; dot = key.find('.', dot + 1)) {
    const auto parent = key.substr(0, dot);
    FLOWRL_CHECK(!values_.count(parent), "--set '", assignment, "': '", parent, "' is a value, not a section");
  }
  const auto below = values_.lower_bound(key + ".");
  FLOWRL_CHECK(below == values_.end() || below->first.rfind(key + ".", 0) != 0, "--set '", assignment, "': '", key,
               "' is a section; set one of its keys, e.g. ", below == values_.end() ? "" : below->first);
  auto node = parse_yaml(text, "--set " + key);
  if (node.IsSequence()) {
    Value v{{}, true};
    for (const auto& item : node) {
      FLOWRL_CHECK(item.IsScalar(), "--set ", key, ": a list must hold plain values");
      v.items.push_back(item.as<std::string>());
    }
    values_[key] = v;
  } else {
    FLOWRL_CHECK(node.IsScalar() || node.IsNull(), "--set ", key, ": the value must be a plain value or a list");
    values_[key] = Value{{node.IsNull() ? "" : node.as<std::string>()}, false};
  }
}

void Config::set(const std::string& key, const std::string& value) { values_[key] = Value{{value}, false}; }

bool Config::has(const std::string& key) const { return values_.count(key) > 0; }

const Config::Value* Config::find(const std::string& key) {
  read_.insert(key);
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

std::string Config::scalar(const std::string& key, const Value& v) const {
  FLOWRL_CHECK(!v.list && v.items.size() == 1, source_, ": key '", key, "' must be a single value, not a list");
  return v.items[0];
}

void Config::remember(const std::string& key, const Value& v) { resolved_[key] = v; }

int64_t Config::get_int(const std::string& key, int64_t fallback) {
  const Value* v = find(key);
  int64_t out = fallback;
  if (v) {
    const auto text = scalar(key, *v);
    char* end = nullptr;
    errno = 0;
    const long long parsed = std::strtoll(text.c_str(), &end, 10);
    FLOWRL_CHECK(!text.empty() && *end == '\0' && errno == 0, source_, ": key '", key, "' must be an integer, got '",
                 text, "'");
    out = parsed;
  }
  remember(key, Value{{std::to_string(out)}, false});
  return out;
}

double Config::get_double(const std::string& key, double fallback) {
  const Value* v = find(key);
  double out = fallback;
  if (v) {
    const auto text = scalar(key, *v);
    char* end = nullptr;
    errno = 0;
    out = std::strtod(text.c_str(), &end);
    FLOWRL_CHECK(!text.empty() && *end == '\0' && errno == 0, source_, ": key '", key, "' must be a number, got '",
                 text, "'");
    FLOWRL_CHECK(std::isfinite(out), source_, ": key '", key, "' must be a finite number, got '", text, "'");
  }
  std::ostringstream s;
  s.precision(17);
  s << out;
  remember(key, Value{{s.str()}, false});
  return out;
}

bool Config::get_bool(const std::string& key, bool fallback) {
  const Value* v = find(key);
  bool out = fallback;
  if (v) {
    const auto text = scalar(key, *v);
    if (text == "true" || text == "True" || text == "yes" || text == "on") {
      out = true;
    } else if (text == "false" || text == "False" || text == "no" || text == "off") {
      out = false;
    } else {
      fail(source_, ": key '", key, "' must be true or false, got '", text, "'");
    }
  }
  remember(key, Value{{out ? "true" : "false"}, false});
  return out;
}

std::string Config::get_string(const std::string& key, const std::string& fallback) {
  const Value* v = find(key);
  const std::string out = v ? scalar(key, *v) : fallback;
  remember(key, Value{{out}, false});
  return out;
}

std::string Config::get_choice(const std::string& key, const std::string& fallback,
                               const std::vector<std::string>& choices) {
  const auto out = get_string(key, fallback);
  for (const auto& c : choices) {
    if (c == out) return out;
  }
  std::string names;
  for (const auto& c : choices) names += (names.empty() ? "" : ", ") + c;
  fail(source_, ": key '", key, "' is '", out, "'; use one of: ", names);
}

std::vector<double> Config::get_doubles(const std::string& key, const std::vector<double>& fallback) {
  const Value* v = find(key);
  std::vector<double> out = fallback;
  if (v) {
    out.clear();
    for (const auto& text : v->items) {
      char* end = nullptr;
      const double x = std::strtod(text.c_str(), &end);
      FLOWRL_CHECK(!text.empty() && *end == '\0', source_, ": key '", key, "' must be a list of numbers, got '", text,
                   "'");
      out.push_back(x);
    }
  }
  Value r{{}, true};
  for (double x : out) {
    std::ostringstream s;
    s.precision(17);
    s << x;
    r.items.push_back(s.str());
  }
  remember(key, r);
  return out;
}

void Config::finish() const {
  std::vector<std::string> unknown;
  for (const auto& [key, value] : values_) {
    if (!read_.count(key)) unknown.push_back(key);
  }
  if (unknown.empty()) return;
  std::string known;
  for (const auto& k : read_) known += (known.empty() ? "" : ", ") + k;
  fail(source_, ": unknown config key '", unknown.front(), "'", unknown.size() > 1 ? " (and others)" : "",
       "; known keys: ", known);
}

namespace {

// A nested view of dotted keys, for emitting YAML.
struct Tree {
  std::map<std::string, Tree> children;
  const std::vector<std::string>* items = nullptr;
  bool list = false;
};

void emit(YAML::Emitter& out, const Tree& tree) {
  out << YAML::BeginMap;
  for (const auto& [key, child] : tree.children) {
    out << YAML::Key << key << YAML::Value;
    if (child.items) {
      if (child.list) {
        out << YAML::Flow << YAML::BeginSeq;
        for (const auto& item : *child.items) out << item;
        out << YAML::EndSeq;
      } else {
        out << child.items->front();
      }
    } else {
      emit(out, child);
    }
  }
  out << YAML::EndMap;
}

}  // namespace

std::string Config::resolved_yaml() const {
  Tree root;
  for (const auto& [key, value] : resolved_) {
    Tree* node = &root;
    std::stringstream ss(key);
    for (std::string part; std::getline(ss, part, '.');) node = &node->children[part];
    node->items = &value.items;
    node->list = value.list;
  }
  YAML::Emitter out;
  emit(out, root);
  return std::string(out.c_str()) + "\n";
}

}  // namespace flowrl::config
