// normalizer.cpp — StateNormalizer (see normalizer.h).
#include <flowrl/core/error.h>
#include <flowrl/data/normalizer.h>

#include <cmath>

namespace flowrl::data {

StateNormalizer StateNormalizer::fit(const D4RLDataset& ds, const std::vector<Episode>& episodes, double eps) {
  const int64_t d = ds.obs_dim();
  std::vector<double> sum(static_cast<size_t>(d), 0.0);
  int64_t count = 0;
  for (const auto& e : episodes) {
    for (int64_t i = e.start; i < e.end(); ++i) {
      const float* row = ds.observations.row(i);
      for (int64_t j = 0; j < d; ++j) sum[j] += row[j];
    }
    count += e.length;
  }
  FLOWRL_CHECK(count > 0, ds.source.empty() ? std::string("dataset") : ds.source, ": no complete episode to compute state statistics from "
               "(every row is in the trailing partial episode). Keep the trailing episode or use a "
               "larger dataset.");
  std::vector<double> mean(sum.size());
  for (int64_t j = 0; j < d; ++j) mean[j] = sum[j] / static_cast<double>(count);
  // second pass for the variance: numerically stable
  std::vector<double> sq(static_cast<size_t>(d), 0.0);
  for (const auto& e : episodes) {
    for (int64_t i = e.start; i < e.end(); ++i) {
      const float* row = ds.observations.row(i);
      for (int64_t j = 0; j < d; ++j) {
        const double c = row[j] - mean[j];
        sq[j] += c * c;
      }
    }
  }
  StateNormalizer out;
  out.mean.resize(static_cast<size_t>(d));
  out.std.resize(static_cast<size_t>(d));
  for (int64_t j = 0; j < d; ++j) {
    out.mean[j] = static_cast<float>(mean[j]);
    out.std[j] = static_cast<float>(std::sqrt(sq[j] / static_cast<double>(count)) + eps);
  }
  return out;
}

StateNormalizer StateNormalizer::identity(int64_t obs_dim) {
  StateNormalizer out;
  out.mean.assign(static_cast<size_t>(obs_dim), 0.0f);
  out.std.assign(static_cast<size_t>(obs_dim), 1.0f);
  return out;
}

void StateNormalizer::apply(const float* in, float* out) const {
  const size_t d = mean.size();
  for (size_t j = 0; j < d; ++j) out[j] = (in[j] - mean[j]) / std[j];
}

std::vector<float> StateNormalizer::apply(const std::vector<float>& state) const {
  FLOWRL_CHECK(state.size() == mean.size(), "StateNormalizer: state has ", state.size(),
               " values, the normalizer ", mean.size(), ".");
  std::vector<float> out(state.size());
  apply(state.data(), out.data());
  return out;
}

}  // namespace flowrl::data
