// error_of.h — the message of the flowrl::Error a call throws, for tests that check several parts of it.
#pragma once

#include <flowrl/core/error.h>

#include <string>
#include <utility>

namespace flowrl::test {

/// what() of the flowrl::Error that `f()` throws; "" when it throws none.
template <typename F>
std::string error_of(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace flowrl::test
