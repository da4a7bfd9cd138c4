// data_parallel_test.cpp — train-agent with several ranks (c10d over loopback): the same numbers as
// one process, kill and resume, and the errors a user can cause (skipped without the program).
#include <catch2/catch.hpp>
#include <flowrl/agent/checkpoint.h>
#include <flowrl/dist/data_parallel.h>
#include <flowrl/launch/process.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "agent_fixtures.h"
#include "apps_support.h"

using namespace flowrl;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

TEST_CASE("share_of splits a count over ranks, the first ones taking the remainder", "[dist]") {
  CHECK(dist::share_of(64, 0, 2).count == 32);
  CHECK(dist::share_of(64, 1, 2).begin == 32);
  CHECK(dist::share_of(10, 0, 3).count == 4);
  CHECK(dist::share_of(10, 1, 3).begin == 4);
  CHECK(dist::share_of(10, 2, 3).begin == 7);
  CHECK(dist::share_of(10, 2, 3).count == 3);
  CHECK(dist::share_of(1, 1, 2).count == 0);
}

TEST_CASE("GradientReducer packs parameters into buckets of at most bucket_mib", "[dist]") {
  std::vector<torch::Tensor> params{torch::zeros({256, 1024}), torch::zeros({256, 1024}), torch::zeros({10})};
  for (auto& p : params) p.set_requires_grad(true);
  // 1 MiB each for the first two: a 1.5 MiB cap gives three buckets, a 4 MiB cap one
  CHECK(dist::GradientReducer(params, dist::GradientReducerOptions().bucket_mib(1.5)).buckets() == 2);
  CHECK(dist::GradientReducer(params, dist::GradientReducerOptions().bucket_mib(4)).buckets() == 1);
  dist::GradientReducer reducer(params);
  CHECK(reducer.bytes() == (2 * 256 * 1024 + 10) * 4);
  // one process: the gradients are their own sum
  params[0].mutable_grad() = torch::ones({256, 1024});
  dist::Group single;
  reducer.allreduce(single);
  CHECK(params[0].grad().sum().item<double>() == 256 * 1024);
  CHECK(params[2].grad().defined());  // a missing gradient counts as zero
  CHECK(params[2].grad().abs().sum().item<double>() == 0.0);
}

TEST_CASE("rank_from_environment refuses contradictory torchrun variables", "[dist]") {
  ::setenv("WORLD_SIZE", "2", 1);
  ::setenv("RANK", "2", 1);
  CHECK_THROWS_WITH(dist::rank_from_environment(), Contains("RANK=2 but WORLD_SIZE=2"));
  ::setenv("RANK", "1", 1);
  ::setenv("MASTER_ADDR", "127.0.0.1", 1);
  ::setenv("MASTER_PORT", "70000", 1);
  CHECK_THROWS_WITH(dist::rank_from_environment(), Contains("MASTER_PORT=70000"));
  ::setenv("MASTER_PORT", "29400", 1);
  const auto where = dist::rank_from_environment();
  CHECK(where.rank == 1);
  CHECK(where.world_size == 2);
  ::unsetenv("WORLD_SIZE");
  CHECK_THROWS_WITH(dist::rank_from_environment(), Contains("RANK is set but WORLD_SIZE is not"));
  for (const char* v : {"RANK", "MASTER_ADDR", "MASTER_PORT"}) ::unsetenv(v);
  CHECK_FALSE(dist::rank_from_environment().distributed());
}

#if defined(FLOWRL_TRAIN_AGENT_EXE)
namespace {

const std::string kTrain = FLOWRL_TRAIN_AGENT_EXE;

// A tiny run config without dropout (so that ranks and one process draw no random masks).
std::string write_config(const test::TempDir& tmp, int64_t steps, int64_t checkpoint_every) {
  const auto dataset = test::write_synthetic_hopper(tmp);
  const auto path = tmp.file("dp.yaml");
  std::ofstream out(path);
  out << "dataset:\n  path: " << dataset << "\n  env: hopper\n"
      << "model:\n  embed_dim: 32\n  layers: 2\n  heads: 2\n  context: 5\n  dropout: 0.0\n"
      << "train:\n  steps: " << steps << "\n  batch_size: 9\n  lr: 0.001\n  warmup_steps: 5\n"
      << "  log_every: 5\n  checkpoint_every: " << checkpoint_every << "\n"
      << "eval:\n  every: 0\n  final_episodes: 3\n  targets: [100]\n";
  return path;
}

std::vector<torch::Tensor> weights(const std::string& run_dir) {
  auto agent = load_agent(run_dir);
  std::vector<torch::Tensor> out;
  for (const auto& p : agent.model->parameters()) out.push_back(p.detach().clone());
  return out;
}

double max_difference(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  REQUIRE(a.size() == b.size());
  double most = 0;
  for (size_t i = 0; i < a.size(); ++i) most = std::max(most, (a[i] - b[i]).abs().max().item<double>());
  return most;
}

bool empty_or_missing(const std::string& dir) { return !fs::exists(dir) || fs::is_empty(dir); }

// A rank of a 2-rank run started the way torchrun starts it (environment variables).
launch::Process start_rank(int rank, uint16_t port, const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv{kTrain};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--no-progress");
  return launch::Process::spawn(launch::ProcessOptions(argv)
                                    .add_env("RANK", std::to_string(rank))
                                    .add_env("LOCAL_RANK", std::to_string(rank))
                                    .add_env("WORLD_SIZE", "2")
                                    .add_env("MASTER_ADDR", "127.0.0.1")
                                    .add_env("MASTER_PORT", std::to_string(port))
                                    .stdout_path(log)
                                    .stderr_path(log));
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("2 ranks reproduce one process drawing the same global batches", "[dist][apps]") {
  test::TempDir tmp;
  const auto cfg = write_config(tmp, 20, 20);
  auto r = test::run_command(kTrain + " --config " + cfg + " --nproc 2 --no-progress --out " + tmp.file("two"), tmp.file("log"));
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.output, Contains("2 ranks (gloo)"));
  r = test::run_command(kTrain + " --config " + cfg + " --set train.sampler_streams=2 --no-progress --out " + tmp.file("one"),
                        tmp.file("log"));
  REQUIRE(r.code == 0);
  CHECK(max_difference(weights(tmp.file("two")), weights(tmp.file("one"))) < 1e-5);
  // the final evaluation, split over the ranks and gathered, has every episode in order
  const auto json = read(tmp.file("two") + "/eval-final.json");
  CHECK_THAT(json, Contains("\"index\": 0") && Contains("\"index\": 2"));
  // a run of one process with one stream draws other batches: the check above can fail
  r = test::run_command(kTrain + " --config " + cfg + " --no-progress --out " + tmp.file("plain"), tmp.file("log"));
  REQUIRE(r.code == 0);
  CHECK(max_difference(weights(tmp.file("plain")), weights(tmp.file("one"))) > 1e-4);
}

TEST_CASE("2 ranks on 2 GPUs (NCCL) reproduce one process", "[dist][apps][cuda]") {
  if (torch::cuda::device_count() < 2) return;  // one GPU per rank: needs two
  test::TempDir tmp;
  const auto cfg = write_config(tmp, 20, 20);
  auto r = test::run_command(kTrain + " --config " + cfg + " --device cuda --nproc 2 --no-progress --out " + tmp.file("two"),
                             tmp.file("log"));
  INFO(r.output);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.output, Contains("2 ranks (nccl)") || Contains("2 ranks (gloo)"));
  r = test::run_command(kTrain + " --config " + cfg + " --device cuda --set train.sampler_streams=2 --no-progress --out " +
                            tmp.file("one"),
                        tmp.file("log"));
  REQUIRE(r.code == 0);
  CHECK(max_difference(weights(tmp.file("two")), weights(tmp.file("one"))) < 1e-4);
}

TEST_CASE("a killed rank stops the other, and --resume then ends bit-identical to an uninterrupted run", "[dist][apps]") {
  test::TempDir tmp;
  const auto cfg = write_config(tmp, 400, 50);
  // the uninterrupted 2-rank run
  auto r = test::run_command(kTrain + " --config " + cfg + " --nproc 2 --no-progress --out " + tmp.file("whole"), tmp.file("log"));
  INFO(r.output);
  REQUIRE(r.code == 0);

  // the same run, rank 1 killed once a checkpoint exists
  const auto run = tmp.file("cut");
  const auto port = launch::free_local_port();
  auto rank0 = start_rank(0, port, {"--config", cfg, "--out", run}, tmp.file("rank0.log"));
  auto rank1 = start_rank(1, port, {"--config", cfg, "--out", run}, tmp.file("rank1.log"));
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!fs::exists(run + "/checkpoints/latest") && std::chrono::steady_clock::now() < until && rank0.running()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(fs::exists(run + "/checkpoints/latest"));
  REQUIRE(rank0.running());
  rank1.signal(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();
  const auto status = rank0.wait_for(std::chrono::seconds(60));
  REQUIRE(status.has_value());  // rank 0 stopped within 60 s
  CHECK_FALSE(status->ok());
  INFO(read(tmp.file("rank0.log")));
  CHECK(std::chrono::steady_clock::now() - killed < std::chrono::seconds(60));
  CHECK_THAT(read(tmp.file("rank0.log")), Contains("with the other ranks failed"));
  CHECK_FALSE(fs::exists(run + "/eval-final.json"));

  // resuming with another number of ranks is refused, naming both counts
  r = test::run_command(kTrain + " --resume " + run + " --no-progress", tmp.file("log"));
  CHECK(r.code != 0);
  CHECK_THAT(r.output, Contains("was trained by 2 rank(s), and this start has 1") && Contains("--nproc 2"));
  // the same number finishes it, with exactly the weights of the uninterrupted run
  r = test::run_command(kTrain + " --resume " + run + " --nproc 2 --no-progress", tmp.file("log"));
  REQUIRE(r.code == 0);
  CHECK(max_difference(weights(run), weights(tmp.file("whole"))) == 0.0);
  CHECK(read(run + "/log.csv") .size() > 0);
}

TEST_CASE("train-agent's data-parallel mistakes are refused before the run folder is touched", "[dist][apps]") {
  test::TempDir tmp;
  const auto cfg = write_config(tmp, 10, 10);
  const auto out = tmp.file("run");
  auto expect_error = [&](const std::string& command, const std::string& message) {
    const auto r = test::run_command(command, tmp.file("log"));
    INFO(command << "\n" << r.output);
    CHECK(r.code != 0);
    CHECK_THAT(r.output, Contains(message));
    CHECK(empty_or_missing(out));
  };
  const std::string base = kTrain + " --config " + cfg + " --no-progress --out " + out;
  expect_error(base + " --nproc 0", "--nproc 0");
  expect_error(base + " --nproc 10", "--nproc 10 is more than train.batch_size 9");
  expect_error("RANK=2 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 " + base, "RANK=2 but WORLD_SIZE=2");
  // a rank that never arrives: rank 0 waits --dist-timeout, then stops
  const auto port = launch::free_local_port();
  expect_error("RANK=0 WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " " + base +
                   " --dist-timeout 3",
               "did not complete within 3 s");
  // a port already taken
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  expect_error(base + " --nproc 2 --dist-timeout 5 --master-port " + std::to_string(ntohs(addr.sin_port)),
               "the port is already taken");
  ::close(fd);
}
#endif

#if defined(FLOWRL_TRAIN_AGENT_EXE) && defined(FLOWRL_TRAIN_FORECASTER_EXE)
TEST_CASE("train-forecaster with 2 ranks reproduces one process (dropout off)", "[dist][apps]") {
  test::TempDir tmp;
  const auto cfg = tmp.file("fc.yaml");
  {
    std::ofstream out(cfg);
    out << "name: dp\nseed: 7\n"
        << "data: {dir: " << FLOWRL_SOURCE_DIR << "/tests/fixtures/timeseries, file: sines.csv, split: ratio, "
        << "seq_len: 24, pred_len: 12}\n"
        << "model: {head: inverted, d_model: 16, n_heads: 2, dropout: 0.0}\n"
        << "train: {epochs: 2, max_steps_per_epoch: 5, batch_size: 7, threads: 1}\n";
  }
  auto test_mse = [&](const std::string& extra, const std::string& out) {
    const auto r = test::run_command(std::string(FLOWRL_TRAIN_FORECASTER_EXE) + " --config " + cfg + " --no-progress --set output.dir=" +
                                         tmp.file(out) + extra,
                                     tmp.file("log"));
    INFO(r.output);
    REQUIRE(r.code == 0);
    const auto json = read(tmp.file(out) + "/dp/seed7/result.json");
    const auto at = json.find("\"test_mse\": ");
    REQUIRE(at != std::string::npos);
    return std::stod(json.substr(at + 12));
  };
  const double one = test_mse("", "one"), two = test_mse(" --nproc 2", "two");
  CHECK(two == Approx(one).epsilon(1e-5));
}
#endif
