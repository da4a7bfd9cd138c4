// train-agent — train a Decision Transformer on a D4RL HDF5 file or a Minari dataset.
//
//   train-agent --config configs/dt/hopper-medium.yaml [--set key=value ...] [--device cpu|cuda]
//               [--seed S] [--out RUN_DIR] [--resume RUN_DIR] [--no-progress]
//               [--nproc N [--master-port P]] [--dist-timeout SECONDS]
// With --nproc N it starts N ranks of itself on this machine (data-parallel, docs/train-agent.md);
// started by torchrun (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT set) it is one rank of such a run.
#include <flowrl/agent/checkpoint.h>
#include <flowrl/agent/trainer.h>
#include <flowrl/backbone/runtime.h>
#include <flowrl/config/config.h>
#include <flowrl/core/error.h>
#include <flowrl/dist/group.h>
#include <flowrl/dist/launch_ranks.h>

#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>

namespace po = boost::program_options;

int main(int argc, char** argv) {
  try {
    po::options_description desc(
        "train-agent: train a Decision Transformer (Flowformer backbone) on a D4RL HDF5 file or a Minari dataset.\n"
        "Writes RUN_DIR/{config.yaml, log.csv, eval.csv, checkpoints/, eval-final.json}.\nOptions");
    std::string device, out, resume;
    std::vector<std::string> sets, config_paths;
    int64_t seed = -1;
    int nproc = 1, master_port = 0;
    double dist_timeout = 300;
    desc.add_options()("help,h", "show this help")(
        "config", po::value(&config_paths)->composing(),
        "YAML config (see docs/train-agent.md); repeat to overlay, e.g. a recipe then configs/dt/fast-cpu.yaml")(
        "set", po::value(&sets)->composing(), "override a config key: --set train.steps=2000 (repeatable)")(
        "device", po::value(&device), "cpu or cuda (overrides the config's device)")(
        "seed", po::value(&seed), "training seed (overrides train.seed)")(
        "out", po::value(&out), "run directory (default: runs/<config name>-seed<S>)")(
        "resume", po::value(&resume), "continue the run in this directory from its latest checkpoint")(
        "no-progress", "no progress bar")(
        "nproc", po::value(&nproc), "data-parallel: train with N processes on this machine (one core or GPU each); "
        "train.batch_size stays the global batch")(
        "master-port", po::value(&master_port), "with --nproc: the rendezvous port (default: a free one)")(
        "dist-timeout", po::value(&dist_timeout), "data-parallel: seconds to wait for every rank at the start, and "
        "for one collective, before the run stops with an error (default 300)");
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(desc).positional({}).run(), vm);
    po::notify(vm);
    if (vm.count("help") || argc == 1) {
      std::cout << desc << "\n";
      return vm.count("help") ? 0 : 2;
    }

    FLOWRL_CHECK(!vm.count("out") || !out.empty(), "--out is empty; name the run directory, or leave --out out ",
                 "for runs/<config>-seed<S>");
    const bool seed_given = vm.count("seed") > 0;
    FLOWRL_CHECK(!seed_given || seed >= 0, "--seed ", seed, ": a seed is a number >= 0");
    flowrl::TrainRunOptions run;
    flowrl::config::Config cfg;
    if (!resume.empty()) {
      // A resumed run uses its own resolved config; overrides are not allowed (they would change it).
      FLOWRL_CHECK(config_paths.empty() && sets.empty() && !seed_given, "--resume takes the run's own config.yaml: ",
                   "drop --config/--set/--seed");
      cfg = flowrl::config::Config::load((std::filesystem::path(resume) / "config.yaml").string());
      if (!device.empty()) cfg.set("device", device);
      run.run_dir = resume;
      run.resume = true;
    } else {
      FLOWRL_CHECK(!config_paths.empty(), "--config FILE.yaml is required (or --resume RUN_DIR)");
      cfg = flowrl::config::Config::load(config_paths.front());
      for (size_t i = 1; i < config_paths.size(); ++i) cfg.merge(flowrl::config::Config::load(config_paths[i]));
      for (const auto& s : sets) cfg.set(s);
      if (seed_given) cfg.set("train.seed", std::to_string(seed));
      if (!device.empty()) cfg.set("device", device);
    }
    auto config = flowrl::config::read_noting_overrides(sets, [&] { return flowrl::TrainConfig::from(cfg); });
    if (run.run_dir.empty() && !out.empty()) run.run_dir = out;
    if (run.run_dir.empty()) {  // runs/<config stems joined by '+'>-seed<S>
      std::string name;
      for (const auto& p : config_paths) name += (name.empty() ? "" : "+") + std::filesystem::path(p).stem().string();
      run.run_dir = "runs/" + name + "-seed" + std::to_string(config.train.seed);
    }
    run.resolved_yaml = cfg.resolved_yaml();
    run.progress = !vm.count("no-progress");
    // --nproc N: this process starts the N ranks (after the config checked out) and waits for them.
    if (flowrl::dist::starts_ranks(nproc)) {
      FLOWRL_CHECK(config.train.batch_size >= nproc, "--nproc ", nproc, " is more than train.batch_size ",
                   config.train.batch_size, ": each rank needs at least one window per update");
      return flowrl::dist::launch_ranks(
          argc, argv, flowrl::dist::LaunchRanksOptions(nproc).master_port(master_port).program("train-agent"));
    }
    // One rank of a data-parallel run (or the only process): join the others first, so that a failed
    // rendezvous leaves nothing behind in the run folder.
    auto group = flowrl::dist::join_ranks(dist_timeout, config.device);
    const auto& where = group.where();
    if (where.distributed()) run.group = &group;
    if (group.root()) std::cerr << "train-agent: run " << run.run_dir << ", dataset " << config.dataset.label() << ", "
              << (config.model.attention() == flowrl::AttentionKind::kFlow ? "flow" : "softmax") << " attention, "
              << config.train.steps << " steps" << (where.distributed() ? ", " + std::to_string(where.world_size) + " ranks (" + group.backend() + ")" : "") << "\n";
    auto result = flowrl::train_agent(config, run);
    if (!group.root()) return 0;  // rank 0 reports
    if (result.already_finished) {
      std::cout << "train-agent: " << run.run_dir << " is already finished (" << result.steps << " of "
                << config.train.steps << " steps" << (config.eval.final_episodes > 0 ? ", eval-final.json written" : "")
                << "); nothing to do\n";
      return 0;
    }
    std::cout << "train-agent: " << result.steps << " steps, last loss " << result.last_loss << ", "
              << result.steps_per_second << " steps/s";
    if (where.distributed()) std::cout << " with " << where.world_size << " ranks, all-reduce " << result.allreduce_ms_per_step << " ms/step";
    std::cout << "\n";
    if (!result.final_evaluation.empty()) {
      std::cout << "final evaluation (" << run.run_dir << "/eval-final.json):\n"
                << flowrl::format_target_evaluations(result.final_evaluation);
    }
    return 0;
  } catch (const flowrl::Error& e) {
    std::cerr << "train-agent: error: " << e.what() << "\n";
  } catch (const po::error& e) {
    std::cerr << "train-agent: " << e.what() << " (see --help)\n";
  } catch (const std::exception& e) {
    std::cerr << "train-agent: unexpected error: " << flowrl::error_message(e) << "\n";
  }
  return 1;
}
