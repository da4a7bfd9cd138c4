// gl_context.h — an offscreen OpenGL context for MuJoCo's renderer, from a GL platform library
// loaded at run time (internal header). Nothing links against GL: libEGL.so.1 (EGL, Mesa's
// llvmpipe on a server without a GPU) or libOSMesa.so.8 (OSMesa) is dlopen()ed the first time a
// context is made, so only the programs that render ever need GL installed.
#pragma once

#include <memory>
#include <string>

namespace flowrl::envs::detail {

/// Which GL platform to load, and from where.
struct GlSettings {
  /// "auto" (EGL, then OSMesa), "egl" or "osmesa". Empty: $FLOWRL_GL, else "auto".
  std::string backend;
  /// Folder to load the platform library from. Empty: $FLOWRL_GL_LIBRARY_DIR, else the dynamic
  /// linker's search path.
  std::string library_dir;
};

/// The Debian packages each platform needs, for error messages.
inline constexpr const char* kEglPackages = "libegl1 libegl-mesa0 libgl1-mesa-dri";
inline constexpr const char* kOsmesaPackages = "libosmesa6";

/// An OpenGL (compatibility profile) context without a window. Not thread-safe: use it on one thread
/// at a time; make_current() before every GL call sequence. The platform library and its display
/// stay loaded for the rest of the process (GL libraries are not safe to unload).
class GlContext {
 public:
  /// Loads the platform (once per process and settings) and creates a context. Throws flowrl::Error
  /// naming what failed and the packages to install.
  explicit GlContext(const GlSettings& settings);
  ~GlContext();
  GlContext(const GlContext&) = delete;
  GlContext& operator=(const GlContext&) = delete;

  /// Makes this context current on the calling thread (a no-op when it already is).
  void make_current() const;
  /// "EGL: <GL renderer>, OpenGL <version>" (or OSMesa: ...).
  const std::string& description() const;

  /// The platform library's GetProcAddress: a GL function, or nullptr.
  void* gl_function(const char* name) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowrl::envs::detail
