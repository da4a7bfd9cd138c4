// flowrl/backbone/runtime.h — CPU threading of the torch runtime the backbone runs on.
#pragma once

#include <cstdint>

namespace flowrl {

/// Sets the number of OpenBLAS threads when LibTorch's BLAS is OpenBLAS (looked up at run time;
/// Debian's libtorch links the libblas.so.3 alternative). OpenBLAS keeps its own spinning thread
/// pool next to torch's; under CPU contention it makes training several times slower, so callers
/// pin it. Returns false when there is no OpenBLAS to configure or n <= 0 (its default is kept).
bool set_blas_threads(int64_t n);

}  // namespace flowrl
