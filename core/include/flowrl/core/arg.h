// flowrl/core/arg.h — FLOWRL_ARG, the torch-free twin of TORCH_ARG for options structs.
//
// FLOWRL_ARG(T, name) declares a private member `name_` plus a chainable setter `name(value)` and a
// getter `name()`, so options read like the PyTorch C++ frontend:
//   auto env = make_env("hopper", EnvOptions().reset_noise_scale(0.0));
#pragma once

#include <utility>

#define FLOWRL_ARG(T, name)                                       \
 public:                                                          \
  inline auto name(const T& new_##name)->decltype(*this) {        \
    this->name##_ = new_##name;                                   \
    return *this;                                                 \
  }                                                               \
  inline auto name(T&& new_##name)->decltype(*this) {             \
    this->name##_ = std::move(new_##name);                        \
    return *this;                                                 \
  }                                                               \
  inline const T& name() const noexcept { return this->name##_; } \
  inline T& name() noexcept { return this->name##_; }             \
                                                                  \
 private:                                                         \
  T name##_
