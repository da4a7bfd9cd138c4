// Uses the installed flowrl::collect: rolls uniform random actions in hopper as
// `collect-dataset --env hopper --policy random --transitions 3000 --seed 1` does, writes the rows
// with write_dataset(), and checks that they equal that program's file, row for row.
//
//   flowrl_collect PROGRAM_FILE.hdf5 OUT.hdf5
#include <flowrl/collect.h>
#include <flowrl/core/error.h>
#include <flowrl/data/d4rl.h>

#include <iostream>

int main(int argc, char** argv) try {
  if (argc != 3) {
    std::cerr << "usage: flowrl_collect PROGRAM_FILE.hdf5 OUT.hdf5\n";
    return 2;
  }
  namespace collect = flowrl::collect;
  const auto made = collect::collect("hopper", collect::Behaviour(), collect::CollectOptions(3000).seed(1));
  const auto written = collect::write_dataset(argv[2], made.dataset, "hopper");
  const auto program = flowrl::data::load_d4rl(argv[1]);
  const auto& ds = made.dataset;
  const bool same = program.observations.values == ds.observations.values &&
                    program.actions.values == ds.actions.values && program.rewards == ds.rewards &&
                    program.terminals == ds.terminals && program.timeouts == ds.timeouts &&
                    program.infos.qpos.values == ds.infos.qpos.values;
  std::cout << "flowrl collect: " << written.stats.rows << " rows, " << written.stats.episodes << " episodes, states "
            << (written.consistency.ok() ? "replay" : "do NOT replay") << ", the rows of collect-dataset: "
            << (same ? "yes" : "NO") << "\n";
  return same && written.consistency.ok() ? 0 : 1;
} catch (const flowrl::Error& e) {
  std::cerr << "flowrl_collect: " << e.what() << "\n";
  return 1;
}
