// dataset_layout.cpp — locate_dataset(), locate_minari_dataset(), locate_dataset_or_id(), load_dataset().
#include <flowrl/core/error.h>
#include <flowrl/data/dataset_layout.h>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "h5_util.h"

namespace flowrl::data {

namespace {

namespace fs = std::filesystem;

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

bool is_folder(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

// a folder holding main_data.hdf5 or metadata.json: a Minari dataset's data/ folder
bool is_data_folder(const fs::path& p) { return is_file(p / "main_data.hdf5") || is_file(p / "metadata.json"); }

// "a, b, c, ... (12 entries)": what a folder holds, for messages
std::string listing(const fs::path& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string() + (it->is_directory(ec) ? "/" : ""));
  if (names.empty()) return "nothing: it is empty";
  std::sort(names.begin(), names.end());
  std::string out;
  for (size_t i = 0; i < names.size() && i < 8; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > 8) out += ", ... (" + std::to_string(names.size()) + " entries)";
  return out;
}

// the first bytes of Minari's other storages: Parquet files start with "PAR1", Arrow IPC files with "ARROW1"
std::string other_storage(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char head[6] = {};
  in.read(head, sizeof(head));
  if (std::string(head, 4) == "PAR1") return "Parquet";
  if (std::string(head, 6) == "ARROW1") return "Arrow";
  return "";
}

DatasetLocation locate_file(const std::string& path) {
  const std::string storage = other_storage(path);
  FLOWRL_CHECK(storage.empty(), path, ": is ", storage == "Arrow" ? "an " : "a ", storage, " file; flowrl reads D4RL HDF5 files and Minari datasets ",
               "in minari's HDF5 storage (data/main_data.hdf5), not its ", storage, " storage.");
  h5::QuietErrors quiet;
  const h5::Id file = h5::open_file(path, {"", "flowrl reads D4RL HDF5 files and Minari datasets (a folder holding "
                                               "data/main_data.hdf5 and data/metadata.json)."});
  if (h5::is_dataset(file.get(), "observations")) return DatasetLocation{DatasetLayout::kD4RL, path, ""};
  if (h5::exists(file.get(), "episode_0") && !h5::is_dataset(file.get(), "episode_0")) {
    const fs::path p(path);
    FLOWRL_CHECK(p.filename() == "main_data.hdf5", path, ": holds Minari's layout (a group per episode: episode_0, ...) ",
                 "but a Minari dataset is a folder: minari reads <dataset>/data/main_data.hdf5 next to its ",
                 "metadata.json. Put the file back in its folder and pass that.");
    return DatasetLocation{DatasetLayout::kMinari, p.parent_path().empty() ? "." : p.parent_path().string(), ""};
  }
  std::string keys;
  const auto names = h5::member_names(file.get());
  for (size_t i = 0; i < names.size() && i < 8; ++i) keys += (i ? ", " : "") + names[i];
  if (names.size() > 8) keys += ", ... (" + std::to_string(names.size()) + " keys)";
  fail(path, ": an HDF5 file in neither layout flowrl reads: no 'observations' dataset at its root (D4RL) and no ",
       "'episode_0' group (Minari's main_data.hdf5); its root holds ", keys.empty() ? "nothing" : keys, ".");
}

}  // namespace

const char* layout_name(DatasetLayout layout) { return layout == DatasetLayout::kMinari ? "minari" : "d4rl"; }

std::string DatasetLocation::main_file() const {
  return layout == DatasetLayout::kMinari ? (fs::path(path) / "main_data.hdf5").string() : path;
}

std::string DatasetLocation::label() const { return minari_id.empty() ? path : minari_id; }

DatasetLocation locate_dataset(const std::string& path) {
  struct stat st {};
  FLOWRL_CHECK(!path.empty(), "the dataset path is empty.");
  FLOWRL_CHECK(::stat(path.c_str(), &st) == 0, path, ": not found (no such file or folder). Pass a D4RL HDF5 file ",
               "or a Minari dataset folder (<datasets root>/<dataset id>, holding data/main_data.hdf5).");
  if (!S_ISDIR(st.st_mode)) return locate_file(path);
  const fs::path folder(path);
  if (is_folder(folder / "data") && is_data_folder(folder / "data"))
    return DatasetLocation{DatasetLayout::kMinari, (folder / "data").string(), ""};
  if (is_data_folder(folder)) return DatasetLocation{DatasetLayout::kMinari, folder.string(), ""};
  fail(path, ": a folder, but not a Minari dataset: it holds no data/main_data.hdf5 or data/metadata.json (a Minari ",
       "dataset folder is <datasets root>/<dataset id>, e.g. ~/.minari/datasets/mujoco/hopper/medium-v0). It holds ",
       listing(folder), ".");
}

DatasetLocation locate_minari_dataset(const std::string& dataset_id) {
  return DatasetLocation{DatasetLayout::kMinari, minari_data_folder(dataset_id), dataset_id};
}

DatasetLocation locate_dataset_or_id(const std::string& path_or_id) {
  struct stat st {};
  if (::stat(path_or_id.c_str(), &st) == 0 || !is_minari_dataset_id(path_or_id)) return locate_dataset(path_or_id);
  const std::string root = minari_datasets_root();
  const fs::path data = fs::path(root.empty() ? "." : root) / path_or_id / "data";
  FLOWRL_CHECK(is_folder(data), "'", path_or_id, "' is neither a path (nothing is there) nor a Minari dataset id ",
               "with a dataset under ", root.empty() ? "the current folder" : root,
               std::getenv("MINARI_DATASETS_PATH") ? " (MINARI_DATASETS_PATH)" : " (MINARI_DATASETS_PATH is unset)",
               ": no ", data.string(), ". Check the path, or download the dataset with `minari download ", path_or_id,
               "`.");
  return locate_minari_dataset(path_or_id);
}

LoadedDataset load_dataset(const DatasetLocation& where, const D4RLReadOptions& options) {
  LoadedDataset out;
  out.location = where;
  if (where.layout == DatasetLayout::kD4RL) {
    out.steps = load_d4rl(where.path, options);
    return out;
  }
  auto minari = load_minari(where.path, MinariReadOptions()
                                            .obs_dim(options.obs_dim())
                                            .act_dim(options.act_dim())
                                            .env_name(options.env_name())
                                            .load_next_observations(options.load_next_observations())
                                            .check_finite(options.check_finite()));
  out.steps = std::move(minari.steps);
  out.minari = std::move(minari.metadata);
  out.minari_episodes = std::move(minari.episodes);
  out.minari_unflagged_ends = minari.unflagged_ends;
  return out;
}

}  // namespace flowrl::data
