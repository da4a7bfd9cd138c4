// dt_sampler.cpp — DTSampler (see dt_sampler.h).
#include <flowrl/core/error.h>
#include <flowrl/data/dt_sampler.h>

#include <algorithm>

namespace flowrl::data {

namespace {
// An in-memory dataset gets the structural checks a file gets from load_d4rl (row counts, widths,
// flags), so a short array cannot be read past its end. Finiteness is load_d4rl's check, not
// repeated here: a file was checked when it was read, and a NaN costs no memory safety.
void check_dataset(const std::shared_ptr<const D4RLDataset>& dataset) {
  FLOWRL_CHECK(dataset != nullptr, "DTSampler: the dataset is null.");
  validate_d4rl(*dataset, D4RLReadOptions().check_finite(false));
}
}  // namespace

DTSampler::DTSampler(std::shared_ptr<const D4RLDataset> dataset, DTSamplerOptions options)
    : dataset_(std::move(dataset)), options_(std::move(options)), rng_(options_.seed()) {
  check_dataset(dataset_);
  episodes_ = split_episodes(*dataset_, EpisodeOptions()
                                            .keep_trailing(options_.keep_trailing_episode())
                                            .max_episode_steps(options_.max_episode_steps()));
  FLOWRL_CHECK(!episodes_.empty(), dataset_->source.empty() ? std::string("dataset") : dataset_->source,
               ": no complete episode (no row has terminals or timeouts set). Keep the trailing "
               "episode (keep_trailing_episode) or use a larger dataset.");
  normalizer_ = options_.normalize_states()
                    ? StateNormalizer::fit(*dataset_, episodes_, options_.state_std_eps())
                    : StateNormalizer::identity(dataset_->obs_dim());
  init();
}

DTSampler::DTSampler(std::shared_ptr<const D4RLDataset> dataset, std::vector<Episode> episodes,
                     StateNormalizer normalizer, DTSamplerOptions options)
    : dataset_(std::move(dataset)),
      episodes_(std::move(episodes)),
      normalizer_(std::move(normalizer)),
      options_(std::move(options)),
      rng_(options_.seed()) {
  check_dataset(dataset_);
  FLOWRL_CHECK(!episodes_.empty(), "DTSampler: no episode given.");
  FLOWRL_CHECK(normalizer_.dim() == dataset_->obs_dim(), "DTSampler: the normalizer has ",
               normalizer_.dim(), " dims but the dataset's observations have ", dataset_->obs_dim(), ".");
  for (const auto& e : episodes_)
    FLOWRL_CHECK(e.start >= 0 && e.length > 0 && e.end() <= dataset_->size(),
                 "DTSampler: episode [", e.start, ", ", e.end(), ") is outside the dataset's ",
                 dataset_->size(), " rows.");
  // episodes own their rows: an overlap would give rows two returns-to-go
  std::vector<std::pair<int64_t, int64_t>> spans;
  for (const auto& e : episodes_) spans.emplace_back(e.start, e.end());
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i)
    FLOWRL_CHECK(spans[i].first >= spans[i - 1].second, "DTSampler: episodes [", spans[i - 1].first, ", ",
                 spans[i - 1].second, ") and [", spans[i].first, ", ", spans[i].second, ") overlap.");
  init();
}

void DTSampler::init() {
  FLOWRL_CHECK(options_.context() > 0, "DTSamplerOptions::context must be positive, got ", options_.context(), ".");
  FLOWRL_CHECK(options_.batch_size() > 0, "DTSamplerOptions::batch_size must be positive, got ",
               options_.batch_size(), ".");
  FLOWRL_CHECK(options_.reward_scale() > 0, "DTSamplerOptions::reward_scale must be positive, got ",
               options_.reward_scale(), ".");
  FLOWRL_CHECK(options_.max_ep_len() > 0, "DTSamplerOptions::max_ep_len must be positive, got ",
               options_.max_ep_len(), ".");
  // prefix sums of episode lengths, and the return-to-go of every row, once
  cum_rows_.assign(episodes_.size() + 1, 0);
  rtg_.assign(static_cast<size_t>(dataset_->size()), 0.0);
  for (size_t e = 0; e < episodes_.size(); ++e) {
    const Episode& ep = episodes_[e];
    cum_rows_[e + 1] = cum_rows_[e] + ep.length;
    double acc = 0.0;
    for (int64_t i = ep.end() - 1; i >= ep.start; --i) {
      acc += dataset_->rewards[static_cast<size_t>(i)];
      rtg_[static_cast<size_t>(i)] = acc;
    }
  }
  total_rows_ = cum_rows_.back();
}

std::vector<DTWindow> DTSampler::draw(int64_t count) {
  std::vector<DTWindow> out(static_cast<size_t>(std::max<int64_t>(count, 0)));
  const auto first = cum_rows_.begin() + 1;
  for (auto& w : out) {
    if (options_.sampling() == WindowSampling::kLengthProportional ||
        options_.sampling() == WindowSampling::kEpisodeStart) {
      // np.random.choice(p = length / total): first episode whose cumulative share exceeds u
      const double u = rng_.uniform() * static_cast<double>(total_rows_);
      auto it = std::upper_bound(first, cum_rows_.end(), u,
                                 [](double v, int64_t c) { return v < static_cast<double>(c); });
      w.episode = std::min<int64_t>(it - first, static_cast<int64_t>(episodes_.size()) - 1);
      // a K-step window starts anywhere in it; a whole-episode window at t = 0
      w.start = options_.sampling() == WindowSampling::kEpisodeStart
                    ? 0
                    : static_cast<int64_t>(rng_.below(static_cast<uint64_t>(episodes_[w.episode].length)));
    } else {
      // one of all (episode, start) pairs
      const int64_t r = static_cast<int64_t>(rng_.below(static_cast<uint64_t>(total_rows_)));
      w.episode = std::upper_bound(first, cum_rows_.end(), r) - first;
      w.start = r - cum_rows_[w.episode];
    }
  }
  return out;
}

DTBatch DTSampler::gather(const std::vector<DTWindow>& windows) const {
  const D4RLDataset& ds = *dataset_;
  const int64_t B = static_cast<int64_t>(windows.size());
  const bool right = options_.padding() == WindowPadding::kRight;
  int64_t K = options_.context();
  if (options_.trim_padding() && right) {  // the longest window of the batch
    int64_t longest = 1;
    for (const auto& w : windows) {
      if (w.episode >= 0 && w.episode < static_cast<int64_t>(episodes_.size()))
        longest = std::max(longest, std::min(K, episodes_[static_cast<size_t>(w.episode)].length - w.start));
    }
    K = longest;
  }
  const int64_t S = ds.obs_dim();
  const int64_t A = ds.act_dim();
  const float scale = static_cast<float>(1.0 / options_.reward_scale());
  const float action_pad = static_cast<float>(options_.action_pad());
  const int64_t last_t = options_.max_ep_len() - 1;

  auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  DTBatch b;
  b.states = torch::empty({B, K, S}, f32);                          // [B, K, S]
  b.actions = torch::empty({B, K, A}, f32);                         // [B, K, A]
  b.rewards = torch::empty({B, K, 1}, f32);                         // [B, K, 1]
  b.returns_to_go = torch::empty({B, K, 1}, f32);                   // [B, K, 1]
  b.timesteps = torch::empty({B, K}, torch::dtype(torch::kInt64));  // [B, K]
  b.mask = torch::empty({B, K}, torch::dtype(torch::kBool));        // [B, K]
  float* s_out = b.states.data_ptr<float>();
  float* a_out = b.actions.data_ptr<float>();
  float* r_out = b.rewards.data_ptr<float>();
  float* g_out = b.returns_to_go.data_ptr<float>();
  int64_t* t_out = b.timesteps.data_ptr<int64_t>();
  bool* m_out = b.mask.data_ptr<bool>();

  for (int64_t i = 0; i < B; ++i) {
    const DTWindow& w = windows[static_cast<size_t>(i)];
    FLOWRL_CHECK(w.episode >= 0 && w.episode < static_cast<int64_t>(episodes_.size()),
                 "DTSampler::gather: episode ", w.episode, " out of range.");
    const Episode& ep = episodes_[static_cast<size_t>(w.episode)];
    FLOWRL_CHECK(w.start >= 0 && w.start < ep.length, "DTSampler::gather: start ", w.start,
                 " outside episode ", w.episode, " of length ", ep.length, ".");
    const int64_t len = std::min(K, ep.length - w.start);  // valid steps
    const int64_t offset = right ? 0 : K - len;              // position of the first valid step
    for (int64_t k = 0; k < K; ++k) {
      const int64_t pos = i * K + k;
      const int64_t j = k - offset;  // step within the window
      if (j >= 0 && j < len) {
        const int64_t row = ep.start + w.start + j;
        normalizer_.apply(ds.observations.row(row), s_out + pos * S);
        std::copy_n(ds.actions.row(row), A, a_out + pos * A);
        r_out[pos] = ds.rewards[static_cast<size_t>(row)];
        g_out[pos] = static_cast<float>(rtg_[static_cast<size_t>(row)]) * scale;
        t_out[pos] = std::min(w.start + j, last_t);
        m_out[pos] = true;
      } else {
        std::fill_n(s_out + pos * S, S, 0.0f);
        std::fill_n(a_out + pos * A, A, action_pad);
        r_out[pos] = 0.0f;
        g_out[pos] = 0.0f;
        t_out[pos] = 0;
        m_out[pos] = false;
      }
    }
  }
  if (options_.device() != torch::Device(torch::kCPU)) {
    const auto dev = options_.device();
    b.states = b.states.to(dev);
    b.actions = b.actions.to(dev);
    b.rewards = b.rewards.to(dev);
    b.returns_to_go = b.returns_to_go.to(dev);
    b.timesteps = b.timesteps.to(dev);
    b.mask = b.mask.to(dev);
  }
  return b;
}

DTBatch DTSampler::sample() { return sample(options_.batch_size()); }

DTBatch DTSampler::sample(int64_t batch_size) {
  FLOWRL_CHECK(batch_size > 0, "DTSampler::sample: batch_size must be positive, got ", batch_size, ".");
  return gather(draw(batch_size));
}

}  // namespace flowrl::data
