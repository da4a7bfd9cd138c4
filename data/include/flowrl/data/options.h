// flowrl/data/options.h — the chainable-setter macro of the torch-free option structs in flowrl::data.
//
// FLOWRL_DATA_ARG(T, name) declares a private member `name_` with a fluent setter `name(value)` that
// returns *this and a getter `name()`, like TORCH_ARG, without pulling in any torch header:
//   auto opts = D4RLReadOptions().obs_dim(11).act_dim(3).load_infos(false);
#pragma once

#include <utility>

#define FLOWRL_DATA_ARG(T, name)                           \
 public:                                                   \
  inline auto name(const T& new_##name)->decltype(*this) { \
    this->name##_ = new_##name;                            \
    return *this;                                          \
  }                                                        \
  inline auto name(T&& new_##name)->decltype(*this) {      \
    this->name##_ = std::move(new_##name);                 \
    return *this;                                          \
  }                                                        \
  inline const T& name() const noexcept { return this->name##_; } \
  inline T& name() noexcept { return this->name##_; }      \
                                                           \
 private:                                                  \
  T name##_
