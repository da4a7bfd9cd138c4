// flowrl/collect/recipes.h — named dataset recipes per environment, mirroring D4RL's dataset types.
//
//   random         uniform random actions                                    (D4RL: 1M rows)
//   medium         a policy at roughly 1/3 to 1/2 of expert return           (1M)
//   expert         a policy at or above D4RL's expert reference return       (1M)
//   medium-expert  medium cut after its last done, then expert whole         (2M; stitch_dataset.py)
//   mixed          a medium-replay-like ladder of rungs from random to medium (D4RL medium-replay size)
// docs/datasets.md lists each recipe's exact policies and its measured returns.
//
//   auto r = flowrl::collect::recipe("hopper", "mixed", "data/policies");
//   auto made = flowrl::collect::collect(r, flowrl::collect::CollectOptions().seed(0).threads(2));
#pragma once

#include <flowrl/collect/rollout.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flowrl::collect {

/// One part of a recipe: a behaviour and its share of the rows.
struct Rung {
  std::string label;    ///< e.g. "low+noise"
  Behaviour behaviour;  ///< who acts
  double share = 1.0;   ///< fraction of the recipe's rows (the last rung takes what is left)
};

/// How the rungs are put together.
enum class RecipeKind {
  kSingle,  ///< one rung, cut at exactly N rows (trailing partial episode kept, as D4RL)
  kStitch,  ///< D4RL's medium-expert: rung 0 cut after its last done, then rung 1 whole
  kLadder,  ///< rungs in order, each but the last cut after its last done; the last fills to N rows
};

/// A named recipe for one env.
struct Recipe {
  std::string env;                  ///< resolved env name: "hopper", "walker2d-positions", ...
  std::string name;                 ///< "random", "medium", "expert", "medium-expert", "mixed"
  RecipeKind kind = RecipeKind::kSingle;
  std::vector<Rung> rungs;          ///< who acts, in order
  int64_t default_transitions = 0;  ///< D4RL's size for this dataset type

  /// "hopper-medium" (flowrl's name; the file's D4RL-style name is hopper_medium-flowrl.hdf5).
  std::string id() const { return env + "-" + name; }
  /// The behaviour of a single-rung recipe (random, medium, expert); none for medium-expert and mixed.
  std::optional<Behaviour> single_behaviour() const;
};

/// Names of the recipes, in the order above.
std::vector<std::string> recipe_names();

/// The recipe `name` for `env` (any env name the registry accepts, positions-only variants
/// included); its policy files are `policies_dir`/<env>-<algorithm>.h5 (the repository's
/// data/policies). Throws flowrl::Error listing the known recipes when `name` is unknown, and
/// naming the envs that have recipes when `env` has none. The files are not opened here.
Recipe recipe(const std::string& env, const std::string& name, const std::string& policies_dir);

/// Collects a recipe: options.transitions() rows in all (<= 0: recipe.default_transitions). Rungs
/// are collected with seeds derived from options.seed(): a single or stitched rung uses the seed
/// itself, so the medium and expert halves of medium-expert equal the medium and expert datasets of
/// that seed (cut to half the rows when transitions is set); ladder rung r uses derive_seed(seed, r).
/// Throws flowrl::Error when a policy file is missing (before any rollout), when the rows are too
/// few for the rungs, or when a rung that must end in a finished episode has none.
CollectSummary collect(const Recipe& recipe, const CollectOptions& options);

}  // namespace flowrl::collect
