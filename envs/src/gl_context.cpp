// gl_context.cpp — EGL (device or surfaceless platform, no window system) and OSMesa contexts, the
// platform library dlopen()ed at run time. The few EGL/OSMesa types and constants needed are declared
// here (values from the EGL 1.5 and OSMesa headers), so building flowrl needs no GL headers either.
#include "gl_context.h"

#include <flowrl/core/error.h>

#include <dlfcn.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <sstream>
#include <vector>

namespace flowrl::envs::detail {
namespace {

// --- EGL, as far as it is used here ---
using EGLDisplay = void*;
using EGLConfig = void*;
using EGLContext = void*;
using EGLSurface = void*;
using EGLDeviceEXT = void*;
using EGLint = int32_t;
using EGLenum = unsigned int;
using EGLBoolean = unsigned int;

constexpr EGLint kEglNone = 0x3038;
constexpr EGLint kEglSurfaceType = 0x3033;
constexpr EGLint kEglRenderableType = 0x3040;
constexpr EGLint kEglOpenglBit = 0x0008;
constexpr EGLenum kEglOpenglApi = 0x30A2;
constexpr EGLint kEglExtensions = 0x3055;
constexpr EGLenum kEglPlatformDevice = 0x313F;       // EGL_EXT_platform_device
constexpr EGLenum kEglPlatformSurfaceless = 0x31DD;  // EGL_MESA_platform_surfaceless

using EglGetProcAddress = void* (*)(const char*);
using EglGetError = EGLint (*)();
using EglQueryString = const char* (*)(EGLDisplay, EGLint);
using EglGetDisplay = EGLDisplay (*)(void*);
using EglGetPlatformDisplay = EGLDisplay (*)(EGLenum, void*, const EGLint*);
using EglQueryDevices = EGLBoolean (*)(EGLint, EGLDeviceEXT*, EGLint*);
using EglInitialize = EGLBoolean (*)(EGLDisplay, EGLint*, EGLint*);
using EglChooseConfig = EGLBoolean (*)(EGLDisplay, const EGLint*, EGLConfig*, EGLint, EGLint*);
using EglBindApi = EGLBoolean (*)(EGLenum);
using EglCreateContext = EGLContext (*)(EGLDisplay, EGLConfig, EGLContext, const EGLint*);
using EglDestroyContext = EGLBoolean (*)(EGLDisplay, EGLContext);
using EglMakeCurrent = EGLBoolean (*)(EGLDisplay, EGLSurface, EGLSurface, EGLContext);
using EglGetCurrentContext = EGLContext (*)();

// --- OSMesa ---
using OSMesaContext = void*;
constexpr unsigned kOsmesaRgba = 0x1908;       // GL_RGBA
constexpr unsigned kGlUnsignedByte = 0x1401;   // GL_UNSIGNED_BYTE
using OsmesaCreateContextExt = OSMesaContext (*)(unsigned, int, int, int, OSMesaContext);
using OsmesaDestroyContext = void (*)(OSMesaContext);
using OsmesaMakeCurrent = unsigned char (*)(OSMesaContext, void*, unsigned, int, int);
using OsmesaGetCurrentContext = OSMesaContext (*)();
using OsmesaGetProcAddress = void* (*)(const char*);

// --- GL, for the description ---
constexpr unsigned kGlRenderer = 0x1F01;
constexpr unsigned kGlVersion = 0x1F02;
using GlGetString = const unsigned char* (*)(unsigned);

std::string hex(long value) {
  std::ostringstream out;
  out << "0x" << std::hex << value;
  return out.str();
}

bool has_extension(const char* list, const std::string& name) {
  if (list == nullptr) return false;
  std::istringstream words(list);
  std::string w;
  while (words >> w)
    if (w == name) return true;
  return false;
}

// A loaded platform library; stays loaded for the process (a GL library is not safe to unload).
struct Library {
  void* handle = nullptr;
  std::string path;

  // dlopen()s the first of `names` (in `dir` when given) that loads; error: what dlerror() said
  static Library open(const std::vector<std::string>& names, const std::string& dir, std::string& error) {
    Library lib;
    for (const auto& name : names) {
      const std::string path = dir.empty() ? name : dir + "/" + name;
      // local until chosen (promote_to_global): a platform that loads but does not work must not be
      // the one MuJoCo's GL loader finds
      if (void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
        lib.handle = h;
        lib.path = path;
        return lib;
      }
      const char* why = dlerror();
      if (error.empty()) error = why ? why : path + ": cannot be loaded";  // the usual name's reason
    }
    return lib;
  }
  // MuJoCo's GL loader takes the GetProcAddress of the platform library it finds in the global scope
  // (eglGetProcAddress before OSMesaGetProcAddress), so only the platform in use is made global
  void promote_to_global() const { dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL); }
  template <typename F>
  F symbol(const char* name) const {
    return reinterpret_cast<F>(dlsym(handle, name));
  }
};

// A GL platform: makes contexts, makes them current.
class Platform {
 public:
  virtual ~Platform() = default;
  virtual const char* name() const = 0;
  virtual void* create_context(int64_t width, int64_t height) = 0;
  virtual void destroy_context(void* context) = 0;
  virtual void make_current(void* context) = 0;
  virtual void* proc_address(const char* name) const = 0;
  virtual const Library& library() const = 0;
};

// EGL without a window system: the device platform (a GPU, or Mesa's software device), else Mesa's
// surfaceless platform, else the default display. Contexts are made current without a surface
// (EGL_KHR_surfaceless_context); MuJoCo renders into its own framebuffer objects.
class EglPlatform : public Platform {
 public:
  explicit EglPlatform(const std::string& dir) {
    std::string error;
    lib_ = Library::open({"libEGL.so.1", "libEGL.so"}, dir, error);
    if (!lib_.handle) throw Error(error);
    get_proc_ = lib_.symbol<EglGetProcAddress>("eglGetProcAddress");
    get_error_ = lib_.symbol<EglGetError>("eglGetError");
    query_string_ = lib_.symbol<EglQueryString>("eglQueryString");
    get_display_ = lib_.symbol<EglGetDisplay>("eglGetDisplay");
    initialize_ = lib_.symbol<EglInitialize>("eglInitialize");
    choose_config_ = lib_.symbol<EglChooseConfig>("eglChooseConfig");
    bind_api_ = lib_.symbol<EglBindApi>("eglBindAPI");
    create_context_ = lib_.symbol<EglCreateContext>("eglCreateContext");
    destroy_context_ = lib_.symbol<EglDestroyContext>("eglDestroyContext");
    make_current_ = lib_.symbol<EglMakeCurrent>("eglMakeCurrent");
    get_current_ = lib_.symbol<EglGetCurrentContext>("eglGetCurrentContext");
    if (!get_proc_ || !get_error_ || !query_string_ || !get_display_ || !initialize_ || !choose_config_ ||
        !bind_api_ || !create_context_ || !destroy_context_ || !make_current_ || !get_current_)
      fail(lib_.path, " lacks EGL 1.4 functions");

    std::vector<std::string> tried;
    const char* client = query_string_(nullptr, kEglExtensions);  // EGL_EXT_client_extensions
    auto platform_display = reinterpret_cast<EglGetPlatformDisplay>(get_proc_("eglGetPlatformDisplayEXT"));
    if (platform_display && has_extension(client, "EGL_EXT_platform_device")) {
      auto query_devices = reinterpret_cast<EglQueryDevices>(get_proc_("eglQueryDevicesEXT"));
      EGLDeviceEXT devices[16];
      EGLint n = 0;
      if (query_devices && query_devices(16, devices, &n)) {
        for (EGLint i = 0; i < n && !display_; ++i)
          try_display(platform_display(kEglPlatformDevice, devices[i], nullptr), "device " + std::to_string(i), tried);
      } else {
        tried.push_back("device platform: no devices (" + hex(get_error_()) + ")");
      }
    }
    if (!display_ && platform_display && has_extension(client, "EGL_MESA_platform_surfaceless"))
      try_display(platform_display(kEglPlatformSurfaceless, nullptr, nullptr), "surfaceless platform", tried);
    if (!display_) try_display(get_display_(nullptr), "default display", tried);
    if (!display_) {
      std::string all;
      for (const auto& t : tried) all += (all.empty() ? "" : "; ") + t;
      fail(lib_.path, " loaded, but no EGL display with desktop OpenGL could be initialized (", all,
           "); is Mesa's EGL vendor library installed (/usr/share/glvnd/egl_vendor.d/50_mesa.json)?");
    }
  }

  const char* name() const override { return "EGL"; }

  void* create_context(int64_t, int64_t) override {
    FLOWRL_CHECK(bind_api_(kEglOpenglApi), "EGL: desktop OpenGL is not supported (eglBindAPI: ", hex(get_error_()),
                 ")");
    EGLContext context = create_context_(display_, config_, nullptr, nullptr);
    FLOWRL_CHECK(context != nullptr, "EGL: eglCreateContext failed (", hex(get_error_()), ")");
    return context;
  }
  void destroy_context(void* context) override {
    if (get_current_() == context) make_current_(display_, nullptr, nullptr, nullptr);
    destroy_context_(display_, context);
  }
  void make_current(void* context) override {
    if (get_current_() == context) return;
    FLOWRL_CHECK(bind_api_(kEglOpenglApi) && make_current_(display_, nullptr, nullptr, context),
                 "EGL: eglMakeCurrent without a surface failed (", hex(get_error_()), ")");
  }
  void* proc_address(const char* name) const override { return get_proc_(name); }
  const Library& library() const override { return lib_; }

 private:
  // initializes `display` and picks a config with desktop OpenGL; records why not in `tried`
  void try_display(EGLDisplay display, const std::string& what, std::vector<std::string>& tried) {
    if (display == nullptr) {
      tried.push_back(what + ": no display (" + hex(get_error_()) + ")");
      return;
    }
    EGLint major = 0, minor = 0;
    if (!initialize_(display, &major, &minor)) {
      tried.push_back(what + ": eglInitialize failed (" + hex(get_error_()) + ")");
      return;
    }
    // any surface type: the context is used without one
    const EGLint attributes[] = {kEglRenderableType, kEglOpenglBit, kEglSurfaceType, 0, kEglNone};
    EGLConfig config = nullptr;
    EGLint count = 0;
    if (!choose_config_(display, attributes, &config, 1, &count) || count < 1) {
      tried.push_back(what + ": no config with desktop OpenGL");
      return;
    }
    display_ = display;
    config_ = config;
  }

  Library lib_;
  EglGetProcAddress get_proc_ = nullptr;
  EglGetError get_error_ = nullptr;
  EglQueryString query_string_ = nullptr;
  EglGetDisplay get_display_ = nullptr;
  EglInitialize initialize_ = nullptr;
  EglChooseConfig choose_config_ = nullptr;
  EglBindApi bind_api_ = nullptr;
  EglCreateContext create_context_ = nullptr;
  EglDestroyContext destroy_context_ = nullptr;
  EglMakeCurrent make_current_ = nullptr;
  EglGetCurrentContext get_current_ = nullptr;
  EGLDisplay display_ = nullptr;
  EGLConfig config_ = nullptr;
};

// OSMesa: Mesa's off-screen software renderer, drawing into a buffer in memory.
class OsmesaPlatform : public Platform {
 public:
  explicit OsmesaPlatform(const std::string& dir) {
    std::string error;
    lib_ = Library::open({"libOSMesa.so.8", "libOSMesa.so.6", "libOSMesa.so"}, dir, error);
    if (!lib_.handle) throw Error(error);
    create_ = lib_.symbol<OsmesaCreateContextExt>("OSMesaCreateContextExt");
    destroy_ = lib_.symbol<OsmesaDestroyContext>("OSMesaDestroyContext");
    make_current_ = lib_.symbol<OsmesaMakeCurrent>("OSMesaMakeCurrent");
    get_current_ = lib_.symbol<OsmesaGetCurrentContext>("OSMesaGetCurrentContext");
    get_proc_ = lib_.symbol<OsmesaGetProcAddress>("OSMesaGetProcAddress");
    if (!create_ || !destroy_ || !make_current_ || !get_current_ || !get_proc_)
      fail(lib_.path, " lacks the OSMesa functions");
  }

  const char* name() const override { return "OSMesa"; }

  void* create_context(int64_t width, int64_t height) override {
    auto* c = new Context;
    c->context = create_(kOsmesaRgba, 24, 8, 0, nullptr);
    if (c->context == nullptr) {
      delete c;
      fail("OSMesa: OSMesaCreateContextExt failed");
    }
    // the default framebuffer; MuJoCo draws into its own offscreen one
    c->width = static_cast<int>(width);
    c->height = static_cast<int>(height);
    c->buffer.resize(static_cast<size_t>(width * height * 4));
    return c;
  }
  void destroy_context(void* context) override {
    auto* c = static_cast<Context*>(context);
    destroy_(c->context);
    delete c;
  }
  void make_current(void* context) override {
    auto* c = static_cast<Context*>(context);
    if (get_current_() == c->context) return;
    FLOWRL_CHECK(make_current_(c->context, c->buffer.data(), kGlUnsignedByte, c->width, c->height),
                 "OSMesa: OSMesaMakeCurrent failed");
  }
  void* proc_address(const char* name) const override { return get_proc_(name); }
  const Library& library() const override { return lib_; }

 private:
  struct Context {
    OSMesaContext context = nullptr;
    std::vector<unsigned char> buffer;
    int width = 0, height = 0;
  };
  Library lib_;
  OsmesaCreateContextExt create_ = nullptr;
  OsmesaDestroyContext destroy_ = nullptr;
  OsmesaMakeCurrent make_current_ = nullptr;
  OsmesaGetCurrentContext get_current_ = nullptr;
  OsmesaGetProcAddress get_proc_ = nullptr;
};

std::string setting(const std::string& value, const char* env_var, const std::string& fallback) {
  if (!value.empty()) return value;
  const char* env = std::getenv(env_var);
  return env != nullptr && *env != '\0' ? env : fallback;
}

std::mutex platforms_mutex;
// the platform that made the process's first context: MuJoCo binds its GL functions to one platform
std::string platform_in_use;

// the platform for (backend, dir), loaded once per process; a failure is not remembered, so that a
// fixed installation is picked up by the next attempt (caller holds platforms_mutex)
Platform& load_platform(const std::string& backend, const std::string& dir) {
  static std::map<std::pair<std::string, std::string>, std::unique_ptr<Platform>> platforms;
  auto& slot = platforms[{backend, dir}];
  if (!slot) {
    if (backend == "egl")
      slot = std::make_unique<EglPlatform>(dir);
    else
      slot = std::make_unique<OsmesaPlatform>(dir);
  }
  return *slot;
}

}  // namespace

struct GlContext::Impl {
  Platform* platform = nullptr;
  void* context = nullptr;
  std::string description;
};

GlContext::GlContext(const GlSettings& settings) : impl_(std::make_unique<Impl>()) {
  const std::string backend = setting(settings.backend, "FLOWRL_GL", "auto");
  const std::string dir = setting(settings.library_dir, "FLOWRL_GL_LIBRARY_DIR", "");
  FLOWRL_CHECK(backend == "auto" || backend == "egl" || backend == "osmesa", "OpenGL platform '", backend,
               "' (FLOWRL_GL or RenderOptions::gl): use auto, egl or osmesa");
  std::lock_guard<std::mutex> lock(platforms_mutex);
  std::vector<std::string> order;
  if (backend != "auto")
    order.push_back(backend);
  else if (!platform_in_use.empty())
    order.push_back(platform_in_use);
  else
    order = {"egl", "osmesa"};

  std::string errors;
  for (const auto& b : order) {
    Platform* loaded = nullptr;
    try {
      loaded = &load_platform(b, dir);
    } catch (const Error& e) {
      errors += std::string(errors.empty() ? "" : "; ") + (b == "egl" ? "EGL: " : "OSMesa: ") + e.what();
      continue;
    }
    FLOWRL_CHECK(platform_in_use.empty() || platform_in_use == b, "OpenGL platform ", b, " (FLOWRL_GL): this process ",
                 "already renders with ", platform_in_use, ", and MuJoCo's renderer cannot switch platforms");
    try {
      Platform& p = *loaded;
      // a 1x1 default framebuffer is enough (OSMesa): MuJoCo renders offscreen
      impl_->context = p.create_context(1, 1);
      impl_->platform = &p;
      if (platform_in_use.empty()) p.library().promote_to_global();
      platform_in_use = b;
      break;
    } catch (const Error& e) {
      errors += std::string(errors.empty() ? "" : "; ") + (b == "egl" ? "EGL: " : "OSMesa: ") + e.what();
    }
  }
  if (impl_->platform == nullptr) {
    std::string install = backend == "egl"      ? kEglPackages
                          : backend == "osmesa" ? kOsmesaPackages
                                                : std::string(kEglPackages) + " (EGL, preferred) or " + kOsmesaPackages;
    fail("rendering needs OpenGL, and none could be loaded (", errors, "). Install Mesa's software renderer: ",
         "apt-get install ", install, " (scripts/install-deps.sh installs the EGL packages)",
         dir.empty() ? "" : "; FLOWRL_GL_LIBRARY_DIR=" + dir + " restricts the search to that folder",
         "; FLOWRL_GL=egl|osmesa picks one platform");
  }
  try {
    make_current();
    auto get_string = reinterpret_cast<GlGetString>(impl_->platform->proc_address("glGetString"));
    const unsigned char* renderer = get_string ? get_string(kGlRenderer) : nullptr;
    const unsigned char* version = get_string ? get_string(kGlVersion) : nullptr;
    impl_->description = std::string(impl_->platform->name()) + ": " +
                         (renderer ? reinterpret_cast<const char*>(renderer) : "unknown renderer") + ", OpenGL " +
                         (version ? reinterpret_cast<const char*>(version) : "unknown version");
  } catch (...) {
    impl_->platform->destroy_context(impl_->context);
    throw;
  }
}

GlContext::~GlContext() {
  if (impl_ && impl_->platform) impl_->platform->destroy_context(impl_->context);
}

void GlContext::make_current() const { impl_->platform->make_current(impl_->context); }

const std::string& GlContext::description() const { return impl_->description; }

void* GlContext::gl_function(const char* name) const { return impl_->platform->proc_address(name); }

}  // namespace flowrl::envs::detail
