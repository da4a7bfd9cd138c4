// render_bench.cpp — what --video costs per frame: MuJoCo's renderer on the OpenGL found at run time
// (on a server without a GPU: Mesa's llvmpipe through EGL), at several quality settings, and the GIF
// and MP4 encoders.
//
//   bench_render [--frames N] [--repeats R] [--out docs/benchmarks.md]
// The frames are the states of a deterministic hopper-sac episode, one every 4th env step, as
// evaluate-policy --video records them (the camera follows the hopper, so the floor moves).
#include <flowrl/behaviour/behaviour_policy.h>
#include <flowrl/envs/gym_locomotion.h>
#include <flowrl/envs/render.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <time.h>

#include "../common/bench_util.h"

using namespace flowrl;
using Clock = std::chrono::steady_clock;

namespace {

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Cost {
  double wall_ms = 1e30, cpu_ms = 1e30;  // per frame, best of the repeats
};

// renders every state once per repeat; the best wall and CPU time per frame
Cost render_cost(envs::Renderer& renderer, const std::vector<envs::MujocoState>& states, int64_t repeats,
                 std::vector<envs::Image>* keep = nullptr) {
  for (size_t i = 0; i < std::min<size_t>(5, states.size()); ++i) renderer.render(states[i]);  // warm-up
  Cost best;
  for (int64_t r = 0; r < repeats; ++r) {
    const auto t0 = Clock::now();
    const double c0 = process_cpu_seconds();
    for (const auto& s : states) {
      envs::Image image = renderer.render(s);
      if (keep && r == 0) keep->push_back(std::move(image));
    }
    const double n = static_cast<double>(states.size());
    best.wall_ms = std::min(best.wall_ms, 1e3 * std::chrono::duration<double>(Clock::now() - t0).count() / n);
    best.cpu_ms = std::min(best.cpu_ms, 1e3 * (process_cpu_seconds() - c0) / n);
  }
  return best;
}

// writes the frames to `path`; the wall time per frame (close() included) and the file's size
std::pair<double, double> encode_cost(const std::string& path, const std::vector<envs::Image>& frames, double fps) {
  const auto t0 = Clock::now();
  envs::VideoWriter writer(path, frames.front().width, frames.front().height, fps);
  for (const auto& f : frames) writer.write(f);
  writer.close();
  const double ms = 1e3 * std::chrono::duration<double>(Clock::now() - t0).count() / static_cast<double>(frames.size());
  const double kib = static_cast<double>(std::filesystem::file_size(path)) / 1024.0;
  std::filesystem::remove(path);
  return {ms, kib};
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const bench::Args args(argc, argv, "usage: bench_render [--frames N] [--repeats R] [--out FILE.md]",
                           {"--frames", "--repeats", "--out"});
    const int64_t frames = args.integer("--frames", 250);
    const int64_t repeats = args.integer("--repeats", 2);
    const std::string out = args.text("--out", "docs/benchmarks.md");
    const double load_start = bench::load_average();

    // the states of a hopper-sac episode, every 4th step (31.25 frames per simulated second)
    auto env = envs::make_hopper({});
    behaviour::BehaviourPolicy policy(behaviour::MlpPolicy::load(std::string(FLOWRL_POLICIES_DIR) + "/hopper-sac.h5"));
    std::vector<envs::MujocoState> states;
    envs::Observation obs = env->reset(0);
    policy.start_episode(0, 0, obs);
    states.push_back(env->state());
    for (int64_t t = 1; static_cast<int64_t>(states.size()) < frames; ++t) {
      const envs::Action a = policy.act(envs::ActBatch{{0}, {obs}}).front();
      const envs::StepResult r = env->step(a);
      policy.observe(0, a, r);
      obs = r.observation;
      if (t % 4 == 0 || r.done()) states.push_back(env->state());
      if (r.done()) obs = env->reset(static_cast<uint64_t>(t)), policy.start_episode(0, 0, obs);
    }

    struct Setting {
      std::string name;
      envs::RenderOptions options;
    };
    const auto quality = [](const char* name) { return envs::parse_render_quality(name, "quality"); };
    const std::vector<Setting> settings = {
        {"320x240, high (the default: 4x MSAA, 1024 shadow map, floor reflection)", quality("high")},
        {"320x240, medium (no MSAA)", quality("medium")},
        {"320x240, fast (no MSAA, shadows or reflection)", quality("fast")},
        {"320x240, MuJoCo's own defaults (4x MSAA, 4096 shadow map)", quality("high").shadow_size(4096)},
        {"640x480, high", quality("high").width(640).height(480)},
    };
    std::ostringstream table;
    table << std::fixed << std::setprecision(1)
          << "| picture, quality | ms/frame (wall) | CPU ms/frame (all threads) | frames/s |\n|---|---|---|---|\n";
    std::string gl;
    std::vector<envs::Image> kept;
    for (const auto& s : settings) {
      envs::Renderer renderer(*env, s.options);
      gl = renderer.gl_description();
      const Cost c = render_cost(renderer, states, repeats, kept.empty() ? &kept : nullptr);
      table << "| " << s.name << " | " << c.wall_ms << " | " << c.cpu_ms << " | " << 1e3 / c.wall_ms << " |\n";
      std::cerr << "bench_render: " << s.name << ": " << c.wall_ms << " ms/frame\n";
    }

    std::ostringstream encoding;
    encoding << std::fixed << std::setprecision(1);
    const auto tmp = std::filesystem::temp_directory_path() / "flowrl-bench-render";
    const auto [gif_ms, gif_kib] = encode_cost(tmp.string() + ".gif", kept, 31.25);
    encoding << "- GIF (flowrl's encoder, one thread): " << gif_ms << " ms/frame; " << kept.size() << " frames -> "
             << gif_kib << " KiB (" << gif_kib / static_cast<double>(kept.size()) << " KiB/frame)\n";
    if (std::system("command -v ffmpeg > /dev/null 2>&1") == 0) {
      const auto [mp4_ms, mp4_kib] = encode_cost(tmp.string() + ".mp4", kept, 31.25);
      encoding << "- MP4 (ffmpeg, libx264 preset medium, CRF 20, a separate process): " << mp4_ms
               << " ms/frame of wall time in the writer (frames piped, close() waits for ffmpeg); "
               << mp4_kib << " KiB\n";
    } else {
      encoding << "- MP4: ffmpeg is not installed, not measured\n";
    }
    const double load_end = bench::load_average();

    std::ostringstream section;
    section << "## Rendering (evaluate-policy --video)\n\n"
            << "MuJoCo's renderer (mjr_render, then mjr_readPixels) on " << frames
            << " states of a deterministic hopper-sac episode, one every 4th env step as `--video` records them, "
               "through the tracking side camera; best of "
            << repeats << " passes after 5 warm-up frames. A hopper env step costs about 0.1 ms of CPU (the "
                          "Environments section), 0.4 ms per recorded frame, so rendering is nearly all of what "
                          "`--video` adds to an evaluation, for the recorded episodes only.\n\n"
            << "- Command: `./build/bench/envs/bench_render --frames " << frames << " --repeats " << repeats << "`\n"
            << "- Machine: " << bench::machine_description() << "; OpenGL: " << gl << "; "
            << bench::load_note(load_start, load_end) << "\n\n"
            << table.str() << "\nEncoding the first setting's frames:\n\n"
            << encoding.str();
    bench::publish_section(out, "render", section.str());
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "bench_render: " << e.what() << "\n";
    return 1;
  }
}
