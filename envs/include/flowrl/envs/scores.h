// flowrl/envs/scores.h — D4RL reference returns and normalized scores (d4rl/infos.py).
//
//   normalized = 100 * (return - REF_MIN) / (REF_MAX - REF_MIN)
// as papers report it (D4RL's own get_normalized_score returns the fraction, without the x100).
// Locomotion datasets reuse the v0 values for every version and dataset type, so "hopper",
// "hopper-medium-v2" and "hopper-expert-v0" share one reference.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace flowrl::envs {

/// D4RL's REF_MIN_SCORE (random policy) and REF_MAX_SCORE (expert policy) for one env or dataset.
struct ReferenceScores {
  /// Return that normalizes to 0.
  double min_return;
  /// Return that normalizes to 100.
  double max_return;
};

/// Reference scores for `name`: hopper, halfcheetah, walker2d, ant (bare, as D4RL dataset names
/// <env>-<dataset>-v<N>, or as Gym ids like Hopper-v3), the maze2d-* and antmaze-* datasets; nullopt
/// when unknown.
std::optional<ReferenceScores> find_reference_scores(const std::string& name);

/// As find_reference_scores(), but throws flowrl::Error listing the known names when unknown.
ReferenceScores reference_scores(const std::string& name);

/// 100 * (raw_return - min) / (max - min) for `name`.
double normalized_score(const std::string& name, double raw_return);

/// The inverse: the raw return whose normalized score is `normalized` (x100 scale).
double raw_return_for_score(const std::string& name, double normalized);

/// Names with reference scores (the bare locomotion env names plus every maze dataset), sorted.
std::vector<std::string> scored_names();

}  // namespace flowrl::envs
