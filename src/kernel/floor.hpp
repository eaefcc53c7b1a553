// The iterator floor for `make bench`: task_file iterators over one
// process that do (almost) nothing (bpf/floor.bpf.c), loaded once and run
// as often as wanted.  What any iterator-based dump costs at least.  Not
// used by the uringdump binary.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>

#include "base/result.hpp"
#include "kernel/environment.hpp"

namespace uringdump {

// What one floor walk visited.
struct FloorCounts {
	std::uint64_t fds = 0;   // open files of the process
	std::uint64_t slots = 0; // occupied registered file slots (walk only)
	std::uint64_t items = 0; // epoll items (walk only)
};

class FloorProbe {
public:
	// Loads both programs, or only the fd-count one when the table walk
	// does not load on this kernel (it is built for >= 6.13 file tables).
	static Result<FloorProbe> load(const LoadOptions& opts);

	FloorProbe(FloorProbe&&) noexcept;
	FloorProbe& operator=(FloorProbe&&) noexcept;
	~FloorProbe();

	// Walks the fd table of `pid` doing nothing per fd but count it.
	Result<FloorCounts> count_fds(pid_t pid);

	// Walks the fd table and every ring's file table and epoll tree in it,
	// counting what it visits; with read_identity, also reads what
	// identifies each slot's and item's file, as a dump's FILE record does.
	// Precondition: has_walk().
	Result<FloorCounts> walk(pid_t pid, bool read_identity = false);

	bool has_walk() const;

private:
	struct Impl;
	explicit FloorProbe(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

} // namespace uringdump
