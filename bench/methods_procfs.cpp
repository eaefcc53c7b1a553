// procfs: read and parse /proc/PID/fdinfo of the epoll and the rings.  It
// gives each epoll item's registration-time tfd, events and data, and each
// registered file's path; it resolves no fds.
#include <cstdlib>
#include <cstring>
#include <string>

#include "bench/bench.hpp"

namespace udbench {
namespace {

std::string read_text(const std::string& path)
{
	auto b = read_path(path);
	return {b.begin(), b.end()};
}

// "tfd: N events: X data: X pos:N ino:X sdev:X" lines of an epoll's fdinfo.
void parse_epoll(const std::string& text, ProcState& ps)
{
	const char* p = text.c_str();
	while ((p = std::strstr(p, "tfd:"))) {
		PItem it;
		char* q = nullptr;
		it.tfd = static_cast<std::uint32_t>(std::strtoul(p + 4, &q, 10));
		p = std::strstr(q, "events:");
		it.events = static_cast<std::uint32_t>(std::strtoul(p + 7, &q, 16));
		p = std::strstr(q, "data:");
		it.data = std::strtoull(p + 5, &q, 16);
		p = std::strstr(q, "ino:");
		it.ino = std::strtoull(p + 4, &q, 16);
		p = std::strstr(q, "sdev:");
		it.sdev = static_cast<std::uint32_t>(std::strtoul(p + 5, &q, 16));
		p = q;
		ps.items.push_back(it);
	}
}

std::uint32_t mask_entries(const std::string& text, const char* key)
{
	const char* m = std::strstr(text.c_str(), key);
	return m ? static_cast<std::uint32_t>(std::strtoul(m + std::strlen(key), nullptr, 16)) + 1
		 : 0;
}

// A ring's fdinfo: its sizes and the "UserFiles:" block ("%5u: path" lines).
void parse_ring(const std::string& text, ProcState& ps)
{
	ps.sq_entries.push_back(mask_entries(text, "SqMask:"));
	ps.cq_entries.push_back(mask_entries(text, "CqMask:"));
	std::vector<PSlot> slots;
	const char* p = std::strstr(text.c_str(), "UserFiles:");
	if (!p) {
		ps.ring_info_missing = true;
		ps.ring_slots.emplace_back();
		return;
	}
	char* q = nullptr;
	unsigned long nr = std::strtoul(p + 10, &q, 10);
	p = std::strchr(q, '\n');
	slots.reserve(nr);
	while (p && *++p) {
		const char* s = p;
		while (*s == ' ')
			s++;
		if (*s < '0' || *s > '9')
			break; // "UserBufs:"
		PSlot sl;
		sl.index = static_cast<std::uint32_t>(std::strtoul(s, &q, 10));
		if (*q != ':')
			break;
		const char* e = std::strchr(q, '\n');
		if (!e)
			e = q + std::strlen(q);
		sl.path.assign(static_cast<const char*>(q) + 2, e);
		slots.push_back(std::move(sl));
		p = e;
	}
	ps.ring_slots.push_back(std::move(slots));
}

Canon canon_of(const ProcState& ps, const Workload& w)
{
	Canon c;
	c.has_items = c.has_slots = true;
	for (const auto& it : ps.items)
		if (!c.items.emplace(it.data, CItem{it.tfd, it.events, false, {}}).second)
			c.duplicate_keys++;
	for (std::size_t r = 0; r < ps.ring_slots.size(); r++)
		for (const auto& s : ps.ring_slots[r]) {
			auto key = slot_key(static_cast<std::uint32_t>(w.ring_fds[r]), s.index);
			if (!c.slots.emplace(key, CSlot{s.path, false, {}}).second)
				c.duplicate_keys++;
		}
	return c;
}

} // namespace

ProcState read_procfs(const Workload& w)
{
	ProcState ps;
	const std::string base = "/proc/" + std::to_string(w.pid) + "/fdinfo/";
	parse_epoll(read_text(base + std::to_string(w.epoll_fd)), ps);
	for (int rfd : w.ring_fds)
		parse_ring(read_text(base + std::to_string(rfd)), ps);
	return ps;
}

void run_procfs_method(Bench& b)
{
	if (!b.want("procfs"))
		return;
	MethodResult m("procfs");
	ProcState last;
	repeat(b.cfg, m, [&](int) {
		Stopwatch sw;
		last = read_procfs(b.w);
		return sw.lap();
	});
	m.agreement = agree(b.ref.canon, canon_of(last, b.w));
	if (last.ring_info_missing)
		m.note = "a ring's fdinfo had no UserFiles block (uring_lock contended)";
	m.extra["resolves_fds"] = false;
	b.results.push_back(std::move(m));
}

} // namespace udbench
