#include <flowrl/backbone/runtime.h>

#include <c10/util/Exception.h>

#include <dlfcn.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace flowrl {

bool set_blas_threads(int64_t n) {
  if (n <= 0) return false;
  using SetThreads = void (*)(int);
  auto fn = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (!fn) return false;
  fn(static_cast<int>(n));
  return true;
}

bool keep_freed_memory() {
#if defined(__GLIBC__)
  // 32 MiB is the largest mmap threshold glibc accepts; setting it also stops its dynamic adjustment.
  const bool mmap_ok = mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1;
  const bool trim_ok = mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;
  return mmap_ok && trim_ok;
#else
  return false;
#endif
}

std::string error_message(const std::exception& e) {
  if (const auto* torch_error = dynamic_cast<const c10::Error*>(&e)) return torch_error->what_without_backtrace();
  return e.what();
}

}  // namespace flowrl
