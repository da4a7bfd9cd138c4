// error_message.h — the message of the flowrl::Error a call throws, for checking what an error says.
#pragma once

#include <flowrl/core/error.h>

#include <string>

namespace flowrl::test {

/// The message of the flowrl::Error that `f()` throws; "(no error)" when it returns.
template <typename F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace flowrl::test
