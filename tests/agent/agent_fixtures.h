// agent_fixtures.h — small synthetic D4RL files and configs for the agent tests.
#pragma once

#include <flowrl/agent/trainer.h>
#include <flowrl/config/config.h>
#include <flowrl/data/d4rl.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace flowrl::test {

/// A fresh temporary folder, removed at scope exit.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("flowrl-agent-test-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

/// A hopper-shaped dataset (obs 11, or 5 like hopper-positions; act 3) of `episodes` episodes whose
/// actions are a smooth function of the state, so a model can fit them. Episodes end in terminals
/// except every third (a timeout); written in the D4RL layout.
inline std::string write_synthetic_hopper(const TempDir& dir, int64_t episodes = 12, int64_t length = 40,
                                          int64_t obs_dim = 11) {
  data::D4RLDataset ds;
  const int64_t N = episodes * length;
  ds.observations = data::FloatMatrix(N, obs_dim);
  ds.actions = data::FloatMatrix(N, 3);
  ds.rewards.assign(static_cast<size_t>(N), 0.f);
  ds.terminals.assign(static_cast<size_t>(N), 0);
  ds.timeouts.assign(static_cast<size_t>(N), 0);
  std::mt19937 rng(3);
  std::normal_distribution<float> noise(0.f, 1.f);
  for (int64_t i = 0; i < N; ++i) {
    for (int64_t j = 0; j < obs_dim; ++j) ds.observations.row(i)[j] = noise(rng);
    for (int64_t j = 0; j < 3; ++j) ds.actions.row(i)[j] = std::tanh(0.8f * ds.observations.row(i)[j] - 0.3f * ds.observations.row(i)[(j + 3) % obs_dim]);
    ds.rewards[static_cast<size_t>(i)] = 1.f + 0.1f * ds.observations.row(i)[0];
    if ((i + 1) % length == 0) {
      if ((i / length) % 3 == 2) {
        ds.timeouts[static_cast<size_t>(i)] = 1;
      } else {
        ds.terminals[static_cast<size_t>(i)] = 1;
      }
    }
  }
  const auto path = dir.file(obs_dim == 11 ? "hopper-synthetic.hdf5" : "hopper-synthetic-" + std::to_string(obs_dim) + ".hdf5");
  data::write_d4rl(path, ds);
  return path;
}

/// The YAML text of a tiny train-agent config over `dataset`.
inline std::string tiny_config_yaml(const std::string& dataset, int64_t steps) {
  return "dataset:\n  path: " + dataset + "\n  env: hopper\n"
         "model:\n  embed_dim: 32\n  layers: 2\n  heads: 2\n  context: 5\n  dropout: 0.1\n"
         "train:\n  steps: " + std::to_string(steps) + "\n  batch_size: 8\n  lr: 0.001\n  warmup_steps: 5\n"
         "  log_every: 1\n  checkpoint_every: 1000\n"
         "eval:\n  every: 0\n  final_episodes: 0\n  targets: [100]\n";
}

/// A tiny train-agent config over `dataset`.
inline config::Config tiny_config(const std::string& dataset, int64_t steps) {
  return config::Config::parse(tiny_config_yaml(dataset, steps), "tiny.yaml");
}

/// Trains (or, with `resume`, resumes) the run `config` (read from `cfg`) into `run_dir`, quietly.
inline TrainResult train_config(const TrainConfig& config, const config::Config& cfg, const std::string& run_dir,
                                bool resume = false) {
  TrainRunOptions run;
  run.run_dir = run_dir;
  run.resume = resume;
  run.resolved_yaml = cfg.resolved_yaml();
  run.progress = false;
  return train_agent(config, run);
}

/// Trains (or, with `resume`, resumes) a tiny run of `steps` updates on `dataset` into `run_dir`,
/// with `sets` overrides ("key=value") on tiny_config().
inline TrainResult train(const std::string& dataset, const std::string& run_dir, int64_t steps, bool resume = false,
                         const std::vector<std::string>& sets = {}) {
  auto cfg = tiny_config(dataset, steps);
  for (const auto& s : sets) cfg.set(s);
  return train_config(TrainConfig::from(cfg), cfg, run_dir, resume);
}

}  // namespace flowrl::test
