// video_writer_test.cpp — VideoWriter: GIFs decode (with an independent reader) to the frames written,
// delays keep the rate, MP4 through ffmpeg (skipped without it), errors, and no half-written files.
// Needs no OpenGL: the frames are made here.
#include <flowrl/core/error.h>
#include <flowrl/envs/render.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>

#include "gif_reader.h"
#include "temp_dir.h"

using namespace flowrl;
using namespace flowrl::envs;
using Catch::Matchers::Contains;

namespace {

struct TempDir : test::ScratchDir {
  TempDir() : test::ScratchDir("flowrl-video-test") {}
};

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// a frame of few colours, exactly representable in a GIF palette: a moving square over stripes
Image stripes(int64_t w, int64_t h, int64_t t) {
  Image im{w, h, std::vector<uint8_t>(static_cast<size_t>(w * h * 3))};
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      uint8_t* p = &im.rgb[static_cast<size_t>(3 * (y * w + x))];
      const bool square = x >= 2 * t && x < 2 * t + 10 && y >= t && y < t + 8;
      const uint8_t stripe = static_cast<uint8_t>(((x / 4 + y / 3) % 5) * 40);  // multiples of 8 survive 15-bit colour
      p[0] = square ? 248 : stripe;
      p[1] = square ? 16 : static_cast<uint8_t>(200 - stripe);
      p[2] = square ? 64 : 96;
    }
  return im;
}

// a frame of thousands of colours (smooth gradients plus noise)
Image gradient(int64_t w, int64_t h, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> noise(-6, 6);
  Image im{w, h, std::vector<uint8_t>(static_cast<size_t>(w * h * 3))};
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      for (int k = 0; k < 3; ++k) {
        const int64_t base = k == 0 ? 255 * x / w : k == 1 ? 255 * y / h : 255 * (x + y) / (w + h);
        const int v = static_cast<int>(base) + noise(rng);
        im.rgb[static_cast<size_t>(3 * (y * w + x) + k)] = static_cast<uint8_t>(std::clamp(v, 0, 255));
      }
  return im;
}

bool program_on_path(const std::string& name) {
  return std::system(("command -v " + name + " > /dev/null 2>&1").c_str()) == 0;
}

}  // namespace

TEST_CASE("a GIF decodes to the frames written, at the requested rate", "[envs][video]") {
  TempDir tmp;
  const auto path = tmp.file("stripes.gif");
  {
    VideoWriter writer(path, 64, 48, 31.25);
    for (int64_t t = 0; t < 12; ++t) writer.write(stripes(64, 48, t));
    writer.write(stripes(64, 48, 11));  // nothing changed: still a frame
    CHECK(writer.frames() == 13);
    CHECK(writer.format() == VideoFormat::kGif);
    CHECK_FALSE(std::filesystem::exists(path));  // appears whole, at close()
    writer.close();
  }
  const std::string bytes = read(path);
  CHECK(bytes.substr(0, 6) == "GIF89a");
  CHECK(bytes.back() == 0x3b);
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  const auto gif = test::decode_gif(bytes);
  CHECK(gif.width == 64);
  CHECK(gif.height == 48);
  CHECK(gif.loops);
  REQUIRE(gif.frames.size() == 13);
  for (int64_t t = 0; t < 13; ++t)
    CHECK(gif.frames[static_cast<size_t>(t)] == stripes(64, 48, std::min<int64_t>(t, 11)).rgb);
  // 31.25 fps = 3.2 cs per frame: delays of 3 and 4 that add up to the exact time
  for (int d : gif.delays_cs) CHECK((d == 3 || d == 4));
  CHECK(std::accumulate(gif.delays_cs.begin(), gif.delays_cs.end(), 0) == 42);  // round(13 * 3.2)
}

TEST_CASE("a GIF of many colours stays close to them, and long frames reset the LZW table", "[envs][video]") {
  TempDir tmp;
  const auto path = tmp.file("gradient.gif");
  std::vector<Image> frames;
  for (uint32_t k = 0; k < 3; ++k) frames.push_back(gradient(200, 150, k));
  {
    VideoWriter writer(path, 200, 150, 10);
    for (const auto& f : frames) writer.write(f);
    writer.close();
  }
  const auto gif = test::read_gif(path);
  REQUIRE(gif.frames.size() == 3);
  for (size_t k = 0; k < 3; ++k) {
    double err = 0;
    for (size_t i = 0; i < frames[k].rgb.size(); ++i)
      err += std::abs(static_cast<int>(gif.frames[k][i]) - static_cast<int>(frames[k].rgb[i]));
    CHECK(err / static_cast<double>(frames[k].rgb.size()) < 8.0);  // 255 colours for ~30000 pixels of gradient
  }
  for (int d : gif.delays_cs) CHECK(d == 10);
  // where ffmpeg is installed, a decoder written by others reads it too
  if (program_on_path("ffprobe")) {
    const auto out = tmp.file("probe.txt");
    REQUIRE(std::system(("ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames "
                         "-of csv=p=0 '" + path + "' > '" + out + "' 2>&1").c_str()) == 0);
    CHECK(read(out) == "3\n");
  }
}

TEST_CASE("an MP4 is written by ffmpeg", "[envs][video]") {
  if (!program_on_path("ffmpeg")) {
    WARN("ffmpeg is not installed: MP4 case skipped (apt-get install ffmpeg)");
    return;
  }
  TempDir tmp;
  const auto path = tmp.file("stripes.mp4");
  {
    VideoWriter writer(path, 64, 48, 25);
    CHECK(writer.format() == VideoFormat::kMp4);
    for (int64_t t = 0; t < 20; ++t) writer.write(stripes(64, 48, t % 12));
    writer.close();
  }
  const std::string bytes = read(path);
  REQUIRE(bytes.size() > 12);
  CHECK(bytes.substr(4, 4) == "ftyp");  // an ISO media file
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  if (program_on_path("ffprobe")) {
    const auto out = tmp.file("probe.txt");
    REQUIRE(std::system(("ffprobe -v error -count_frames -select_streams v:0 -show_entries "
                         "stream=codec_name,width,height,nb_read_frames -of csv=p=0 '" + path + "' > '" + out +
                         "' 2>&1").c_str()) == 0);
    CHECK(read(out) == "h264,64,48,20\n");
  }
}

TEST_CASE("video writer errors name the file and the fix, and leave no partial file", "[envs][video]") {
  TempDir tmp;
  CHECK_THROWS_WITH(VideoWriter(tmp.file("a.avi"), 64, 48, 25),
                    Contains("a.avi: the video format is taken from the extension, .gif (written by flowrl) or .mp4"));
  CHECK_THROWS_WITH(VideoWriter(tmp.file("missing/a.gif"), 64, 48, 25),
                    Contains("the folder " + tmp.file("missing") + " does not exist"));
  CHECK_THROWS_WITH(VideoWriter(tmp.file("a.gif"), 64, 48, 60), Contains("a GIF plays at most 50 frames per second"));
  CHECK_THROWS_WITH(VideoWriter(tmp.file("a.mp4"), 63, 48, 25), Contains("needs an even width and height, got 63x48"));
  CHECK(video_format("X.GIF") == VideoFormat::kGif);
  CHECK(video_format("dir.d/x.Mp4") == VideoFormat::kMp4);
  {
    VideoWriter writer(tmp.file("a.gif"), 64, 48, 25);
    CHECK_THROWS_WITH(writer.write(stripes(32, 48, 0)), Contains("a 32x48 frame for a 64x48 video"));
    writer.write(stripes(64, 48, 0));
    // destroyed without close(): an error happened; nothing is left behind
  }
  CHECK(std::filesystem::is_empty(tmp.path));
  if (program_on_path("ffmpeg")) {
    {
      VideoWriter writer(tmp.file("b.mp4"), 64, 48, 25);
      writer.write(stripes(64, 48, 0));
    }
    CHECK(std::filesystem::is_empty(tmp.path));
  }
}
