// render.cpp — Renderer: MuJoCo's renderer (mjv_updateScene, mjr_render, mjr_readPixels) into its
// offscreen framebuffer, on a private copy of the env's model and data.
#include <flowrl/envs/render.h>

#include <flowrl/core/error.h>

#include "gl_context.h"
#include "mj_handles.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>

namespace flowrl::envs {
namespace {

constexpr int64_t kMinSize = 16, kMaxSize = 4096;
constexpr int kMaxGeoms = 2000;  // scene capacity; the locomotion models draw a few dozen

// an mjvScene, freed with its owner
struct Scene {
  mjvScene scene;
  bool made = false;
  Scene() { mjv_defaultScene(&scene); }
  ~Scene() {
    if (made) mjv_freeScene(&scene);
  }
  Scene(const Scene&) = delete;
  Scene& operator=(const Scene&) = delete;
};

// an mjrContext (GL textures, buffers, fonts), freed with its GL context current
struct RenderContext {
  mjrContext context;
  const detail::GlContext* gl = nullptr;
  RenderContext() { mjr_defaultContext(&context); }
  ~RenderContext() {
    if (!gl) return;
    try {
      gl->make_current();
      mjr_freeContext(&context);
    } catch (...) {  // the GL context is gone: its objects went with it
    }
  }
  RenderContext(const RenderContext&) = delete;
  RenderContext& operator=(const RenderContext&) = delete;
};

std::string camera_names(const mjModel* m) {
  std::string names;
  for (int i = 0; i < m->ncam; ++i) {
    const char* n = mj_id2name(m, mjOBJ_CAMERA, i);
    names += std::string(names.empty() ? "" : ", ") + (n ? n : "(unnamed)");
  }
  return names.empty() ? "none" : names;
}

}  // namespace

struct Renderer::Impl {
  RenderOptions options;
  std::string model_path;
  // declaration order = reverse destruction order: the GL context outlives what lives in it
  std::unique_ptr<detail::GlContext> gl;
  detail::ModelPtr model;
  detail::DataPtr data;
  Scene scene;
  mjvCamera camera;
  mjvOption visual;
  RenderContext render;
  std::vector<uint8_t> pixels;  // bottom row first, as OpenGL reads them
};

Renderer::Renderer(const LocomotionEnv& env, const RenderOptions& options) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.options = options;
  for (auto [value, name] : {std::pair{options.width(), "width"}, std::pair{options.height(), "height"}})
    FLOWRL_CHECK(value >= kMinSize && value <= kMaxSize, "render ", name, " must be between ", kMinSize, " and ",
                 kMaxSize, " pixels, got ", value);
  FLOWRL_CHECK(options.samples() >= 0 && options.samples() <= 16, "render samples must be between 0 and 16, got ",
               options.samples());
  FLOWRL_CHECK(options.shadow_size() >= 0 && options.shadow_size() <= 8192,
               "render shadow_size must be between 0 and 8192, got ", options.shadow_size());

  // a private copy of the compiled model, so that the offscreen size and quality can be set
  s.model_path = env.model_path();
  const detail::SharedModel shared = detail::load_shared_model(s.model_path);
  s.model.reset(mj_copyModel(nullptr, shared.get()));
  FLOWRL_CHECK(s.model != nullptr, "MuJoCo could not copy the model of ", s.model_path, " (out of memory?)");
  mjModel* m = s.model.get();
  m->vis.global.offwidth = static_cast<int>(options.width());
  m->vis.global.offheight = static_cast<int>(options.height());
  m->vis.quality.offsamples = static_cast<int>(options.samples());
  if (options.shadow_size() > 0) m->vis.quality.shadowsize = static_cast<int>(options.shadow_size());
  s.data = detail::make_data(m);

  // the camera, before any GL work
  mjv_defaultCamera(&s.camera);
  const int camera_id = options.camera().empty() ? -1 : mj_name2id(m, mjOBJ_CAMERA, options.camera().c_str());
  if (camera_id >= 0) {
    s.camera.type = mjCAMERA_FIXED;
    s.camera.fixedcamid = camera_id;
  } else {
    FLOWRL_CHECK(options.camera() == "track" && m->nbody > 1, s.model_path, " has no camera named '",
                 options.camera(), "' (its cameras: ", camera_names(m), ")");
    // no "track" camera: follow the first body from the side, as Gym's viewer_setup does
    s.camera.type = mjCAMERA_TRACKING;
    s.camera.trackbodyid = 1;
    s.camera.distance = 1.5 * m->stat.extent;
    s.camera.azimuth = 90.0;
    s.camera.elevation = -20.0;
  }
  mjv_defaultOption(&s.visual);

  // OpenGL, then MuJoCo's scene and GL resources
  s.gl = std::make_unique<detail::GlContext>(detail::GlSettings{options.gl(), options.gl_library_dir()});
  s.gl->make_current();
  mjv_makeScene(m, &s.scene.scene, kMaxGeoms);
  s.scene.made = true;
  s.scene.scene.flags[mjRND_SHADOW] = options.shadow_size() > 0;
  s.scene.scene.flags[mjRND_REFLECTION] = options.reflections();
  s.render.gl = s.gl.get();
  try {
    mjr_makeContext(m, &s.render.context, mjFONTSCALE_100);
  } catch (const Error& e) {
    fail("MuJoCo could not set up its renderer on ", s.gl->description(), ": ", e.what());
  }
  mjr_setBuffer(mjFB_OFFSCREEN, &s.render.context);
  FLOWRL_CHECK(s.render.context.currentBuffer == mjFB_OFFSCREEN && s.render.context.offWidth == options.width() &&
                   s.render.context.offHeight == options.height(),
               "MuJoCo could not make a ", options.width(), "x", options.height(), " offscreen buffer on ",
               s.gl->description());
  s.pixels.resize(static_cast<size_t>(options.width() * options.height() * 3));
}

Renderer::~Renderer() = default;
Renderer::Renderer(Renderer&&) noexcept = default;
Renderer& Renderer::operator=(Renderer&&) noexcept = default;

int64_t Renderer::width() const { return impl_->options.width(); }
int64_t Renderer::height() const { return impl_->options.height(); }
const std::string& Renderer::gl_description() const { return impl_->gl->description(); }

Image Renderer::render(const MujocoState& state, const std::string& caption) {
  Impl& s = *impl_;
  const mjModel* m = s.model.get();
  mjData* d = s.data.get();
  FLOWRL_CHECK(state.qpos.size() == static_cast<size_t>(m->nq) && state.qvel.size() == static_cast<size_t>(m->nv),
               "render: the state has ", state.qpos.size(), " qpos and ", state.qvel.size(), " qvel values; ",
               s.model_path, " has ", m->nq, " and ", m->nv);
  // the state into the renderer's own data, from a clean slate (so the same state draws the same)
  mj_resetData(m, d);
  std::copy(state.qpos.begin(), state.qpos.end(), d->qpos);
  std::copy(state.qvel.begin(), state.qvel.end(), d->qvel);
  d->time = state.time;
  mj_forward(m, d);

  s.gl->make_current();
  const mjrRect viewport{0, 0, static_cast<int>(s.options.width()), static_cast<int>(s.options.height())};
  mjv_updateScene(m, d, &s.visual, nullptr, &s.camera, mjCAT_ALL, &s.scene.scene);
  mjr_setBuffer(mjFB_OFFSCREEN, &s.render.context);
  mjr_render(viewport, &s.scene.scene, &s.render.context);
  if (!caption.empty()) mjr_overlay(mjFONT_NORMAL, mjGRID_TOPLEFT, viewport, caption.c_str(), nullptr, &s.render.context);
  mjr_readPixels(s.pixels.data(), nullptr, viewport, &s.render.context);

  // OpenGL's rows run bottom-up
  Image image;
  image.width = s.options.width();
  image.height = s.options.height();
  image.rgb.resize(s.pixels.size());
  const size_t row = static_cast<size_t>(image.width * 3);
  for (int64_t y = 0; y < image.height; ++y)
    std::memcpy(image.rgb.data() + static_cast<size_t>(y) * row,
                s.pixels.data() + static_cast<size_t>(image.height - 1 - y) * row, row);
  return image;
}

RenderOptions parse_image_size(const std::string& text, const std::string& what, RenderOptions options) {
  std::istringstream in(text);
  int64_t w = 0, h = 0;
  char x = 0;
  const bool ok = static_cast<bool>(in >> w >> x >> h) && (x == 'x' || x == 'X') && in.peek() == EOF;
  FLOWRL_CHECK(ok && w >= kMinSize && w <= kMaxSize && h >= kMinSize && h <= kMaxSize, what, " ", text,
               ": give the picture size as WIDTHxHEIGHT, each between ", kMinSize, " and ", kMaxSize,
               " pixels (e.g. 320x240)");
  return options.width(w).height(h);
}

RenderOptions parse_render_quality(const std::string& name, const std::string& what, RenderOptions options) {
  const RenderOptions defaults;
  if (name == "high") return options.samples(defaults.samples()).shadow_size(defaults.shadow_size()).reflections(true);
  if (name == "medium") return options.samples(0).shadow_size(defaults.shadow_size()).reflections(true);
  if (name == "fast") return options.samples(0).shadow_size(0).reflections(false);
  fail(what, " ", name, ": the quality is high (anti-aliased, shadows, reflection), medium (not anti-aliased) or fast ",
       "(none of them)");
}

}  // namespace flowrl::envs
