// dt_sampler_test.cpp — DTSampler: window contents, padding, RTG, timesteps, schemes, seeding.
#include <catch2/catch.hpp>
#include <flowrl/core/error.h>
#include <flowrl/data/dt_sampler.h>

#include <cmath>
#include <map>

#include "d4rl_fixtures.h"
#include "torch_support.h"

using namespace flowrl;
using namespace flowrl::data;

namespace {

// episodes of 5 (terminal), 3 (terminal), 30 (timeout) rows, then a 4-row trailing part
std::shared_ptr<const D4RLDataset> small_dataset() {
  return std::make_shared<const D4RLDataset>(test::make_dataset({5, 3, 30, 4}, "tto-"));
}

float norm_obs(const DTSampler& s, int64_t row, int64_t j) {
  const auto& n = s.normalizer();
  return (s.dataset().observations.at(row, j) - n.mean[j]) / n.std[j];
}

}  // namespace

TEST_CASE("batch shapes and dtypes", "[data][sampler]") {
  DTSampler s(small_dataset(), DTSamplerOptions().context(4).batch_size(6));
  const DTBatch b = s.sample();
  CHECK(b.states.sizes() == torch::IntArrayRef{6, 4, 3});
  CHECK(b.actions.sizes() == torch::IntArrayRef{6, 4, 2});
  CHECK(b.rewards.sizes() == torch::IntArrayRef{6, 4, 1});
  CHECK(b.returns_to_go.sizes() == torch::IntArrayRef{6, 4, 1});
  CHECK(b.timesteps.sizes() == torch::IntArrayRef{6, 4});
  CHECK(b.mask.sizes() == torch::IntArrayRef{6, 4});
  CHECK(b.states.dtype() == torch::kFloat32);
  CHECK(b.returns_to_go.dtype() == torch::kFloat32);
  CHECK(b.timesteps.dtype() == torch::kInt64);
  CHECK(b.mask.dtype() == torch::kBool);
  CHECK(s.sample(3).states.size(0) == 3);
  CHECK(s.episodes().size() == 3);  // trailing part dropped
  CHECK(s.num_windows() == 38);
}

TEST_CASE("right padding: valid steps first, pads after (states 0, actions -10, RTG 0)", "[data][sampler]") {
  DTSampler s(small_dataset(), DTSamplerOptions().context(4).reward_scale(10.0));
  // episode 1 = rows 5..7, start 1 -> rows 6, 7 then two pads
  const DTBatch b = s.gather({DTWindow{1, 1}});
  const auto& ds = s.dataset();
  CHECK(b.mask[0].equal(torch::tensor({true, true, false, false})));
  CHECK(b.timesteps[0].equal(torch::tensor({1, 2, 0, 0}, torch::kInt64)));
  for (int64_t j = 0; j < 3; ++j) {
    CHECK(b.states[0][0][j].item<float>() == Approx(norm_obs(s, 6, j)));
    CHECK(b.states[0][1][j].item<float>() == Approx(norm_obs(s, 7, j)));
    CHECK(b.states[0][2][j].item<float>() == 0.0f);
  }
  CHECK(b.actions[0][1][1].item<float>() == ds.actions.at(7, 1));
  CHECK(b.actions[0][2][0].item<float>() == -10.0f);
  CHECK(b.actions[0][3][1].item<float>() == -10.0f);
  // rewards 1 + i % 7: r6 = 7, r7 = 1; RTG = sum to the episode end / scale
  CHECK(b.rewards[0][0][0].item<float>() == 7.0f);
  CHECK(b.returns_to_go[0][0][0].item<float>() == Approx((7.0 + 1.0) / 10.0));
  CHECK(b.returns_to_go[0][1][0].item<float>() == Approx(1.0 / 10.0));
  CHECK(b.returns_to_go[0][2][0].item<float>() == 0.0f);
  CHECK(b.rewards[0][3][0].item<float>() == 0.0f);
}

TEST_CASE("left padding: pads first, valid steps last (attention mask)", "[data][sampler]") {
  DTSampler s(small_dataset(), DTSamplerOptions().context(4).padding(WindowPadding::kLeft));
  const DTBatch b = s.gather({DTWindow{1, 1}, DTWindow{2, 0}});
  CHECK(b.mask[0].equal(torch::tensor({false, false, true, true})));
  CHECK(b.timesteps[0].equal(torch::tensor({0, 0, 1, 2}, torch::kInt64)));
  CHECK(b.states[0][2][0].item<float>() == Approx(norm_obs(s, 6, 0)));
  CHECK(b.states[0][0][0].item<float>() == 0.0f);
  CHECK(b.actions[0][0][0].item<float>() == -10.0f);
  CHECK(b.returns_to_go[0][3][0].item<float>() == Approx(1.0 / 1000.0));
  // a full window has no padding on either side
  CHECK(b.mask[1].all().item<bool>());
  CHECK(b.timesteps[1].equal(torch::tensor({0, 1, 2, 3}, torch::kInt64)));
}

TEST_CASE("RTG of a full window matches a direct sum, timesteps clip to max_ep_len - 1", "[data][sampler]") {
  auto ds = small_dataset();
  DTSampler s(ds, DTSamplerOptions().context(5).max_ep_len(10).reward_scale(1.0));
  // episode 2 = rows 8..37, start 7: steps 7..11 -> timesteps 7, 8, 9, 9, 9
  const DTBatch b = s.gather({DTWindow{2, 7}});
  CHECK(b.timesteps[0].equal(torch::tensor({7, 8, 9, 9, 9}, torch::kInt64)));
  for (int64_t k = 0; k < 5; ++k) {
    double expected = 0;
    for (int64_t r = 8 + 7 + k; r < 38; ++r) expected += ds->rewards[r];
    CHECK(b.returns_to_go[0][k][0].item<float>() == Approx(expected));
    CHECK(s.return_to_go(8 + 7 + k) == Approx(expected));
  }
}

TEST_CASE("keep_trailing_episode samples the trailing part too", "[data][sampler]") {
  DTSampler s(small_dataset(), DTSamplerOptions().context(4).keep_trailing_episode(true));
  CHECK(s.episodes().size() == 4);
  CHECK(s.num_windows() == 42);
  const DTBatch b = s.gather({DTWindow{3, 0}});
  CHECK(b.returns_to_go[0][0][0].item<float>() ==
        Approx((s.dataset().rewards[38] + s.dataset().rewards[39] + s.dataset().rewards[40] +
                s.dataset().rewards[41]) / 1000.0));
}

TEST_CASE("both schemes draw windows uniformly over (episode, start)", "[data][sampler]") {
  for (auto scheme : {WindowSampling::kLengthProportional, WindowSampling::kUniformStart}) {
    DTSampler s(small_dataset(), DTSamplerOptions().sampling(scheme).seed(3));
    const int64_t n = 38000;
    std::map<int64_t, int64_t> per_episode;
    std::map<int64_t, int64_t> starts_ep2;
    int64_t out_of_range = 0;
    for (const auto& w : s.draw(n)) {
      if (w.episode < 0 || w.episode >= 3 || w.start < 0 || w.start >= s.episodes()[w.episode].length) {
        ++out_of_range;
        continue;
      }
      ++per_episode[w.episode];
      if (w.episode == 2) ++starts_ep2[w.start];
    }
    REQUIRE(out_of_range == 0);
    // expected 5000, 3000, 30000
    CHECK(per_episode[0] == Approx(5000).epsilon(0.06));
    CHECK(per_episode[1] == Approx(3000).epsilon(0.08));
    CHECK(per_episode[2] == Approx(30000).epsilon(0.02));
    CHECK(starts_ep2.size() == 30);
    for (const auto& [start, count] : starts_ep2) CHECK(count == Approx(1000).epsilon(0.2));
  }
}

TEST_CASE("same seed, same batches, rng state resumes the stream", "[data][sampler]") {
  auto ds = small_dataset();
  DTSampler a(ds, DTSamplerOptions().context(4).batch_size(8).seed(11));
  DTSampler b(ds, DTSamplerOptions().context(4).batch_size(8).seed(11));
  DTSampler c(ds, DTSamplerOptions().context(4).batch_size(8).seed(12));
  const auto ba = a.sample();
  CHECK(ba.states.equal(b.sample().states));
  CHECK_FALSE(ba.timesteps.equal(c.sample().timesteps));

  const std::string saved = a.rng_state();
  const auto next1 = a.sample();
  const auto next2 = a.sample();
  DTSampler d(ds, DTSamplerOptions().context(4).batch_size(8).seed(999));
  d.set_rng_state(saved);
  CHECK(d.sample().actions.equal(next1.actions));
  CHECK(d.sample().returns_to_go.equal(next2.returns_to_go));
}

TEST_CASE("a sampler built from saved episodes and normalizer gives identical batches", "[data][sampler]") {
  auto ds = small_dataset();
  DTSampler a(ds, DTSamplerOptions().context(4).seed(5));
  DTSampler b(ds, a.episodes(), a.normalizer(), DTSamplerOptions().context(4).seed(5));
  CHECK(a.sample().states.equal(b.sample().states));
  CHECK_THROWS_AS(DTSampler(ds, {}, a.normalizer()), Error);
  CHECK_THROWS_AS(DTSampler(ds, a.episodes(), StateNormalizer::identity(2)), Error);
}

TEST_CASE("normalize_states(false) passes raw states", "[data][sampler]") {
  DTSampler s(small_dataset(), DTSamplerOptions().context(2).normalize_states(false));
  const auto b = s.gather({DTWindow{0, 0}});
  CHECK(b.states[0][1][2].item<float>() == s.dataset().observations.at(1, 2));
}

TEST_CASE("bad options and datasets without episodes are errors", "[data][sampler]") {
  auto ds = small_dataset();
  CHECK_THROWS_AS(DTSampler(ds, DTSamplerOptions().context(0)), Error);
  CHECK_THROWS_AS(DTSampler(ds, DTSamplerOptions().batch_size(0)), Error);
  CHECK_THROWS_AS(DTSampler(ds, DTSamplerOptions().reward_scale(0)), Error);
  CHECK_THROWS_AS(DTSampler(nullptr), Error);
  auto no_flags = std::make_shared<const D4RLDataset>(test::make_dataset({6}, "-"));
  CHECK_THROWS_WITH(DTSampler(no_flags), Catch::Matchers::Contains("no complete episode"));
  CHECK_NOTHROW(DTSampler(no_flags, DTSamplerOptions().keep_trailing_episode(true)));
  DTSampler s(ds);
  CHECK_THROWS_AS(s.gather({DTWindow{0, 5}}), Error);
  CHECK_THROWS_AS(s.gather({DTWindow{7, 0}}), Error);
  // an in-memory dataset is checked as a file is (once: rewards read past the end of an empty array)
  auto broken = test::make_dataset({5, 3}, "tt");
  broken.rewards.clear();
  CHECK_THROWS_WITH(DTSampler(std::make_shared<const D4RLDataset>(broken)),
                    Catch::Matchers::Contains("'rewards'") && Catch::Matchers::Contains("rows"));
  CHECK_THROWS_WITH(DTSampler(std::make_shared<const D4RLDataset>(broken), s.episodes(), s.normalizer()),
                    Catch::Matchers::Contains("'rewards'"));
  // saved episodes that overlap would give their shared rows two returns-to-go
  CHECK_THROWS_WITH(DTSampler(ds, {Episode{0, 5}, Episode{3, 5}}, s.normalizer()),
                    Catch::Matchers::Contains("[0, 5) and [3, 8) overlap"));
}

TEST_CASE("batches on CUDA when available", "[data][sampler][cuda]") {
  FLOWRL_SKIP_WITHOUT_CUDA();
  DTSampler s(small_dataset(), DTSamplerOptions().context(4).device(torch::kCUDA));
  const auto b = s.sample();
  CHECK(b.states.device().is_cuda());
  CHECK(b.mask.device().is_cuda());
}

TEST_CASE("episode-start windows are episode prefixes, and trim_padding cuts a batch to its longest", "[data][sampler]") {
  // episodes of 5, 3 and 30 rows (the trailing part dropped); K 40 covers each whole
  DTSampler s(small_dataset(), DTSamplerOptions().context(40).batch_size(6).seed(2).sampling(WindowSampling::kEpisodeStart)
                                   .trim_padding(true));
  std::map<int64_t, int> seen;
  const int draws = 38000;
  for (const auto& w : s.draw(draws)) {
    CHECK(w.start == 0);
    ++seen[w.episode];
  }
  // episodes drawn with p = length / 38, so every row is trained on equally often (5 sigma bounds)
  REQUIRE(seen.size() == 3);
  CHECK(std::abs(seen[0] - 5000) < 5 * std::sqrt(draws * (5.0 / 38) * (33.0 / 38)));
  CHECK(std::abs(seen[1] - 3000) < 5 * std::sqrt(draws * (3.0 / 38) * (35.0 / 38)));
  CHECK(std::abs(seen[2] - 30000) < 5 * std::sqrt(draws * (30.0 / 38) * (8.0 / 38)));
  const auto short_only = s.gather({{0, 0}, {1, 0}});
  CHECK(short_only.states.size(1) == 5);  // the longest window, not K
  CHECK(short_only.mask.sum().item<int64_t>() == 5 + 3);
  CHECK(short_only.timesteps[0][4].item<int64_t>() == 4);
  const auto with_long = s.gather({{1, 0}, {2, 0}});
  CHECK(with_long.states.size(1) == 30);
  // without trimming, K columns
  DTSampler full(small_dataset(), DTSamplerOptions().context(40).sampling(WindowSampling::kEpisodeStart));
  CHECK(full.gather({{0, 0}}).states.size(1) == 40);
}
