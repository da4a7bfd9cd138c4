// Uses the installed flowrl backbone: a causal Flowformer forward pass, checked for causality.
#include <flowrl/backbone.h>

#include <iostream>

int main() {
  torch::manual_seed(0);
  flowrl::Flowformer net(flowrl::FlowformerOptions(32, 4).layers(2).causal(true).clamp(10));
  net->eval();
  torch::NoGradGuard no_grad;
  auto x = torch::randn({2, 12, 32});                                   // [B, T, D]
  auto y = net(x);                                                      // [B, T, D]
  auto x2 = x.clone();
  x2.narrow(1, 6, 6).normal_();                                         // change the future
  auto y2 = net(x2);
  const bool causal = torch::allclose(y.narrow(1, 0, 6), y2.narrow(1, 0, 6));
  std::cout << "flowrl consumer: output " << y.sizes() << ", causal " << (causal ? "yes" : "NO") << "\n";
  return (y.sizes() == torch::IntArrayRef({2, 12, 32}) && causal) ? 0 : 1;
}
