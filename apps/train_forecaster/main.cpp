// train-forecaster — trains a forecasting head on a benchmark CSV under the standard long-horizon
// protocol and reports the test MSE/MAE on the normalized scale.
//
//   train-forecaster --config configs/forecast/etth1_inverted_96.yaml [--set key=value ...] [--device cpu|cuda]
//
// Writes <output.dir>/<name>/seed<seed>/{config.yaml, best.pt, result.json}.
#include <flowrl/backbone/runtime.h>
#include <flowrl/core/error.h>
#include <flowrl/forecast.h>

#include <flowrl/dist/group.h>
#include <flowrl/dist/launch_ranks.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace po = boost::program_options;

int main(int argc, char** argv) {
  try {
    std::string config_path, device = "cpu", precision;
    std::vector<std::string> overrides;
    int nproc = 1, master_port = 0;
    double dist_timeout = 300;
    po::options_description options("train-forecaster options");
    options.add_options()                                                                 //
        ("help,h", "show this help")                                                      //
        ("config,c", po::value(&config_path), "YAML run configuration (configs/forecast/*.yaml)")  //
        ("set,s", po::value(&overrides)->composing(),
         "override a config key, e.g. --set train.lr=0.0005 --set data.dir=/data/ETT (repeatable)")  //
        ("device,d", po::value(&device)->default_value("cpu"), "cpu or cuda")                  //
        ("precision", po::value(&precision), "fp32 or bf16 (overrides the config's train.precision)")  //
        ("nproc", po::value(&nproc), "data-parallel: train with N processes on this machine; train.batch_size "
         "stays the global batch (docs/train-agent.md, \"Data-parallel training\")")  //
        ("master-port", po::value(&master_port), "with --nproc: the rendezvous port (default: a free one)")  //
        ("dist-timeout", po::value(&dist_timeout), "data-parallel: seconds to wait for every rank (default 300)")  //
        ("no-progress", "no progress bar");
    po::variables_map vm;
    try {
      po::store(po::command_line_parser(argc, argv).options(options).positional({}).run(), vm);
      po::notify(vm);
    } catch (const po::error& e) {
      std::cerr << "train-forecaster: " << e.what() << "\n" << options << "\n";
      return 2;
    }
    if (vm.count("help")) {
      std::cout << "Trains a Flowformer forecasting head and reports test MSE/MAE (normalized scale).\n\n"
                << options << "\n";
      return 0;
    }
    if (config_path.empty()) {
      std::cerr << "train-forecaster: --config FILE is required\n" << options << "\n";
      return 2;
    }

    if (!precision.empty()) overrides.push_back("train.precision=" + precision);
    if (vm.count("no-progress")) overrides.push_back("train.progress=false");
    auto config = flowrl::load_forecast_config(config_path, overrides);
    // --nproc N: start the N ranks and wait for them; a rank (or one process) joins the others first
    if (flowrl::dist::starts_ranks(nproc)) {
      FLOWRL_CHECK(config.train.batch_size() >= nproc, "--nproc ", nproc, " is more than train.batch_size ",
                   config.train.batch_size(), ": each rank needs at least one window per step");
      return flowrl::dist::launch_ranks(
          argc, argv, flowrl::dist::LaunchRanksOptions(nproc).master_port(master_port).program("train-forecaster"));
    }
    auto group = flowrl::dist::join_ranks(dist_timeout, device);
    const auto& where = group.where();
    if (group.root()) std::fprintf(stderr, "train-forecaster: %s | %s | %s head, L=%lld H=%lld | seed %lld | %s\n",
                 config.name.c_str(), config.data_path().c_str(),
                 config.model.head == flowrl::ForecastHead::kInverted ? "inverted" : "temporal",
                 static_cast<long long>(config.data.seq_len), static_cast<long long>(config.data.pred_len),
                 static_cast<long long>(config.seed), device.c_str());
    const auto result = flowrl::run_forecast_experiment(config, device, where.distributed() ? &group : nullptr);
    if (!group.root()) return 0;  // rank 0 reports
    const auto& t = result.train;
    std::printf("%s seed %lld: test mse %.4f mae %.4f (%lld windows) | best epoch %lld/%zu | val mse %.4f | "
                "train %.1fs total %.1fs cpu %.1fs | %lld params\n",
                config.name.c_str(), static_cast<long long>(config.seed), t.test.mse, t.test.mae,
                static_cast<long long>(t.test.windows), static_cast<long long>(t.best_epoch), t.epochs.size(),
                t.val.mse, t.train_seconds, result.total_seconds, result.cpu_seconds,
                static_cast<long long>(result.parameters));
    std::printf("result: %s\n", result.result_json.c_str());
    return 0;
  } catch (const flowrl::Error& e) {
    std::cerr << "train-forecaster: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    // not a user error: a bug or a torch failure; still exit cleanly with the message
    std::cerr << "train-forecaster: internal error: " << flowrl::error_message(e) << "\n";
    return 3;
  }
}
