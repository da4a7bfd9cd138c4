// Flowformer blocks: GPT-2 style pre-LN residual blocks over Flow-Attention (or softmax attention).
//
// Shape legend: B batch, T tokens, D d_model.
#include <flowrl/backbone/flow_attention.h>
#include <flowrl/backbone/flowformer.h>
#include <flowrl/backbone/precision.h>
#include <flowrl/backbone/softmax_attention.h>
#include <flowrl/core/error.h>

namespace flowrl {

FlowformerBlockImpl::FlowformerBlockImpl(const FlowformerOptions& options_) : options(options_) { reset(); }

void FlowformerBlockImpl::reset() {
  FLOWRL_CHECK(options.mlp_ratio() > 0, "FlowformerBlock: mlp_ratio must be positive, got ", options.mlp_ratio());
  FLOWRL_CHECK(options.dropout() >= 0.0 && options.dropout() < 1.0,
               "FlowformerBlock: dropout must be in [0, 1), got ", options.dropout());
  const auto D = options.d_model();
  auto norm = torch::nn::LayerNormOptions({D}).eps(options.layer_norm_eps());
  ln1 = register_module("ln1", torch::nn::LayerNorm(norm));
  // Attention: Flow-Attention or softmax, same options and interface.
  auto attn_options = options.attention_options();
  if (options.attention() == AttentionKind::kFlow) {
    attn = torch::nn::AnyModule(FlowAttention(attn_options));
  } else {
    attn = torch::nn::AnyModule(SoftmaxAttention(attn_options));
  }
  register_module("attn", attn.ptr());
  ln2 = register_module("ln2", torch::nn::LayerNorm(norm));
  // MLP: D -> ratio*D -> D, residual dropout.
  mlp = torch::nn::Sequential();
  mlp->push_back("fc", torch::nn::Linear(D, options.mlp_ratio() * D));
  if (options.activation() == Activation::kGELU) {
    mlp->push_back("act", torch::nn::GELU());
  } else {
    mlp->push_back("act", torch::nn::ReLU());
  }
  mlp->push_back("proj", torch::nn::Linear(options.mlp_ratio() * D, D));
  mlp->push_back("dropout", torch::nn::Dropout(options.dropout()));
  register_module("mlp", mlp);
  // Handles on the MLP's layers, so forward() can run them in the current precision.
  fc = torch::nn::Linear(mlp->ptr<torch::nn::LinearImpl>(0));
  proj = torch::nn::Linear(mlp->ptr<torch::nn::LinearImpl>(2));
  mlp_dropout = torch::nn::Dropout(mlp->ptr<torch::nn::DropoutImpl>(3));
}

namespace {

// The checks every recurrent step of a block or stack makes on its options.
void check_recurrent(const FlowformerOptions& o, const char* where) {
  FLOWRL_CHECK(o.attention() == AttentionKind::kFlow, where,
               ": softmax attention has no recurrent state of fixed size (a key/value cache would grow with every "
               "token); run forward() over the whole prefix, or build the stack with .attention(AttentionKind::kFlow)");
  FLOWRL_CHECK(o.causal(), where,
               ": the stack is not causal, and non-causal attention at a position depends on later tokens; build it "
               "with FlowformerOptions(...).causal(true)");
}

}  // namespace

torch::Tensor FlowformerBlockImpl::forward(const torch::Tensor& x) {
  // The residual stream and LayerNorm stay float32; under bf16 the attention and MLP branches
  // come back in bf16 and the float32 residual sums promote them.
  auto h = ln1(x);                                                         // [B,T,D]
  auto y = x + attn.forward<torch::Tensor>(h, h, h);                       // [B,T,D]
  auto m = detail::linear(fc, ln2(y));                                     // [B,T,ratio*D]
  m = options.activation() == Activation::kGELU ? torch::gelu(m) : torch::relu(m);
  m = mlp_dropout(detail::linear(proj, m));                                // [B,T,D]
  return y + m;                                                            // [B,T,D]
}

torch::Tensor FlowformerBlockImpl::step(const torch::Tensor& x, FlowAttentionState& state,
                                        const torch::Tensor& lengths) {
  check_recurrent(options, "FlowformerBlock::step");
  // forward() with the attention replaced by its recurrent step; LayerNorm and the MLP act per token
  auto h = ln1(x);                                                         // [B,T,D]
  auto y = x + attn.ptr<FlowAttentionImpl>()->step(h, state, lengths);     // [B,T,D]
  auto m = detail::linear(fc, ln2(y));                                     // [B,T,ratio*D]
  m = options.activation() == Activation::kGELU ? torch::gelu(m) : torch::relu(m);
  m = mlp_dropout(detail::linear(proj, m));                                // [B,T,D]
  return y + m;                                                            // [B,T,D]
}

FlowformerImpl::FlowformerImpl(const FlowformerOptions& options_) : options(options_) { reset(); }

void FlowformerImpl::reset() {
  FLOWRL_CHECK(options.layers() > 0, "Flowformer: layers must be positive, got ", options.layers());
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int64_t i = 0; i < options.layers(); ++i) blocks->push_back(FlowformerBlock(options));
  ln_f = register_module("ln_f",
                         torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.d_model()})
                                                  .eps(options.layer_norm_eps())));
}

torch::Tensor FlowformerImpl::forward(torch::Tensor x) {
  FLOWRL_CHECK(x.dim() == 3 && x.size(2) == options.d_model(), "Flowformer: input must be [B, T, ",
               options.d_model(), "], got ", detail::concat(x.sizes()));
  for (const auto& block : *blocks) x = block->as<FlowformerBlock>()->forward(x);  // [B,T,D]
  return ln_f(x);                                                                     // [B,T,D]
}

}  // namespace flowrl

namespace flowrl {

torch::Tensor FlowformerImpl::step(torch::Tensor x, FlowformerState& state, const torch::Tensor& lengths) {
  check_recurrent(options, "Flowformer::step");
  FLOWRL_CHECK(x.dim() == 3 && x.size(2) == options.d_model(), "Flowformer::step: input must be [B, T, ",
               options.d_model(), "] (the next T tokens), got ", detail::concat(x.sizes()));
  const auto L = static_cast<size_t>(blocks->size());
  if (state.layers.empty()) state.layers.assign(L, FlowAttentionState(state.accumulate()));
  FLOWRL_CHECK(state.layers.size() == L, "Flowformer::step: the state holds ", state.layers.size(),
               " layers but the stack has ", L, "; use one FlowformerState per stack, or reset() it");
  for (size_t i = 0; i < L; ++i) x = blocks[i]->as<FlowformerBlock>()->step(x, state.layers[i], lengths);  // [B,T,D]
  return ln_f(x);                                                                                           // [B,T,D]
}

}  // namespace flowrl
