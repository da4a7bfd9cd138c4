// video_recorder_test.cpp — VideoRecorder as evaluate()'s observer: the episodes' numbers do not change,
// the first N episodes are recorded in episode order whichever copy ran them, frames every stride-th
// step plus the last, evaluations append. Skips with a warning where no OpenGL can be loaded.
#include <flowrl/core/error.h>
#include <flowrl/envs/evaluate.h>
#include <flowrl/envs/gym_locomotion.h>
#include <flowrl/envs/render.h>
#include <flowrl/envs/vector_env.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <random>

#include "gif_reader.h"
#include "temp_dir.h"
#include "render_test_util.h"

using namespace flowrl;
using namespace flowrl::envs;
using Catch::Matchers::Contains;

namespace {

struct TempDir : test::ScratchDir {
  TempDir() : test::ScratchDir("flowrl-recorder-test") {}
};

// a deterministic open-loop gait, different per episode (through the observation it starts from)
class SwingPolicy : public Policy {
 public:
  void start_episode(int64_t slot, uint64_t, const Observation& first) override {
    if (static_cast<size_t>(slot) >= phase_.size()) phase_.resize(static_cast<size_t>(slot) + 1);
    phase_[static_cast<size_t>(slot)] = {1000.0 * first[0], 0};
  }
  std::vector<Action> act(const ActBatch& batch) override {
    std::vector<Action> out;
    for (int64_t slot : batch.slots) {
      auto& [phase, t] = phase_[static_cast<size_t>(slot)];
      out.push_back({0.8 * std::sin(phase + 0.2 * t), 0.8 * std::cos(phase + 0.3 * t), 0.5 * std::sin(0.5 * t)});
    }
    return out;
  }
  void observe(int64_t slot, const Action&, const StepResult&) override { ++phase_[static_cast<size_t>(slot)].second; }

 private:
  std::vector<std::pair<double, int64_t>> phase_;
};

EvaluationResult run(EpisodeObserver* observer, int64_t episodes, int64_t copies, int64_t max_steps) {
  VectorEnv venv("hopper", VectorEnvOptions(copies).threads(2).env(EnvOptions().max_episode_steps(max_steps)));
  SwingPolicy policy;
  return evaluate(venv, policy, EvaluateOptions(episodes).seed(7).observer(observer));
}

// frames of an episode of `length` steps: the reset state, every stride-th step, and the last step
int64_t frames_of(int64_t length, int64_t stride) { return 1 + length / stride + (length % stride != 0 ? 1 : 0); }

}  // namespace

TEST_CASE("recording episodes does not change them, and writes the first N in order", "[envs][render][video]") {
  TempDir tmp;
  const auto path = tmp.file("episodes.gif");
  std::unique_ptr<VideoRecorder> recorder;
  try {
    recorder = std::make_unique<VideoRecorder>(
        path, "hopper", VideoOptions().episodes(3).render(RenderOptions().width(48).height(36)));
  } catch (const Error& e) {
    if (!test::is_no_gl_error(e)) throw;
    WARN("no OpenGL could be loaded, recording case skipped: " << e.what());
    return;
  }
  // hopper: dt 8 ms, 30 fps at most -> a frame every 4th step, 31.25 fps
  CHECK(recorder->stats().step_stride == 4);
  CHECK(recorder->stats().fps == Approx(31.25));

  // 5 episodes on 2 copies: episodes finish out of order, the video is in episode order
  const EvaluationResult plain = run(nullptr, 5, 2, 30);
  const EvaluationResult watched = run(recorder.get(), 5, 2, 30);
  REQUIRE(plain.episodes.size() == watched.episodes.size());
  for (size_t e = 0; e < plain.episodes.size(); ++e) {
    CHECK(plain.episodes[e].episode_return == watched.episodes[e].episode_return);
    CHECK(plain.episodes[e].length == watched.episodes[e].length);
    CHECK(plain.episodes[e].terminated == watched.episodes[e].terminated);
  }
  recorder->close();
  int64_t expected = 0;
  for (size_t e = 0; e < 3; ++e) expected += frames_of(watched.episodes[e].length, 4);
  CHECK(recorder->stats().episodes == 3);
  CHECK(recorder->stats().frames == expected);
  CHECK(recorder->stats().render_seconds > 0);
  CHECK_THAT(recorder->describe(), Contains("episodes.gif: 3 episode(s), " + std::to_string(expected) +
                                            " frames of 48x36 at 31.25 fps (every 4 env step(s)); rendering "));
  CHECK_THAT(recorder->describe(), Contains(" ms/frame ("));

  const auto gif = test::read_gif(path);
  CHECK(static_cast<int64_t>(gif.frames.size()) == expected);
  CHECK(gif.width == 48);
  CHECK(gif.height == 36);

  // the same recording again, alone on one copy: the same pixels (episode order, determinism)
  const auto path1 = tmp.file("one-copy.gif");
  {
    VideoRecorder again(path1, "hopper", VideoOptions().episodes(3).render(RenderOptions().width(48).height(36)));
    run(&again, 3, 1, 30);
    again.close();
  }
  CHECK(test::read_gif(path1).frames == gif.frames);
}

TEST_CASE("a recorder appends the evaluations it observes and checks its options", "[envs][render][video]") {
  TempDir tmp;
  CHECK_THROWS_WITH(VideoRecorder(tmp.file("a.webm"), "hopper"), Contains("a.webm: the video format is taken from"));
  CHECK_THROWS_WITH(VideoRecorder(tmp.file("a.gif"), "hopper", VideoOptions().episodes(0)),
                    Contains("episodes to record must be >= 1"));
  CHECK_THROWS_WITH(VideoRecorder(tmp.file("a.gif"), "hopper", VideoOptions().fps(0)),
                    Contains("frames per second must be > 0"));
  std::unique_ptr<VideoRecorder> recorder;
  try {
    // halfcheetah: dt 50 ms, so every step is a frame (20 fps)
    recorder = std::make_unique<VideoRecorder>(
        tmp.file("two.gif"), "halfcheetah", VideoOptions().episodes(1).render(RenderOptions().width(32).height(32)));
  } catch (const Error& e) {
    if (!test::is_no_gl_error(e)) throw;
    WARN("no OpenGL could be loaded, recording case skipped: " << e.what());
    return;
  }
  CHECK(recorder->stats().step_stride == 1);
  CHECK(recorder->stats().fps == Approx(20.0));
  for (const char* label : {"target 100", "target 200"}) {
    recorder->set_label(label);
    VectorEnv venv("halfcheetah", VectorEnvOptions(2).env(EnvOptions().max_episode_steps(6)));
    struct Six : Policy {
      std::vector<Action> act(const ActBatch& b) override { return std::vector<Action>(b.slots.size(), Action(6, 0.3)); }
    } six;
    evaluate(venv, six, EvaluateOptions(3).observer(recorder.get()));
  }
  recorder->close();
  CHECK(recorder->stats().episodes == 2);
  CHECK(recorder->stats().frames == 2 * 7);  // reset + 6 steps, per evaluation
  CHECK(test::read_gif(tmp.file("two.gif")).frames.size() == 14);
  // a recorder for hopper does not accept another model's env
  VideoRecorder hopper(tmp.file("h.gif"), "hopper", VideoOptions().render(RenderOptions().width(32).height(32)));
  VectorEnv venv("walker2d", VectorEnvOptions(1).env(EnvOptions().max_episode_steps(3)));
  struct Zero : Policy {
    std::vector<Action> act(const ActBatch& b) override { return std::vector<Action>(b.slots.size(), Action(6, 0.0)); }
  } zero;
  CHECK_THROWS_WITH(evaluate(venv, zero, EvaluateOptions(1).observer(&hopper)),
                    Contains("walker2d.xml is not the one the recorder was made for"));
}
