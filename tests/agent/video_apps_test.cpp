// video_apps_test.cpp — evaluate-policy --video end to end, with --policy and with --checkpoint: the
// JSON report is the same with and without a video (all but its wall time), the video is a valid
// GIF/MP4, a machine without OpenGL gets a clear error before any episode runs, and the video options
// are checked. The recording cases skip with a warning where no OpenGL can be loaded.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "agent_fixtures.h"
#include "apps_support.h"
#include "gif_reader.h"

using namespace flowrl;
using Catch::Matchers::Contains;

#if defined(FLOWRL_TRAIN_AGENT_EXE) && defined(FLOWRL_EVALUATE_POLICY_EXE)
namespace {

const std::string kTrain = FLOWRL_TRAIN_AGENT_EXE;
const std::string kEvaluate = FLOWRL_EVALUATE_POLICY_EXE;
const std::string kPolicy = std::string(FLOWRL_SOURCE_DIR) + "/data/policies/hopper-sac.h5";

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// the report without its "wall_seconds" lines (the one field that differs between any two runs)
std::string without_wall_time(const std::string& json) {
  std::istringstream in(json);
  std::string line, out;
  while (std::getline(in, line))
    if (line.find("\"wall_seconds\"") == std::string::npos) out += line + "\n";
  return out;
}

bool no_gl(const test::RunResult& r) { return r.code != 0 && r.output.find("rendering needs OpenGL") != std::string::npos; }

bool ffmpeg_installed() { return std::system("command -v ffmpeg > /dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("evaluate-policy --video leaves the JSON report as it is, with --policy and --checkpoint", "[agent][apps][video]") {
  test::TempDir tmp;
  // a behaviour policy: two episodes, both recorded
  const auto base = kEvaluate + " --policy " + kPolicy + " --env hopper --episodes 2 --seed 1 --quiet --threads 2";
  auto r = test::run_command(base + " --json " + tmp.file("plain.json"), tmp.file("log"));
  INFO(r.output);
  REQUIRE(r.code == 0);
  r = test::run_command(base + " --json " + tmp.file("video.json") + " --video " + tmp.file("policy.gif") +
                            " --video-episodes 2 --video-size 64x48 --video-fps 10",
                        tmp.file("log"));
  if (no_gl(r)) {
    WARN("no OpenGL could be loaded, --video case skipped: " << r.output);
    return;
  }
  INFO(r.output);
  REQUIRE(r.code == 0);
  const auto plain = read(tmp.file("plain.json"));
  REQUIRE_FALSE(plain.empty());
  CHECK(without_wall_time(read(tmp.file("video.json"))) == without_wall_time(plain));
  // hopper, dt 8 ms, at most 10 fps: a frame every 13 env steps
  CHECK_THAT(r.output, Contains("video " + tmp.file("policy.gif") + ": 2 episode(s), "));
  CHECK_THAT(r.output, Contains("frames of 64x48 at 9.62 fps (every 13 env step(s)); rendering "));
  CHECK_THAT(r.output, Contains(" ms/frame, encoding "));
  const auto gif = test::read_gif(tmp.file("policy.gif"));
  CHECK(gif.width == 64);
  CHECK(gif.height == 48);
  CHECK(gif.frames.size() > 2);
  CHECK(read(tmp.file("policy.gif")).substr(0, 6) == "GIF89a");

  // a Decision Transformer, two targets: the first episode of each is recorded
  const auto dataset = test::write_synthetic_hopper(tmp);
  std::ofstream(tmp.file("tiny.yaml")) << test::tiny_config_yaml(dataset, 6);
  const auto run_dir = tmp.file("run");
  r = test::run_command(kTrain + " --config " + tmp.file("tiny.yaml") + " --no-progress --out " + run_dir,
                        tmp.file("log"));
  REQUIRE(r.code == 0);
  const auto evaluate = kEvaluate + " --checkpoint " + run_dir + " --env hopper --target-return 100 200 "
                                    "--episodes 2 --quiet --threads 1";
  r = test::run_command(evaluate + " --json " + tmp.file("dt-plain.json"), tmp.file("log"));
  REQUIRE(r.code == 0);
  const std::string video = tmp.file(ffmpeg_installed() ? "dt.mp4" : "dt.gif");
  r = test::run_command(evaluate + " --json " + tmp.file("dt-video.json") + " --video " + video +
                            " --video-size 64x48 --video-quality fast",
                        tmp.file("log"));
  REQUIRE(r.code == 0);
  CHECK(without_wall_time(read(tmp.file("dt-video.json"))) == without_wall_time(read(tmp.file("dt-plain.json"))));
  CHECK_THAT(r.output, Contains("video " + video + ": 2 episode(s), "));
  const std::string bytes = read(video);
  REQUIRE(bytes.size() > 12);
  if (ffmpeg_installed())
    CHECK(bytes.substr(4, 4) == "ftyp");
  else
    CHECK(bytes.substr(0, 6) == "GIF89a");
}

TEST_CASE("evaluate-policy --video without OpenGL, and bad video options, fail before any episode", "[agent][apps][video]") {
  test::TempDir tmp;
  const auto base = kEvaluate + " --policy " + kPolicy + " --env hopper --episodes 2";
  // a folder without libEGL or libOSMesa stands for a machine without them
  std::filesystem::create_directories(tmp.file("no-gl"));
  auto r = test::run_command("FLOWRL_GL_LIBRARY_DIR=" + tmp.file("no-gl") + " " + base + " --json " +
                                 tmp.file("a.json") + " --video " + tmp.file("a.gif"),
                             tmp.file("log"));
  INFO(r.output);
  CHECK(r.code == 1);
  CHECK_THAT(r.output, Contains("--video " + tmp.file("a.gif") + ": rendering needs OpenGL"));
  CHECK_THAT(r.output, Contains("apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri"));
  CHECK_THAT(r.output, !Contains("episode "));
  CHECK_FALSE(std::filesystem::exists(tmp.file("a.gif")));
  CHECK_FALSE(std::filesystem::exists(tmp.file("a.json")));

  const std::pair<std::string, std::string> bad[] = {
      {" --video " + tmp.file("a.avi"), "--video " + tmp.file("a.avi") + ": the video format is taken from the extension"},
      {" --video " + tmp.file("none/a.gif"), "the folder " + tmp.file("none") + " does not exist"},
      {" --video " + tmp.file("a.gif") + " --video-episodes 3",
       "--video-episodes must be between 1 and --episodes (2), got 3"},
      {" --video " + tmp.file("a.gif") + " --video-size 320", "--video-size 320: give the picture size as WIDTHxHEIGHT"},
      {" --video " + tmp.file("a.gif") + " --video-fps 0", "--video-fps must be > 0, got 0"},
      {" --video " + tmp.file("a.gif") + " --video-quality best", "--video-quality best: the quality is high"},
      {" --video-episodes 2", "--video-episodes needs --video FILE.gif|FILE.mp4"},
      {" --video " + tmp.file("same.gif") + " --json " + tmp.file("same.gif"), "same.gif is the --json file too"},
  };
  for (const auto& [options, message] : bad) {
    r = test::run_command(base + options, tmp.file("log"));
    INFO(options);
    CHECK(r.code == 1);
    CHECK_THAT(r.output, Contains(message));
    CHECK_THAT(r.output, !Contains("episode "));
  }
}
#else
TEST_CASE("evaluate-policy --video end to end", "[agent][apps][video]") {
  WARN("train-agent or evaluate-policy not built: skipped");
}
#endif
