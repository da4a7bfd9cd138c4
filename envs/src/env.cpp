// env.cpp — Box helpers.
#include <flowrl/envs/env.h>

namespace flowrl::envs {

bool Box::contains(const std::vector<double>& x) const {
  if (x.size() != dim()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    if (!(low[i] <= x[i] && x[i] <= high[i])) return false;  // NaN fails both
  }
  return true;
}

}  // namespace flowrl::envs
