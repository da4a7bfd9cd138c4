#include <flowrl/backbone/runtime.h>

#include <dlfcn.h>

namespace flowrl {

bool set_blas_threads(int64_t n) {
  if (n <= 0) return false;
  using SetThreads = void (*)(int);
  auto fn = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  if (!fn) return false;
  fn(static_cast<int>(n));
  return true;
}

}  // namespace flowrl
