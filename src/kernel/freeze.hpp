// Stops every thread of a process for an exact snapshot and always lets them go.
#pragma once

#include <sys/types.h>

#include <vector>

#include "base/result.hpp"

namespace uringdump {

// PTRACE_SEIZE + PTRACE_INTERRUPT of every thread of `pid`; the destructor
// detaches them all (also when the dump fails or throws).  Should uringdump
// itself die, the kernel detaches the tracees and they continue.
class Freezer {
public:
	static Result<Freezer> freeze(pid_t pid);

	Freezer(const Freezer&) = delete;
	Freezer& operator=(const Freezer&) = delete;
	Freezer(Freezer&& o) noexcept;
	Freezer& operator=(Freezer&&) = delete;
	~Freezer();

	const std::vector<pid_t>& threads() const { return tids_; }

private:
	Freezer() = default;
	void release();

	pid_t pid_ = 0;
	std::vector<pid_t> tids_; // seized threads
	std::vector<int> sigs_;   // signal to hand back on detach, per thread
};

} // namespace uringdump
