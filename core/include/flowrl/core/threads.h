// flowrl/core/threads.h — the accepted range of every thread-count option.
#pragma once

#include <flowrl/core/error.h>

#include <cstdint>
#include <string>

namespace flowrl {

/// The most threads any flowrl option or config key accepts (torch, OpenBLAS, env workers): far
/// above any machine's cores, and low enough that a typo (100000) fails at once instead of
/// starting that many threads.
inline constexpr int64_t kMaxThreads = 1024;

/// The most environment copies one program steps at once (each holds a few MB of MuJoCo state).
inline constexpr int64_t kMaxEnvCopies = 1024;

/// The most episodes one evaluation runs (per target).
inline constexpr int64_t kMaxEpisodes = 1000000;

/// Throws flowrl::Error unless `min <= n <= kMaxThreads`; `what` names the option or key the user
/// set (e.g. "--threads", "config.yaml: key 'train.threads'"), `zero_means` what 0 stands for when
/// `min` is 0.
inline void check_thread_count(int64_t n, int64_t min, const std::string& what, const std::string& zero_means = {}) {
  FLOWRL_CHECK(n >= min && n <= kMaxThreads, what, " must be between ", min, " and ", kMaxThreads,
               zero_means.empty() ? "" : " (0: " + zero_means + ")", ", got ", n);
}

}  // namespace flowrl
