// The answer checks: every method's answer against uringdump's (the
// reference), and uringdump's against what the workload built.
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "bench/bench.hpp"
#include "records/records.hpp"

namespace udbench {
namespace {

// Fills a.what from the compared fields and decides a.ok.
void finish(Agreement& a, const std::vector<std::string>& what)
{
	for (std::size_t i = 0; i < what.size(); i++)
		a.what += (i ? ", " : "") + what[i];
	a.ok = a.mismatches == 0 && a.missing == 0 && a.extra == 0;
}

// Compares the items `got` reports with the reference's.  Returns whether
// fd lists were compared.
bool agree_items(const Canon& ref, const Canon& got, bool partial, Agreement& a)
{
	bool fds = false;
	for (const auto& [key, gi] : got.items) {
		auto it = ref.items.find(key);
		if (it == ref.items.end()) {
			a.extra++;
			a.problem("extra epoll item data=" + std::to_string(key));
			continue;
		}
		a.compared_items++;
		const CItem& ri = it->second;
		if (gi.tfd != ri.tfd || gi.events != ri.events) {
			a.mismatches++;
			a.problem("epoll item data=" + std::to_string(key) + " tfd/events differ");
		}
		if (gi.has_fds && ri.has_fds) {
			fds = true;
			a.compared_fd_lists++;
			if (gi.fds != ri.fds) {
				a.mismatches++;
				a.problem("epoll item data=" + std::to_string(key) + " fds differ");
			}
		}
	}
	if (!partial && got.items.size() < ref.items.size())
		a.missing += ref.items.size() - (got.items.size() - a.extra);
	return fds;
}

bool agree_slots(const Canon& ref, const Canon& got, bool partial, Agreement& a)
{
	bool fds = false;
	const std::uint64_t extra_before = a.extra;
	for (const auto& [key, gs] : got.slots) {
		auto it = ref.slots.find(key);
		if (it == ref.slots.end()) {
			a.extra++;
			a.problem("extra slot");
			continue;
		}
		a.compared_slots++;
		const CSlot& rs = it->second;
		const std::string index = std::to_string(key & 0xffffffff);
		if (gs.path != rs.path) {
			a.mismatches++;
			a.problem("slot " + index + " path " + gs.path + " vs " + rs.path);
		}
		if (gs.has_fds && rs.has_fds) {
			fds = true;
			a.compared_fd_lists++;
			if (gs.fds != rs.fds) {
				a.mismatches++;
				a.problem("slot " + index + " fds differ");
			}
		}
	}
	if (!partial && got.slots.size() < ref.slots.size())
		a.missing += ref.slots.size() - (got.slots.size() - (a.extra - extra_before));
	return fds;
}

} // namespace

std::uint64_t slot_key(std::uint32_t ring_fd, std::uint32_t index)
{
	return static_cast<std::uint64_t>(ring_fd) << 32 | index;
}

Canon canon_of(const uringdump::Snapshot& snap, pid_t pid)
{
	Canon c;
	const uringdump::Process* p = snap.find_process(static_cast<std::uint32_t>(pid));
	if (!p)
		return c;
	c.has_items = c.has_slots = c.has_nfds = true;
	c.nfds = p->fds.size();
	for (const auto& r : p->rings) {
		if (r.fds.empty())
			continue;
		for (const auto& s : r.files.slots) {
			if (s.empty)
				continue;
			CSlot cs{snap.file(s.file).path.value_or(""), true, s.fds};
			if (!c.slots.emplace(slot_key(r.fds[0], s.index), std::move(cs)).second)
				c.duplicate_keys++;
		}
	}
	for (const auto& e : p->epolls)
		for (const auto& it : e.items) {
			CItem ci{it.tfd, it.events, true, it.fds};
			if (!c.items.emplace(it.data, std::move(ci)).second)
				c.duplicate_keys++;
		}
	return c;
}

Canon canon_of_json(const std::string& path, pid_t pid)
{
	Canon c;
	Json::Value doc;
	Json::CharReaderBuilder rb;
	std::ifstream in(path);
	std::string errs;
	if (!Json::parseFromStream(rb, in, &doc, &errs))
		return c;
	c.has_items = c.has_slots = true;
	for (const auto& p : doc["processes"]) {
		if (p["pid"].asInt() != pid)
			continue;
		for (const auto& rg : p["io_urings"]) {
			std::uint32_t rfd = rg["fds"][0].asUInt();
			for (const auto& s : rg["registered_files"]["slots"]) {
				if (s.isMember("empty"))
					continue;
				CSlot cs{s["file"]["path"].asString(), true, {}};
				for (const auto& f : s["fds"])
					cs.fds.push_back(f.asUInt());
				c.slots.emplace(slot_key(rfd, s["index"].asUInt()), std::move(cs));
			}
		}
		for (const auto& e : p["epolls"])
			for (const auto& it : e["items"]) {
				CItem ci{it["tfd"].asUInt(), it["events"].asUInt(), true, {}};
				for (const auto& f : it["fds"])
					ci.fds.push_back(f.asUInt());
				c.items.emplace(it["data"].asUInt64(), std::move(ci));
			}
	}
	return c;
}

Agreement agree(const Canon& ref, const Canon& got, bool partial)
{
	Agreement a;
	a.checked = true;
	std::vector<std::string> what;
	if (got.has_nfds && ref.has_nfds) {
		what.emplace_back("fd count");
		if (got.nfds != ref.nfds) {
			a.mismatches++;
			a.problem("fd count " + std::to_string(got.nfds) + " vs " +
				  std::to_string(ref.nfds));
		}
	}
	if (got.duplicate_keys) {
		a.mismatches += got.duplicate_keys;
		a.problem("duplicate keys");
	}
	bool item_fds = false, slot_fds = false;
	if (got.has_items && ref.has_items) {
		what.emplace_back("epoll items (tfd, events, data)");
		item_fds = agree_items(ref, got, partial, a);
	}
	if (got.has_slots && ref.has_slots) {
		what.emplace_back("registered files (ring, index, path)");
		slot_fds = agree_slots(ref, got, partial, a);
	}
	if (item_fds)
		what.emplace_back("fds of every epoll target");
	if (slot_fds)
		what.emplace_back("fds of every registered file");
	finish(a, what);
	return a;
}

Agreement agree_stream(const Canon& ref, const std::vector<std::uint8_t>& bytes, pid_t pid,
		       const std::string& what)
{
	if (auto recs = uringdump::decode_stream(bytes))
		if (auto snap = uringdump::build_snapshot(*recs, false))
			return agree(ref, canon_of(*snap, pid));
	Agreement a;
	a.checked = true;
	a.problem(what + " does not decode");
	return a;
}

Agreement check_truth(const Workload& w, const Canon& ref)
{
	Agreement a;
	a.checked = true;
	for (const auto& t : w.files) {
		auto it = ref.items.find(w.data_tag | t.index);
		if (it == ref.items.end()) {
			a.missing++;
			a.problem("epoll item of file " + std::to_string(t.index) + " missing");
		} else {
			a.compared_items++;
			a.compared_fd_lists++;
			if (it->second.tfd != t.tfd || it->second.fds != t.fds) {
				a.mismatches++;
				a.problem("epoll item of file " + std::to_string(t.index));
			}
		}
		auto st = ref.slots.find(slot_key(static_cast<std::uint32_t>(t.ring_fd), t.slot));
		if (st == ref.slots.end()) {
			a.missing++;
			a.problem("slot of file " + std::to_string(t.index) + " missing");
		} else {
			a.compared_slots++;
			a.compared_fd_lists++;
			bool kind_ok = t.type == 'p' ? st->second.path.rfind("pipe:[", 0) == 0
						     : st->second.path == "anon_inode:[eventfd]";
			if (!kind_ok || st->second.fds != t.fds) {
				a.mismatches++;
				a.problem("slot of file " + std::to_string(t.index));
			}
		}
	}
	if (ref.items.size() > w.files.size())
		a.extra += ref.items.size() - w.files.size();
	if (ref.slots.size() > w.files.size())
		a.extra += ref.slots.size() - w.files.size();
	finish(a, {"every epoll item (tfd, fds) and registered file (kind, fds) the workload "
		   "built"});
	return a;
}

} // namespace udbench
