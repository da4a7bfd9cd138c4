// video_writer.cpp — VideoWriter: GIF through flowrl's encoder, MP4 through an ffmpeg child process
// fed raw RGB frames on a pipe. Both write beside the target (FILE.tmp) and rename at close().
#include <flowrl/envs/render.h>

#include <flowrl/core/error.h>
#include <flowrl/core/file.h>

#include "gif_encoder.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

extern char** environ;

namespace flowrl::envs {
namespace {

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

std::string number(double x) {
  std::ostringstream out;
  out.precision(10);
  out << x;
  return out.str();
}

// writes all of `data` to `fd`; a closed pipe (the reader died) is an error, not a SIGPIPE
bool write_all(int fd, const uint8_t* data, size_t size) {
  sigset_t pipe_signal, old;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, &old);
  bool ok = true;
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  if (!ok && errno == EPIPE) {
    // take the pending SIGPIPE before unblocking it, unless it was pending already
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) && !sigismember(&old, SIGPIPE)) {
      const timespec zero{0, 0};
      sigtimedwait(&pipe_signal, nullptr, &zero);
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return ok;
}

// an ffmpeg process reading raw frames on its stdin, its messages kept in an unlinked temp file
class Ffmpeg {
 public:
  Ffmpeg(const std::string& out, int64_t width, int64_t height, double fps) {
    log_ = std::tmpfile();
    FLOWRL_CHECK(log_ != nullptr, "cannot create a temporary file for ffmpeg's messages: ", std::strerror(errno));
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      std::fclose(log_);
      fail("cannot make a pipe to ffmpeg: ", std::strerror(errno));
    }
    const std::string size = std::to_string(width) + "x" + std::to_string(height);
    const std::string rate = number(fps);
    std::vector<std::string> args = {"ffmpeg", "-hide_banner", "-loglevel", "error", "-nostats", "-y",
                                     "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", size, "-framerate", rate,
                                     "-i", "pipe:0", "-an", "-c:v", "libx264", "-preset", "medium", "-crf", "20",
                                     "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4", out};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fileno(log_), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fileno(log_), STDERR_FILENO);
    const int rc = posix_spawnp(&pid_, "ffmpeg", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[0]);
    if (rc != 0) {
      ::close(fds[1]);
      std::fclose(log_);
      fail("cannot run ffmpeg (", std::strerror(rc), "): MP4 videos are encoded by the ffmpeg program; install it ",
           "(apt-get install ffmpeg; scripts/install-deps.sh does) or write a .gif, which needs no ffmpeg");
    }
    pipe_ = fds[1];
  }
  ~Ffmpeg() {
    if (pid_ > 0) {
      if (pipe_ >= 0) ::close(pipe_);
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (log_) std::fclose(log_);
  }
  Ffmpeg(const Ffmpeg&) = delete;
  Ffmpeg& operator=(const Ffmpeg&) = delete;

  void write(const std::vector<uint8_t>& rgb) {
    if (!write_all(pipe_, rgb.data(), rgb.size())) fail("ffmpeg stopped reading frames: ", finish_with_error());
  }
  // closes the pipe, waits; throws with ffmpeg's messages on failure
  void close() {
    ::close(pipe_);
    pipe_ = -1;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    FLOWRL_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "ffmpeg failed (",
                 WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status)) : std::string("killed"),
                 "): ", messages());
  }

 private:
  std::string finish_with_error() {
    try {
      close();
    } catch (const Error& e) {
      return e.what();
    }
    return "it ended early";
  }
  std::string messages() {
    std::fflush(log_);
    std::rewind(log_);
    std::string text;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), log_)) > 0) text.append(buf, n);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text.empty() ? "no message" : text;
  }

  pid_t pid_ = -1;
  int pipe_ = -1;
  std::FILE* log_ = nullptr;
};

}  // namespace

VideoFormat video_format(const std::string& path, const std::string& what) {
  const std::string ext = lower_extension(path);
  if (ext == ".gif") return VideoFormat::kGif;
  if (ext == ".mp4") return VideoFormat::kMp4;
  fail(what, " ", path, ": the video format is taken from the extension, .gif (written by flowrl) or .mp4 ",
       "(H.264, encoded by ffmpeg)");
}

struct VideoWriter::Impl {
  std::string path, tmp;
  VideoFormat format = VideoFormat::kGif;
  int64_t width = 0, height = 0;
  double fps = 0;
  int64_t frames = 0;
  bool closed = false;
  // GIF
  std::ofstream file;
  std::unique_ptr<detail::GifEncoder> gif;
  // MP4
  std::unique_ptr<Ffmpeg> ffmpeg;

  ~Impl() {
    if (closed) return;
    gif.reset();
    if (file.is_open()) file.close();
    ffmpeg.reset();
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
  }
};

VideoWriter::VideoWriter(const std::string& path, int64_t width, int64_t height, double fps)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.path = path;
  s.tmp = path + ".tmp";
  s.format = video_format(path);
  s.width = width;
  s.height = height;
  s.fps = fps;
  check_output_folder(path, "video file");
  FLOWRL_CHECK(width >= 1 && width <= 65535 && height >= 1 && height <= 65535, "video ", path, ": size ", width, "x",
               height, " is out of range");
  if (s.format == VideoFormat::kGif) {
    FLOWRL_CHECK(std::isfinite(fps) && fps > 0 && fps <= 50, "video ", path, ": a GIF plays at most 50 frames per ",
                 "second (frame delays are whole centiseconds, and browsers slow faster ones down), got ", fps);
    s.file.open(s.tmp, std::ios::binary | std::ios::trunc);
    FLOWRL_CHECK(s.file.is_open(), "cannot write ", path, ": check that its folder is writable");
    s.gif = std::make_unique<detail::GifEncoder>(s.file, static_cast<int>(width), static_cast<int>(height));
  } else {
    FLOWRL_CHECK(std::isfinite(fps) && fps > 0 && fps <= 1000, "video ", path, ": frames per second must be in ",
                 "(0, 1000], got ", fps);
    FLOWRL_CHECK(width % 2 == 0 && height % 2 == 0, "video ", path, ": an MP4 (H.264, 4:2:0 colour) needs an even ",
                 "width and height, got ", width, "x", height);
    s.ffmpeg = std::make_unique<Ffmpeg>(s.tmp, width, height, fps);
  }
}

VideoWriter::~VideoWriter() = default;

void VideoWriter::write(const Image& frame) {
  Impl& s = *impl_;
  FLOWRL_CHECK(!s.closed, "video ", s.path, ": write() after close()");
  FLOWRL_CHECK(frame.width == s.width && frame.height == s.height &&
                   frame.rgb.size() == static_cast<size_t>(frame.width * frame.height * 3),
               "video ", s.path, ": a ", frame.width, "x", frame.height, " frame for a ", s.width, "x", s.height,
               " video");
  if (s.gif) {
    // frame k ends at round(100 (k + 1) / fps) centiseconds: the delays keep the average rate
    const auto end = [&](int64_t k) { return std::llround(100.0 * static_cast<double>(k) / s.fps); };
    s.gif->add_frame(frame.rgb.data(), static_cast<int>(end(s.frames + 1) - end(s.frames)));
    FLOWRL_CHECK(s.file.good(), "cannot write ", s.path, ": the disk may be full");
  } else {
    s.ffmpeg->write(frame.rgb);
  }
  ++s.frames;
}

void VideoWriter::close() {
  Impl& s = *impl_;
  if (s.closed) return;
  if (s.gif) {
    s.gif->finish();
    s.file.close();
    FLOWRL_CHECK(s.file.good(), "cannot write ", s.path, ": the disk may be full");
  } else {
    s.ffmpeg->close();
  }
  std::error_code ec;
  std::filesystem::rename(s.tmp, s.path, ec);
  FLOWRL_CHECK(!ec, "cannot write ", s.path, ": renaming ", s.tmp, " onto it failed (", ec.message(), ")");
  s.closed = true;
}

int64_t VideoWriter::frames() const { return impl_->frames; }
VideoFormat VideoWriter::format() const { return impl_->format; }

}  // namespace flowrl::envs
