// thread_pool.cpp — workers wait for a loop, claim indices from an atomic counter, then report back.
#include <flowrl/envs/thread_pool.h>

#include <flowrl/core/error.h>
#include <flowrl/core/threads.h>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace flowrl::envs {

struct ThreadPool::Impl {
  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable start_cv;
  std::condition_variable done_cv;
  uint64_t generation = 0;  // bumped for every loop
  bool stopping = false;

  // the current loop
  const std::function<void(int64_t)>* fn = nullptr;
  int64_t n = 0;
  std::atomic<int64_t> next{0};
  int64_t busy_workers = 0;
  int64_t error_index = -1;
  std::exception_ptr error;

  // claim indices until none are left; remember the exception of the lowest index
  void run_indices() {
    for (int64_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
      try {
        (*fn)(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (error_index < 0 || i < error_index) {
          error_index = i;
          error = std::current_exception();
        }
      }
    }
  }

  void worker_loop() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        start_cv.wait(lock, [&] { return stopping || generation != seen; });
        if (stopping) return;
        seen = generation;
      }
      run_indices();
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (--busy_workers == 0) done_cv.notify_one();
      }
    }
  }
};

ThreadPool::ThreadPool(int64_t threads) : impl_(std::make_unique<Impl>()) {
  check_thread_count(threads, 1, "ThreadPool's thread count");
  for (int64_t t = 1; t < threads; ++t) impl_->workers.emplace_back([this] { impl_->worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->start_cv.notify_all();
  for (auto& w : impl_->workers) w.join();
}

int64_t ThreadPool::size() const { return static_cast<int64_t>(impl_->workers.size()) + 1; }

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t)>& fn) {
  if (n <= 0) return;
  Impl& s = *impl_;
  // small loops or no workers: run inline
  if (s.workers.empty() || n == 1) {
    std::exception_ptr error;
    for (int64_t i = 0; i < n; ++i) {
      try {
        fn(i);
      } catch (...) {
        if (!error) error = std::current_exception();
      }
    }
    if (error) std::rethrow_exception(error);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.fn = &fn;
    s.n = n;
    s.next.store(0);
    s.error_index = -1;
    s.error = nullptr;
    s.busy_workers = static_cast<int64_t>(s.workers.size());
    ++s.generation;
  }
  s.start_cv.notify_all();
  // the caller works too, then waits for the workers
  s.run_indices();
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lock(s.mutex);
    s.done_cv.wait(lock, [&] { return s.busy_workers == 0; });
    s.fn = nullptr;
    error = s.error;
    s.error = nullptr;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace flowrl::envs
