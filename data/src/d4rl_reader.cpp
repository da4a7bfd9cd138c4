// d4rl_reader.cpp — load_d4rl(), validate_d4rl(), list_hdf5_datasets(), d4rl_env_dims().
//
// Reading order: open (distinguishing missing / not HDF5 / truncated), check that every key has the
// right kind, rank and row count before any bulk read, then read each array once, straight into its
// final buffer with HDF5 converting the element type, then scan floats for NaN/Inf.
#include <flowrl/core/error.h>
#include <flowrl/data/d4rl.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <exception>

#include "h5_util.h"

namespace flowrl::data {

namespace {

using h5::Id;
using h5::shape_str;

// where a message points: "FILE: key 'K'"
std::string where(const std::string& source, const std::string& key) {
  const std::string src = source.empty() ? std::string("dataset") : source;
  return key.empty() ? src : src + ": key '" + key + "'";
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// first non-finite value of a rows x cols array; message names the first bad row
template <typename T>
void check_finite(const std::string& source, const std::string& key, const T* data, int64_t rows,
                  int64_t cols) {
  h5::check_finite(where(source, key), data, rows, cols);
}

// ---------------------------------------------------------------------------------------------
// one open file plus the checks that name it
class FileReader {
 public:
  explicit FileReader(std::string path)
      : path_(std::move(path)),
        file_(h5::open_file(path_, {"Check the path (D4RL keeps its files in ~/.d4rl/datasets; "
                                    "`collect-dataset` makes new ones).",
                                    "D4RL datasets are HDF5 files (.hdf5) as written by h5py; pass one of those."})) {}

  hid_t file() const { return file_.get(); }
  const std::string& path() const { return path_; }

  // opens dataset `key`; nullopt-like invalid Id when absent; error when present but not a dataset
  Id open(const std::string& key, bool required) const {
    if (!h5::exists(file(), key)) {
      FLOWRL_CHECK(!required, where(path_, key), " is missing; a D4RL file needs observations, "
                   "actions, rewards and terminals (timeouts, next_observations, infos/* optional).");
      return Id();
    }
    FLOWRL_CHECK(h5::is_dataset(file(), key), where(path_, key),
                 " is not a dataset (a group or another object); expected an array.");
    Id d(H5Dopen2(file(), key.c_str(), H5P_DEFAULT));
    if (!d.valid()) fail(where(path_, key), " cannot be opened (HDF5: ", h5::last_error(), ").");
    return d;
  }

  // a stored type of an allowed class, or an error naming the dtype found
  void expect_numeric(hid_t dset, const std::string& key, bool allow_flags) const {
    Id type(H5Dget_type(dset));
    const H5T_class_t cls = H5Tget_class(type.get());
    const bool ok = cls == H5T_FLOAT || cls == H5T_INTEGER || (allow_flags && cls == H5T_ENUM);
    FLOWRL_CHECK(ok, where(path_, key), " has dtype ", h5::dtype_name(type.get()), "; expected ",
                 allow_flags ? "bool (or an integer/float 0/1 array)" : "a float (or integer) array",
                 ".");
  }

  // (N, cols) with rank 2, or (N,) / (N, 1) when `vector` is set; returns the shape
  std::vector<int64_t> expect_shape(hid_t dset, const std::string& key, bool vector) const {
    auto shape = h5::dims(dset);
    if (vector) {
      const bool ok = shape.size() == 1 || (shape.size() == 2 && shape[1] == 1);
      FLOWRL_CHECK(ok, where(path_, key), " has shape ", shape_str(shape),
                   "; expected (N,) or (N, 1), one value per row.");
    } else {
      FLOWRL_CHECK(shape.size() == 2, where(path_, key), " has shape ", shape_str(shape),
                   "; expected a 2-D array (N, dim).");
      FLOWRL_CHECK(shape[1] > 0, where(path_, key), " has shape ", shape_str(shape),
                   "; expected at least one column.");
    }
    return shape;
  }

  void expect_rows(const std::vector<int64_t>& shape, int64_t n, const std::string& key) const {
    FLOWRL_CHECK(shape[0] == n, where(path_, key), " has ", shape[0],
                 " rows but 'observations' has ", n,
                 "; every per-step array must have one row per step (the file is inconsistent, "
                 "e.g. an interrupted write).");
  }

  template <typename T>
  void read(hid_t dset, hid_t memtype, T* out, const std::string& key) const {
    h5::read(dset, memtype, out, where(path_, key));
  }

  // flags (terminals/timeouts) of any 0/1-like dtype into uint8 0/1
  std::vector<uint8_t> read_flags(hid_t dset, int64_t n, const std::string& key) const {
    std::vector<uint8_t> out(static_cast<size_t>(n));
    if (n == 0) return out;
    Id type(H5Dget_type(dset));
    const H5T_class_t cls = H5Tget_class(type.get());
    const size_t size = H5Tget_size(type.get());
    if (cls == H5T_FLOAT) {
      std::vector<double> tmp(static_cast<size_t>(n));
      read(dset, H5T_NATIVE_DOUBLE, tmp.data(), key);
      check_finite(path_, key, tmp.data(), n, 1);
      for (int64_t i = 0; i < n; ++i) {
        // whole non-negative numbers (nonzero: set); a fraction means another array under this name
        FLOWRL_CHECK(tmp[i] >= 0.0 && tmp[i] == std::floor(tmp[i]), path_, ": '", key, "' holds ", tmp[i], " at row ",
                     i, "; a flag must be 0 or 1 (is another array, e.g. rewards, stored under this name?)");
        out[i] = tmp[i] != 0.0;
      }
      return out;
    }
    // enum (h5py bool) or integer: read the integer values of its native type
    Id native(H5Tget_native_type(type.get(), H5T_DIR_ASCEND));
    if (size == 1) {
      read(dset, native.get(), out.data(), key);
      for (auto& v : out) v = v != 0;
      return out;
    }
    std::vector<unsigned char> bytes(static_cast<size_t>(n) * size);
    read(dset, native.get(), bytes.data(), key);
    for (int64_t i = 0; i < n; ++i) {
      const unsigned char* p = bytes.data() + i * size;
      out[i] = std::any_of(p, p + size, [](unsigned char b) { return b != 0; });
    }
    return out;
  }

 private:
  std::string path_;
  Id file_;
};

// ---------------------------------------------------------------------------------------------
// metadata/* walk
struct MetaWalk {
  const FileReader* reader;
  D4RLMetadata* meta;
  std::exception_ptr error;  // thrown by a visit: kept here, since it must not unwind HDF5's C frames
};

std::string read_string(const FileReader& r, hid_t dset, hid_t type, const std::string& key) {
  if (H5Tis_variable_str(type) > 0) {
    Id mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.get(), H5T_VARIABLE);
    char* s = nullptr;
    r.read(dset, mem.get(), &s, key);
    std::string out = s ? s : "";
    H5free_memory(s);
    return out;
  }
  const size_t size = H5Tget_size(type);
  Id mem(H5Tcopy(type));
  std::string buf(size + 1, '\0');
  r.read(dset, mem.get(), buf.data(), key);
  buf.resize(std::strlen(buf.c_str()));  // null-padded (h5py) or null-terminated
  if (H5Tget_strpad(type) == H5T_STR_SPACEPAD)
    while (!buf.empty() && buf.back() == ' ') buf.pop_back();
  return buf;
}

herr_t read_metadata_entry(hid_t group, const char* name, MetaWalk* w) {
  H5O_info_t info;
  if (H5Oget_info_by_name(group, name, &info, H5P_DEFAULT) < 0 || info.type != H5O_TYPE_DATASET)
    return 0;
  const std::string rel = name;
  const std::string key = "metadata/" + rel;
  Id dset(H5Dopen2(group, name, H5P_DEFAULT));
  if (!dset.valid()) return 0;
  Id type(H5Dget_type(dset.get()));
  const H5T_class_t cls = H5Tget_class(type.get());
  const auto shape = h5::dims(dset.get());
  int64_t count = 1;
  for (auto d : shape) count *= d;
  if (cls == H5T_STRING) {
    if (shape.empty() || count == 1) w->meta->strings[rel] = read_string(*w->reader, dset.get(), type.get(), key);
  } else if (cls == H5T_INTEGER || cls == H5T_ENUM) {
    if (shape.empty() || count == 1) {
      int64_t v = 0;
      Id native(H5Tget_native_type(type.get(), H5T_DIR_ASCEND));
      if (cls == H5T_ENUM) {
        std::vector<unsigned char> b(H5Tget_size(type.get()));
        w->reader->read(dset.get(), native.get(), b.data(), key);
        v = std::any_of(b.begin(), b.end(), [](unsigned char c) { return c != 0; });
      } else {
        w->reader->read(dset.get(), H5T_NATIVE_INT64, &v, key);
      }
      w->meta->integers[rel] = v;
    } else {
      FloatArray a{shape, std::vector<float>(static_cast<size_t>(count))};
      if (cls == H5T_INTEGER) w->reader->read(dset.get(), H5T_NATIVE_FLOAT, a.values.data(), key);
      w->meta->arrays[rel] = std::move(a);
    }
  } else if (cls == H5T_FLOAT) {
    if (shape.empty()) {
      double v = 0;
      w->reader->read(dset.get(), H5T_NATIVE_DOUBLE, &v, key);
      w->meta->reals[rel] = v;
    } else {
      FloatArray a{shape, std::vector<float>(static_cast<size_t>(count))};
      if (count > 0) w->reader->read(dset.get(), H5T_NATIVE_FLOAT, a.values.data(), key);
      w->meta->arrays[rel] = std::move(a);
    }
  }
  return 0;  // other classes (compound, references) are skipped
}

// H5Lvisit's callback: an error stops the walk (-1) and is thrown again after H5Lvisit returns
herr_t visit_metadata(hid_t group, const char* name, const H5L_info_t*, void* data) {
  auto* w = static_cast<MetaWalk*>(data);
  try {
    return read_metadata_entry(group, name, w);
  } catch (...) {
    w->error = std::current_exception();
    return -1;
  }
}

// listing walk
struct ListWalk {
  std::vector<HDF5DatasetInfo>* out;
};

herr_t visit_list(hid_t group, const char* name, const H5L_info_t*, void* data) {
  auto* w = static_cast<ListWalk*>(data);
  H5O_info_t info;
  if (H5Oget_info_by_name(group, name, &info, H5P_DEFAULT) < 0 || info.type != H5O_TYPE_DATASET)
    return 0;
  Id dset(H5Dopen2(group, name, H5P_DEFAULT));
  if (!dset.valid()) return 0;
  Id type(H5Dget_type(dset.get()));
  w->out->push_back(HDF5DatasetInfo{name, h5::dtype_name(type.get()), h5::dims(dset.get())});
  return 0;
}

// row count and dims of an in-memory dataset, shared by validate_d4rl and the reader's dim check
void check_expected_dims(const std::string& source, int64_t obs_dim, int64_t act_dim,
                         const D4RLReadOptions& o) {
  const std::string env = o.env_name().empty() ? std::string("the expected environment")
                                               : "environment '" + o.env_name() + "'";
  FLOWRL_CHECK(o.obs_dim() <= 0 || obs_dim == o.obs_dim(), where(source, "observations"), " has ",
               obs_dim, " columns but ", env, " has ", o.obs_dim(),
               "-D observations; this dataset is for another environment (pass the matching env).");
  FLOWRL_CHECK(o.act_dim() <= 0 || act_dim == o.act_dim(), where(source, "actions"), " has ",
               act_dim, " columns but ", env, " has ", o.act_dim(),
               "-D actions; this dataset is for another environment (pass the matching env).");
}

}  // namespace

// ---------------------------------------------------------------------------------------------
std::optional<D4RLEnvDims> d4rl_env_dims(const std::string& name) {
  // "Hopper-v3", "hopper-medium-v2", "halfcheetah_medium_expert-v2" -> base name
  std::string base = lower(name);
  const auto cut = base.find_first_of("-_");
  // "hopper-positions[-...]": flowrl's positions-only variant (envs::kPositionsSuffix; flowrl::data does
  // not depend on flowrl::envs), observations qpos[1:] (nq - 1 values)
  const std::string suffix = "-positions";
  const auto after = cut + suffix.size();
  const bool positions = cut != std::string::npos && base.compare(cut, suffix.size(), suffix) == 0 &&
                         (after == base.size() || base[after] == '-' || base[after] == '_');
  if (cut != std::string::npos) base = base.substr(0, cut);
  std::optional<D4RLEnvDims> dims;
  if (base == "hopper") dims = D4RLEnvDims{"hopper", 11, 3, 6, 6};
  if (base == "halfcheetah") dims = D4RLEnvDims{"halfcheetah", 17, 6, 9, 9};
  if (base == "walker2d") dims = D4RLEnvDims{"walker2d", 17, 6, 9, 9};
  if (base == "ant") return positions ? std::nullopt : std::optional<D4RLEnvDims>(D4RLEnvDims{"ant", 27, 8, 15, 14});
  if (dims && positions) {
    dims->env += suffix;
    dims->obs_dim = dims->nq - 1;
  }
  return dims;
}

D4RLReadOptions& D4RLReadOptions::env_dims(const std::string& name) {
  const auto dims = d4rl_env_dims(name);
  FLOWRL_CHECK(dims.has_value(), "unknown D4RL environment '", name,
               "'; known: hopper, halfcheetah, walker2d, ant (any D4RL name such as "
               "hopper-medium-v2 works).");
  obs_dim_ = dims->obs_dim;
  act_dim_ = dims->act_dim;
  env_name_ = name;
  return *this;
}

D4RLDataset load_d4rl(const std::string& path, const D4RLReadOptions& options) {
  h5::QuietErrors quiet;
  FileReader r(path);
  D4RLDataset ds;
  ds.source = path;

  // --- open and check every key before reading bulk data
  // (a Minari main_data.hdf5 holds one group per episode instead: say so rather than "missing")
  FLOWRL_CHECK(h5::exists(r.file(), "observations") || !h5::exists(r.file(), "episode_0"), path,
               ": holds Minari's layout (a group per episode: episode_0, ...), not D4RL's flat arrays. Read it with "
               "load_minari() or load_dataset() (flowrl/data/dataset_layout.h), which detect the layout; train-agent "
               "and inspect-dataset take its dataset folder.");
  Id obs = r.open("observations", true);
  Id act = r.open("actions", true);
  Id rew = r.open("rewards", true);
  Id term = r.open("terminals", true);
  Id tout = r.open("timeouts", false);
  Id next = options.load_next_observations() ? r.open("next_observations", false) : Id();
  Id qpos = options.load_infos() ? r.open("infos/qpos", false) : Id();
  Id qvel = options.load_infos() ? r.open("infos/qvel", false) : Id();
  Id logp = options.load_infos() ? r.open("infos/action_log_probs", false) : Id();

  r.expect_numeric(obs.get(), "observations", false);
  r.expect_numeric(act.get(), "actions", false);
  r.expect_numeric(rew.get(), "rewards", false);
  r.expect_numeric(term.get(), "terminals", true);
  const auto obs_shape = r.expect_shape(obs.get(), "observations", false);
  const int64_t n = obs_shape[0];
  FLOWRL_CHECK(n > 0, where(path, "observations"), " has 0 rows; the dataset is empty.");
  const auto act_shape = r.expect_shape(act.get(), "actions", false);
  r.expect_rows(act_shape, n, "actions");
  r.expect_rows(r.expect_shape(rew.get(), "rewards", true), n, "rewards");
  r.expect_rows(r.expect_shape(term.get(), "terminals", true), n, "terminals");
  if (tout.valid()) {
    r.expect_numeric(tout.get(), "timeouts", true);
    r.expect_rows(r.expect_shape(tout.get(), "timeouts", true), n, "timeouts");
  }
  std::vector<int64_t> next_shape, qpos_shape, qvel_shape;
  if (next.valid()) {
    r.expect_numeric(next.get(), "next_observations", false);
    next_shape = r.expect_shape(next.get(), "next_observations", false);
    r.expect_rows(next_shape, n, "next_observations");
    FLOWRL_CHECK(next_shape[1] == obs_shape[1], where(path, "next_observations"), " has ",
                 next_shape[1], " columns but 'observations' has ", obs_shape[1], ".");
  }
  if (qpos.valid()) {
    r.expect_numeric(qpos.get(), "infos/qpos", false);
    qpos_shape = r.expect_shape(qpos.get(), "infos/qpos", false);
    r.expect_rows(qpos_shape, n, "infos/qpos");
  }
  if (qvel.valid()) {
    r.expect_numeric(qvel.get(), "infos/qvel", false);
    qvel_shape = r.expect_shape(qvel.get(), "infos/qvel", false);
    r.expect_rows(qvel_shape, n, "infos/qvel");
  }
  if (logp.valid()) {
    r.expect_numeric(logp.get(), "infos/action_log_probs", false);
    r.expect_rows(r.expect_shape(logp.get(), "infos/action_log_probs", true), n,
                  "infos/action_log_probs");
  }
  check_expected_dims(path, obs_shape[1], act_shape[1], options);
  // the simulator state of the named env, when the file carries it
  if (const auto dims = options.env_name().empty() ? std::nullopt : d4rl_env_dims(options.env_name())) {
    FLOWRL_CHECK(qpos_shape.empty() || qpos_shape[1] == dims->nq, where(path, "infos/qpos"), " has ", qpos_shape[1],
                 " columns but environment '", options.env_name(), "' has nq = ", dims->nq, ".");
    FLOWRL_CHECK(qvel_shape.empty() || qvel_shape[1] == dims->nv, where(path, "infos/qvel"), " has ", qvel_shape[1],
                 " columns but environment '", options.env_name(), "' has nv = ", dims->nv, ".");
  }

  // --- read each array once into its final buffer
  ds.observations = FloatMatrix(n, obs_shape[1]);
  r.read(obs.get(), H5T_NATIVE_FLOAT, ds.observations.values.data(), "observations");
  ds.actions = FloatMatrix(n, act_shape[1]);
  r.read(act.get(), H5T_NATIVE_FLOAT, ds.actions.values.data(), "actions");
  ds.rewards.resize(static_cast<size_t>(n));
  r.read(rew.get(), H5T_NATIVE_FLOAT, ds.rewards.data(), "rewards");
  ds.terminals = r.read_flags(term.get(), n, "terminals");
  if (tout.valid()) ds.timeouts = r.read_flags(tout.get(), n, "timeouts");
  if (next.valid()) {
    ds.next_observations = FloatMatrix(n, next_shape[1]);
    r.read(next.get(), H5T_NATIVE_FLOAT, ds.next_observations.values.data(), "next_observations");
  }
  if (qpos.valid()) {
    ds.infos.qpos = DoubleMatrix(n, qpos_shape[1]);
    r.read(qpos.get(), H5T_NATIVE_DOUBLE, ds.infos.qpos.values.data(), "infos/qpos");
  }
  if (qvel.valid()) {
    ds.infos.qvel = DoubleMatrix(n, qvel_shape[1]);
    r.read(qvel.get(), H5T_NATIVE_DOUBLE, ds.infos.qvel.values.data(), "infos/qvel");
  }
  if (logp.valid()) {
    ds.infos.action_log_probs.resize(static_cast<size_t>(n));
    r.read(logp.get(), H5T_NATIVE_FLOAT, ds.infos.action_log_probs.data(), "infos/action_log_probs");
  }
  if (options.load_metadata() && h5::exists(r.file(), "metadata")) {
    H5O_info_t info;
    if (H5Oget_info_by_name(r.file(), "metadata", &info, H5P_DEFAULT) >= 0 &&
        info.type == H5O_TYPE_GROUP) {
      Id group(H5Gopen2(r.file(), "metadata", H5P_DEFAULT));
      MetaWalk walk{&r, &ds.metadata, nullptr};
      const herr_t visited = H5Lvisit(group.get(), H5_INDEX_NAME, H5_ITER_INC, visit_metadata, &walk);
      if (walk.error) std::rethrow_exception(walk.error);
      if (visited < 0) fail(r.path(), ": cannot list the keys under 'metadata' (HDF5: ", h5::last_error(),
                            "); the file is corrupt. Download or generate it again.");
    }
  }

  // --- values
  if (options.check_finite()) {
    check_finite(path, "observations", ds.observations.values.data(), n, ds.obs_dim());
    check_finite(path, "actions", ds.actions.values.data(), n, ds.act_dim());
    check_finite(path, "rewards", ds.rewards.data(), n, 1);
    if (!ds.next_observations.empty())
      check_finite(path, "next_observations", ds.next_observations.values.data(), n,
                   ds.next_observations.cols);
    if (!ds.infos.qpos.empty())
      check_finite(path, "infos/qpos", ds.infos.qpos.values.data(), n, ds.infos.qpos.cols);
    if (!ds.infos.qvel.empty())
      check_finite(path, "infos/qvel", ds.infos.qvel.values.data(), n, ds.infos.qvel.cols);
    if (!ds.infos.action_log_probs.empty())
      check_finite(path, "infos/action_log_probs", ds.infos.action_log_probs.data(), n, 1);
  }
  return ds;
}

void validate_d4rl(const D4RLDataset& ds, const D4RLReadOptions& options) {
  const std::string& src = ds.source;
  const int64_t n = ds.size();
  FLOWRL_CHECK(n > 0, where(src, "observations"), " has 0 rows; the dataset is empty.");
  FLOWRL_CHECK(ds.obs_dim() > 0, where(src, "observations"), " has no columns.");
  FLOWRL_CHECK(ds.act_dim() > 0, where(src, "actions"), " has no columns.");
  auto rows = [&](const std::string& key, int64_t got) {
    FLOWRL_CHECK(got == n, where(src, key), " has ", got, " rows but 'observations' has ", n,
                 "; every per-step array must have one row per step.");
  };
  auto matrix_ok = [&](const std::string& key, const auto& m) {
    FLOWRL_CHECK(static_cast<int64_t>(m.values.size()) == m.rows * m.cols, where(src, key),
                 " holds ", m.values.size(), " values but claims ", m.rows, " x ", m.cols, ".");
  };
  matrix_ok("observations", ds.observations);
  matrix_ok("actions", ds.actions);
  rows("actions", ds.actions.rows);
  rows("rewards", static_cast<int64_t>(ds.rewards.size()));
  rows("terminals", static_cast<int64_t>(ds.terminals.size()));
  if (ds.has_timeouts()) rows("timeouts", static_cast<int64_t>(ds.timeouts.size()));
  if (!ds.next_observations.empty()) {
    matrix_ok("next_observations", ds.next_observations);
    rows("next_observations", ds.next_observations.rows);
    FLOWRL_CHECK(ds.next_observations.cols == ds.obs_dim(), where(src, "next_observations"),
                 " has ", ds.next_observations.cols, " columns but 'observations' has ",
                 ds.obs_dim(), ".");
  }
  if (!ds.infos.qpos.empty()) {
    matrix_ok("infos/qpos", ds.infos.qpos);
    rows("infos/qpos", ds.infos.qpos.rows);
  }
  if (!ds.infos.qvel.empty()) {
    matrix_ok("infos/qvel", ds.infos.qvel);
    rows("infos/qvel", ds.infos.qvel.rows);
  }
  if (!ds.infos.action_log_probs.empty())
    rows("infos/action_log_probs", static_cast<int64_t>(ds.infos.action_log_probs.size()));
  for (int64_t i = 0; i < n; ++i) {
    FLOWRL_CHECK(ds.terminals[i] <= 1, where(src, "terminals"), " holds ", int(ds.terminals[i]),
                 " at row ", i, "; flags must be 0 or 1.");
    FLOWRL_CHECK(!ds.has_timeouts() || ds.timeouts[i] <= 1, where(src, "timeouts"), " holds ",
                 int(ds.timeouts[i]), " at row ", i, "; flags must be 0 or 1.");
  }
  check_expected_dims(src, ds.obs_dim(), ds.act_dim(), options);
  if (options.check_finite()) {
    check_finite(src, "observations", ds.observations.values.data(), n, ds.obs_dim());
    check_finite(src, "actions", ds.actions.values.data(), n, ds.act_dim());
    check_finite(src, "rewards", ds.rewards.data(), n, 1);
    if (!ds.next_observations.empty())
      check_finite(src, "next_observations", ds.next_observations.values.data(), n,
                   ds.next_observations.cols);
    if (!ds.infos.qpos.empty())
      check_finite(src, "infos/qpos", ds.infos.qpos.values.data(), n, ds.infos.qpos.cols);
    if (!ds.infos.qvel.empty())
      check_finite(src, "infos/qvel", ds.infos.qvel.values.data(), n, ds.infos.qvel.cols);
    if (!ds.infos.action_log_probs.empty())
      check_finite(src, "infos/action_log_probs", ds.infos.action_log_probs.data(), n, 1);
  }
}

std::vector<HDF5DatasetInfo> list_hdf5_datasets(const std::string& path) {
  h5::QuietErrors quiet;
  FileReader r(path);
  std::vector<HDF5DatasetInfo> out;
  ListWalk walk{&out};
  if (H5Lvisit(r.file(), H5_INDEX_NAME, H5_ITER_INC, visit_list, &walk) < 0)
    fail(path, ": cannot list its keys (HDF5: ", h5::last_error(), "); the file is corrupt.");
  return out;
}

}  // namespace flowrl::data
