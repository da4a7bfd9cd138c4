// Trainer and evaluator of the forecasting heads (TSLib long-term-forecast protocol, drop_last off
// for val/test).
//
// Shape legend: B batch, L look-back, H horizon, N variates, F time features.
#include <flowrl/core/error.h>
#include <flowrl/dist/data_parallel.h>
#include <flowrl/forecast/models.h>
#include <flowrl/forecast/trainer.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adam.h>
#include <torch/serialize.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <unistd.h>

namespace flowrl {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// a one-line progress bar on stderr: redrawn in place on a terminal, printed once per epoch otherwise
class ProgressBar {
 public:
  ProgressBar(bool enabled, int64_t epoch, int64_t epochs, int64_t steps)
      : enabled_(enabled), tty_(isatty(fileno(stderr)) != 0), epoch_(epoch), epochs_(epochs), steps_(steps),
        start_(Clock::now()) {}

  void update(int64_t step, double loss) {
    if (!enabled_ || !tty_) return;
    if (step != steps_ && step % 10 != 0) return;
    draw(step, loss, '\r');
  }

  void finish(double loss, double val_mse, double lr) {
    if (!enabled_) return;
    if (tty_) draw(steps_, loss, '\r');
    else draw(steps_, loss, '\0');
    std::fprintf(stderr, " | val mse %.4f | lr %.2e\n", val_mse, lr);
    std::fflush(stderr);
  }

 private:
  void draw(int64_t step, double loss, char lead) {
    const int width = 30;
    const int filled = steps_ > 0 ? static_cast<int>(width * step / steps_) : width;
    const double elapsed = seconds_since(start_);
    std::string bar(static_cast<size_t>(filled), '=');
    bar.resize(width, ' ');
    if (lead) std::fputc(lead, stderr);
    std::fprintf(stderr, "epoch %lld/%lld [%s] %lld/%lld loss %.4f %.1f it/s %.0fs",
                 static_cast<long long>(epoch_), static_cast<long long>(epochs_), bar.c_str(),
                 static_cast<long long>(step), static_cast<long long>(steps_), loss,
                 elapsed > 0 ? step / elapsed : 0.0, elapsed);
    std::fflush(stderr);
  }

  bool enabled_, tty_;
  int64_t epoch_, epochs_, steps_;
  Clock::time_point start_;
};

// parameters and buffers by name, deep-copied
std::vector<std::pair<std::string, torch::Tensor>> snapshot(torch::nn::Module& module) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  torch::NoGradGuard no_grad;
  for (const auto& p : module.named_parameters()) out.emplace_back(p.key(), p.value().detach().clone());
  for (const auto& b : module.named_buffers()) out.emplace_back(b.key(), b.value().detach().clone());
  return out;
}

void restore(torch::nn::Module& module, const std::vector<std::pair<std::string, torch::Tensor>>& saved) {
  torch::NoGradGuard no_grad;
  auto params = module.named_parameters();
  auto buffers = module.named_buffers();
  for (const auto& [name, value] : saved) {
    if (auto* p = params.find(name)) {
      p->copy_(value);
    } else if (auto* b = buffers.find(name)) {
      b->copy_(value);
    }
  }
}

void check_options(const ForecastTrainerOptions& o) {
  FLOWRL_CHECK(o.batch_size() > 0, "train.batch_size must be positive, got ", o.batch_size());
  FLOWRL_CHECK(o.eval_batch_size() > 0, "train.eval_batch_size must be positive, got ", o.eval_batch_size());
  FLOWRL_CHECK(o.epochs() > 0, "train.epochs must be positive, got ", o.epochs());
  FLOWRL_CHECK(o.lr() > 0.0, "train.lr must be positive, got ", o.lr());
  FLOWRL_CHECK(o.patience() > 0, "train.patience must be positive, got ", o.patience());
  FLOWRL_CHECK(o.weight_decay() >= 0.0, "train.weight_decay must be >= 0, got ", o.weight_decay());
  FLOWRL_CHECK(o.grad_clip() >= 0.0, "train.grad_clip must be >= 0, got ", o.grad_clip());
  FLOWRL_CHECK(o.max_steps_per_epoch() >= 0, "train.max_steps_per_epoch must be >= 0, got ",
               o.max_steps_per_epoch());
}

}  // namespace

double forecast_learning_rate(const ForecastTrainerOptions& options, int64_t epoch) {
  switch (options.lr_schedule()) {
    case LrSchedule::kType1: return options.lr() * std::pow(0.5, std::max<int64_t>(0, epoch - 1));
    case LrSchedule::kConstant: return options.lr();
    case LrSchedule::kCosine:
      return options.lr() * 0.5 * (1.0 + std::cos(M_PI * static_cast<double>(epoch) / options.epochs()));
  }
  return options.lr();
}

void save_forecaster(torch::nn::AnyModule& model, const std::string& path) {
  torch::serialize::OutputArchive archive;
  model.ptr()->save(archive);
  try {
    archive.save_to(path);
  } catch (const c10::Error& e) {
    fail("cannot write the forecaster checkpoint '", path, "': ", e.what_without_backtrace(),
         "; check that output.dir exists and is writable");
  }
}

void load_forecaster(torch::nn::AnyModule& model, const std::string& path) {
  torch::serialize::InputArchive archive;
  // onto the device the model is on now, whichever device wrote the file
  const auto params = model.ptr()->parameters();
  const auto device = params.empty() ? torch::Device(torch::kCPU) : params.front().device();
  try {
    archive.load_from(path, device);
    model.ptr()->load(archive);
  } catch (const c10::Error& e) {
    fail("cannot load the forecaster checkpoint '", path, "': ", e.what_without_backtrace(),
         "; it must come from save_forecaster() with the same model configuration");
  }
}

ForecastMetrics evaluate_forecaster(torch::nn::AnyModule& model, const data::ForecastSeries& series,
                                    data::Split split, int64_t batch_size, torch::Device device) {
  FLOWRL_CHECK(batch_size > 0, "evaluate_forecaster: batch_size must be positive, got ", batch_size);
  model.ptr()->eval();
  torch::NoGradGuard no_grad;
  const int64_t windows = series.num_windows(split);
  double sq = 0.0, abs = 0.0;
  std::vector<int64_t> indices;
  // every window, the last partial batch included (drop_last off)
  for (int64_t start = 0; start < windows; start += batch_size) {
    const int64_t end = std::min(windows, start + batch_size);
    indices.resize(static_cast<size_t>(end - start));
    std::iota(indices.begin(), indices.end(), start);
    auto batch = make_forecast_batch(series, split, indices, device);
    auto pred = model.forward<torch::Tensor>(batch.x, batch.x_mark, batch.y_mark);  // [B,H,N]
    auto err = (pred - batch.y).to(torch::kFloat64);                                  // [B,H,N]
    sq += err.square().sum().item<double>();
    abs += err.abs().sum().item<double>();
  }
  ForecastMetrics m;
  const double count = static_cast<double>(windows * series.pred_len * series.n_vars);
  m.windows = windows;
  m.mse = windows > 0 ? sq / count : 0.0;
  m.mae = windows > 0 ? abs / count : 0.0;
  return m;
}

ForecastTrainResult train_forecaster(torch::nn::AnyModule& model, const data::ForecastSeries& series,
                                     const ForecastTrainerOptions& options, torch::Device device) {
  check_options(options);
  auto& module = *model.ptr();
  module.to(device);
  // Data-parallel: every rank starts from rank 0's weights and draws its own dropout stream; each
  // batch (the same shuffled order on every rank) is split over the ranks.
  dist::Group single;
  dist::Group& group = options.group() ? *options.group() : single;
  FLOWRL_CHECK(options.batch_size() >= group.size(), "train.batch_size ", options.batch_size(), " is smaller than the ",
               group.size(), " ranks: each rank needs at least one window per step");
  dist::broadcast_parameters(group, module.parameters());
  dist::broadcast_parameters(group, module.buffers());
  if (group.rank() > 0) torch::manual_seed(dist::stream_seed(options.seed(), group.rank()));
  std::unique_ptr<dist::GradientReducer> reducer;
  if (group.size() > 1) reducer = std::make_unique<dist::GradientReducer>(module.parameters());
  torch::optim::Adam optimizer(module.parameters(),
                               torch::optim::AdamOptions(options.lr()).weight_decay(options.weight_decay()));
  std::mt19937_64 rng(options.seed());
  const int64_t windows = series.num_windows(data::Split::kTrain);
  std::vector<int64_t> order(static_cast<size_t>(windows));
  std::iota(order.begin(), order.end(), 0);
  // full batches only (TSLib's train loader drops the last partial one); at least one step
  int64_t steps = std::max<int64_t>(1, windows / options.batch_size());
  if (options.max_steps_per_epoch() > 0) steps = std::min(steps, options.max_steps_per_epoch());

  ForecastTrainResult result;
  double best_val = std::numeric_limits<double>::infinity();
  auto best = snapshot(module);
  int64_t since_best = 0;
  const auto train_start = Clock::now();
  for (int64_t epoch = 0; epoch < options.epochs(); ++epoch) {
    const auto epoch_start = Clock::now();
    const double lr = forecast_learning_rate(options, epoch);
    for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamOptions&>(group.options()).lr(lr);
    std::shuffle(order.begin(), order.end(), rng);
    module.train();
    ProgressBar bar(options.progress() && group.root(), epoch + 1, options.epochs(), steps);
    double loss_sum = 0.0;
    std::vector<int64_t> indices;
    for (int64_t step = 0; step < steps; ++step) {
      const int64_t begin = step * options.batch_size();
      const int64_t end = std::min(windows, begin + options.batch_size());
      const auto share = dist::share_of(end - begin, group.rank(), group.size());  // this rank's part
      indices.assign(order.begin() + begin + share.begin, order.begin() + begin + share.begin + share.count);
      auto batch = make_forecast_batch(series, data::Split::kTrain, indices, device);
      auto pred = model.forward<torch::Tensor>(batch.x, batch.x_mark, batch.y_mark);  // [B_r,H,N]
      auto loss = torch::mse_loss(pred, batch.y);                                       // []
      // the global batch's mean: this rank's mean weighted by its share of the windows
      if (group.size() > 1) loss = loss * (static_cast<double>(share.count) / static_cast<double>(end - begin));
      optimizer.zero_grad();
      loss.backward();
      if (reducer) reducer->allreduce(group);  // gradients summed over the ranks
      if (options.grad_clip() > 0.0) torch::nn::utils::clip_grad_norm_(module.parameters(), options.grad_clip());
      optimizer.step();
      const double value = loss.item<double>();
      FLOWRL_CHECK(std::isfinite(value), "training diverged (loss ", value, " at epoch ", epoch + 1, ", step ",
                   step + 1, "); lower train.lr or set train.grad_clip");
      loss_sum += value;
      bar.update(step + 1, loss_sum / static_cast<double>(step + 1));
    }
    if (group.size() > 1) {  // the ranks' parts of the global losses
      auto total = torch::tensor({loss_sum}, torch::kFloat64);
      group.allreduce(total);
      loss_sum = total.item<double>();
    }
    const auto val = evaluate_forecaster(model, series, data::Split::kVal, options.eval_batch_size(), device);
    ForecastEpochLog log;
    log.epoch = epoch + 1;
    log.lr = lr;
    log.train_mse = loss_sum / static_cast<double>(steps);
    log.val_mse = val.mse;
    log.steps = steps;
    // keep the best weights
    if (val.mse < best_val) {
      best_val = val.mse;
      best = snapshot(module);
      result.best_epoch = epoch + 1;
      since_best = 0;
      if (!options.checkpoint().empty() && group.root()) save_forecaster(model, options.checkpoint());
    } else {
      ++since_best;
    }
    log.seconds = seconds_since(epoch_start);
    result.epochs.push_back(log);
    bar.finish(log.train_mse, val.mse, lr);
    if (since_best >= options.patience()) {
      result.stopped_early = epoch + 1 < options.epochs();
      break;
    }
  }
  result.train_seconds = seconds_since(train_start);

  // the best-validation model on every test window
  const auto test_start = Clock::now();
  if (!options.checkpoint().empty() && group.root()) {
    load_forecaster(model, options.checkpoint());
    module.to(device);
  } else {
    restore(module, best);
  }
  result.val = evaluate_forecaster(model, series, data::Split::kVal, options.eval_batch_size(), device);
  result.test = evaluate_forecaster(model, series, data::Split::kTest, options.eval_batch_size(), device);
  result.test_seconds = seconds_since(test_start);
  return result;
}

}  // namespace flowrl
