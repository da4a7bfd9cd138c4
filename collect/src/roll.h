// roll.h — the rollout loop behind both collect() overloads (rollout.cpp), private to flowrl::collect.
#pragma once

#include <flowrl/collect/rollout.h>

#include <cstdint>
#include <string>

namespace flowrl::collect::detail {

/// collect() without the metadata: the rows alone, with the counters (description and behaviour unset).
CollectSummary roll(const std::string& env, const Behaviour& behaviour, const CollectOptions& options);

/// Sets the metadata every collected file carries: flowrl/env, flowrl/seed, flowrl/behaviour, and
/// "algorithm" (upper case, as D4RL's medium/expert files name it) when summary.behaviour is a policy file.
void stamp_metadata(CollectSummary& summary, const std::string& env, uint64_t seed, const std::string& behaviours);

}  // namespace flowrl::collect::detail
