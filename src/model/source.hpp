// What a stream's source can know, in one place.  The CO-RE task_file
// iterators walk a process: its fd table is known, and they close both
// tables of a ring with a TABLE_END.  The native io_uring_file,
// io_uring_buf and epoll iterators walk an instance: no fd table (every fds
// list is empty because nothing is known, so no tfd can be called stale),
// and a ring stream covers one table (bpftool pins one target), so the
// other table has neither slots nor a TABLE_END.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "bpf/uringdump.h"

namespace uringdump {

struct SourceRules {
	explicit SourceRules(std::uint32_t source) : native(source == UD_SOURCE_NATIVE) {}

	bool native;

	bool fds_known() const { return !native; }

	// Whether a ring table was in the stream at all (else "not dumped").
	// Without it a CO-RE stream has an incomplete table instead.
	bool table_dumped(bool has_slots, bool has_end) const
	{
		return !native || has_slots || has_end;
	}

	// An epoll item's tfd is stale when the process no longer holds the
	// target at that number (fds: sorted); unknowable without an fd table.
	bool tfd_stale(const std::vector<std::uint32_t>& fds, std::uint32_t tfd) const
	{
		return fds_known() && !std::binary_search(fds.begin(), fds.end(), tfd);
	}
};

} // namespace uringdump
