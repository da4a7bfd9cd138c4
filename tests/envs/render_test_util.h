// render_test_util.h — the rendering tests' way to skip where no OpenGL can be loaded.
#pragma once

#include <flowrl/core/error.h>
#include <flowrl/envs/render.h>

#include <catch2/catch.hpp>

#include <memory>
#include <string>

namespace flowrl::test {

/// True when `e` is the error of a machine without a loadable OpenGL.
inline bool is_no_gl_error(const Error& e) {
  return std::string(e.what()).find("rendering needs OpenGL") != std::string::npos;
}

/// A renderer for `env`, or nullptr after a WARN when no OpenGL can be loaded here (the caller
/// returns: the case is skipped). Any other error propagates.
inline std::unique_ptr<envs::Renderer> renderer_or_skip(const envs::LocomotionEnv& env,
                                                        const envs::RenderOptions& options = {}) {
  try {
    return std::make_unique<envs::Renderer>(env, options);
  } catch (const Error& e) {
    if (!is_no_gl_error(e)) throw;
    WARN("no OpenGL could be loaded, rendering case skipped: " << e.what());
    return nullptr;
  }
}

}  // namespace flowrl::test
