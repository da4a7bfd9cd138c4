// mj_handles.h — RAII for MuJoCo's mjModel/mjData and the checked model loader (internal header;
// MuJoCo's headers never reach flowrl's public API).
#pragma once

#include <mujoco/mujoco.h>

#include <memory>
#include <string>

namespace flowrl::envs::detail {

/// Deletes an mjModel.
struct ModelDeleter {
  void operator()(mjModel* m) const { mj_deleteModel(m); }
};
/// Deletes an mjData.
struct DataDeleter {
  void operator()(mjData* d) const { mj_deleteData(d); }
};

/// An owned mjModel.
using ModelPtr = std::unique_ptr<mjModel, ModelDeleter>;
/// An owned mjData.
using DataPtr = std::unique_ptr<mjData, DataDeleter>;
/// A compiled model shared read-only by many envs (mj_step takes a const mjModel*).
using SharedModel = std::shared_ptr<const mjModel>;

/// Throws flowrl::Error unless the MuJoCo library matches the headers flowrl was built against.
void check_mujoco_version();

/// Compiles the MJCF file at `path`. Throws flowrl::Error naming the file and MuJoCo's message.
ModelPtr load_model(const std::string& path);

/// The compiled model of `path`, compiled once per process and file version, then shared.
SharedModel load_shared_model(const std::string& path);

/// A fresh mjData for `model`. Throws flowrl::Error if MuJoCo cannot allocate it.
DataPtr make_data(const mjModel* model);

/// Routes MuJoCo's warnings to stderr (instead of stdout and MUJOCO_LOG.TXT) and turns its errors
/// into flowrl::Error (instead of a "Press Enter to exit" prompt), unless the program installed its
/// own handlers. Called before the first model is loaded and before mjData is made.
void install_mujoco_handlers();

}  // namespace flowrl::envs::detail
