// recipes.cpp — the recipe table and collect(recipe, options) (see flowrl/collect/recipes.h, docs/datasets.md).
#include <flowrl/collect/recipes.h>

#include "roll.h"

#include <flowrl/core/error.h>
#include <flowrl/data/d4rl_ops.h>
#include <flowrl/envs/random.h>
#include <flowrl/envs/registry.h>

#include <chrono>
#include <cmath>
#include <filesystem>

namespace flowrl::collect {

namespace {

struct EnvPolicies {
  Behaviour low;      // the weakest trained policy
  Behaviour medium;   // about 1/3 - 1/2 of expert return
  Behaviour expert;   // at or above D4RL's expert reference
  int64_t replay_rows;  // D4RL's medium-replay size for this env
};

Behaviour file(const std::string& dir, const std::string& name, bool stochastic) {
  Behaviour b;
  b.policy = dir + "/" + name;
  b.stochastic = stochastic;
  return b;
}

Behaviour noisy(Behaviour b, double sigma) {
  b.action_noise = sigma;
  return b;
}

// the policy choices per env; returns measured with evaluate-policy are in docs/datasets.md
EnvPolicies policies_for(const std::string& env, const std::string& dir) {
  if (env == "hopper")
    return {file(dir, "hopper-a2c.h5", true), file(dir, "hopper-sac.h5", true), file(dir, "hopper-trpo.h5", false),
            402000};
  if (env == "halfcheetah")
    return {file(dir, "halfcheetah-a2c.h5", true), file(dir, "halfcheetah-ars.h5", false),
            file(dir, "halfcheetah-tqc.h5", true), 202000};
  if (env == "walker2d")
    return {file(dir, "walker2d-a2c.h5", true), file(dir, "walker2d-ppo.h5", false),
            file(dir, "walker2d-trpo.h5", false), 302000};
  fail("no dataset recipes for env '", env, "'; recipes exist for hopper, halfcheetah, walker2d.");
}

// the recipe's rows: `run(rung, rows, seed)` collects one rung
template <typename Run>
data::D4RLDataset build(const Recipe& recipe, int64_t total, uint64_t seed, Run&& run) {
  switch (recipe.kind) {
    case RecipeKind::kSingle:
      return run(recipe.rungs.at(0), total, seed);
    case RecipeKind::kStitch: {
      // as D4RL: the medium and expert datasets of the same seed, medium cut after its last done
      const int64_t half = total / 2;
      FLOWRL_CHECK(half >= 1, "recipe ", recipe.id(), ": --transitions ", total, " is too small for its two halves; ",
                   "pass at least 2000 (each half should hold a whole episode of up to 1000 steps).");
      const auto first = run(recipe.rungs.at(0), half, seed);
      FLOWRL_CHECK(data::trim_after_last_done(first).size() > 0, "recipe ", recipe.id(), ": --transitions ", total,
                   " leaves its first half ('", recipe.rungs.at(0).label, "', ", half, " rows) without a finished ",
                   "episode; pass more transitions (each half needs at least one whole episode, up to 1000 steps).");
      const auto second = run(recipe.rungs.at(1), total - half, seed);
      return data::stitch_d4rl(first, second);
    }
    case RecipeKind::kLadder: {
      std::vector<data::D4RLDataset> parts;
      int64_t used = 0;
      for (size_t r = 0; r < recipe.rungs.size(); ++r) {
        const bool last = r + 1 == recipe.rungs.size();
        const int64_t rows = last ? total - used
                                  : std::max<int64_t>(1, std::llround(recipe.rungs[r].share * double(total)));
        FLOWRL_CHECK(rows > 0, "recipe ", recipe.id(), ": --transitions ", total, " is too small for its ",
                     recipe.rungs.size(), " rungs.");
        auto part = run(recipe.rungs[r], rows, envs::derive_seed(seed, r));
        if (!last) part = data::trim_after_last_done(part);
        FLOWRL_CHECK(part.size() > 0, "recipe ", recipe.id(), ": --transitions ", total, " leaves its part '",
                     recipe.rungs[r].label, "' (", rows, " rows) without a finished episode; pass more transitions ",
                     "(each part needs at least one whole episode, up to 1000 steps).");
        used += part.size();
        parts.push_back(std::move(part));
      }
      return data::concat_d4rl(parts);
    }
  }
  fail("recipe ", recipe.id(), ": unknown kind.");
}

}  // namespace

std::vector<std::string> recipe_names() { return {"random", "medium", "expert", "medium-expert", "mixed"}; }

std::optional<Behaviour> Recipe::single_behaviour() const {
  if (kind != RecipeKind::kSingle || rungs.empty()) return std::nullopt;
  return rungs.front().behaviour;
}

Recipe recipe(const std::string& env_name, const std::string& name, const std::string& policies_dir) {
  const std::string env = envs::resolve_env_name(env_name);  // may be a positions-only variant
  const EnvPolicies p = policies_for(envs::full_observation_env(env), policies_dir);
  Recipe r;
  r.env = env;
  r.name = name;
  Behaviour random;  // policy "random"
  if (name == "random") {
    r.rungs = {{"random", random, 1.0}};
    r.default_transitions = 1000000;
  } else if (name == "medium") {
    r.rungs = {{"medium", p.medium, 1.0}};
    r.default_transitions = 1000000;
  } else if (name == "expert") {
    r.rungs = {{"expert", p.expert, 1.0}};
    r.default_transitions = 1000000;
  } else if (name == "medium-expert") {
    r.kind = RecipeKind::kStitch;
    r.rungs = {{"medium", p.medium, 0.5}, {"expert", p.expert, 0.5}};
    r.default_transitions = 2000000;
  } else if (name == "mixed") {
    r.kind = RecipeKind::kLadder;
    r.rungs = {{"random", random, 0.10},
               {"low+noise", noisy(p.low, 0.3), 0.20},
               {"low", p.low, 0.20},
               {"medium+noise", noisy(p.medium, 0.3), 0.25},
               {"medium", p.medium, 0.25}};
    r.default_transitions = p.replay_rows;
  } else {
    std::string known;
    for (const auto& n : recipe_names()) known += (known.empty() ? "" : ", ") + n;
    fail("unknown recipe '", name, "'; known recipes: ", known, ".");
  }
  return r;
}

CollectSummary collect(const Recipe& recipe, const CollectOptions& options) {
  for (const auto& rung : recipe.rungs)
    if (rung.behaviour.policy != "random")
      FLOWRL_CHECK(std::filesystem::exists(rung.behaviour.policy), "recipe ", recipe.id(), " needs ",
                   rung.behaviour.policy, ", which does not exist; pass the folder of data/policies/*.h5 "
                   "(collect-dataset: --policies-dir).");
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t total = options.transitions() > 0 ? options.transitions() : recipe.default_transitions;
  CollectSummary made;
  auto run = [&](const Rung& rung, int64_t rows, uint64_t seed) {
    CollectOptions o = options;
    o.transitions(rows).seed(seed).label(recipe.id() + " " + rung.label);
    CollectSummary part = detail::roll(recipe.env, rung.behaviour, o);
    made.episodes_started += part.episodes_started;
    made.env_steps += part.env_steps;
    return std::move(part.dataset);
  };
  made.dataset = build(recipe, total, options.seed(), run);
  made.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  made.description = "recipe " + recipe.id();
  made.behaviour = recipe.single_behaviour();
  std::string rungs;
  for (const auto& r : recipe.rungs) rungs += (rungs.empty() ? "" : "; ") + r.label + ": " + r.behaviour.describe();
  detail::stamp_metadata(made, recipe.env, options.seed(), rungs);
  made.dataset.metadata.strings["flowrl/recipe"] = recipe.name;
  return made;
}

}  // namespace flowrl::collect
