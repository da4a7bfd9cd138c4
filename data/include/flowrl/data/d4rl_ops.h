// flowrl/data/d4rl_ops.h — whole-dataset operations used to build D4RL-style files: trimming the
// trailing partial episode, concatenation, and D4RL's medium-expert stitching. Torch-free.
//
//   auto me = stitch_d4rl(medium, expert);   // hopper-medium-expert-v2's recipe
#pragma once

#include <flowrl/data/d4rl.h>

#include <cstdint>
#include <vector>

namespace flowrl::data {

/// Rows [begin, end) of `ds`, every per-row array included (metadata copied as is).
D4RLDataset slice_rows(const D4RLDataset& ds, int64_t begin, int64_t end);

/// `ds` cut after its last row with terminals or timeouts set (the trailing partial episode
/// removed); empty when no row is flagged.
D4RLDataset trim_after_last_done(const D4RLDataset& ds);

/// The rows of `parts` one after another. Every part must have the same widths and the same
/// optional arrays (timeouts, next_observations, infos/*); metadata is taken from the first part.
/// Throws flowrl::Error naming the part that does not fit.
D4RLDataset concat_d4rl(const std::vector<D4RLDataset>& parts);

/// D4RL's stitch_dataset.py: `first` cut after its last terminal/timeout, then `second` whole.
/// The result carries no metadata/* (as hopper-medium-expert-v2 has none).
D4RLDataset stitch_d4rl(const D4RLDataset& first, const D4RLDataset& second);

}  // namespace flowrl::data
