// minari_reader.cpp — Minari datasets (HDF5 storage): id resolution, metadata, episodes -> D4RLDataset.
//
// Reading order: the metadata (metadata.json, or minari 0.4's root attributes), then every episode's
// attributes, keys, dtypes and shapes against the metadata and against each other, before any bulk
// read; then each episode's arrays, read straight into the flat dataset (HDF5 converting the element
// type), its flags checked and its floats scanned for NaN/Inf.
#include <flowrl/core/error.h>
#include <flowrl/core/json_value.h>
#include <flowrl/data/dataset_layout.h>
#include <flowrl/data/minari.h>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "h5_util.h"

namespace flowrl::data {

namespace {

using h5::Id;
using h5::shape_str;

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// os.path.join(root, id) for a relative id
std::string join(const std::string& root, const std::string& rest) {
  if (root.empty()) return rest;
  return root.back() == '/' ? root + rest : root + "/" + rest;
}

// "FILE: key 'episode_3/observations'"
std::string where(const std::string& file, const std::string& key) { return file + ": key '" + key + "'"; }

// ---------------------------------------------------------------------------------------------
// metadata: one JSON object, from metadata.json or built from minari 0.4's root attributes

// how a metadata key is named in messages: "FILE: key 'K'" or "FILE: root attribute 'K'"
struct MetaSource {
  std::string file;
  const char* key_word;  // "key" or "root attribute"
  std::string at(const std::string& key) const { return file + ": " + key_word + " '" + key + "'"; }
};

const JsonValue* optional_value(const JsonValue& doc, const std::string& key) {
  const JsonValue* v = doc.find(key);
  return v == nullptr || v->is_null() ? nullptr : v;
}

const JsonValue& required_value(const JsonValue& doc, const std::string& key, const MetaSource& src,
                                const char* what) {
  const JsonValue* v = optional_value(doc, key);
  FLOWRL_CHECK(v != nullptr, src.at(key), " is missing; a Minari dataset's metadata holds ", what,
               " (minari writes it: was the dataset made by hand, or is this not a Minari dataset?).");
  return *v;
}

// a serialized space or env spec: JSON text inside the metadata, parsed again
JsonValue nested_json(const JsonValue& v, const std::string& key, const MetaSource& src) {
  return parse_json(v.as_string(src.at(key)), src.at(key), JsonParseOptions().allow_nonfinite(true));
}

const char* const kFlatten =
    "flowrl's models take flat vectors: collect the data with the space flattened "
    "(gymnasium.wrappers.FlattenObservation for observations)";

MinariSpace parse_space(const JsonValue& doc, const std::string& key, const MetaSource& src) {
  const JsonValue& stored = required_value(doc, key, src, "the serialized observation and action spaces");
  MinariSpace space;
  space.json = stored.as_string(src.at(key));
  const JsonValue v = nested_json(stored, key, src);
  const std::string at = src.at(key);
  space.type = v.get("type", at).as_string(at + " type");
  if (space.type == "Dict" || space.type == "Tuple") {
    std::string parts;
    if (const JsonValue* sub = v.find("subspaces")) {
      if (sub->kind() == JsonValue::Kind::kObject) {
        for (const auto& [name, s] : sub->as_object(at)) parts += (parts.empty() ? "" : ", ") + name;
      } else if (sub->kind() == JsonValue::Kind::kArray) {
        parts = std::to_string(sub->as_array(at).size()) + " subspaces";
      }
    }
    fail(at, " is a ", space.type, " space (", parts, "); flowrl reads Box (vector) spaces only. ", kFlatten, ".");
  }
  FLOWRL_CHECK(space.type == "Box", at, " is a ", space.type, " space; flowrl reads Box (continuous vector) spaces only",
               key == "action_space" ? " (its agents output continuous actions)." : ".");
  space.dtype = v.get("dtype", at).as_string(at + " dtype");
  const bool numeric = space.dtype.rfind("float", 0) == 0 || space.dtype.rfind("int", 0) == 0 ||
                       space.dtype.rfind("uint", 0) == 0;
  FLOWRL_CHECK(numeric, at, " has dtype '", space.dtype, "'; flowrl reads numeric (float or integer) Box spaces.");
  for (const auto& d : v.get("shape", at).as_array(at + " shape")) {
    const int64_t n = d.as_int(at + " shape");
    FLOWRL_CHECK(n >= 1, at, " has shape ", v.get("shape", at).dump(), "; every dimension must be at least 1.");
    space.shape.push_back(n);
  }
  FLOWRL_CHECK(space.shape.size() <= 1, at, " has shape ", shape_str(space.shape), ": a ", space.shape.size(),
               "-D Box (images?); ", kFlatten, ".");
  return space;
}

std::optional<MinariEnvSpec> parse_env_spec(const JsonValue& doc, const std::string& key, const MetaSource& src) {
  const JsonValue* stored = optional_value(doc, key);
  if (stored == nullptr) return std::nullopt;
  const std::string at = src.at(key);
  MinariEnvSpec spec;
  spec.json = stored->as_string(at);
  const JsonValue v = nested_json(*stored, key, src);
  spec.id = v.get("id", at).as_string(at + " id");
  FLOWRL_CHECK(!spec.id.empty(), at, " has an empty id.");
  if (const JsonValue* steps = optional_value(v, "max_episode_steps")) spec.max_episode_steps = steps->as_int(at + " max_episode_steps");
  const JsonValue* kwargs = optional_value(v, "kwargs");
  spec.kwargs = kwargs ? kwargs->dump() : "{}";
  if (kwargs) kwargs->as_object(at + " kwargs");
  return spec;
}

MinariMetadata parse_metadata(const JsonValue& doc, const MetaSource& src) {
  doc.as_object(src.file);
  MinariMetadata m;
  m.source = src.file;
  // storage first: an Arrow or Parquet dataset has none of the HDF5 keys checked below
  m.data_format = "hdf5";
  if (const JsonValue* format = optional_value(doc, "data_format")) m.data_format = format->as_string(src.at("data_format"));
  FLOWRL_CHECK(m.data_format == "hdf5", src.at("data_format"), " is '", m.data_format, "': this dataset uses minari's ",
               m.data_format == "arrow" ? "Arrow" : m.data_format == "parquet" ? "Parquet" : "'" + m.data_format + "'",
               " storage; flowrl reads minari's HDF5 storage only (main_data.hdf5). Re-create the dataset with ",
               "data_format=\"hdf5\" (minari.DataCollector(..., data_format=\"hdf5\") or create_dataset_from_buffers).");
  m.dataset_id = required_value(doc, "dataset_id", src, "its dataset_id").as_string(src.at("dataset_id"));
  m.minari_version = required_value(doc, "minari_version", src, "the minari_version that wrote it")
                         .as_string(src.at("minari_version"));
  m.total_episodes = required_value(doc, "total_episodes", src, "total_episodes").as_int(src.at("total_episodes"));
  m.total_steps = required_value(doc, "total_steps", src, "total_steps").as_int(src.at("total_steps"));
  FLOWRL_CHECK(m.total_episodes >= 1, src.at("total_episodes"), " is ", m.total_episodes, "; the dataset holds no episodes.");
  FLOWRL_CHECK(m.total_steps >= m.total_episodes, src.at("total_steps"), " is ", m.total_steps, ", fewer than its ",
               m.total_episodes, " episodes (each has at least one step).");
  m.observation_space = parse_space(doc, "observation_space", src);
  m.action_space = parse_space(doc, "action_space", src);
  m.env_spec = parse_env_spec(doc, "env_spec", src);
  m.eval_env_spec = parse_env_spec(doc, "eval_env_spec", src);
  if (const JsonValue* v = optional_value(doc, "ref_min_score")) m.ref_min_score = v->as_number(src.at("ref_min_score"));
  if (const JsonValue* v = optional_value(doc, "ref_max_score")) m.ref_max_score = v->as_number(src.at("ref_max_score"));
  FLOWRL_CHECK(m.ref_min_score.has_value() == m.ref_max_score.has_value(), src.file, ": has ",
               m.ref_min_score ? "ref_min_score but no ref_max_score" : "ref_max_score but no ref_min_score",
               "; minari sets both reference scores or neither.");
  if (m.ref_min_score) {
    FLOWRL_CHECK(std::isfinite(*m.ref_min_score) && std::isfinite(*m.ref_max_score) && *m.ref_max_score != *m.ref_min_score,
                 src.file, ": reference scores ref_min_score = ", *m.ref_min_score, " and ref_max_score = ",
                 *m.ref_max_score, " cannot normalize a return (they must be finite and differ).");
  }
  if (const JsonValue* v = optional_value(doc, "algorithm_name")) m.algorithm_name = v->as_string(src.at("algorithm_name"));
  if (const JsonValue* v = optional_value(doc, "description")) m.description = v->as_string(src.at("description"));
  return m;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  FLOWRL_CHECK(in.good(), path, ": cannot be read (permissions?).");
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

const h5::OpenHints kMainFileHints{
    "A Minari dataset keeps its steps in <dataset folder>/data/main_data.hdf5 (`minari download ID` fetches one).",
    "Minari's HDF5 storage writes main_data.hdf5 with h5py; this file is something else."};

// minari 0.4: the metadata keys are attributes of main_data.hdf5's root
JsonValue root_attributes_as_json(const std::string& file) {
  h5::QuietErrors quiet;
  const Id f = h5::open_file(file, kMainFileHints);
  JsonValue::Object members;
  for (const auto& name : h5::attribute_names(f.get())) {
    const auto a = h5::read_attribute(f.get(), name);
    if (!a) continue;
    switch (a->kind) {
      case h5::Attribute::Kind::kInteger: {
        const std::string text = a->is_unsigned ? std::to_string(a->uinteger) : std::to_string(a->integer);
        members.emplace_back(name, JsonValue::number(a->is_unsigned ? static_cast<double>(a->uinteger)
                                                                    : static_cast<double>(a->integer), text));
        break;
      }
      case h5::Attribute::Kind::kFloat: {
        char buf[32];
        std::snprintf(buf, sizeof(buf), "%.17g", a->real);
        members.emplace_back(name, JsonValue::number(a->real, buf));
        break;
      }
      case h5::Attribute::Kind::kString:
        members.emplace_back(name, JsonValue::string(a->text));
        break;
      case h5::Attribute::Kind::kOther:
        break;  // arrays (author sets and such): not used
    }
  }
  return JsonValue::object(std::move(members));
}

// ---------------------------------------------------------------------------------------------
// episodes

struct EpisodeKeys {
  Id group, obs, act, rew, term, trunc;
  int64_t steps = 0;
  std::optional<uint64_t> seed;
};

class MinariFile {
 public:
  MinariFile(std::string path, const MinariMetadata& meta)
      : path_(std::move(path)), meta_(meta), file_(h5::open_file(path_, kMainFileHints)) {}

  // the root holds exactly episode_0 .. episode_{E-1}
  void check_root() const {
    const auto names = h5::member_names(file_.get());
    for (int64_t i = 0; i < meta_.total_episodes; ++i) {
      const std::string name = "episode_" + std::to_string(i);
      FLOWRL_CHECK(h5::exists(file_.get(), name), path_, ": group '", name, "' is missing; ", meta_.source,
                   " says total_episodes = ", meta_.total_episodes, " (episodes are opened by index, episode_0 .. episode_",
                   meta_.total_episodes - 1, "): the file is incomplete or its metadata is wrong.");
    }
    if (static_cast<int64_t>(names.size()) != meta_.total_episodes) {
      std::string extra;
      for (const auto& n : names) {
        const bool expected = n.rfind("episode_", 0) == 0 && n.size() > 8 &&
                              std::all_of(n.begin() + 8, n.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
                              std::strtoll(n.c_str() + 8, nullptr, 10) < meta_.total_episodes;
        if (!expected && extra.size() < 200) extra += (extra.empty() ? "'" : ", '") + n + "'";
      }
      fail(path_, ": holds ", names.size(), " root entries but ", meta_.source, " says total_episodes = ",
           meta_.total_episodes, " (unexpected: ", extra, "); the file and its metadata disagree.");
    }
  }

  // every key of episode i checked against the metadata and against each other; nothing bulk read
  EpisodeKeys open_episode(int64_t i) const {
    const std::string name = "episode_" + std::to_string(i);
    EpisodeKeys e;
    e.group = Id(H5Gopen2(file_.get(), name.c_str(), H5P_DEFAULT));
    if (!e.group.valid()) fail(path_, ": '", name, "' is not a group (HDF5: ", h5::last_error(), ").");
    const auto id = integer_attribute(e.group.get(), name, "id", true);
    FLOWRL_CHECK(*id == i, path_, ": episode '", name, "' has attribute id = ", *id, "; expected ", i, ".");
    e.steps = *integer_attribute(e.group.get(), name, "total_steps", true);
    FLOWRL_CHECK(e.steps >= 1, path_, ": episode '", name, "' has attribute total_steps = ", e.steps,
                 "; an episode has at least one step.");
    e.seed = seed_attribute(e.group.get(), name);

    const int64_t n = e.steps;
    e.obs = open(e.group.get(), name, "observations");
    const auto obs_shape = expect_array(e.obs.get(), name, "observations", meta_.observation_space, "observation_space");
    if (obs_shape[0] == n) {
      fail(where(path_, name + "/observations"), " has ", n, " rows, one per step (total_steps = ", n,
           "); Minari stores N + 1 observations: the reset observation first and the final next observation last. "
           "The file was not written by minari, or it was cut short.");
    }
    expect_rows(obs_shape, n + 1, name, "observations");
    e.act = open(e.group.get(), name, "actions");
    expect_rows(expect_array(e.act.get(), name, "actions", meta_.action_space, "action_space"), n, name, "actions");
    e.rew = open(e.group.get(), name, "rewards");
    expect_vector(e.rew.get(), name, "rewards", false, n);
    e.term = open(e.group.get(), name, "terminations");
    expect_vector(e.term.get(), name, "terminations", true, n);
    e.trunc = open(e.group.get(), name, "truncations");
    expect_vector(e.trunc.get(), name, "truncations", true, n);
    if (h5::exists(e.group.get(), "infos")) check_infos(e.group.get(), name, n);
    return e;
  }

 private:
  Id open(hid_t group, const std::string& episode, const std::string& key) const {
    const std::string at = where(path_, episode + "/" + key);
    FLOWRL_CHECK(h5::exists(group, key), at, " is missing; a Minari episode holds observations, actions, rewards, "
                 "terminations and truncations (infos optional).");
    if (!h5::is_dataset(group, key)) {
      FLOWRL_CHECK(key != "observations" && key != "actions", at, " is a group: minari writes Dict and Tuple spaces ",
                   "that way, but ", meta_.source, " says the space is a Box. The file and its metadata disagree.");
      fail(at, " is not a dataset (a group or another object); expected an array.");
    }
    Id d(H5Dopen2(group, key.c_str(), H5P_DEFAULT));
    if (!d.valid()) fail(at, " cannot be opened (HDF5: ", h5::last_error(), ").");
    return d;
  }

  std::optional<int64_t> integer_attribute(hid_t group, const std::string& episode, const char* name,
                                           bool required) const {
    const auto a = h5::read_attribute(group, name);
    if (!a) {
      FLOWRL_CHECK(!required, path_, ": episode '", episode, "' has no attribute '", name,
                   "' (minari writes id and total_steps on every episode group).");
      return std::nullopt;
    }
    const bool fits = a->kind == h5::Attribute::Kind::kInteger &&
                      (!a->is_unsigned || a->uinteger <= static_cast<uint64_t>(INT64_MAX));
    FLOWRL_CHECK(fits, path_, ": episode '", episode, "' attribute '", name, "' has dtype ", a->dtype,
                 a->shape.empty() ? "" : " shape " + shape_str(a->shape), "; expected one integer.");
    return a->is_unsigned ? static_cast<int64_t>(a->uinteger) : a->integer;
  }

  // seeds are 64-bit (minari draws them with secrets.randbits(64)): int64 or uint64, never negative
  std::optional<uint64_t> seed_attribute(hid_t group, const std::string& episode) const {
    const auto a = h5::read_attribute(group, "seed");
    if (!a) return std::nullopt;
    FLOWRL_CHECK(a->kind == h5::Attribute::Kind::kInteger && (a->is_unsigned || a->integer >= 0), path_, ": episode '",
                 episode, "' attribute 'seed' is ", a->kind == h5::Attribute::Kind::kInteger ? std::to_string(a->integer)
                                                                                          : "of dtype " + a->dtype,
                 "; a reset seed is a non-negative integer.");
    return a->is_unsigned ? a->uinteger : static_cast<uint64_t>(a->integer);
  }

  // (rows, size) of a Box space's dataset whose dtype is the space's; returns the shape
  std::vector<int64_t> expect_array(hid_t dset, const std::string& episode, const std::string& key,
                                    const MinariSpace& space, const char* space_key) const {
    const std::string at = where(path_, episode + "/" + key);
    Id type(H5Dget_type(dset));
    const std::string dtype = h5::dtype_name(type.get());
    FLOWRL_CHECK(dtype == space.dtype, at, " has dtype ", dtype, " but ", meta_.source, " says ", space_key,
                 " is a Box of ", space.dtype, "; the file and its metadata disagree.");
    auto shape = h5::dims(dset);
    std::vector<int64_t> want = {-1};
    want.insert(want.end(), space.shape.begin(), space.shape.end());
    bool ok = shape.size() == want.size();
    for (size_t d = 1; ok && d < shape.size(); ++d) ok = shape[d] == want[d];
    FLOWRL_CHECK(ok, at, " has shape ", shape_str(shape), " but ", meta_.source, " says ", space_key, " has shape ",
                 shape_str(space.shape), "; expected (rows, ", space.shape.empty() ? "" : std::to_string(space.shape[0]),
                 space.shape.empty() ? "scalar)." : ").");
    return shape;
  }

  // shape[0] == rows: total_steps (the `steps` of the episode), plus one for observations
  void expect_rows(const std::vector<int64_t>& shape, int64_t rows, const std::string& episode,
                   const std::string& key) const {
    const bool plus_one = key == "observations";
    FLOWRL_CHECK(shape[0] == rows, where(path_, episode + "/" + key), " has ", shape[0], " rows; expected ", rows,
                 " (the episode's total_steps attribute, ", plus_one ? rows - 1 : rows,
                 plus_one ? ", plus the reset observation)." : ").");
  }

  // (N,) rewards (float or integer) or flags (bool)
  void expect_vector(hid_t dset, const std::string& episode, const std::string& key, bool flags, int64_t n) const {
    const std::string at = where(path_, episode + "/" + key);
    Id type(H5Dget_type(dset));
    const std::string dtype = h5::dtype_name(type.get());
    const H5T_class_t cls = H5Tget_class(type.get());
    if (flags) {
      FLOWRL_CHECK(dtype == "bool", at, " has dtype ", dtype, "; minari stores ", key,
                   " as bool (h5py's enum of FALSE = 0, TRUE = 1).");
    } else {
      FLOWRL_CHECK(cls == H5T_FLOAT || cls == H5T_INTEGER, at, " has dtype ", dtype, "; expected float rewards.");
    }
    const auto shape = h5::dims(dset);
    FLOWRL_CHECK(shape.size() == 1, at, " has shape ", shape_str(shape), "; expected (", n, ",), one value per step.");
    expect_rows(shape, n, episode, key);
  }

  // infos/: optional; every array in it (at any depth) has one row per observation
  void check_infos(hid_t group, const std::string& episode, int64_t n) const {
    const std::string at = where(path_, episode + "/infos");
    FLOWRL_CHECK(!h5::is_dataset(group, "infos"), at, " is a dataset; minari writes infos as a group of arrays.");
    struct Walk {
      int64_t rows;
      std::string bad_key;  // the first array without one row per observation
      std::vector<int64_t> bad_shape;
    } walk{n + 1, "", {}};
    Id infos(H5Gopen2(group, "infos", H5P_DEFAULT));
    if (!infos.valid()) fail(at, " cannot be opened (HDF5: ", h5::last_error(), ").");
    auto visit = [](hid_t g, const char* name, const H5L_info_t*, void* data) -> herr_t {
      auto* w = static_cast<Walk*>(data);
      if (!h5::is_dataset(g, name)) return 0;
      Id d(H5Dopen2(g, name, H5P_DEFAULT));
      const auto shape = d.valid() ? h5::dims(d.get()) : std::vector<int64_t>{};
      if (!shape.empty() && shape[0] == w->rows) return 0;
      w->bad_key = name;
      w->bad_shape = shape;
      return 1;  // stop the walk
    };
    H5Lvisit(infos.get(), H5_INDEX_NAME, H5_ITER_INC, visit, &walk);
    FLOWRL_CHECK(walk.bad_key.empty(), where(path_, episode + "/infos/" + walk.bad_key), " has shape ",
                 shape_str(walk.bad_shape), "; expected ", n + 1, " rows, one per observation (the reset info first, ",
                 "as minari records infos).");
  }

  std::string path_;
  const MinariMetadata& meta_;
  Id file_;
};

// h5py's bool (an enum of int8, FALSE = 0 and TRUE = 1; expect_vector checked the dtype) as 0/1 bytes
void read_bools(hid_t dset, uint8_t* out, const std::string& where) {
  Id type(H5Dget_type(dset));
  Id native(H5Tget_native_type(type.get(), H5T_DIR_ASCEND));
  h5::read(dset, native.get(), out, where);
}

// flags of one episode: set only at its last step (minari starts a new episode there)
void check_flags(const std::string& file, const std::string& episode, const char* key, const uint8_t* flags, int64_t n) {
  for (int64_t t = 0; t + 1 < n; ++t) {
    FLOWRL_CHECK(!flags[t], where(file, episode + "/" + key), " is set at step ", t, " of ", n,
                 "; an episode ends at its first termination or truncation (minari's DataCollector starts a new "
                 "episode there), so only its last step may have it.");
  }
}

void check_expected_dims(const std::string& source, const MinariMetadata& m, const MinariReadOptions& o) {
  const std::string env = o.env_name().empty() ? std::string("the expected environment")
                                               : "environment '" + o.env_name() + "'";
  FLOWRL_CHECK(o.obs_dim() <= 0 || m.observation_space.size() == o.obs_dim(), source, ": observation_space has ",
               m.observation_space.size(), " values but ", env, " has ", o.obs_dim(),
               "-D observations; this dataset is for another environment (pass the matching env).");
  FLOWRL_CHECK(o.act_dim() <= 0 || m.action_space.size() == o.act_dim(), source, ": action_space has ",
               m.action_space.size(), " values but ", env, " has ", o.act_dim(),
               "-D actions; this dataset is for another environment (pass the matching env).");
}

MinariDataset load_folder(const std::string& folder, const MinariReadOptions& options) {
  h5::QuietErrors quiet;
  MinariDataset out;
  out.folder = folder;
  out.metadata = read_minari_metadata(folder);
  const MinariMetadata& meta = out.metadata;
  const std::string file = join(folder, "main_data.hdf5");
  check_expected_dims(meta.source, meta, options);
  MinariFile f(file, meta);
  f.check_root();

  // --- every episode's keys, before any bulk read (closed again: a dataset may hold many thousand episodes)
  int64_t rows = 0;
  for (int64_t i = 0; i < meta.total_episodes; ++i) rows += f.open_episode(i).steps;
  FLOWRL_CHECK(rows == meta.total_steps, meta.source, ": total_steps is ", meta.total_steps, " but the ",
               meta.total_episodes, " episodes of ", file, " hold ", rows, " steps (their total_steps attributes); the ",
               "file and its metadata disagree.");

  // --- read each episode into the flat arrays
  const int64_t obs_dim = meta.observation_space.size(), act_dim = meta.action_space.size();
  D4RLDataset& ds = out.steps;
  ds.source = file;
  ds.observations = FloatMatrix(rows, obs_dim);
  if (options.load_next_observations()) ds.next_observations = FloatMatrix(rows, obs_dim);
  ds.actions = FloatMatrix(rows, act_dim);
  ds.rewards.resize(static_cast<size_t>(rows));
  ds.terminals.resize(static_cast<size_t>(rows));
  ds.timeouts.resize(static_cast<size_t>(rows));
  std::vector<float> obs;
  int64_t row = 0;
  for (int64_t i = 0; i < meta.total_episodes; ++i) {
    const EpisodeKeys e = f.open_episode(i);
    const std::string episode = "episode_" + std::to_string(i);
    const int64_t n = e.steps;
    obs.resize(static_cast<size_t>((n + 1) * obs_dim));
    h5::read(e.obs.get(), H5T_NATIVE_FLOAT, obs.data(), where(file, episode + "/observations"));
    std::copy(obs.begin(), obs.begin() + n * obs_dim, ds.observations.row(row));
    if (options.load_next_observations()) std::copy(obs.begin() + obs_dim, obs.end(), ds.next_observations.row(row));
    h5::read(e.act.get(), H5T_NATIVE_FLOAT, ds.actions.row(row), where(file, episode + "/actions"));
    h5::read(e.rew.get(), H5T_NATIVE_FLOAT, ds.rewards.data() + row, where(file, episode + "/rewards"));
    read_bools(e.term.get(), ds.terminals.data() + row, where(file, episode + "/terminations"));
    read_bools(e.trunc.get(), ds.timeouts.data() + row, where(file, episode + "/truncations"));
    uint8_t* term = ds.terminals.data() + row;
    uint8_t* trunc = ds.timeouts.data() + row;
    for (int64_t t = 0; t < n; ++t) {
      FLOWRL_CHECK(term[t] <= 1 && trunc[t] <= 1, where(file, episode + (term[t] > 1 ? "/terminations" : "/truncations")),
                   " holds ", int(std::max(term[t], trunc[t])), " at step ", t, "; a bool is 0 or 1.");
    }
    check_flags(file, episode, "terminations", term, n);
    check_flags(file, episode, "truncations", trunc, n);
    if (options.check_finite()) {
      h5::check_finite(where(file, episode + "/observations"), obs.data(), n + 1, obs_dim, "step");
      h5::check_finite(where(file, episode + "/actions"), ds.actions.row(row), n, act_dim, "step");
      h5::check_finite(where(file, episode + "/rewards"), ds.rewards.data() + row, n, 1, "step");
    }
    MinariEpisode ep;
    ep.id = i;
    ep.first_row = row;
    ep.steps = n;
    ep.seed = e.seed;
    ep.terminated = term[n - 1] != 0;
    ep.truncated = trunc[n - 1] != 0;
    if (!ep.terminated && !ep.truncated) {
      trunc[n - 1] = 1;  // the episode's end must stay an episode end in the flat arrays
      ++out.unflagged_ends;
    }
    out.episodes.push_back(ep);
    row += n;
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
int64_t MinariSpace::size() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::optional<MinariReferenceScores> MinariMetadata::reference_scores() const {
  if (!ref_min_score || !ref_max_score) return std::nullopt;
  return MinariReferenceScores{*ref_min_score, *ref_max_score};
}

std::string minari_datasets_root() {
  if (const char* root = std::getenv("MINARI_DATASETS_PATH")) return root;
  // os.path.expanduser("~"): HOME when set (even empty), else the password database
  if (const char* home = std::getenv("HOME")) return join(home, ".minari/datasets");
  const passwd* pw = ::getpwuid(::getuid());
  FLOWRL_CHECK(pw != nullptr && pw->pw_dir != nullptr, "cannot find the home folder (HOME is unset and the user has ",
               "no password entry): set MINARI_DATASETS_PATH to the folder holding the Minari datasets.");
  return join(pw->pw_dir, ".minari/datasets");
}

bool is_minari_dataset_id(const std::string& id) {
  // minari's DATASET_ID_RE: ((namespace)/)?(name)(-v(version))? with the namespace [-_\w][-_\w/]*[-_\w]+ and the
  // name [-_\w]+ (the optional version is part of what the name's characters already match)
  const auto slash = id.rfind('/');
  const std::string name = slash == std::string::npos ? id : id.substr(slash + 1);
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_word_char)) return false;
  if (slash == std::string::npos) return true;
  const std::string ns = id.substr(0, slash);
  return ns.size() >= 2 && ns.front() != '/' && ns.back() != '/' &&
         std::all_of(ns.begin(), ns.end(), [](char c) { return is_word_char(c) || c == '/'; });
}

std::string minari_data_folder(const std::string& dataset_id) {
  FLOWRL_CHECK(is_minari_dataset_id(dataset_id), "'", dataset_id, "' is not a Minari dataset id; an id is ",
               "(namespace/)name(-vN) of letters, digits, '_' and '-', such as mujoco/hopper/medium-v0.");
  const char* env = std::getenv("MINARI_DATASETS_PATH");
  const std::string root = minari_datasets_root();
  const std::string dataset = join(root, dataset_id);
  const std::string data = join(dataset, "data");
  struct stat st {};
  FLOWRL_CHECK(::stat(data.c_str(), &st) == 0 && S_ISDIR(st.st_mode), "Minari dataset '", dataset_id,
               "' not found: there is no folder ", data, " (the datasets root is ", root.empty() ? "the current folder" : root,
               env ? ", from MINARI_DATASETS_PATH" : ", ~/.minari/datasets since MINARI_DATASETS_PATH is unset",
               "). Download it with `minari download ", dataset_id, "` or set MINARI_DATASETS_PATH to the folder ",
               "holding it.");
  return data;
}

MinariMetadata read_minari_metadata(const std::string& data_folder) {
  const std::string json_file = join(data_folder, "metadata.json");
  const std::string main_file = join(data_folder, "main_data.hdf5");
  if (is_file(json_file)) {
    const JsonValue doc = parse_json(read_text(json_file), json_file, JsonParseOptions().allow_nonfinite(true));
    FLOWRL_CHECK(doc.kind() == JsonValue::Kind::kObject, json_file, " holds ", doc.kind_name(),
                 "; Minari's metadata.json holds one object.");
    return parse_metadata(doc, MetaSource{json_file, "key"});
  }
  FLOWRL_CHECK(is_file(main_file), data_folder, ": has neither metadata.json nor main_data.hdf5; it is not a Minari ",
               "dataset's data folder.");
  const JsonValue doc = root_attributes_as_json(main_file);
  FLOWRL_CHECK(doc.find("total_episodes") != nullptr, data_folder, ": metadata.json is missing, and main_data.hdf5's ",
               "root has no Minari attributes (minari 0.4 kept the metadata there): the dataset's metadata is missing. ",
               "Download the dataset again (`minari download ID`).");
  return parse_metadata(doc, MetaSource{main_file, "root attribute"});
}

MinariDataset load_minari(const std::string& path, const MinariReadOptions& options) {
  const DatasetLocation where = locate_dataset(path);
  FLOWRL_CHECK(where.layout == DatasetLayout::kMinari, path, ": holds D4RL's layout (flat arrays at the root of one ",
               "HDF5 file), not a Minari dataset. Read it with load_d4rl() or load_dataset().");
  return load_folder(where.path, options);
}

MinariDataset load_minari_id(const std::string& dataset_id, const MinariReadOptions& options) {
  return load_folder(minari_data_folder(dataset_id), options);
}

double minari_normalized_score(const MinariReferenceScores& reference, double raw_return) {
  return 100.0 * (raw_return - reference.ref_min_score) / (reference.ref_max_score - reference.ref_min_score);
}

}  // namespace flowrl::data
