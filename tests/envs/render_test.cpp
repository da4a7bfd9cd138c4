// render_test.cpp — Renderer: frame size and content, determinism, the env left untouched, captions,
// option errors, and the error of a machine without OpenGL. Cases that need OpenGL skip with a
// warning where none can be loaded; the option and no-OpenGL cases always run.
#include <flowrl/core/error.h>
#include <flowrl/envs/gym_locomotion.h>
#include <flowrl/envs/render.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <random>
#include <set>

#include "render_test_util.h"

using namespace flowrl;
using namespace flowrl::envs;
using Catch::Matchers::Contains;

namespace {

// standard deviation of the pixels' luminance
double luminance_std(const Image& image) {
  double sum = 0, sq = 0;
  const size_t n = static_cast<size_t>(image.width * image.height);
  for (size_t i = 0; i < n; ++i) {
    const double y = 0.299 * image.rgb[3 * i] + 0.587 * image.rgb[3 * i + 1] + 0.114 * image.rgb[3 * i + 2];
    sum += y;
    sq += y * y;
  }
  const double mean = sum / static_cast<double>(n);
  return std::sqrt(std::max(0.0, sq / static_cast<double>(n) - mean * mean));
}

size_t distinct_colours(const Image& image) {
  std::set<uint32_t> colours;
  for (size_t i = 0; i + 2 < image.rgb.size(); i += 3)
    colours.insert((uint32_t{image.rgb[i]} << 16) | (uint32_t{image.rgb[i + 1]} << 8) | image.rgb[i + 2]);
  return colours.size();
}

Action fixed_action(int64_t step, size_t dim) {
  Action a(dim);
  for (size_t i = 0; i < dim; ++i) a[i] = 0.6 * std::sin(0.3 * static_cast<double>(step) + static_cast<double>(i));
  return a;
}

}  // namespace

TEST_CASE("a rendered frame has the requested size and is not blank", "[envs][render]") {
  for (auto make : {make_hopper, make_walker2d, make_halfcheetah}) {
    auto env = make({});
    INFO(env->name());
    auto renderer = test::renderer_or_skip(*env, RenderOptions().width(96).height(72));
    if (!renderer) return;
    env->reset(0);
    const Image image = renderer->render(*env);
    CHECK(image.width == 96);
    CHECK(image.height == 72);
    REQUIRE(image.rgb.size() == 96u * 72u * 3u);
    CHECK(renderer->width() == 96);
    CHECK(renderer->height() == 72);
    // sky, checkered floor and the body: far from one flat colour
    CHECK(luminance_std(image) > 10.0);
    CHECK(distinct_colours(image) > 50);
    CHECK_THAT(renderer->gl_description(), Contains("OpenGL"));
  }
  // the default size is 320x240
  auto env = make_hopper({});
  auto renderer = test::renderer_or_skip(*env);
  if (!renderer) return;
  env->reset(0);
  const Image image = renderer->render(*env);
  CHECK(image.width == 320);
  CHECK(image.height == 240);
}

TEST_CASE("the same state renders to the same pixels and the env is left as it was", "[envs][render]") {
  auto env = make_hopper({});
  auto renderer = test::renderer_or_skip(*env, RenderOptions().width(80).height(60));
  if (!renderer) return;
  env->reset(3);
  for (int64_t t = 0; t < 10; ++t) REQUIRE_FALSE(env->step(fixed_action(t, 3)).done());
  const MujocoState s0 = env->state();
  const Image first = renderer->render(*env);
  // rendering reads a copy: the env's state is bit for bit what it was
  const MujocoState after = env->state();
  CHECK(after.qpos == s0.qpos);
  CHECK(after.qvel == s0.qvel);
  CHECK(after.time == s0.time);
  for (int64_t t = 10; t < 40 && !env->step(fixed_action(t, 3)).done(); ++t) {
  }
  const Image later = renderer->render(*env);
  CHECK(later.rgb != first.rgb);  // the picture follows the state
  const Image again = renderer->render(s0);
  CHECK(again.rgb == first.rgb);
  CHECK(renderer->render(s0).rgb == first.rgb);

  // an episode with a render after every step is the episode without
  auto plain = make_hopper({});
  auto watched = make_hopper({});
  CHECK(plain->reset(5) == watched->reset(5));
  for (int64_t t = 0; t < 60; ++t) {
    const auto a = fixed_action(t, 3);
    const StepResult p = plain->step(a);
    const StepResult w = watched->step(a);
    renderer->render(*watched);
    REQUIRE(p.observation == w.observation);
    REQUIRE(p.reward == w.reward);
    REQUIRE(p.terminated == w.terminated);
    if (p.done()) break;
  }
}

TEST_CASE("a caption is drawn in the top-left corner", "[envs][render]") {
  auto env = make_hopper({});
  auto renderer = test::renderer_or_skip(*env, RenderOptions().width(160).height(120));
  if (!renderer) return;
  env->reset(0);
  const Image plain = renderer->render(*env);
  const Image captioned = renderer->render(*env, "episode 0");
  REQUIRE(captioned.rgb.size() == plain.rgb.size());
  int64_t changed = 0, outside = 0;
  for (int64_t y = 0; y < plain.height; ++y)
    for (int64_t x = 0; x < plain.width; ++x) {
      const size_t i = static_cast<size_t>(3 * (y * plain.width + x));
      if (plain.rgb[i] == captioned.rgb[i] && plain.rgb[i + 1] == captioned.rgb[i + 1] &&
          plain.rgb[i + 2] == captioned.rgb[i + 2])
        continue;
      ++changed;
      if (y >= plain.height / 2 || x >= plain.width * 3 / 4) ++outside;
    }
  CHECK(changed > 20);
  CHECK(outside == 0);
}

TEST_CASE("renderer options and states are checked", "[envs][render]") {
  auto env = make_hopper({});
  CHECK_THROWS_WITH(Renderer(*env, RenderOptions().width(8)), Contains("render width must be between 16 and 4096"));
  CHECK_THROWS_WITH(Renderer(*env, RenderOptions().height(5000)), Contains("render height must be between 16 and 4096"));
  CHECK_THROWS_WITH(Renderer(*env, RenderOptions().samples(-1)), Contains("render samples"));
  // a camera the model lacks names the ones it has (checked before OpenGL is loaded)
  CHECK_THROWS_WITH(Renderer(*env, RenderOptions().camera("front")),
                    Contains("hopper.xml has no camera named 'front' (its cameras: track)"));

  CHECK(parse_image_size("640x480", "--video-size").width() == 640);
  CHECK(parse_image_size("640x480", "--video-size").height() == 480);
  CHECK(parse_image_size("64X48", "--video-size").height() == 48);
  for (const char* bad : {"640", "640x", "x480", "640x480x2", "10x10", "640*480", "-640x480", "640x480 "})
    CHECK_THROWS_WITH(parse_image_size(bad, "--video-size"),
                      Contains("--video-size " + std::string(bad) + ": give the picture size as WIDTHxHEIGHT"));

  const RenderOptions fast = parse_render_quality("fast", "--video-quality", RenderOptions().width(64));
  CHECK(fast.width() == 64);
  CHECK(fast.samples() == 0);
  CHECK(fast.shadow_size() == 0);
  CHECK_FALSE(fast.reflections());
  const RenderOptions medium = parse_render_quality("medium", "--video-quality", fast);
  CHECK(medium.samples() == 0);
  CHECK(medium.shadow_size() == RenderOptions().shadow_size());
  CHECK(medium.reflections());
  CHECK(parse_render_quality("high", "--video-quality", medium).samples() == RenderOptions().samples());
  CHECK_THROWS_WITH(parse_render_quality("ultra", "--video-quality"),
                    Contains("--video-quality ultra: the quality is high (anti-aliased, shadows, reflection)"));

  auto renderer = test::renderer_or_skip(*env, RenderOptions().width(32).height(32));
  if (!renderer) return;
  MujocoState wrong = env->state();
  wrong.qpos.pop_back();
  CHECK_THROWS_WITH(renderer->render(wrong), Contains("the state has 5 qpos and 6 qvel values"));
}

TEST_CASE("without OpenGL, making a renderer is an error naming the packages to install", "[envs][render]") {
  // a folder without libEGL or libOSMesa stands for a machine without them
  const auto empty = std::filesystem::temp_directory_path() / ("flowrl-no-gl-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(empty);
  auto env = make_hopper({});
  try {
    Renderer(*env, RenderOptions().gl_library_dir(empty.string()));
    FAIL("a renderer was made without OpenGL");
  } catch (const Error& e) {
    const std::string message = e.what();
    CHECK(test::is_no_gl_error(e));
    CHECK_THAT(message, Contains("apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri"));
    CHECK_THAT(message, Contains("libosmesa6"));
    CHECK_THAT(message, Contains("libEGL.so.1"));
    CHECK_THAT(message, Contains(empty.string()));
  }
  CHECK_THROWS_WITH(Renderer(*env, RenderOptions().gl("egl").gl_library_dir(empty.string())),
                    Contains("apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri (scripts/install-deps.sh"));
  CHECK_THROWS_WITH(Renderer(*env, RenderOptions().gl("osmesa").gl_library_dir(empty.string())),
                    Contains("apt-get install libosmesa6"));
  CHECK_THROWS_WITH(Renderer(*env, RenderOptions().gl("vulkan")),
                    Contains("OpenGL platform 'vulkan' (FLOWRL_GL or RenderOptions::gl): use auto, egl or osmesa"));
  std::filesystem::remove_all(empty);
}
