// flowrl/envs/thread_pool.h — a fixed pool of worker threads running parallel loops.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace flowrl::envs {

/// A fixed set of threads for parallel_for(). With one thread everything runs on the caller.
class ThreadPool {
 public:
  /// `threads` >= 1 threads in all, the calling thread included (threads - 1 workers are started).
  explicit ThreadPool(int64_t threads = 1);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /// Threads taking part in a parallel_for (workers + the caller).
  int64_t size() const;

  /// Runs fn(i) for every i in [0, n), spread over the threads, and returns when all are done. If
  /// calls throw, the exception of the lowest i is rethrown after the loop finished. Not reentrant.
  void parallel_for(int64_t n, const std::function<void(int64_t)>& fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowrl::envs
