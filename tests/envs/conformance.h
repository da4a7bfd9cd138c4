// conformance.h — the checks every flowrl environment must pass (shared by all env tests).
//
//   TEST_CASE("hopper passes the env conformance suite") {
//     flowrl::test::check_env_conformance([](const EnvOptions& o) { return make_hopper(o); });
//   }
#pragma once

#include <flowrl/envs/env.h>

#include <functional>
#include <memory>

namespace flowrl::test {

/// Builds the env under test from options.
using EnvMaker = std::function<std::unique_ptr<envs::Env>(const envs::EnvOptions&)>;

/// Runs the conformance checks (Catch2 assertions) on envs made by `make`:
/// spaces and shapes; same seed -> identical trajectory; finite values; terminated/truncated
/// semantics (truncation exactly at max_episode_steps); reset after done; clipping of out-of-range
/// actions; and the errors: step before reset, step after done, wrong action size, NaN/inf actions.
void check_env_conformance(const EnvMaker& make);

}  // namespace flowrl::test
