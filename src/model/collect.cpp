// Collecting records: keyed, deduplicated, tables in output order.
#include "model/collect.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <tuple>
#include <utility>

namespace uringdump {
namespace {

// Keeps the first record of every key (key(a) == key(b)), sorted by key.
template <class Rec, class Key>
void dedupe_by(std::vector<Rec>& v, Key key)
{
	// A walk writes most tables in order and once: nothing to do then.
	if (std::adjacent_find(v.begin(), v.end(), [&](const Rec& a, const Rec& b) {
		    return !(key(a) < key(b));
	    }) == v.end())
		return;
	std::stable_sort(v.begin(), v.end(),
			 [&](const Rec& a, const Rec& b) { return key(a) < key(b); });
	v.erase(std::unique(v.begin(), v.end(),
			    [&](const Rec& a, const Rec& b) { return key(a) == key(b); }),
		v.end());
}

// The items of one tfd (positions in v, in order of arrival): the first
// record of each file, by (index, file_id).  Almost always one item, with
// the copies of re-run steps; several when an fd was closed and its number
// reused while the old item lives (a registered file keeps it alive).
void order_tfd_group(const std::vector<ItemFacts>& v, std::vector<std::uint32_t>& group)
{
	dedupe_by(group, [&](std::uint32_t pos) { return v[pos].file_id; });
	std::sort(group.begin(), group.end(), [&](std::uint32_t a, std::uint32_t b) {
		return std::tie(v[a].index, v[a].file_id) < std::tie(v[b].index, v[b].file_id);
	});
}

// dedupe_epitems through a table indexed by tfd, when the tfds are dense
// enough for one (false, v untouched, otherwise): a counting sort by tfd
// that keeps the order of arrival, then order_tfd_group.  Linear, where the
// sorts took a tenth of the model at a million items.
bool order_by_tfd_table(std::vector<ItemFacts>& v)
{
	std::uint32_t max_tfd = 0;
	for (const ItemFacts& r : v)
		max_tfd = std::max(max_tfd, r.tfd);
	if (max_tfd >= 8 * v.size() + 4096)
		return false;
	// start[t]: where tfd t's positions begin in `order`
	std::vector<std::uint32_t> start(std::size_t{max_tfd} + 2, 0);
	for (const ItemFacts& r : v)
		start[r.tfd + 1]++;
	for (std::size_t t = 1; t < start.size(); t++)
		start[t] += start[t - 1];
	std::vector<std::uint32_t> order(v.size());
	{
		std::vector<std::uint32_t> next(start.begin(), start.end() - 1);
		for (std::size_t i = 0; i < v.size(); i++)
			order[next[v[i].tfd]++] = static_cast<std::uint32_t>(i);
	}
	std::vector<ItemFacts> out;
	out.reserve(v.size());
	std::vector<std::uint32_t> group;
	for (std::size_t t = 0; t + 1 < start.size(); t++) {
		const std::uint32_t b = start[t], e = start[t + 1];
		if (e - b == 1) {
			out.push_back(v[order[b]]);
			continue;
		}
		group.assign(order.begin() + b, order.begin() + e);
		order_tfd_group(v, group);
		for (std::uint32_t pos : group)
			out.push_back(v[pos]);
	}
	v = std::move(out);
	return true;
}

// EPOLL items: the first record of every (file_id, tfd), in output order
// (by tfd, then walk position).  Without a table by tfd: sorted as small
// keys with the record's position, the records moved once (sorting the
// records themselves, stable, so with a buffer as large as the table, took
// a tenth of the model at a million items when they were 64 bytes).
void dedupe_epitems(std::vector<ItemFacts>& v)
{
	if (order_by_tfd_table(v))
		return;
	struct ById {
		std::uint64_t file_id;
		std::uint32_t tfd;
		std::uint32_t pos; // in v: among equal keys, the first received wins
	};
	std::vector<ById> ids(v.size());
	for (std::size_t i = 0; i < v.size(); i++)
		ids[i] = {v[i].file_id, v[i].tfd, static_cast<std::uint32_t>(i)};
	std::sort(ids.begin(), ids.end(), [](const ById& a, const ById& b) {
		return std::tie(a.file_id, a.tfd, a.pos) < std::tie(b.file_id, b.tfd, b.pos);
	});
	struct ByOutput {
		std::uint32_t tfd;
		std::uint32_t index;
		std::uint64_t file_id;
		std::uint32_t pos;
	};
	std::vector<ByOutput> kept;
	kept.reserve(ids.size());
	for (std::size_t i = 0; i < ids.size(); i++)
		if (i == 0 || ids[i].file_id != ids[i - 1].file_id || ids[i].tfd != ids[i - 1].tfd)
			kept.push_back(
				{ids[i].tfd, v[ids[i].pos].index, ids[i].file_id, ids[i].pos});
	std::vector<ById>().swap(ids);
	// (tfd, file_id) differ between kept items: the order is total.
	std::sort(kept.begin(), kept.end(), [](const ByOutput& a, const ByOutput& b) {
		return std::tie(a.tfd, a.index, a.file_id) < std::tie(b.tfd, b.index, b.file_id);
	});
	std::vector<ItemFacts> out;
	out.reserve(kept.size());
	for (const ByOutput& k : kept)
		out.push_back(v[k.pos]);
	v = std::move(out);
}

} // namespace

std::string_view bounded_view(const char* s, std::size_t max)
{
	return {s, strnlen(s, max)};
}

std::string bounded_string(const char* s, std::size_t max)
{
	return std::string(bounded_view(s, max));
}

FileFacts::FileFacts(const ud_rec_file& r)
    : ino(r.ino), kind(r.kind), mode(r.mode), dev(r.dev), f_flags(r.f_flags)
{
	std::memcpy(anon_name, r.anon_name, sizeof(anon_name));
}

SlotFacts::SlotFacts(const ud_rec_rfile& r)
    : file_id((r.h.flags & UD_SLOT_EMPTY) ? 0 : r.file_id), tag(r.tag), index(r.index)
{}

ItemFacts::ItemFacts(const ud_rec_epitem& r)
    : file_id(r.file_id), data(r.data), tfd(r.tfd), events(r.events), index(r.index)
{}

void Collected::add_stream(const ud_rec_stream& s)
{
	if (!have_stream) {
		have_stream = true;
		layout = s.layout;
		source = s.source;
		run_id = s.run_id;
	}
	if (hz == 0)
		hz = s.hz;
}

// One TASK per process; the group leader's comm wins over a thread's.
void Collected::add_task(const ud_rec_task& t)
{
	auto [it, inserted] = tasks.try_emplace(t.h.pid, t);
	if (!inserted && it->second.tid != t.h.pid && t.tid == t.h.pid)
		it->second = t;
}

// Repeated TABLE_ENDs (a re-run step) merge to the most demanding.
void Collected::add_table_end(const ud_rec_table_end& t)
{
	if (t.owner_id == 0 || t.table < UD_TABLE_RFILE || t.table > UD_TABLE_EPITEM)
		return;
	auto [it, inserted] = table_ends.try_emplace(TableKey{t.owner_id, t.table}, t);
	if (inserted)
		return;
	ud_rec_table_end& have = it->second;
	have.h.flags |= t.h.flags;
	have.count = std::max(have.count, t.count);
	have.dropped = std::max(have.dropped, t.dropped);
}

// Sizes the maps from a count of record types: no rehash while adding.
void Collected::reserve(std::span<const RawRecord> records)
{
	std::array<std::size_t, UD_REC_MAX> n{};
	for (const RawRecord& r : records)
		if (r.type() < UD_REC_MAX)
			n[r.type()]++;
	tasks.reserve(n[UD_REC_TASK]);
	fds.reserve(n[UD_REC_FD]);
	files.reserve(n[UD_REC_FILE]);
	rings.reserve(n[UD_REC_RING]);
	epolls.reserve(n[UD_REC_EPOLL]);
	table_ends.reserve(n[UD_REC_TABLE_END]);
}

void Collected::add(const RawRecord& r)
{
	switch (r.type()) {
	case UD_REC_STREAM: add_stream(r.as<ud_rec_stream>()); break;
	case UD_REC_TASK: add_task(r.as<ud_rec_task>()); break;
	case UD_REC_FD: {
		const auto fd = r.as<ud_rec_fd>();
		if (fd.file_id == 0)
			break;
		if ((fd.h.flags & UD_FD_THREAD_TABLE) && fd.table_id != 0)
			thread_fds[fd.table_id].push_back(fd);
		else
			fds.try_emplace(std::uint64_t{fd.h.pid} << 32 | fd.fd, fd);
		break;
	}
	case UD_REC_THREAD: {
		const auto t = r.as<ud_rec_thread>();
		threads.insert_or_assign(t.tid, t);
		break;
	}
	case UD_REC_RINGREF: {
		const auto ref = r.as<ud_rec_ringref>();
		if (ref.ring_id != 0)
			ringrefs.push_back(ref);
		break;
	}
	case UD_REC_RING_STATE: {
		const auto st = r.as<ud_rec_ring_state>();
		if (st.ring_id != 0)
			ring_states.try_emplace(st.ring_id, st);
		break;
	}
	case UD_REC_RING_REGS: {
		const auto g = r.as<ud_rec_ring_regs>();
		if (g.ring_id != 0)
			ring_regs.try_emplace(g.ring_id, g);
		break;
	}
	case UD_REC_PERSONALITY: {
		const auto pr = r.as<ud_rec_personality>();
		if (pr.ring_id != 0)
			personalities[pr.ring_id].push_back(pr);
		break;
	}
	case UD_REC_REQ: {
		const auto q = r.as<ud_rec_req>();
		if (q.ring_id != 0 && q.kind > 0 && q.kind < UD_REQ_KIND_MAX)
			reqs[q.ring_id].push_back(q);
		break;
	}
	case UD_REC_PBUF: {
		const auto b = r.as<ud_rec_pbuf>();
		if (b.ring_id != 0)
			pbufs[b.ring_id].push_back(b);
		break;
	}
	case UD_REC_PERS_GROUPS: {
		const auto g = r.as<ud_rec_pers_groups>();
		if (g.ring_id != 0 && g.h.flags <= UD_PERS_GROUPS_PER_REC)
			pers_groups[g.ring_id].push_back(g);
		break;
	}
	case UD_REC_PBUF_BUF: {
		const auto b = r.as<ud_rec_pbuf_buf>();
		if (b.ring_id != 0)
			pbuf_bufs[b.ring_id].push_back(b);
		break;
	}
	case UD_REC_MAP: {
		const auto m = r.as<ud_rec_map>();
		if (m.ring_id != 0)
			maps.push_back(m);
		break;
	}
	case UD_REC_FILE: {
		const auto f = r.as<ud_rec_file>();
		if (f.file_id != 0)
			files.try_emplace(f.file_id, FileFacts(f));
		break;
	}
	case UD_REC_PATH: {
		const auto p = r.as<ud_rec_path>();
		if (p.file_id != 0)
			paths[p.file_id].push_back(p);
		break;
	}
	case UD_REC_RING: add_owned(rings, r.as<ud_rec_ring>()); break;
	case UD_REC_EPOLL: add_owned(epolls, r.as<ud_rec_epoll>()); break;
	case UD_REC_RFILE: {
		const auto s = r.as<ud_rec_rfile>();
		if (s.ring_id != 0)
			rfiles[s.ring_id].emplace_back(s);
		break;
	}
	case UD_REC_RBUF: {
		const auto s = r.as<ud_rec_rbuf>();
		if (s.ring_id != 0)
			rbufs[s.ring_id].push_back(s);
		break;
	}
	case UD_REC_EPITEM: {
		const auto s = r.as<ud_rec_epitem>();
		if (s.ep_id != 0)
			epitems[s.ep_id].emplace_back(s);
		break;
	}
	case UD_REC_TABLE_END: add_table_end(r.as<ud_rec_table_end>()); break;
	default: break; // END and unknown types carry nothing for the model
	}
}

// Dedupes the tables: RFILE/RBUF by index, EPITEM by (file_id, tfd);
// sorts them in output order.
void Collected::finish()
{
	for (auto& [id, v] : rfiles)
		dedupe_by(v, [](const SlotFacts& s) { return s.index; });
	for (auto& [id, v] : rbufs)
		dedupe_by(v, [](const ud_rec_rbuf& s) { return s.index; });
	for (auto& [id, v] : epitems)
		dedupe_epitems(v);
	for (auto& [id, v] : thread_fds)
		dedupe_by(v, [](const ud_rec_fd& f) { return f.fd; });
	for (auto& [id, v] : personalities)
		dedupe_by(v, [](const ud_rec_personality& x) { return x.id; });
	for (auto& [id, v] : pbufs)
		dedupe_by(v, [](const ud_rec_pbuf& x) { return x.bgid; });
	for (auto& [id, v] : pers_groups)
		dedupe_by(v, [](const ud_rec_pers_groups& x) { return std::pair{x.id, x.first}; });
	for (auto& [id, v] : pbuf_bufs)
		dedupe_by(v, [](const ud_rec_pbuf_buf& x) { return std::pair{x.bgid, x.pos}; });
	// a summary after the records of its kind; polls and async polls, and
	// queued and running io-wq work, share one walk (and its summary):
	// order them by walk position
	for (auto& [id, v] : reqs)
		dedupe_by(v, [](const ud_rec_req& x) {
			const bool summary = (x.h.flags & UD_REQ_SUMMARY) != 0;
			const int kind = x.kind == UD_REQ_APOLL          ? int{UD_REQ_POLL}
					 : x.kind == UD_REQ_IOWQ_RUNNING ? int{UD_REQ_IOWQ_QUEUED}
									 : int{x.kind};
			return std::tuple{kind, summary, x.index};
		});
	dedupe_by(ringrefs, [](const ud_rec_ringref& x) { return std::pair{x.tid, x.index}; });
	dedupe_by(maps, [](const ud_rec_map& x) { return std::pair{x.h.pid, x.start}; });
	for (auto& [id, r] : rings)
		sort_unique(r.pids);
	for (auto& [id, e] : epolls)
		sort_unique(e.pids);
}

void Collected::add(std::span<const RawRecord> records)
{
	for (const RawRecord& r : records)
		add(r);
}

Collected Collected::from(std::span<const RawRecord> records)
{
	Collected c;
	c.reserve(records);
	c.add(records);
	c.finish();
	return c;
}

std::size_t Collected::received(const TableKey& key) const
{
	auto size_of = [&](const auto& map) -> std::size_t {
		auto it = map.find(key.owner);
		return it == map.end() ? 0 : it->second.size();
	};
	switch (key.table) {
	case UD_TABLE_RFILE: return size_of(rfiles);
	case UD_TABLE_RBUF: return size_of(rbufs);
	default: return size_of(epitems);
	}
}

} // namespace uringdump
