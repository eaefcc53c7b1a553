// Step 2 of build_snapshot: one Process per pid with its fds, rings and
// epolls, every file id resolved to a File and every file joined with the
// fds that hold it (one hash lookup per reference: linear time).
#pragma once

#include <vector>

#include "model/collect.hpp"
#include "model/complete.hpp"
#include "model/files.hpp"
#include "model/model.hpp"
#include "model/source.hpp"

namespace uringdump {

// Every process the records mention, sorted by pid; rings and epolls by
// lowest fd, those without an fd last.
std::vector<Process> resolve_processes(const Collected& c, FileRegistry& files,
				       const Completeness& tables, SourceRules rules);

} // namespace uringdump
