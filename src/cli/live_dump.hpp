// The live dump as `dump` and `checkpoint` run it: check the targets and
// the environment, load, optionally freeze, dump, build the snapshot.
#pragma once

#include <sys/types.h>

#include <functional>
#include <vector>

#include "base/result.hpp"
#include "kernel/environment.hpp"
#include "model/model.hpp"

namespace uringdump {

struct LiveDumpRequest {
	std::vector<pid_t> pids; // empty: every process
	bool freeze = false;     // ptrace-stop the targets for an exact snapshot
	LoadOptions load;
};

// Called with the snapshot while the targets are still stopped (--freeze),
// to read what must agree with it (buffer memory, fdinfo).
using WhileFrozen = std::function<Status(const Snapshot&)>;

// Errors: the exit statuses of the man page (Target, Permission,
// Environment, Failure).  Without while_frozen the targets are released
// before the snapshot is built (they stay stopped only for the walk).
Result<Snapshot> live_snapshot(const LiveDumpRequest& req, const WhileFrozen& while_frozen = {});

// URINGDUMP_SPILL_BYTES / URINGDUMP_SPILL_MAX_BYTES into load (Exit::Usage
// when malformed).
Status spill_sizes_from_env(LoadOptions& load);

} // namespace uringdump
