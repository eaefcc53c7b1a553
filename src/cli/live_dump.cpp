// live_snapshot(): the dump path shared by `dump` and `checkpoint`.
#include "cli/live_dump.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <utility>

#include "base/procfs.hpp"
#include "kernel/dumper.hpp"
#include "kernel/freeze.hpp"

namespace uringdump {
namespace {

bool alive(pid_t pid)
{
	return ::kill(pid, 0) == 0 || errno != ESRCH;
}

// URINGDUMP_SPILL_BYTES=N and URINGDUMP_SPILL_MAX_BYTES=N: the initial and
// the largest size of the spill ring buffer (powers of two from one page to
// 1 GiB; 0 or unset: the defaults, 16 MiB and 1 GiB).  Small ones make the
// overflow-and-reload path and its final failure testable.
Result<std::size_t> size_from_env(const char* name)
{
	const char* text = std::getenv(name);
	if (!text || !*text)
		return std::size_t{0};
	char* end = nullptr;
	errno = 0;
	unsigned long long v = std::strtoull(text, &end, 0);
	const auto page = static_cast<unsigned long long>(sysconf(_SC_PAGESIZE));
	if (errno || !end || *end ||
	    (v != 0 && (v < page || (v & (v - 1)) != 0 || v > (1ull << 30))))
		return make_error(
			Exit::Usage,
			std::string(name) + "='" + text +
				"' is not a power of two between the page size and 1 GiB");
	return static_cast<std::size_t>(v);
}

} // namespace

Status spill_sizes_from_env(LoadOptions& load)
{
	auto initial = size_from_env("URINGDUMP_SPILL_BYTES");
	if (!initial)
		return initial.error();
	auto max = size_from_env("URINGDUMP_SPILL_MAX_BYTES");
	if (!max)
		return max.error();
	if (*initial)
		load.spill_bytes = *initial;
	if (*max)
		load.max_spill_bytes = *max;
	if (load.spill_bytes > load.max_spill_bytes)
		load.spill_bytes = load.max_spill_bytes;
	return {};
}

Result<Snapshot> live_snapshot(const LiveDumpRequest& req, const WhileFrozen& while_frozen)
{
	for (pid_t pid : req.pids)
		if (auto st = check_target(pid); !st)
			return st.error();
	LoadOptions load = req.load;
	if (auto st = spill_sizes_from_env(load); !st)
		return st.error();
	if (auto st = check_environment(load, req.freeze); !st)
		return st.error();

	// Load (BTF, verifier) before freezing: the targets stay stopped only
	// for the walk itself.
	auto dumper = Dumper::load(load);
	if (!dumper)
		return dumper.error();

	std::vector<Freezer> frozen;
	if (req.freeze) {
		for (pid_t pid : req.pids) {
			auto f = Freezer::freeze(pid);
			if (!f)
				return f.error();
			frozen.push_back(std::move(*f));
		}
	}

	// The records are collected as they are read (and their memory goes
	// back), the spilled ones while the walk goes on.
	SnapshotBuilder builder;
	auto dumped = dumper->dump_into(req.pids, builder);
	if (!while_frozen)
		frozen.clear(); // release the targets as soon as the kernel state is read
	if (!dumped)
		return dumped.error();
	for (pid_t pid : req.pids)
		if (!alive(pid))
			return make_error(Exit::Target, "process " + std::to_string(pid) +
								" exited during the dump");
	auto snap = builder.build(req.freeze);
	if (!snap)
		return snap.error();
	if (while_frozen)
		if (auto st = while_frozen(*snap); !st)
			return st.error();
	return snap;
}

} // namespace uringdump
