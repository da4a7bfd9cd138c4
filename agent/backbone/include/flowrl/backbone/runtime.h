// flowrl/backbone/runtime.h — CPU threading of the torch runtime the backbone runs on.
#pragma once

#include <cstdint>
#include <exception>
#include <string>

namespace flowrl {

/// Sets the number of OpenBLAS threads when LibTorch's BLAS is OpenBLAS (looked up at run time;
/// Debian's libtorch links the libblas.so.3 alternative). OpenBLAS keeps its own spinning thread
/// pool next to torch's; under CPU contention it makes training several times slower, so callers
/// pin it. Returns false when there is no OpenBLAS to configure or n <= 0 (its default is kept).
bool set_blas_threads(int64_t n);

/// Makes the C allocator keep freed memory for reuse instead of handing it back to the kernel
/// (glibc: blocks up to 32 MiB come from the heap, and the heap is never trimmed). A training step
/// frees and reallocates the same multi-MiB activations every time; with glibc's defaults they go
/// back to the kernel and return as page faults (bench_train_step --keep-freed-memory 0 at 128/3/1,
/// batch 64, idle machine: 15k per Flowformer-DT step, and 20% of its time; docs/train-agent.md).
/// Resident memory then stays at the loop's peak, which every step touches anyway. Process-wide,
/// idempotent; the trainer, the forecaster and evaluate-policy call it. Returns false where it does
/// not apply (not glibc).
bool keep_freed_memory();

/// The message of an exception for a user to read: a torch failure's (c10::Error, e.g. out of
/// memory) without its C++ stack trace, any other exception's what().
std::string error_message(const std::exception& e);

}  // namespace flowrl
