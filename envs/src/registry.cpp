// registry.cpp — name -> factory, with D4RL dataset names and Gym ids as aliases.
#include <flowrl/envs/registry.h>

#include <flowrl/core/error.h>
#include <flowrl/envs/gym_locomotion.h>
#include <flowrl/envs/gymnasium_v5.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <sstream>

namespace flowrl::envs {
namespace {

// D4RL locomotion dataset kinds (d4rl/infos.py), longest first so "medium-expert" wins over "expert"
const std::vector<std::string>& d4rl_dataset_kinds() {
  static const std::vector<std::string> kinds = {"medium-replay", "medium-expert", "full-replay",
                                                 "random",        "medium",        "expert"};
  return kinds;
}

// Gym ids of the envs D4RL's locomotion data came from, and Gymnasium ids of the v5 envs (a Minari
// dataset's env_spec id)
const std::map<std::string, std::string>& gym_ids() {
  static const std::map<std::string, std::string> ids = {
      {"Hopper-v2", "hopper"},           {"Hopper-v3", "hopper"},
      {"HalfCheetah-v2", "halfcheetah"}, {"HalfCheetah-v3", "halfcheetah"},
      {"Walker2d-v2", "walker2d"},       {"Walker2d-v3", "walker2d"},
      {"Ant-v2", "ant"},                 {"Ant-v3", "ant"},
      {"Hopper-v5", "hopper-v5"},        {"HalfCheetah-v5", "halfcheetah-v5"},
      {"Walker2d-v5", "walker2d-v5"},    {"Ant-v5", "ant-v5"},
  };
  return ids;
}

struct Registry {
  std::mutex mutex;
  std::map<std::string, EnvFactory> factories;

  Registry() {
    // built-in envs, registered here rather than by static objects (which static linking can drop)
    factories["hopper"] = [](const EnvOptions& o) { return make_hopper(o); };
    factories["halfcheetah"] = [](const EnvOptions& o) { return make_halfcheetah(o); };
    factories["walker2d"] = [](const EnvOptions& o) { return make_walker2d(o); };
    factories["ant"] = [](const EnvOptions& o) { return make_ant(o); };
    factories["hopper-v5"] = [](const EnvOptions& o) { return make_hopper_v5(o); };
    factories["halfcheetah-v5"] = [](const EnvOptions& o) { return make_halfcheetah_v5(o); };
    factories["walker2d-v5"] = [](const EnvOptions& o) { return make_walker2d_v5(o); };
    factories["ant-v5"] = [](const EnvOptions& o) { return make_ant_v5(o); };
    // positions-only variants: the same env without joint velocities in the observation
    for (const std::string base : {"hopper", "halfcheetah", "walker2d"}) {
      const EnvFactory full = factories.at(base);
      factories[base + kPositionsSuffix] = [full](const EnvOptions& o) {
        return full(EnvOptions(o).observe_velocities(false));
      };
    }
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

bool valid_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// "<env>-<kind>-v<digits>" -> "<env>" when kind is a D4RL dataset kind
std::string d4rl_env_part(const std::string& name) {
  const auto v = name.rfind("-v");
  if (v == std::string::npos || v + 2 >= name.size()) return {};
  if (!std::all_of(name.begin() + static_cast<std::ptrdiff_t>(v) + 2, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return {};
  const std::string stem = name.substr(0, v);
  for (const auto& kind : d4rl_dataset_kinds()) {
    const std::string suffix = "-" + kind;
    if (stem.size() > suffix.size() && stem.compare(stem.size() - suffix.size(), suffix.size(), suffix) == 0)
      return stem.substr(0, stem.size() - suffix.size());
  }
  return {};
}

}  // namespace

void register_env(const std::string& name, EnvFactory factory) {
  FLOWRL_CHECK(valid_name(name), "cannot register env '", name,
               "': use lowercase letters, digits, '-' and '_'");
  FLOWRL_CHECK(factory != nullptr, "cannot register env '", name, "': the factory is empty");
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  FLOWRL_CHECK(r.factories.count(name) == 0, "cannot register env '", name, "': the name is taken");
  r.factories[name] = std::move(factory);
}

std::vector<std::string> registered_envs() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& [name, factory] : r.factories) names.push_back(name);
  return names;
}

bool is_positions_only(const std::string& name) {
  const std::string suffix = kPositionsSuffix;
  return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string full_observation_env(const std::string& name) {
  return is_positions_only(name) ? name.substr(0, name.size() - std::string(kPositionsSuffix).size()) : name;
}

std::string gym_v3_env(const std::string& name) {
  const std::string suffix = "-v5";
  const bool v5 = name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  return v5 ? name.substr(0, name.size() - suffix.size()) : name;
}

std::string resolve_env_name(const std::string& name) {
  const std::vector<std::string> known = registered_envs();
  auto is_known = [&](const std::string& n) { return std::find(known.begin(), known.end(), n) != known.end(); };
  if (is_known(name)) return name;
  if (auto it = gym_ids().find(name); it != gym_ids().end() && is_known(it->second)) return it->second;
  if (std::string env = d4rl_env_part(name); !env.empty() && is_known(env)) return env;

  std::ostringstream msg;
  msg << "unknown environment '" << name << "'; known: ";
  for (size_t i = 0; i < known.size(); ++i) msg << (i ? ", " : "") << known[i];
  msg << " (also as D4RL dataset names such as hopper-medium-v2, or Gym/Gymnasium ids such as Hopper-v3, Hopper-v5)";
  fail(msg.str());
}

std::unique_ptr<Env> make_env(const std::string& name, const EnvOptions& options) {
  const std::string canonical = resolve_env_name(name);
  EnvFactory factory;
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    factory = r.factories.at(canonical);
  }
  return factory(options);
}

}  // namespace flowrl::envs
