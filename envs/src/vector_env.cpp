// vector_env.cpp — independent env copies stepped on a ThreadPool.
#include <flowrl/envs/vector_env.h>

#include <flowrl/core/error.h>
#include <flowrl/envs/random.h>
#include <flowrl/envs/registry.h>

#include <exception>
#include <set>

namespace flowrl::envs {

struct VectorEnv::Impl {
  std::vector<std::unique_ptr<Env>> envs;
  std::unique_ptr<ThreadPool> pool;
};

namespace {

// rethrows a copy's flowrl::Error with the copy named
template <typename Fn>
auto on_copy(int64_t i, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Error& e) {
    fail("env copy ", i, ": ", e.what());
  }
}

}  // namespace

VectorEnv::VectorEnv(const std::string& name, const VectorEnvOptions& options) : impl_(std::make_unique<Impl>()) {
  FLOWRL_CHECK(options.num_envs() >= 1, "VectorEnv needs num_envs >= 1, got ", options.num_envs());
  FLOWRL_CHECK(options.threads() >= 1, "VectorEnv needs threads >= 1, got ", options.threads());
  for (int64_t i = 0; i < options.num_envs(); ++i) impl_->envs.push_back(make_env(name, options.env()));
  impl_->pool = std::make_unique<ThreadPool>(options.threads());
}

VectorEnv::VectorEnv(std::vector<std::unique_ptr<Env>> envs, int64_t threads) : impl_(std::make_unique<Impl>()) {
  FLOWRL_CHECK(!envs.empty(), "VectorEnv needs at least one env");
  FLOWRL_CHECK(threads >= 1, "VectorEnv needs threads >= 1, got ", threads);
  for (size_t i = 0; i < envs.size(); ++i) {
    FLOWRL_CHECK(envs[i] != nullptr, "VectorEnv: env ", i, " is null");
    FLOWRL_CHECK(envs[i]->observation_space().dim() == envs[0]->observation_space().dim() &&
                     envs[i]->action_space().dim() == envs[0]->action_space().dim(),
                 "VectorEnv: env ", i, " (", envs[i]->name(), ") has other spaces than env 0 (", envs[0]->name(), ")");
  }
  impl_->envs = std::move(envs);
  impl_->pool = std::make_unique<ThreadPool>(threads);
}

VectorEnv::~VectorEnv() = default;
VectorEnv::VectorEnv(VectorEnv&&) noexcept = default;
VectorEnv& VectorEnv::operator=(VectorEnv&&) noexcept = default;

int64_t VectorEnv::size() const { return static_cast<int64_t>(impl_->envs.size()); }
const std::string& VectorEnv::name() const { return impl_->envs[0]->name(); }
const Box& VectorEnv::observation_space() const { return impl_->envs[0]->observation_space(); }
const Box& VectorEnv::action_space() const { return impl_->envs[0]->action_space(); }
ThreadPool& VectorEnv::pool() { return *impl_->pool; }

Env& VectorEnv::env(int64_t i) {
  FLOWRL_CHECK(i >= 0 && i < size(), "VectorEnv: copy ", i, " out of range [0, ", size(), ")");
  return *impl_->envs[static_cast<size_t>(i)];
}

std::vector<Observation> VectorEnv::reset(uint64_t seed) {
  std::vector<Observation> obs(impl_->envs.size());
  impl_->pool->parallel_for(size(), [&](int64_t i) {
    obs[static_cast<size_t>(i)] = on_copy(i, [&] { return impl_->envs[static_cast<size_t>(i)]->reset(derive_seed(seed, static_cast<uint64_t>(i))); });
  });
  return obs;
}

Observation VectorEnv::reset_at(int64_t i, uint64_t seed) {
  Env& e = env(i);
  return on_copy(i, [&] { return e.reset(seed); });
}

std::vector<StepResult> VectorEnv::step(const std::vector<Action>& actions) {
  FLOWRL_CHECK(actions.size() == impl_->envs.size(), "VectorEnv::step: got ", actions.size(), " actions for ",
               impl_->envs.size(), " env copies");
  std::vector<StepResult> results(actions.size());
  impl_->pool->parallel_for(size(), [&](int64_t i) {
    const auto k = static_cast<size_t>(i);
    results[k] = on_copy(i, [&] { return impl_->envs[k]->step(actions[k]); });
  });
  return results;
}

std::vector<StepResult> VectorEnv::step(const std::vector<int64_t>& indices, const std::vector<Action>& actions) {
  FLOWRL_CHECK(actions.size() == indices.size(), "VectorEnv::step: got ", actions.size(), " actions for ",
               indices.size(), " indices");
  std::set<int64_t> seen;
  for (int64_t i : indices) {
    FLOWRL_CHECK(i >= 0 && i < size(), "VectorEnv::step: copy ", i, " out of range [0, ", size(), ")");
    FLOWRL_CHECK(seen.insert(i).second, "VectorEnv::step: copy ", i, " listed twice");
  }
  std::vector<StepResult> results(indices.size());
  impl_->pool->parallel_for(static_cast<int64_t>(indices.size()), [&](int64_t k) {
    const auto ku = static_cast<size_t>(k);
    const int64_t i = indices[ku];
    results[ku] = on_copy(i, [&] { return impl_->envs[static_cast<size_t>(i)]->step(actions[ku]); });
  });
  return results;
}

}  // namespace flowrl::envs
