// recipes.h — named dataset recipes per environment, mirroring D4RL's dataset types.
//
//   random         uniform random actions                                    (D4RL: 1M rows)
//   medium         a policy at roughly 1/3 to 1/2 of expert return           (1M)
//   expert         a policy at or above D4RL's expert reference return       (1M)
//   medium-expert  medium cut after its last done, then expert whole         (2M; stitch_dataset.py)
//   mixed          a medium-replay-like ladder of rungs from random to medium (D4RL medium-replay size)
// docs/datasets.md lists each recipe's exact policies and its measured returns.
#pragma once

#include <flowrl/data/d4rl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "rollout.h"

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
  std::string env;                  ///< "hopper", "halfcheetah", "walker2d"
  std::string name;                 ///< "random", "medium", "expert", "medium-expert", "mixed"
  RecipeKind kind = RecipeKind::kSingle;
  std::vector<Rung> rungs;          ///< who acts, in order
  int64_t default_transitions = 0;  ///< D4RL's size for this dataset type

  /// "hopper-medium" (flowrl's name; the file's D4RL-style name is hopper_medium-flowrl.hdf5).
  std::string id() const { return env + "-" + name; }
};

/// Names of the recipes.
std::vector<std::string> recipe_names();

/// The recipe `name` for `env` (any env name the registry accepts); policy files are looked up in
/// `policies_dir`. Throws flowrl::Error listing the recipes when unknown.
Recipe find_recipe(const std::string& env, const std::string& name, const std::string& policies_dir);

/// Builds a recipe's rows: `transitions` in all (<= 0: the default size). Rungs are collected with
/// seeds derived from options.seed: a single or stitched rung uses options.seed itself, so the
/// medium and expert halves of medium-expert equal the medium and expert datasets of that seed
/// (cut to half the rows when transitions is overridden); ladder rung r uses derive_seed(seed, r).
data::D4RLDataset build_recipe(const Recipe& recipe, int64_t transitions, const RolloutOptions& options);

}  // namespace flowrl::collect
