// flowrl/core/error.h — the one exception type for user-caused errors.
//
// Everything a user can get wrong (a bad config key, a missing HDF5 dataset, a shape that does not
// match) is reported by throwing flowrl::Error with a message that names the file/key and the fix.
// Only a program's main() catches it, prints what() and exits non-zero.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace flowrl {

/// The project's exception for user-caused errors. `what()` is a complete, human-readable message.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {
template <typename... Args>
std::string concat(Args&&... args) {
  std::ostringstream out;
  (out << ... << std::forward<Args>(args));
  return out.str();
}
}  // namespace detail

/// Throws flowrl::Error built from the streamed arguments.
template <typename... Args>
[[noreturn]] void fail(Args&&... args) {
  throw Error(detail::concat(std::forward<Args>(args)...));
}

}  // namespace flowrl

/// FLOWRL_CHECK(cond, parts...): throw flowrl::Error(parts...) unless cond holds.
#define FLOWRL_CHECK(cond, ...)          \
  do {                                   \
    if (!(cond)) ::flowrl::fail(__VA_ARGS__); \
  } while (false)
