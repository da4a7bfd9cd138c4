// flowrl/agent/dt_policy.h — a Decision Transformer acting in flowrl's environments.
//
// All episodes of one evaluation advance together: every environment step is one batched forward
// pass over the context windows of the running episodes. Episodes of different lengths are padded
// on the right; with causal attention the prediction at an episode's last state token never sees
// the padding.
#pragma once

#include <flowrl/agent/decision_transformer.h>
#include <flowrl/backbone/precision.h>
#include <flowrl/data/normalizer.h>
#include <flowrl/envs/evaluate.h>

#include <deque>
#include <string>
#include <vector>

namespace flowrl {

/// The largest target return (in absolute value) a DTPolicy takes: far beyond any locomotion
/// return, and small enough that the return embedding stays finite in float32.
inline constexpr double kMaxTargetReturn = 1e7;

/// Throws flowrl::Error unless `target` is finite and within +-kMaxTargetReturn; `what` names where
/// it came from (an option, a config key).
void check_target_return(double target, const std::string& what);

/// Options of DTPolicy.
struct DTPolicyOptions {
  /// Target return (raw; divided by reward_scale for the first return-to-go).
  double target_return = 0.0;
  /// Returns-to-go are divided by this (as in training).
  double reward_scale = 1000.0;
  /// Device the model runs on.
  torch::Device device = torch::kCPU;
  /// Precision of the forward pass (flowrl/backbone/precision.h); the actions are float32 either way.
  Precision precision = Precision::kFP32;
  /// Act through the Flowformer's recurrent state (Flow-Attention only): each step feeds a_{t-1}, R_t,
  /// s_t once, at a cost that does not grow with t, and the model sees the whole episode so far. The
  /// same actions as the window for a model whose context covers the episode (context == max_ep_len,
  /// a whole-episode model, docs/recurrent.md); a K-step model would see more than it was trained on.
  bool recurrent = false;
};

/// How a policy made from a trained run acts (make_policy(), evaluate-policy --acting).
enum class Acting {
  kAuto,       ///< recurrent_by_default(model): the recurrent state where it gives the window's actions, else the window
  kWindow,     ///< the K-step window, always (one forward pass over the last <= K steps per env step)
  kRecurrent,  ///< the recurrent state; refused for a model where it would not give the window's actions
};

/// Parses "auto", "window" or "recurrent"; throws flowrl::Error naming `what` (an option) otherwise.
Acting parse_acting(const std::string& name, const std::string& what);

/// Whether a policy over `model` acts through the recurrent state under `acting`. Throws
/// flowrl::Error for Acting::kRecurrent on a softmax model (it has no recurrent state) or on a model
/// whose context is shorter than max_ep_len (its window drops steps the recurrent state would keep,
/// so it would act on more than it was trained on).
bool resolve_acting(const DecisionTransformerOptions& model, Acting acting);

/// "recurrent" or "window": how evaluation reports record the way a policy acted.
inline const char* acting_name(bool recurrent) { return recurrent ? "recurrent" : "window"; }

/// envs::Policy over a trained DecisionTransformer: RTG_0 = target / scale, RTG_{t+1} = RTG_t - r_t / scale,
/// context = the last <= K steps, timesteps clipped to max_ep_len - 1. A slot's episode runs from
/// start_episode() to the observe() whose step ends it; act() and observe() on a slot with no
/// running episode, or with observations or actions of the wrong width, throw flowrl::Error.
/// For a train-agent run, make_policy() (flowrl/agent/checkpoint.h) fills the options from the run.
class DTPolicy : public envs::Policy {
 public:
  /// `model` is put in eval mode; `normalizer` must be the training data's.
  DTPolicy(DecisionTransformer model, data::StateNormalizer normalizer, DTPolicyOptions options);

  void start_episode(int64_t slot, uint64_t seed, const envs::Observation& first_observation) override;
  std::vector<envs::Action> act(const envs::ActBatch& batch) override;
  void observe(int64_t slot, const envs::Action& action, const envs::StepResult& result) override;

  /// True when this policy acts through the recurrent state (DTPolicyOptions::recurrent).
  bool recurrent() const { return options_.recurrent; }

 private:
  struct History {
    std::deque<std::vector<float>> states;   // normalized, last <= K
    std::deque<std::vector<float>> actions;  // taken actions, aligned with states (last one pending)
    std::deque<float> returns_to_go;         // scaled
    std::deque<int64_t> timesteps;
    int64_t t = 0;
    bool running = false;  // between start_episode() and the step that ends the episode
    // recurrent acting: the step before this one (fed with this step's tokens), a new episode's row
    std::vector<float> prev_action;
    int64_t prev_timestep = 0;
    bool has_prev = false;
    bool fresh = true;
  };
  std::vector<envs::Action> act_recurrent(const envs::ActBatch& batch);
  History& history(int64_t slot);
  History& running(int64_t slot, const char* caller);
  void push_state(History& h, const envs::Observation& obs, float rtg);

  DecisionTransformer model_;
  data::StateNormalizer normalizer_;
  DTPolicyOptions options_;
  std::vector<History> histories_;
  FlowformerState state_;  // recurrent acting: one row per slot
};

}  // namespace flowrl
