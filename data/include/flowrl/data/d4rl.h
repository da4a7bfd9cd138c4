// flowrl/data/d4rl.h — D4RL trajectory files (HDF5): the in-memory dataset, the reader, the writer.
//
// The layout is the public D4RL v2 locomotion layout (docs/datasets.md has the full table):
//   observations (N, obs_dim)   actions (N, act_dim)   rewards (N,) or (N, 1)
//   terminals (N,) bool         timeouts (N,) bool (absent in v0 files)
//   next_observations (N, obs_dim)   infos/qpos (N, nq)   infos/qvel (N, nv)   infos/action_log_probs (N,)
//   metadata/* (strings, integers, policy weights)
// Floats may be float32 or float64 in the file; they are converted to float32 in memory (qpos/qvel
// to float64, the MuJoCo state type). Booleans may be h5py's enum bool, an integer type or a float.
//
// Torch-free: this header only needs the standard library. HDF5 stays inside the .cpp files.
//
//   auto ds = flowrl::data::load_d4rl("hopper_medium-v2.hdf5",
//                                     flowrl::data::D4RLReadOptions().env_dims("hopper"));
//   ds.observations.row(0);  // const float*, obs_dim values
#pragma once

#include <flowrl/core/arg.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace flowrl::data {

/// A dense row-major matrix: rows x cols values of T.
template <typename T>
struct Matrix {
  int64_t rows = 0;       ///< number of rows (N)
  int64_t cols = 0;       ///< values per row
  std::vector<T> values;  ///< rows * cols values, row-major

  Matrix() = default;
  /// A rows x cols matrix filled with `fill`.
  Matrix(int64_t rows_, int64_t cols_, T fill = T())
      : rows(rows_), cols(cols_), values(static_cast<size_t>(rows_ * cols_), fill) {}

  /// Pointer to the first value of row i (no bounds check).
  const T* row(int64_t i) const { return values.data() + i * cols; }
  /// Pointer to the first value of row i (no bounds check).
  T* row(int64_t i) { return values.data() + i * cols; }
  /// Value (i, j) (no bounds check).
  T at(int64_t i, int64_t j) const { return values[static_cast<size_t>(i * cols + j)]; }
  /// True when the matrix holds no rows (an absent optional key).
  bool empty() const { return rows == 0; }
};

using FloatMatrix = Matrix<float>;
using DoubleMatrix = Matrix<double>;

/// A float32 array of any rank (metadata arrays such as metadata/policy/fc0/weight).
struct FloatArray {
  std::vector<int64_t> shape;  ///< HDF5 dims, outermost first
  std::vector<float> values;   ///< row-major
};

/// The `infos/*` keys of a D4RL v2 file. Each is empty when the file lacks it (v0 files) or when
/// D4RLReadOptions::load_infos is false.
struct D4RLInfos {
  DoubleMatrix qpos;                      ///< (N, nq) MuJoCo qpos before the action (gives observations[t])
  DoubleMatrix qvel;                      ///< (N, nv) MuJoCo qvel before the action
  std::vector<float> action_log_probs;    ///< (N) log-prob of actions[t] under the behaviour policy
};

/// The `metadata/*` keys, by their path below `metadata/` (e.g. "algorithm", "policy/nonlinearity").
struct D4RLMetadata {
  std::map<std::string, std::string> strings;  ///< scalar strings ("algorithm" -> "SAC")
  std::map<std::string, int64_t> integers;     ///< scalar integers ("iteration")
  std::map<std::string, double> reals;         ///< scalar floats
  std::map<std::string, FloatArray> arrays;    ///< numeric arrays (policy weights)

  /// True when no metadata key is present.
  bool empty() const { return strings.empty() && integers.empty() && reals.empty() && arrays.empty(); }
};

/// One D4RL dataset in memory: N rows of (s_t, a_t, r_t, terminal_t, timeout_t, ...).
/// Row t of every array describes the same step. Episodes end at rows with terminal or timeout set
/// (see flowrl/data/episodes.h); a trailing partial episode has no flag on its last row.
struct D4RLDataset {
  std::string source;                 ///< file it was read from ("" when built in memory); used in messages
  FloatMatrix observations;           ///< (N, obs_dim) s_t
  FloatMatrix actions;                ///< (N, act_dim) a_t
  std::vector<float> rewards;         ///< (N) r_t
  std::vector<uint8_t> terminals;     ///< (N) 1 where the env ended the episode at this step
  std::vector<uint8_t> timeouts;      ///< (N) 1 where the episode was cut after this step; empty in v0 files
  FloatMatrix next_observations;      ///< (N, obs_dim) s_{t+1}; empty when absent or not loaded
  D4RLInfos infos;                    ///< infos/*; members empty when absent
  D4RLMetadata metadata;              ///< metadata/*; empty when absent

  /// Number of rows N.
  int64_t size() const { return observations.rows; }
  /// Observation width.
  int64_t obs_dim() const { return observations.cols; }
  /// Action width.
  int64_t act_dim() const { return actions.cols; }
  /// False for v0 files: episode ends are then found by counting steps (episodes.h).
  bool has_timeouts() const { return !timeouts.empty(); }
};

/// Observation/action/state widths of a D4RL locomotion environment.
struct D4RLEnvDims {
  std::string env;   ///< base name: "hopper", "halfcheetah", "walker2d", "ant", or "<env>-positions"
  int64_t obs_dim;   ///< observation width
  int64_t act_dim;   ///< action width
  int64_t nq;        ///< MuJoCo qpos width (infos/qpos)
  int64_t nv;        ///< MuJoCo qvel width (infos/qvel)
};

/// Dims of a D4RL locomotion env from any of its names: "hopper", "Hopper-v3", "hopper-medium-v2",
/// "halfcheetah_medium_expert-v2". std::nullopt when the name is not one of hopper, halfcheetah,
/// walker2d, ant. (A small table kept here so flowrl::data does not depend on flowrl::envs.)
std::optional<D4RLEnvDims> d4rl_env_dims(const std::string& name);

/// How load_d4rl reads and validates a file.
///
///   load_d4rl(path, D4RLReadOptions().env_dims("walker2d").load_infos(false));
struct D4RLReadOptions {
  /// Expected observation width; 0 accepts any.
  FLOWRL_ARG(int64_t, obs_dim) = 0;
  /// Expected action width; 0 accepts any.
  FLOWRL_ARG(int64_t, act_dim) = 0;
  /// Name of the environment the dims come from, used in error messages ("" when unknown).
  FLOWRL_ARG(std::string, env_name);
  /// Load next_observations when present (one more (N, obs_dim) array).
  FLOWRL_ARG(bool, load_next_observations) = true;
  /// Load infos/qpos, infos/qvel, infos/action_log_probs when present.
  FLOWRL_ARG(bool, load_infos) = true;
  /// Load metadata/* when present.
  FLOWRL_ARG(bool, load_metadata) = true;
  /// Reject NaN/Inf in every loaded float array (the error names the first bad row).
  FLOWRL_ARG(bool, check_finite) = true;

 public:
  /// Sets obs_dim, act_dim and env_name from d4rl_env_dims(name); throws flowrl::Error if unknown.
  D4RLReadOptions& env_dims(const std::string& name);
};

/// Reads a D4RL HDF5 file (any layout described above) and validates it.
/// Throws flowrl::Error, naming the file and the key, when the file is missing, not HDF5, truncated,
/// lacks observations/actions/rewards/terminals, has inconsistent row counts or ranks, has
/// dims other than the expected ones, or holds a non-finite value. Each float array is read straight
/// from the file into its final buffer (HDF5 converts the type on the way): no second copy.
D4RLDataset load_d4rl(const std::string& path, const D4RLReadOptions& options = D4RLReadOptions());

/// Checks an in-memory dataset the same way load_d4rl checks a file (row counts, dims, finiteness,
/// flag values 0/1); throws flowrl::Error naming `ds.source` (or "dataset") and the key.
void validate_d4rl(const D4RLDataset& ds, const D4RLReadOptions& options = D4RLReadOptions());

/// How write_d4rl lays out the file. The defaults give D4RL v2's medium/expert layout.
///
///   write_d4rl("out.hdf5", ds, D4RLWriteOptions().gzip_level(4));
struct D4RLWriteOptions {
  /// Deflate level 0..9 (h5py's compression='gzip' default is 4); every dataset is chunked.
  FLOWRL_ARG(int, gzip_level) = 4;
  /// Rows per chunk; 0 picks about 256 KiB per chunk (h5py-like).
  FLOWRL_ARG(int64_t, chunk_rows) = 0;
  /// Store observations/actions/rewards/next_observations/action_log_probs as float64 (replay files).
  FLOWRL_ARG(bool, float64) = false;
  /// Store infos/qpos and infos/qvel as float64 (what D4RL's fix_qpos_qvel.py wrote); else float32.
  FLOWRL_ARG(bool, infos_float64) = true;
  /// Store rewards as (N, 1) like the replay files; else (N,).
  FLOWRL_ARG(bool, rewards_column) = false;
  /// Store terminals/timeouts as uint8; else h5py's enum bool (int8 base, FALSE=0, TRUE=1).
  FLOWRL_ARG(bool, flags_as_uint8) = false;
};

/// Writes `ds` in the D4RL v2 layout: the arrays present in `ds` (timeouts, next_observations and
/// each infos/* only when non-empty), metadata strings as fixed-length null-padded ASCII scalars,
/// integers as int32 scalars (int64 when out of range), reals as float64 scalars, arrays as float32.
/// Validates `ds` first (validate_d4rl); overwrites `path`. Throws flowrl::Error on failure.
void write_d4rl(const std::string& path, const D4RLDataset& ds,
                const D4RLWriteOptions& options = D4RLWriteOptions());

/// One dataset of an HDF5 file, as listed by list_hdf5_datasets().
struct HDF5DatasetInfo {
  std::string key;             ///< full path without the leading '/', e.g. "infos/qpos"
  std::string dtype;           ///< numpy-style: "float32", "float64", "bool", "uint8", "int32", "|S3", ...
  std::vector<int64_t> shape;  ///< dims; empty for a scalar
};

/// Every dataset of an HDF5 file, depth-first in name order. Throws flowrl::Error if the file is
/// missing, not HDF5 or unreadable.
std::vector<HDF5DatasetInfo> list_hdf5_datasets(const std::string& path);

}  // namespace flowrl::data
