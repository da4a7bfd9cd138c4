// flowrl/data/minari.h — Farama Minari datasets (HDF5 storage), read natively into D4RL's flat form.
//
// The layout (docs/datasets.md has the full table), as minari 0.4 and 0.5 write it:
//   <root>/<dataset_id>/data/main_data.hdf5     one group per episode, episode_0 .. episode_{E-1}
//   <root>/<dataset_id>/data/metadata.json      minari >= 0.5; minari 0.4 keeps the same keys as
//                                               attributes of main_data.hdf5's root instead
//   episode_i/observations (N+1, obs...)   the reset observation first, the last one is the final next observation
//   episode_i/actions (N, act...)   rewards (N,)   terminations (N,) bool   truncations (N,) bool   infos/ optional
//   episode_i attributes: id (= i), total_steps (= N), seed (optional)
// <root> is $MINARI_DATASETS_PATH, else ~/.minari/datasets, as minari resolves it; a dataset id is
// (namespace/)name(-vN), e.g. "mujoco/hopper/medium-v0".
//
// Everything is checked before use, per episode, against metadata.json and against each other (row
// counts, dtypes, shapes, flags, finiteness); anything else is a flowrl::Error naming the file, the
// episode and the key. flowrl reads Box (vector) observations and actions from HDF5 storage; Dict,
// Tuple and other spaces, and Arrow/Parquet storage, are refused with a message saying so.
//
// The steps come out as a D4RLDataset (observations = obs[:N] of each episode, next_observations =
// obs[1:], terminals = terminations, timeouts = truncations), so that episodes.h, the DT sampler and
// the normalizer take a Minari dataset as they take a D4RL file.
//
// Torch-free: this header only needs the standard library. HDF5 stays inside the .cpp files.
//
//   auto ds = flowrl::data::load_minari_id("mujoco/hopper/medium-v0");
//   ds.metadata.env_spec->id;                     // "Hopper-v5"
//   minari_normalized_score(*ds.metadata.reference_scores(), 3000.0);
#pragma once

#include <flowrl/core/arg.h>
#include <flowrl/data/d4rl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace flowrl::data {

/// A Gymnasium space as Minari serializes it (metadata.json's observation_space / action_space).
struct MinariSpace {
  std::string type;            ///< "Box", "Discrete", "Dict", "Tuple", ...
  std::string dtype;           ///< Box: numpy dtype name ("float64", "float32"); "" for other types
  std::vector<int64_t> shape;  ///< Box: its shape, e.g. {11}; empty for other types
  std::string json;            ///< the serialized space as stored (JSON text)

  /// Values per step of a Box space (the product of its shape; 1 for shape ()).
  int64_t size() const;
};

/// The Gymnasium EnvSpec a Minari dataset was collected with (metadata.json's env_spec, JSON text).
struct MinariEnvSpec {
  std::string id;                           ///< "Hopper-v5"
  std::optional<int64_t> max_episode_steps; ///< the TimeLimit it ran under; nullopt when none
  std::string kwargs;                       ///< the env's constructor arguments as JSON text ("{}")
  std::string json;                         ///< the whole spec as stored (JSON text)
};

/// A Minari dataset's reference scores (metadata ref_min_score / ref_max_score).
struct MinariReferenceScores {
  double ref_min_score = 0.0;  ///< return that normalizes to 0
  double ref_max_score = 0.0;  ///< return that normalizes to 100
};

/// The metadata of a Minari dataset that flowrl uses.
struct MinariMetadata {
  std::string source;            ///< where it was read: the metadata.json, or main_data.hdf5 (minari 0.4)
  std::string dataset_id;        ///< "mujoco/hopper/medium-v0"
  std::string minari_version;    ///< as stored: "0.5.4", or a specifier such as "~=0.4" (minari 0.4)
  std::string data_format;       ///< "hdf5" (minari 0.4 has no such key; "hdf5" then)
  int64_t total_episodes = 0;    ///< episodes in main_data.hdf5
  int64_t total_steps = 0;       ///< steps over all episodes (sum of N)
  MinariSpace observation_space; ///< Box only (others are refused when loading)
  MinariSpace action_space;      ///< Box only
  std::optional<MinariEnvSpec> env_spec;       ///< the env the data was collected in, when recorded
  std::optional<MinariEnvSpec> eval_env_spec;  ///< the env Minari says to evaluate in, when it differs
  std::optional<double> ref_min_score;         ///< set together with ref_max_score, or neither
  std::optional<double> ref_max_score;         ///< set together with ref_min_score, or neither
  std::string algorithm_name;    ///< "" when absent
  std::string description;       ///< "" when absent

  /// The reference scores, when the dataset has both.
  std::optional<MinariReferenceScores> reference_scores() const;
  /// The env to evaluate in: eval_env_spec when recorded, else env_spec (as minari picks it).
  const std::optional<MinariEnvSpec>& evaluation_env_spec() const {
    return eval_env_spec ? eval_env_spec : env_spec;
  }
};

/// One episode of a Minari dataset, where its steps are in MinariDataset::steps.
struct MinariEpisode {
  int64_t id = 0;                ///< its `id` attribute (= its index)
  int64_t first_row = 0;         ///< its first step's row in MinariDataset::steps
  int64_t steps = 0;             ///< N, its `total_steps` attribute
  std::optional<uint64_t> seed;  ///< its reset seed, when recorded
  bool terminated = false;       ///< its last step has terminations set
  bool truncated = false;        ///< its last step has truncations set
};

/// A Minari dataset in memory.
struct MinariDataset {
  D4RLDataset steps;                  ///< every episode's steps in D4RL's flat form (see the file comment)
  MinariMetadata metadata;            ///< metadata.json (or minari 0.4's root attributes)
  std::vector<MinariEpisode> episodes;  ///< by index
  std::string folder;                 ///< the data/ folder it was read from
  /// Episodes whose last step had neither flag (minari's create_dataset_from_buffers allows it): their
  /// last row is marked a timeout in `steps`, as minari's DataCollector marks an unfinished episode.
  int64_t unflagged_ends = 0;
};

/// How load_minari reads and validates a dataset.
struct MinariReadOptions {
  /// Expected observation width; 0 accepts any.
  FLOWRL_ARG(int64_t, obs_dim) = 0;
  /// Expected action width; 0 accepts any.
  FLOWRL_ARG(int64_t, act_dim) = 0;
  /// Name of the environment the dims come from, used in error messages ("" when unknown).
  FLOWRL_ARG(std::string, env_name);
  /// Fill steps.next_observations (obs[1:] of every episode; one more (N, obs_dim) array).
  FLOWRL_ARG(bool, load_next_observations) = true;
  /// Reject NaN/Inf in observations, actions and rewards (the error names the episode and step).
  FLOWRL_ARG(bool, check_finite) = true;
};

/// Where Minari keeps its datasets: $MINARI_DATASETS_PATH when set (an empty value is the current
/// folder, as os.path.join makes it), else $HOME/.minari/datasets (the home folder from the password
/// database when HOME is unset).
std::string minari_datasets_root();

/// True when `dataset_id` has minari's form (namespace/)name(-vN): the namespace at least two
/// characters, not starting or ending with '/'; letters, digits, '_' and '-' (minari's regular
/// expression also takes non-ASCII word characters; flowrl does not).
bool is_minari_dataset_id(const std::string& dataset_id);

/// The data/ folder of dataset `dataset_id`: <minari_datasets_root()>/<dataset_id>/data, as
/// minari.load_dataset finds it. Throws flowrl::Error when the id is malformed or the folder is
/// missing (naming the path tried, the root and how to download the dataset).
std::string minari_data_folder(const std::string& dataset_id);

/// The metadata of the dataset whose data/ folder is `data_folder`: metadata.json, or minari 0.4's
/// root attributes of main_data.hdf5 when there is no metadata.json. Throws flowrl::Error naming the
/// file and the key when a key is missing or of the wrong type, the JSON is malformed, the storage is
/// not HDF5, or a space is not a Box.
MinariMetadata read_minari_metadata(const std::string& data_folder);

/// Reads and checks a Minari dataset. `path` is a dataset folder (<root>/<dataset_id>), its data/
/// folder, or data/main_data.hdf5. Throws flowrl::Error naming the file, the episode and the key on
/// anything the file comment lists.
MinariDataset load_minari(const std::string& path, const MinariReadOptions& options = MinariReadOptions());

/// load_minari(minari_data_folder(dataset_id), options).
MinariDataset load_minari_id(const std::string& dataset_id, const MinariReadOptions& options = MinariReadOptions());

/// The score Minari states, x100 as D4RL scores are quoted: 100 * (R - ref_min_score) / (ref_max_score
/// - ref_min_score). (minari.get_normalized_score returns the fraction, without the x100.)
double minari_normalized_score(const MinariReferenceScores& reference, double raw_return);

}  // namespace flowrl::data
