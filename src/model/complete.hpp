// Completeness of the tables of a snapshot: did every record that a
// TABLE_END counts arrive, and did the walk finish.
#pragma once

#include <cstdint>

#include "base/result.hpp"
#include "model/collect.hpp"
#include "model/files.hpp"
#include "model/source.hpp"

namespace uringdump {

class Completeness {
public:
	Completeness(const Collected& c, SourceRules rules) : c_(c), rules_(rules) {}

	// Whether the stream covered this table of owner (see SourceRules).
	bool dumped(std::uint64_t owner, std::uint32_t table, bool has_slots) const;

	// Whether the table is whole: its TABLE_END is not flagged incomplete
	// and, for epoll items, as many distinct items arrived as it counts.
	// A table without TABLE_END counts as `without_end`.
	bool complete(std::uint64_t owner, std::uint32_t table, bool without_end) const;

	// Every TABLE_END must be matched by as many distinct records; else an
	// Exit::Failure "dump incomplete: ..." naming the first such table by
	// its owner's label (labelling it if needed).
	Status check(FileRegistry& files) const;

private:
	const Collected& c_;
	SourceRules rules_;
};

} // namespace uringdump
