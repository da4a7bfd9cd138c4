// flowrl/data/dataset_layout.h — which layout a dataset path holds (D4RL file or Minari dataset), and
// one loader for both.
//
//   auto where = flowrl::data::locate_dataset_or_id("mujoco/hopper/medium-v0");  // a path, else a Minari id
//   auto loaded = flowrl::data::load_dataset(where);
//   loaded.steps;            // D4RLDataset: what episodes.h, the DT sampler and the normalizer take
//   loaded.minari;           // the Minari metadata, for a Minari dataset
//
// Detection looks at what is there, never at names alone: an HDF5 file with a root 'observations'
// dataset is D4RL's layout; one with root groups episode_0, ... is a Minari main_data.hdf5; a folder
// holding data/main_data.hdf5 or data/metadata.json (or those two itself) is a Minari dataset folder.
// Anything else is a flowrl::Error saying what was found there.
//
// Torch-free.
#pragma once

#include <flowrl/data/d4rl.h>
#include <flowrl/data/minari.h>

#include <optional>
#include <string>

namespace flowrl::data {

/// A dataset's storage layout.
enum class DatasetLayout {
  kD4RL,    ///< one HDF5 file of flat per-step arrays (d4rl.h)
  kMinari,  ///< a Minari dataset folder (minari.h)
};

/// "d4rl" or "minari".
const char* layout_name(DatasetLayout layout);

/// Where a dataset is and which layout it has.
struct DatasetLocation {
  DatasetLayout layout = DatasetLayout::kD4RL;
  std::string path;        ///< D4RL: the file; Minari: the data/ folder (holding main_data.hdf5)
  std::string minari_id;   ///< the dataset id it was found by; "" when given as a path
  /// The HDF5 file holding the steps: `path` for D4RL, path/main_data.hdf5 for Minari.
  std::string main_file() const;
  /// The name to show: the Minari id when given as one, else `path`.
  std::string label() const;
};

/// The layout of what `path` points at (a D4RL file; a Minari dataset folder, its data/ folder or its
/// data/main_data.hdf5). Throws flowrl::Error when the path is missing, or holds neither layout
/// (naming what it found: the root keys of an HDF5 file, the entries of a folder, Arrow storage).
DatasetLocation locate_dataset(const std::string& path);

/// The Minari dataset `dataset_id` under minari_datasets_root() (see minari_data_folder()).
DatasetLocation locate_minari_dataset(const std::string& dataset_id);

/// `path_or_id` as a path when something is there, else as a Minari dataset id when it has an id's
/// form; the error of a missing path says where both were looked for.
DatasetLocation locate_dataset_or_id(const std::string& path_or_id);

/// A dataset of either layout, its steps in D4RL's flat form.
struct LoadedDataset {
  DatasetLocation location;
  D4RLDataset steps;                       ///< the steps (steps.source names the main file)
  std::optional<MinariMetadata> minari;    ///< a Minari dataset's metadata; nullopt for D4RL
  std::vector<MinariEpisode> minari_episodes;  ///< a Minari dataset's episodes; empty for D4RL
  int64_t minari_unflagged_ends = 0;       ///< MinariDataset::unflagged_ends
};

/// Loads the dataset at `where` with the reader of its layout. `options` applies to both: obs_dim,
/// act_dim, env_name, load_next_observations and check_finite as documented in d4rl.h; load_infos and
/// load_metadata apply to D4RL files (a Minari dataset's metadata is always read; its infos/ are
/// checked but not loaded: their keys differ per environment).
LoadedDataset load_dataset(const DatasetLocation& where, const D4RLReadOptions& options = D4RLReadOptions());

}  // namespace flowrl::data
