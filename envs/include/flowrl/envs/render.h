// flowrl/envs/render.h — pictures and videos of the MuJoCo envs: MuJoCo's own renderer (mjr_*) in an
// offscreen OpenGL context, a GIF/MP4 writer, and an EpisodeObserver that records evaluate()'s episodes.
//
// OpenGL is loaded at run time, the first time a Renderer is made (EGL, e.g. Mesa's llvmpipe on a
// headless server, else OSMesa; FLOWRL_GL=egl|osmesa picks one), so a program that never renders
// never needs GL. No GL: the constructor throws flowrl::Error naming the Debian packages to install.
// MuJoCo and GL stay out of this header.
//
//   VideoRecorder video("hopper.gif", "hopper", VideoOptions().episodes(1));
//   evaluate(venv, policy, EvaluateOptions(10).observer(&video));   // records episode 0
//   video.close();  std::cout << video.describe() << "\n";
//
//   Renderer renderer(env);                  // a LocomotionEnv
//   Image frame = renderer.render(env.state());
#pragma once

#include <flowrl/core/arg.h>
#include <flowrl/envs/evaluate.h>
#include <flowrl/envs/locomotion_env.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace flowrl::envs {

/// An RGB picture: height rows of width pixels, top row first, 3 bytes (R, G, B) per pixel.
struct Image {
  int64_t width = 0;          ///< pixels per row
  int64_t height = 0;         ///< rows
  std::vector<uint8_t> rgb;   ///< width * height * 3 bytes
};

/// Options of Renderer.
struct RenderOptions {
  /// Picture width in pixels (16..4096).
  FLOWRL_ARG(int64_t, width) = 320;
  /// Picture height in pixels (16..4096).
  FLOWRL_ARG(int64_t, height) = 240;
  /// Name of a camera of the model. The default, "track", is the side camera of flowrl's hopper,
  /// walker2d, halfcheetah and ant models that follows the body's centre of mass (Gym's rgb_array view);
  /// a model without one gets a camera tracking its first body from the side. Another name that the
  /// model lacks is an error.
  FLOWRL_ARG(std::string, camera) = "track";
  /// Multisample anti-aliasing samples (0: off; 4 smooths edges at about twice the software cost).
  FLOWRL_ARG(int64_t, samples) = 4;
  /// Shadow-map size in pixels (0: no shadows). MuJoCo's default, 4096, costs a software renderer dearly.
  FLOWRL_ARG(int64_t, shadow_size) = 1024;
  /// The floor's reflection (a second pass over the scene).
  FLOWRL_ARG(bool, reflections) = true;
  /// OpenGL platform: "auto" (EGL, then OSMesa), "egl" or "osmesa". Empty: $FLOWRL_GL, else auto.
  FLOWRL_ARG(std::string, gl);
  /// Folder to load libEGL.so.1 / libOSMesa.so.8 from. Empty: $FLOWRL_GL_LIBRARY_DIR, else the
  /// dynamic linker's search path.
  FLOWRL_ARG(std::string, gl_library_dir);
};

/// Renders states of one locomotion env's model offscreen. Rendering reads a state into the
/// renderer's own copy of the model's data: the env is never touched. Not thread-safe: use a
/// Renderer on one thread at a time.
class Renderer {
 public:
  /// A renderer for `env`'s model. Throws flowrl::Error when no OpenGL can be loaded (naming the
  /// packages to install), on bad options, or when the camera is missing.
  explicit Renderer(const LocomotionEnv& env, const RenderOptions& options = {});
  ~Renderer();
  Renderer(Renderer&&) noexcept;
  Renderer& operator=(Renderer&&) noexcept;

  /// The picture of `state` (qpos and qvel of the env's model), with `caption` in the top-left
  /// corner when not empty. The same state gives the same pixels.
  Image render(const MujocoState& state, const std::string& caption = {});
  /// The picture of the env's current state.
  Image render(const LocomotionEnv& env, const std::string& caption = {}) { return render(env.state(), caption); }

  /// Picture width.
  int64_t width() const;
  /// Picture height.
  int64_t height() const;
  /// The OpenGL in use, e.g. "EGL: llvmpipe (LLVM 15.0.6, 256 bits), OpenGL 4.5 (Compatibility Profile) Mesa 22.3.6".
  const std::string& gl_description() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// "WxH" (e.g. "320x240") as a RenderOptions size. Throws flowrl::Error naming `what` (an option).
RenderOptions parse_image_size(const std::string& text, const std::string& what, RenderOptions options = {});

/// A named quality as RenderOptions settings: "high" (the defaults: 4x anti-aliasing, shadows, the
/// floor's reflection), "medium" (no anti-aliasing: about 3x faster in software) or "fast" (no
/// anti-aliasing, shadows or reflection: about 7x faster). Throws flowrl::Error naming `what`.
RenderOptions parse_render_quality(const std::string& name, const std::string& what, RenderOptions options = {});

/// A video file format.
enum class VideoFormat {
  kGif,  ///< animated GIF, written by flowrl (256 colours per frame, loops)
  kMp4,  ///< H.264 in MP4, encoded by the ffmpeg program (Debian package ffmpeg)
};

/// The format of `path` from its extension (.gif or .mp4, any case). Throws flowrl::Error naming
/// `what` (an option) otherwise.
VideoFormat video_format(const std::string& path, const std::string& what = "video file");

/// Writes frames of one size to a video file. The file appears, whole, at close(); a writer destroyed
/// before close() (an error) removes what it wrote. GIF frame delays are whole centiseconds, spread so
/// that the video keeps the requested rate on average.
class VideoWriter {
 public:
  /// Checks the path's format and folder and, for MP4, starts ffmpeg. Throws flowrl::Error when the
  /// folder is missing, the rate is not in (0, 50] for GIF (browsers slow faster GIFs down) or
  /// (0, 1000] for MP4, an MP4 size is odd (H.264's 4:2:0), or ffmpeg is not installed.
  VideoWriter(const std::string& path, int64_t width, int64_t height, double fps);
  ~VideoWriter();
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;

  /// Appends a frame of the writer's size.
  void write(const Image& frame);
  /// Finishes the file. Throws flowrl::Error when it cannot be written (ffmpeg's message included).
  void close();

  /// Frames written so far.
  int64_t frames() const;
  /// The file's format.
  VideoFormat format() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Options of VideoRecorder.
struct VideoOptions {
  /// Record the first this many episodes of each evaluation (episodes 0..N-1, in order).
  FLOWRL_ARG(int64_t, episodes) = 1;
  /// Frames per second, at most: a frame every max(1, round(1 / (fps * dt))) env steps (hopper,
  /// dt = 8 ms: every 4th step, 31.25 frames per simulated second, played in real time).
  FLOWRL_ARG(double, fps) = 30.0;
  /// Picture size, camera, quality, GL platform.
  FLOWRL_ARG(RenderOptions, render);
  /// Caption each frame with the label, episode, step and return so far.
  FLOWRL_ARG(bool, captions) = true;
};

/// What a VideoRecorder did.
struct VideoStats {
  int64_t episodes = 0;          ///< episodes recorded
  int64_t frames = 0;            ///< frames written
  int64_t step_stride = 1;       ///< env steps per frame
  double fps = 0;                ///< frames per second of the video
  double render_seconds = 0;     ///< spent rendering (state to pixels)
  double encode_seconds = 0;     ///< spent encoding and writing
};

/// Records the first episodes of each evaluate() call it observes into one video file: frames of
/// the reset state, of every step_stride-th step and of the last step, rendered from copies of the
/// env states, so the episodes' numbers do not change. Episodes are written in episode order
/// whichever env copy ran them; several evaluations (e.g. one per target return) follow each other.
class VideoRecorder : public EpisodeObserver {
 public:
  /// Opens the renderer and the video file for `env` (any name make_env() takes, built with
  /// `env_options`), so that a missing OpenGL or ffmpeg fails before any episode runs. Throws
  /// flowrl::Error as Renderer and VideoWriter do, and when the env is not a MuJoCo locomotion env.
  VideoRecorder(const std::string& path, const std::string& env, const VideoOptions& options = {},
                const EnvOptions& env_options = {});
  ~VideoRecorder() override;

  /// A caption prefix for the episodes of the next evaluations (e.g. "target 3600").
  void set_label(const std::string& label);
  /// Finishes the file (episodes still buffered are written first). Throws flowrl::Error as
  /// VideoWriter::close().
  void close();

  /// Counts and times so far.
  const VideoStats& stats() const;
  /// One line: the file, episodes, frames, size and rate, and the milliseconds per frame spent
  /// rendering and encoding, with the OpenGL in use.
  std::string describe() const;

  void on_evaluation_start(const std::string& env_name, int64_t episodes) override;
  void on_reset(int64_t episode, const Env& env) override;
  void on_step(int64_t episode, const Env& env, const StepResult& result) override;
  void on_episode_end(const EpisodeResult& result) override;
  void on_evaluation_end(const EvaluationResult& result) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowrl::envs
