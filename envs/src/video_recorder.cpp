// video_recorder.cpp — VideoRecorder: keeps the states of the recorded episodes' frames (a few dozen
// numbers each) as evaluate() reports them, and renders and encodes each episode once it and every
// episode before it are over, so the video is in episode order whichever env copy ran what.
#include <flowrl/envs/render.h>

#include <flowrl/core/error.h>
#include <flowrl/envs/registry.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>

namespace flowrl::envs {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// one frame to render
struct Frame {
  MujocoState state;
  int64_t step = 0;
  double episode_return = 0;
};

// a recorded episode
struct Recording {
  std::vector<Frame> frames;
  int64_t steps = 0;
  double episode_return = 0;
  bool over = false;
};

const LocomotionEnv& locomotion(const Env& env, const std::string& what) {
  const auto* l = dynamic_cast<const LocomotionEnv*>(&env);
  FLOWRL_CHECK(l != nullptr, what, ": env '", env.name(), "' is not a MuJoCo locomotion env; only those can be rendered");
  return *l;
}

}  // namespace

struct VideoRecorder::Impl {
  std::string path;
  VideoOptions options;
  std::string model_path;
  std::unique_ptr<Renderer> renderer;
  std::unique_ptr<VideoWriter> writer;
  VideoStats stats;
  std::string label;
  // the current evaluation
  int64_t to_record = 0;   // episodes 0..to_record-1
  int64_t next_write = 0;  // the next episode to render
  std::map<int64_t, Recording> episodes;

  void keep(Recording& r, const Env& env) {
    const auto& l = locomotion(env, "video");
    FLOWRL_CHECK(l.model_path() == model_path, "video: the evaluated env's model ", l.model_path(),
                 " is not the one the recorder was made for (", model_path, ")");
    r.frames.push_back(Frame{l.state(), r.steps, r.episode_return});
  }

  std::string caption(int64_t episode, const Frame& f) const {
    if (!options.captions()) return {};
    std::ostringstream out;
    if (!label.empty()) out << label << "  ";
    out << "episode " << episode << "  step " << f.step << "  return " << std::fixed << std::setprecision(1)
        << f.episode_return;
    return out.str();
  }

  // renders and writes the episodes that are over, in order
  void flush() {
    for (auto it = episodes.find(next_write); it != episodes.end() && it->second.over;
         it = episodes.find(next_write)) {
      for (const Frame& f : it->second.frames) {
        const auto t0 = Clock::now();
        const Image image = renderer->render(f.state, caption(it->first, f));
        const auto t1 = Clock::now();
        writer->write(image);
        stats.render_seconds += std::chrono::duration<double>(t1 - t0).count();
        stats.encode_seconds += seconds_since(t1);
        ++stats.frames;
      }
      ++stats.episodes;
      episodes.erase(it);
      ++next_write;
    }
  }
};

VideoRecorder::VideoRecorder(const std::string& path, const std::string& env, const VideoOptions& options,
                             const EnvOptions& env_options)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.path = path;
  s.options = options;
  FLOWRL_CHECK(options.episodes() >= 1, "video ", path, ": episodes to record must be >= 1, got ", options.episodes());
  FLOWRL_CHECK(std::isfinite(options.fps()) && options.fps() > 0, "video ", path,
               ": frames per second must be > 0, got ", options.fps());
  video_format(path);  // a bad extension fails before the renderer starts
  const std::unique_ptr<Env> probe = make_env(env, env_options);  // its model, dt and model file
  const LocomotionEnv& l = locomotion(*probe, "video " + path);
  s.model_path = l.model_path();
  // a frame every `stride` env steps: at most options.fps frames per simulated second
  s.stats.step_stride = std::max<int64_t>(1, std::llround(1.0 / (options.fps() * l.dt())));
  s.stats.fps = 1.0 / (static_cast<double>(s.stats.step_stride) * l.dt());
  s.renderer = std::make_unique<Renderer>(l, options.render());
  s.writer = std::make_unique<VideoWriter>(path, s.renderer->width(), s.renderer->height(), s.stats.fps);
}

VideoRecorder::~VideoRecorder() = default;

void VideoRecorder::set_label(const std::string& label) { impl_->label = label; }

void VideoRecorder::close() {
  Impl& s = *impl_;
  s.flush();
  s.writer->close();
}

const VideoStats& VideoRecorder::stats() const { return impl_->stats; }

std::string VideoRecorder::describe() const {
  const Impl& s = *impl_;
  const VideoStats& v = s.stats;
  const double frames = static_cast<double>(std::max<int64_t>(1, v.frames));
  std::ostringstream out;
  out << std::fixed << std::setprecision(1);
  out << "video " << s.path << ": " << v.episodes << " episode(s), " << v.frames << " frames of "
      << s.renderer->width() << "x" << s.renderer->height() << " at " << std::setprecision(2) << v.fps
      << " fps (every " << v.step_stride << " env step(s)); rendering " << 1e3 * v.render_seconds / frames
      << " ms/frame, encoding " << 1e3 * v.encode_seconds / frames << " ms/frame (" << s.renderer->gl_description()
      << ")";
  return out.str();
}

void VideoRecorder::on_evaluation_start(const std::string& env_name, int64_t episodes) {
  (void)env_name;
  Impl& s = *impl_;
  s.flush();
  s.episodes.clear();
  s.next_write = 0;
  s.to_record = std::min(episodes, s.options.episodes());
}

void VideoRecorder::on_reset(int64_t episode, const Env& env) {
  Impl& s = *impl_;
  if (episode >= s.to_record) return;
  Recording& r = s.episodes[episode];
  r = Recording{};
  s.keep(r, env);
}

void VideoRecorder::on_step(int64_t episode, const Env& env, const StepResult& result) {
  Impl& s = *impl_;
  if (episode >= s.to_record) return;
  Recording& r = s.episodes[episode];
  ++r.steps;
  r.episode_return += result.reward;
  if (r.steps % s.stats.step_stride == 0 || result.done()) s.keep(r, env);
}

void VideoRecorder::on_episode_end(const EpisodeResult& result) {
  Impl& s = *impl_;
  if (result.index >= s.to_record) return;
  s.episodes[result.index].over = true;
  s.flush();
}

void VideoRecorder::on_evaluation_end(const EvaluationResult& result) {
  (void)result;
  impl_->flush();
}

}  // namespace flowrl::envs
