// Step 3 of build_snapshot: the per-run labels.  Files are "f1", "f2", ...
// in output order (rings with their SQPOLL peers, eventfd and slots, then
// epolls and their items, then files only fd tables reference); rings that
// share one SQPOLL thread form groups "g1", "g2", ...
#pragma once

#include "model/collect.hpp"
#include "model/files.hpp"
#include "model/model.hpp"

namespace uringdump {

// Labels every file snap.processes references and fills snap.groups.
void label_snapshot(Snapshot& snap, FileRegistry& files, const Collected& c);

} // namespace uringdump
