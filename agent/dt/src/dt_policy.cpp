// Batched Decision-Transformer inference for evaluation.
//
// Shape legend: E running episodes in the batch, K context steps, S state dim, A action dim.
#include <flowrl/agent/dt_policy.h>
#include <flowrl/core/error.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace flowrl {

void check_target_return(double target, const std::string& what) {
  FLOWRL_CHECK(std::isfinite(target) && std::abs(target) <= kMaxTargetReturn, what, " ", target,
               ": target returns must be finite numbers within +-", static_cast<int64_t>(kMaxTargetReturn));
}

Acting parse_acting(const std::string& name, const std::string& what) {
  if (name == "auto") return Acting::kAuto;
  if (name == "window") return Acting::kWindow;
  if (name == "recurrent") return Acting::kRecurrent;
  fail(what, " '", name, "': use auto (the recurrent state where it gives the window's actions), window or recurrent");
}

bool resolve_acting(const DecisionTransformerOptions& model, Acting acting) {
  if (acting == Acting::kWindow) return false;
  if (acting == Acting::kAuto) return recurrent_by_default(model);
  FLOWRL_CHECK(model.attention() == AttentionKind::kFlow,
               "recurrent acting needs a Flow-Attention model; this one uses softmax attention (act through the window)");
  FLOWRL_CHECK(model.context() >= model.max_ep_len(), "recurrent acting needs a context that covers the episode (",
               "context >= max_ep_len = ", model.max_ep_len(), "); this model's context is ", model.context(),
               " steps, so its window drops older steps that the recurrent state would keep (act through the window)");
  return true;
}

DTPolicy::DTPolicy(DecisionTransformer model, data::StateNormalizer normalizer, DTPolicyOptions options)
    : model_(std::move(model)), normalizer_(std::move(normalizer)), options_(options) {
  FLOWRL_CHECK(normalizer_.dim() == model_->options.state_dim(), "DTPolicy: the state normalizer has ",
               normalizer_.dim(), " dims, the model ", model_->options.state_dim());
  check_target_return(options_.target_return, "DTPolicy: target return");
  FLOWRL_CHECK(std::isfinite(options_.reward_scale) && options_.reward_scale > 0, "DTPolicy: reward_scale ",
               options_.reward_scale, " must be a positive number");
  FLOWRL_CHECK(!options_.recurrent || model_->options.attention() == AttentionKind::kFlow,
               "DTPolicy: recurrent acting needs a Flow-Attention model; this one uses softmax attention");
  model_->eval();
  model_->to(options_.device);
}

DTPolicy::History& DTPolicy::history(int64_t slot) {
  FLOWRL_CHECK(slot >= 0, "DTPolicy: negative slot");
  if (static_cast<size_t>(slot) >= histories_.size()) histories_.resize(static_cast<size_t>(slot) + 1);
  return histories_[static_cast<size_t>(slot)];
}

DTPolicy::History& DTPolicy::running(int64_t slot, const char* caller) {
  FLOWRL_CHECK(slot >= 0 && static_cast<size_t>(slot) < histories_.size() && histories_[static_cast<size_t>(slot)].running,
               "DTPolicy::", caller, ": slot ", slot, " has no running episode; call start_episode() for it first ",
               "(an episode ends at the observe() of its last step)");
  return histories_[static_cast<size_t>(slot)];
}

void DTPolicy::push_state(History& h, const envs::Observation& obs, float rtg) {
  FLOWRL_CHECK(static_cast<int64_t>(obs.size()) == model_->options.state_dim(), "DTPolicy: an observation has ",
               obs.size(), " values, but the model was trained on ", model_->options.state_dim(),
               ": is this the environment the run was trained in?");
  const auto K = static_cast<size_t>(model_->options.context());
  std::vector<float> s(obs.begin(), obs.end());
  normalizer_.apply(s.data(), s.data());
  h.states.push_back(std::move(s));
  h.actions.emplace_back(static_cast<size_t>(model_->options.act_dim()), 0.0f);  // pending
  h.returns_to_go.push_back(rtg);
  h.timesteps.push_back(std::min<int64_t>(h.t, model_->options.max_ep_len() - 1));
  if (h.states.size() > K) {  // keep the last K steps
    h.states.pop_front();
    h.actions.pop_front();
    h.returns_to_go.pop_front();
    h.timesteps.pop_front();
  }
}

void DTPolicy::start_episode(int64_t slot, uint64_t, const envs::Observation& first_observation) {
  auto& h = history(slot);
  h = History{};  // fresh: a recurrent row starts over at its next step
  push_state(h, first_observation, static_cast<float>(options_.target_return / options_.reward_scale));
  h.running = true;
}

std::vector<envs::Action> DTPolicy::act(const envs::ActBatch& batch) {
  if (options_.recurrent) return act_recurrent(batch);
  const auto E = static_cast<int64_t>(batch.slots.size());
  const auto S = model_->options.state_dim(), A = model_->options.act_dim();
  int64_t K = 1;
  for (auto slot : batch.slots) K = std::max<int64_t>(K, static_cast<int64_t>(running(slot, "act()").states.size()));
  // Right-padded windows, filled on the CPU.
  auto states = torch::zeros({E, K, S});                                   // [E,K,S]
  auto actions = torch::zeros({E, K, A});                                  // [E,K,A]
  auto rtg = torch::zeros({E, K, 1});                                      // [E,K,1]
  auto timesteps = torch::zeros({E, K}, torch::kLong);                     // [E,K]
  auto last = torch::zeros({E}, torch::kLong);                             // [E] index of the current step
  auto s_acc = states.accessor<float, 3>();
  auto a_acc = actions.accessor<float, 3>();
  auto r_acc = rtg.accessor<float, 3>();
  auto t_acc = timesteps.accessor<int64_t, 2>();
  for (int64_t e = 0; e < E; ++e) {
    const auto& h = histories_[static_cast<size_t>(batch.slots[static_cast<size_t>(e)])];
    const auto n = static_cast<int64_t>(h.states.size());
    for (int64_t k = 0; k < n; ++k) {
      const auto& s = h.states[static_cast<size_t>(k)];
      const auto& a = h.actions[static_cast<size_t>(k)];
      for (int64_t j = 0; j < S; ++j) s_acc[e][k][j] = s[static_cast<size_t>(j)];
      for (int64_t j = 0; j < A; ++j) a_acc[e][k][j] = a[static_cast<size_t>(j)];
      r_acc[e][k][0] = h.returns_to_go[static_cast<size_t>(k)];
      t_acc[e][k] = h.timesteps[static_cast<size_t>(k)];
    }
    last[e] = n - 1;
  }
  // One forward pass for every running episode.
  torch::NoGradGuard no_grad;
  const PrecisionGuard precision(options_.precision);
  const auto dev = options_.device;
  auto pred = model_(states.to(dev), actions.to(dev), rtg.to(dev), timesteps.to(dev));  // [E,K,A]
  auto chosen = pred.index({torch::arange(E, torch::kLong).to(dev), last.to(dev)})        // [E,A]
                    .to(torch::kCPU, torch::kFloat64)
                    .contiguous();
  std::vector<envs::Action> out(static_cast<size_t>(E));
  const double* p = chosen.data_ptr<double>();
  for (int64_t e = 0; e < E; ++e) out[static_cast<size_t>(e)].assign(p + e * A, p + (e + 1) * A);
  return out;
}

void DTPolicy::observe(int64_t slot, const envs::Action& action, const envs::StepResult& result) {
  auto& h = running(slot, "observe()");
  FLOWRL_CHECK(static_cast<int64_t>(action.size()) == model_->options.act_dim(), "DTPolicy::observe(): the action has ",
               action.size(), " values, the model's have ", model_->options.act_dim());
  auto& pending = h.actions.back();
  std::transform(action.begin(), action.end(), pending.begin(), [](double x) {
    return static_cast<float>(std::clamp(x, -1.0, 1.0));
  });
  h.prev_action = pending;
  h.prev_timestep = h.timesteps.back();
  h.has_prev = true;
  const float rtg = h.returns_to_go.back() - static_cast<float>(result.reward / options_.reward_scale);
  ++h.t;
  if (result.terminated || result.truncated) {
    h.running = false;
  } else {
    push_state(h, result.observation, rtg);
  }
}

// One step of every running episode through the recurrent state: rows are slots; slots not in the
// batch consume nothing.
std::vector<envs::Action> DTPolicy::act_recurrent(const envs::ActBatch& batch) {
  const auto E = static_cast<int64_t>(batch.slots.size());
  const auto S = model_->options.state_dim(), A = model_->options.act_dim();
  for (auto slot : batch.slots) running(slot, "act()");
  // rows: the slots seen by the first step, which sizes the state
  const auto B = state_.defined() ? state_.count().size(0) : static_cast<int64_t>(histories_.size());
  FLOWRL_CHECK(static_cast<int64_t>(histories_.size()) <= B, "DTPolicy: recurrent acting was sized for ", B,
               " slots at its first step; start every slot's episode before the first act()");
  auto prev_actions = torch::zeros({B, A});                   // [B,A]
  auto prev_timesteps = torch::zeros({B}, torch::kLong);      // [B]
  auto has_prev = torch::zeros({B}, torch::kBool);            // [B]
  auto rtg = torch::zeros({B, 1});                            // [B,1]
  auto states = torch::zeros({B, S});                         // [B,S]
  auto timesteps = torch::zeros({B}, torch::kLong);           // [B]
  auto active = torch::zeros({B}, torch::kBool);              // [B]
  auto fresh = torch::zeros({B}, torch::kBool);               // [B]
  auto pa = prev_actions.accessor<float, 2>();
  auto pt = prev_timesteps.accessor<int64_t, 1>();
  auto hp = has_prev.accessor<bool, 1>();
  auto ra = rtg.accessor<float, 2>();
  auto sa = states.accessor<float, 2>();
  auto ta = timesteps.accessor<int64_t, 1>();
  auto aa = active.accessor<bool, 1>();
  auto fa = fresh.accessor<bool, 1>();
  for (auto slot : batch.slots) {
    auto& h = histories_[static_cast<size_t>(slot)];
    const auto& st = h.states.back();
    for (int64_t j = 0; j < S; ++j) sa[slot][j] = st[static_cast<size_t>(j)];
    ra[slot][0] = h.returns_to_go.back();
    ta[slot] = h.timesteps.back();
    if (h.has_prev) {
      for (int64_t j = 0; j < A; ++j) pa[slot][j] = h.prev_action[static_cast<size_t>(j)];
      pt[slot] = h.prev_timestep;
      hp[slot] = true;
    }
    aa[slot] = true;
    fa[slot] = h.fresh;
    h.fresh = false;
  }
  torch::NoGradGuard no_grad;
  const PrecisionGuard precision(options_.precision);
  const auto dev = options_.device;
  auto pred = model_->step(prev_actions.to(dev), prev_timesteps.to(dev), has_prev.to(dev), rtg.to(dev), states.to(dev),
                           timesteps.to(dev), active.to(dev), fresh.to(dev), state_);  // [B,A]
  auto all = pred.to(torch::kCPU, torch::kFloat64).contiguous();
  std::vector<envs::Action> out(static_cast<size_t>(E));
  const double* p = all.data_ptr<double>();
  for (int64_t e = 0; e < E; ++e) {
    const auto slot = batch.slots[static_cast<size_t>(e)];
    out[static_cast<size_t>(e)].assign(p + slot * A, p + (slot + 1) * A);
  }
  return out;
}

}  // namespace flowrl
