// Decision Transformer on the causal Flowformer.
//
// Shape legend: B batch, K steps, T = 3K tokens, S state dim, A action dim, h embed dim.
#include <flowrl/agent/action_loss.h>
#include <flowrl/agent/decision_transformer.h>
#include <flowrl/core/error.h>
#include <torch/torch.h>

#include <algorithm>

namespace flowrl {

namespace {
constexpr int64_t kMaxChunkTokens = 192;
}  // namespace

FlowformerOptions DecisionTransformerOptions::backbone_options() const {
  return FlowformerOptions(embed_dim_, heads_)
      .layers(layers_)
      .attention(attention_)
      .causal(true)
      .mlp_ratio(4)
      .activation(activation_)
      .dropout(dropout_)
      .clamp(clamp_)
      .competition(competition_)
      .allocation(allocation_)
      // one chunk per training window up to 64 steps (dense masked products, no states); longer
      // contexts (whole episodes) go chunk by chunk, so that time and memory stay linear in K
      .chunk_size(std::min<int64_t>(3 * context_, kMaxChunkTokens));
}

bool recurrent_by_default(const DecisionTransformerOptions& options) {
  return options.attention() == AttentionKind::kFlow && options.context() >= options.max_ep_len();
}

void DecisionTransformerOptions::validate(const std::string& where, const std::string& key_prefix) const {
  const auto name = [&](const char* option) {
    return key_prefix.empty() ? std::string(option) : "'" + key_prefix + option + "'";
  };
  FLOWRL_CHECK(state_dim_ > 0 && act_dim_ > 0, where, " state_dim and act_dim must be positive");
  FLOWRL_CHECK(embed_dim_ > 0 && heads_ > 0 && embed_dim_ % heads_ == 0, where, " ", name("embed_dim"), " (",
               embed_dim_, ") must be a positive multiple of ", name("heads"), " (", heads_, ")");
  FLOWRL_CHECK(layers_ > 0, where, " ", name("layers"), " must be positive, got ", layers_);
  FLOWRL_CHECK(max_ep_len_ > 0, where, " ", name("max_ep_len"), " must be positive, got ", max_ep_len_);
  // an episode has at most max_ep_len steps, so a longer context is never filled
  FLOWRL_CHECK(context_ > 0 && context_ <= max_ep_len_, where, " ", name("context"), " must be between 1 and ",
               key_prefix, "max_ep_len (", max_ep_len_, ") timesteps, got ", context_);
  FLOWRL_CHECK(dropout_ >= 0.0 && dropout_ < 1.0, where, " ", name("dropout"), " must be in [0, 1), got ", dropout_);
  FLOWRL_CHECK(clamp_ > 0.0, where, " ", name("clamp"), " must be positive, got ", clamp_);
}

DecisionTransformerImpl::DecisionTransformerImpl(const DecisionTransformerOptions& options_) : options(options_) {
  reset();
}

void DecisionTransformerImpl::reset() {
  options.validate();
  const auto h = options.embed_dim();
  // Token embeddings and the timestep table.
  embed_timestep = register_module("embed_timestep", torch::nn::Embedding(options.max_ep_len(), h));
  embed_return = register_module("embed_return", torch::nn::Linear(1, h));
  embed_state = register_module("embed_state", torch::nn::Linear(options.state_dim(), h));
  embed_action = register_module("embed_action", torch::nn::Linear(options.act_dim(), h));
  embed_ln = register_module("embed_ln", torch::nn::LayerNorm(torch::nn::LayerNormOptions({h})));
  embed_dropout = register_module("embed_dropout", torch::nn::Dropout(options.dropout()));
  // Backbone and action head.
  transformer = register_module("transformer", Flowformer(options.backbone_options()));
  predict_action = register_module("predict_action", torch::nn::Linear(h, options.act_dim()));
  // GPT-2 initialisation: Linear/Embedding weights N(0, 0.02), biases 0; LayerNorm 1/0.
  torch::NoGradGuard no_grad;
  for (auto& m : modules(/*include_self=*/false)) {
    if (auto* linear = m->as<torch::nn::Linear>()) {
      linear->weight.normal_(0.0, 0.02);
      if (linear->bias.defined()) linear->bias.zero_();
    } else if (auto* emb = m->as<torch::nn::Embedding>()) {
      emb->weight.normal_(0.0, 0.02);
    }
  }
}

torch::Tensor DecisionTransformerImpl::forward(const torch::Tensor& states, const torch::Tensor& actions,
                                               const torch::Tensor& returns_to_go, const torch::Tensor& timesteps) {
  auto shape = [](const torch::Tensor& t) { return detail::concat(t.sizes()); };
  FLOWRL_CHECK(states.dim() == 3 && states.size(2) == options.state_dim(),
               "DecisionTransformer: states must be [B, K, ", options.state_dim(), "], got ", shape(states));
  const auto B = states.size(0), K = states.size(1), h = options.embed_dim();
  FLOWRL_CHECK(K >= 1 && K <= options.context(), "DecisionTransformer: ", K, " steps given, context is ",
               options.context());
  FLOWRL_CHECK(actions.dim() == 3 && actions.size(0) == B && actions.size(1) == K &&
                   actions.size(2) == options.act_dim(),
               "DecisionTransformer: actions must be [", B, ", ", K, ", ", options.act_dim(), "], got ", shape(actions));
  FLOWRL_CHECK(returns_to_go.dim() == 3 && returns_to_go.size(0) == B && returns_to_go.size(1) == K &&
                   returns_to_go.size(2) == 1,
               "DecisionTransformer: returns_to_go must be [", B, ", ", K, ", 1], got ", shape(returns_to_go));
  FLOWRL_CHECK(timesteps.dim() == 2 && timesteps.size(0) == B && timesteps.size(1) == K,
               "DecisionTransformer: timesteps must be [", B, ", ", K, "], got ", shape(timesteps));

  auto time = embed_timestep(timesteps);                                  // [B,K,h]
  auto r = embed_return(returns_to_go) + time;                            // [B,K,h]
  auto s = embed_state(states) + time;                                    // [B,K,h]
  auto a = embed_action(actions) + time;                                  // [B,K,h]
  auto tokens = torch::stack({r, s, a}, 2).reshape({B, 3 * K, h});        // [B,3K,h]: R_0 s_0 a_0 R_1 ...
  tokens = embed_dropout(embed_ln(tokens));                               // [B,3K,h]
  auto out = transformer(tokens).reshape({B, K, 3, h});                   // [B,K,3,h]
  auto at_state = out.select(2, 1);                                       // [B,K,h] outputs at s_t
  return torch::tanh(predict_action(at_state));                           // [B,K,A]
}

torch::Tensor DecisionTransformerImpl::step(const torch::Tensor& prev_actions, const torch::Tensor& prev_timesteps,
                                            const torch::Tensor& has_prev, const torch::Tensor& returns_to_go,
                                            const torch::Tensor& states, const torch::Tensor& timesteps,
                                            const torch::Tensor& active, const torch::Tensor& fresh, FlowformerState& state) {
  FLOWRL_CHECK(options.attention() == AttentionKind::kFlow, "DecisionTransformer::step: recurrent acting needs ",
               "Flow-Attention (softmax attention has no fixed-size state); act with the window instead");
  const auto B = states.size(0), h = options.embed_dim();
  FLOWRL_CHECK(states.dim() == 2 && states.size(1) == options.state_dim() && prev_actions.sizes() == torch::IntArrayRef({B, options.act_dim()}) &&
                   returns_to_go.sizes() == torch::IntArrayRef({B, 1}) && timesteps.sizes() == torch::IntArrayRef({B}) &&
                   prev_timesteps.sizes() == torch::IntArrayRef({B}) && has_prev.sizes() == torch::IntArrayRef({B}) &&
                   active.sizes() == torch::IntArrayRef({B}) && fresh.sizes() == torch::IntArrayRef({B}),
               "DecisionTransformer::step: inputs must be prev_actions [B,", options.act_dim(), "], states [B,",
               options.state_dim(), "], returns_to_go [B,1] and [B] timesteps and flags");
  if (state.defined() && fresh.any().item<bool>()) state.reset_rows(fresh);
  auto a = embed_action(prev_actions) + embed_timestep(prev_timesteps);   // [B,h]
  auto time = embed_timestep(timesteps);                                  // [B,h]
  auto r = embed_return(returns_to_go) + time;                            // [B,h]
  auto s = embed_state(states) + time;                                    // [B,h]
  // rows with a previous action feed a_{t-1} R_t s_t; rows at t = 0 feed R_0 s_0 (and one pad)
  auto prev = has_prev.view({B, 1, 1});                                    // [B,1,1]
  auto block = torch::where(prev, torch::stack({a, r, s}, 1), torch::stack({r, s, s}, 1));  // [B,3,h]
  block = embed_dropout(embed_ln(block));                                 // [B,3,h]
  auto lengths = active.to(torch::kLong) * (2 + has_prev.to(torch::kLong));  // [B] tokens each row feeds: 3, 2 or 0
  auto out = transformer->step(block, state, lengths);                    // [B,3,h]
  auto at = 1 + has_prev.to(torch::kLong);                                // [B] position of s_t in the block
  auto at_state = out.gather(1, at.view({B, 1, 1}).expand({B, 1, h})).squeeze(1);   // [B,h]
  return torch::tanh(predict_action(at_state));                           // [B,A]
}

torch::Tensor masked_action_mse(const torch::Tensor& pred, const torch::Tensor& actions, const torch::Tensor& mask) {
  auto valid = mask.unsqueeze(-1).to(pred.dtype());                                // [B,K,1]
  return ((pred - actions).pow(2) * valid).sum() / (valid.sum() * pred.size(2));  // []
}

}  // namespace flowrl
