// Completeness checks of the tables (TABLE_END against what arrived).
#include "model/complete.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace uringdump {
namespace {

struct IncompleteTable {
	std::uint32_t owner_label;
	std::uint32_t table;
	std::size_t received;
	std::uint32_t count;
	std::uint32_t dropped;
};

const char* table_title(std::uint32_t table)
{
	switch (table) {
	case UD_TABLE_RFILE: return "ring %s registered files";
	case UD_TABLE_RBUF: return "ring %s registered buffers";
	default: return "epoll %s items";
	}
}

std::string describe(const IncompleteTable& t)
{
	std::string title = table_title(t.table);
	title.replace(title.find("%s"), 2, "f" + std::to_string(t.owner_label));
	std::string msg = "dump incomplete: " + title + ": " + std::to_string(t.received) + " of " +
			  std::to_string(t.count) + " records";
	if (t.dropped != 0)
		msg += " (" + std::to_string(t.dropped) + " dropped)";
	return msg;
}

} // namespace

bool Completeness::dumped(std::uint64_t owner, std::uint32_t table, bool has_slots) const
{
	return rules_.table_dumped(has_slots, c_.table_ends.contains(TableKey{owner, table}));
}

bool Completeness::complete(std::uint64_t owner, std::uint32_t table, bool without_end) const
{
	auto it = c_.table_ends.find(TableKey{owner, table});
	if (it == c_.table_ends.end())
		return without_end;
	if (it->second.h.flags & UD_TABLE_INCOMPLETE)
		return false;
	// A lockless walk of an epoll tree that changes under it can visit an
	// item twice (and so may have missed another): not exact.
	return table != UD_TABLE_EPITEM || c_.received(it->first) >= it->second.count;
}

// Every TABLE_END must be matched by as many distinct records.
Status Completeness::check(FileRegistry& files) const
{
	std::vector<IncompleteTable> bad;
	for (const auto& [key, end] : c_.table_ends) {
		const std::size_t have = c_.received(key);
		if (have >= end.count)
			continue;
		// Slots have unique indices, so fewer of them is a loss; epoll
		// items without drops are duplicates of a racing walk, reported
		// as "complete": false by complete().
		if (key.table == UD_TABLE_EPITEM && end.dropped == 0)
			continue;
		const FileRef owner = files.ref(key.owner);
		files.label(owner);
		bad.push_back(IncompleteTable{files.get(owner).label, key.table, have, end.count,
					      end.dropped});
	}
	if (bad.empty())
		return {};
	const auto first =
		std::min_element(bad.begin(), bad.end(), [](const auto& a, const auto& b) {
			return std::pair{a.owner_label, a.table} <
			       std::pair{b.owner_label, b.table};
		});
	return make_error(Exit::Failure, describe(*first));
}

} // namespace uringdump
