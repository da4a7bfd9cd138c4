// flowrl/agent/decision_transformer.h — the Decision Transformer (Chen et al., 2021) on the causal
// Flowformer backbone, as in the Flowformer authors' RL code.
//
// Shape legend: B batch, K context steps, T = 3K tokens, S state dim, A action dim, h embed dim.
//
// Tokens per step t: (return-to-go R_t, state s_t, action a_t), interleaved. A learned timestep
// embedding is added to all three tokens of a step; then LayerNorm and dropout; no positional
// embedding. The action a_t is predicted from the output at s_t's token (Linear + tanh). Attention is
// causal, so a window padded on the right needs no attention mask: padded steps only follow valid ones
// and are excluded from the loss.
#pragma once

#include <flowrl/backbone/flowformer.h>
#include <flowrl/backbone/options.h>
#include <torch/nn/cloneable.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

namespace flowrl {

/// Options of the Decision Transformer. Defaults: the Flowformer authors' recipe (embed 256,
/// 3 layers, 4 heads, K 20, Flow-Attention with clamp 10, dropout 0.1, ReLU).
///
///   DecisionTransformer dt(DecisionTransformerOptions(/*state_dim=*/11, /*act_dim=*/3).embed_dim(128).heads(1));
struct DecisionTransformerOptions {
  DecisionTransformerOptions(int64_t state_dim, int64_t act_dim) : state_dim_(state_dim), act_dim_(act_dim) {}

  /// Observation width S.
  TORCH_ARG(int64_t, state_dim);
  /// Action width A.
  TORCH_ARG(int64_t, act_dim);
  /// Token width h.
  TORCH_ARG(int64_t, embed_dim) = 256;
  /// Flowformer blocks.
  TORCH_ARG(int64_t, layers) = 3;
  /// Attention heads.
  TORCH_ARG(int64_t, heads) = 4;
  /// Context length K in steps (3K tokens).
  TORCH_ARG(int64_t, context) = 20;
  /// Size of the timestep embedding table; timesteps must be < max_ep_len.
  TORCH_ARG(int64_t, max_ep_len) = 1000;
  /// Embedding, attention-output and MLP dropout.
  TORCH_ARG(double, dropout) = 0.1;
  /// Backbone attention: Flow-Attention or softmax.
  TORCH_ARG(AttentionKind, attention) = AttentionKind::kFlow;
  /// Flow-Attention source competition (false: the paper's ablation).
  TORCH_ARG(bool, competition) = true;
  /// Flow-Attention sink allocation (false: the paper's ablation).
  TORCH_ARG(bool, allocation) = true;
  /// Flow-Attention clamp bound (the authors' RL model uses 10).
  TORCH_ARG(double, clamp) = 10.0;
  /// MLP activation.
  TORCH_ARG(Activation, activation) = Activation::kReLU;

 public:
  /// The backbone options this model uses (causal, mlp ratio 4).
  FlowformerOptions backbone_options() const;
  /// Throws flowrl::Error naming the bad option. Each message starts with `where`; a `key_prefix`
  /// names the options as config keys ("model." -> 'model.embed_dim') instead of option names.
  void validate(const std::string& where = "DecisionTransformer:", const std::string& key_prefix = "") const;
};

/// True for a Flow-Attention model whose context covers its episode (context >= max_ep_len): its
/// K-step window never drops a step, so acting through the recurrent state gives the window's actions
/// at a cost per step that does not grow with t. Such a model acts through the recurrent state by
/// default, however its context was spelled (`model.context: episode` or a number >= max_ep_len).
bool recurrent_by_default(const DecisionTransformerOptions& options);

/// Decision Transformer: (R, s, a) tokens -> causal Flowformer -> tanh action head.
class DecisionTransformerImpl : public torch::nn::Cloneable<DecisionTransformerImpl> {
 public:
  explicit DecisionTransformerImpl(const DecisionTransformerOptions& options);

  /// (Re)creates the submodules and applies the GPT-2 initialisation (N(0, 0.02), zero biases).
  void reset() override;

  /// states [B,K,S], actions [B,K,A], returns_to_go [B,K,1], timesteps [B,K] (int64) -> predicted
  /// actions [B,K,A] (in [-1, 1]); entry t is predicted from tokens up to s_t. K may be shorter
  /// than options.context() (evaluation at the start of an episode). Throws flowrl::Error on shapes.
  torch::Tensor forward(const torch::Tensor& states, const torch::Tensor& actions,
                        const torch::Tensor& returns_to_go, const torch::Tensor& timesteps);

  /// Recurrent acting (causal Flow-Attention only): continues the token sequences `state` holds by one
  /// environment step and returns the actions predicted at this step's state tokens, [B,A]. Per row b
  /// the step feeds a_{t-1} (when has_prev[b]), R_t and s_t; the outputs equal forward() over the
  /// whole prefix (to round-off) at a cost that does not grow with t (flowrl/backbone/flow_recurrent.h).
  /// Rows where `active` is false consume nothing (their output is meaningless); rows where `fresh` is
  /// true start a new sequence (their state is cleared first). Throws flowrl::Error for softmax attention.
  ///   prev_actions [B,A], prev_timesteps [B], has_prev [B] bool, returns_to_go [B,1], states [B,S],
  ///   timesteps [B], active [B] bool, fresh [B] bool.
  torch::Tensor step(const torch::Tensor& prev_actions, const torch::Tensor& prev_timesteps, const torch::Tensor& has_prev,
                     const torch::Tensor& returns_to_go, const torch::Tensor& states, const torch::Tensor& timesteps,
                     const torch::Tensor& active, const torch::Tensor& fresh, FlowformerState& state);
  /// The options the model was built with.
  DecisionTransformerOptions options;

  torch::nn::Embedding embed_timestep{nullptr};
  torch::nn::Linear embed_return{nullptr}, embed_state{nullptr}, embed_action{nullptr};
  torch::nn::LayerNorm embed_ln{nullptr};
  torch::nn::Dropout embed_dropout{nullptr};
  Flowformer transformer{nullptr};
  torch::nn::Linear predict_action{nullptr};
};
TORCH_MODULE(DecisionTransformer);

}  // namespace flowrl
