// Resolving records into processes: fds, rings with their tables, epolls
// with their items.
#include "model/resolve.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "model/flags.hpp"

namespace uringdump {
namespace {

using FdList = std::vector<std::uint32_t>;

// What is known of one process before its model is built.
struct ProcessSeed {
	std::vector<ud_rec_fd> fds;
	std::vector<std::uint64_t> rings;
	std::vector<std::uint64_t> epolls;
	// version 2: reach
	std::vector<ud_rec_thread> threads;
	std::vector<std::uint64_t> tables; // thread tables (Collected::thread_fds keys)
	std::vector<ud_rec_ringref> ringrefs;
	std::vector<ud_rec_map> maps;
};

// fds grouped by a key (file id or eventfd_ctx id): one flat array of fds
// and one hash map of ranges, no vector per key.
class FdGroups {
public:
	// pairs: (key, fd); sorted here.
	void build(std::vector<std::pair<std::uint64_t, std::uint32_t>> pairs)
	{
		std::sort(pairs.begin(), pairs.end());
		fds_.reserve(pairs.size());
		ranges_.reserve(pairs.size());
		for (std::size_t i = 0; i < pairs.size();) {
			const std::uint64_t key = pairs[i].first;
			const auto start = static_cast<std::uint32_t>(fds_.size());
			for (; i < pairs.size() && pairs[i].first == key; i++)
				fds_.push_back(pairs[i].second);
			ranges_.try_emplace(
				key, Range{start, static_cast<std::uint32_t>(fds_.size()) - start});
		}
	}

	// The sorted fds of key (empty when none).
	FdList of(std::uint64_t key) const
	{
		auto it = ranges_.find(key);
		if (it == ranges_.end())
			return {};
		const auto first = fds_.begin() + it->second.start;
		return FdList(first, first + it->second.len);
	}

	bool contains(std::uint64_t key) const { return ranges_.count(key) != 0; }

private:
	struct Range {
		std::uint32_t start;
		std::uint32_t len;
	};
	std::vector<std::uint32_t> fds_;
	IdMap<Range> ranges_;
};

// The fds of one process, by file and by eventfd_ctx.
struct ProcessIndex {
	FdGroups by_file;
	FdGroups by_aux;

	explicit ProcessIndex(const std::vector<ud_rec_fd>& fds)
	{
		std::vector<std::pair<std::uint64_t, std::uint32_t>> files, auxes;
		files.reserve(fds.size());
		for (const ud_rec_fd& fd : fds) {
			files.emplace_back(fd.file_id, fd.fd);
			if (fd.aux_id != 0)
				auxes.emplace_back(fd.aux_id, fd.fd);
		}
		by_file.build(std::move(files));
		by_aux.build(std::move(auxes));
	}

	FdList of_file(std::uint64_t id) const { return by_file.of(id); }
	FdList of_aux(std::uint64_t id) const { return by_aux.of(id); }
};

class Resolver {
public:
	Resolver(const Collected& c, FileRegistry& files, const Completeness& tables,
		 SourceRules rules)
	    : c_(c), files_(files), tables_(tables), rules_(rules)
	{}

	std::vector<Process> run()
	{
		index_eventfds();
		build_processes();
		return std::move(processes_);
	}

private:
	void index_eventfds();
	void build_processes();
	Process build_process(std::uint32_t pid, ProcessSeed& seed);
	void build_threads(Process& p, ProcessSeed& seed);
	void add_reach(Process& p, const ProcessSeed& seed);
	Ring build_ring(const ud_rec_ring& rec, const ProcessIndex& idx);
	Sqpoll build_sqpoll(const ud_rec_ring& rec);
	static RingRegs build_regs(const ud_rec_ring_regs& g);
	static BufferGroup build_group(const ud_rec_pbuf& x);
	static void list_buffers(std::vector<BufferGroup>& groups,
				 const std::vector<ud_rec_pbuf_buf>& bufs);
	static void list_groups(std::vector<Personality>& personalities,
				const std::vector<ud_rec_pers_groups>& recs);
	static Requests build_requests(const std::vector<ud_rec_req>& v);
	RingEventfd build_eventfd(const ud_rec_ring& rec, const ProcessIndex& idx);
	Table<RegisteredFile> build_rfiles(const ud_rec_ring& rec, const ProcessIndex& idx);
	Table<RegisteredBuffer> build_rbufs(const ud_rec_ring& rec);
	Epoll build_epoll(const ud_rec_epoll& rec, const ProcessIndex& idx);
	EpollItem build_item(const ItemFacts& rec, const ProcessIndex& idx);
	template <class T>
	void sort_instances(std::vector<T>& v);

	const Collected& c_;
	FileRegistry& files_;
	const Completeness& tables_;
	SourceRules rules_;
	std::vector<Process> processes_;
	std::unordered_map<std::uint64_t, std::uint64_t> aux_file_; // eventfd_ctx -> file
};

// RING.evfd_id names an eventfd_ctx; an fd of an eventfd carries the same
// id in FD.aux_id, which leads to the eventfd's file.
void Resolver::index_eventfds()
{
	for (const auto& [id, ring] : c_.rings)
		if (ring.rec.evfd_id != 0)
			aux_file_.try_emplace(ring.rec.evfd_id, 0);
	if (!aux_file_.empty()) {
		for (const auto& [key, fd] : c_.fds) {
			auto it = aux_file_.find(fd.aux_id);
			if (fd.aux_id != 0 && it != aux_file_.end() && it->second == 0)
				it->second = fd.file_id;
		}
	}
}

void Resolver::build_processes()
{
	std::unordered_map<std::uint32_t, ProcessSeed> seeds;
	for (const auto& [pid, task] : c_.tasks)
		seeds[pid];
	for (const auto& [key, fd] : c_.fds)
		seeds[fd.h.pid].fds.push_back(fd);
	for (const auto& [id, ring] : c_.rings)
		for (std::uint32_t pid : ring.pids)
			seeds[pid].rings.push_back(id);
	for (const auto& [id, ep] : c_.epolls)
		for (std::uint32_t pid : ep.pids)
			seeds[pid].epolls.push_back(id);
	for (const auto& [tid, t] : c_.threads)
		seeds[t.h.pid].threads.push_back(t);
	for (const auto& [table, fds] : c_.thread_fds)
		if (!fds.empty())
			seeds[fds.front().h.pid].tables.push_back(table);
	for (const ud_rec_ringref& ref : c_.ringrefs)
		seeds[ref.h.pid].ringrefs.push_back(ref);
	for (const ud_rec_map& m : c_.maps)
		seeds[m.h.pid].maps.push_back(m);

	std::vector<std::uint32_t> pids;
	pids.reserve(seeds.size());
	for (const auto& [pid, seed] : seeds)
		pids.push_back(pid);
	std::sort(pids.begin(), pids.end());
	processes_.reserve(pids.size());
	for (std::uint32_t pid : pids)
		processes_.push_back(build_process(pid, seeds[pid]));
}

Process Resolver::build_process(std::uint32_t pid, ProcessSeed& seed)
{
	Process p;
	p.pid = pid;
	p.fds_known = rules_.fds_known();
	if (auto it = c_.tasks.find(pid); it != c_.tasks.end()) {
		p.ppid = it->second.ppid;
		p.comm = bounded_string(it->second.comm, sizeof(it->second.comm));
	}
	std::sort(seed.fds.begin(), seed.fds.end(),
		  [](const ud_rec_fd& a, const ud_rec_fd& b) { return a.fd < b.fd; });
	const ProcessIndex idx(seed.fds);
	p.fds.reserve(seed.fds.size());
	for (const ud_rec_fd& fd : seed.fds) {
		p.fds.push_back(Fd{fd.fd, files_.ref(fd.file_id), fd.aux_id});
		if (c_.rings.count(fd.file_id))
			seed.rings.push_back(fd.file_id);
		if (c_.epolls.count(fd.file_id))
			seed.epolls.push_back(fd.file_id);
	}
	build_threads(p, seed);
	// instances held by a thread's table, a registered slot or a mapping
	for (const FdTable& t : p.fd_tables)
		for (const Fd& fd : t.fds) {
			const std::uint64_t id = files_.get(fd.file).raw_id;
			if (c_.rings.count(id))
				seed.rings.push_back(id);
			if (c_.epolls.count(id))
				seed.epolls.push_back(id);
		}
	for (const ud_rec_ringref& ref : seed.ringrefs)
		if (c_.rings.count(ref.ring_id))
			seed.rings.push_back(ref.ring_id);
	for (const ud_rec_map& m : seed.maps)
		if (c_.rings.count(m.ring_id))
			seed.rings.push_back(m.ring_id);
	sort_unique(seed.rings);
	sort_unique(seed.epolls);

	// An instance is resolved against the table that holds it: the
	// leader's, or else the first thread table with an fd of it.
	std::vector<ProcessIndex> table_idx;
	table_idx.reserve(p.fd_tables.size());
	for (const FdTable& t : p.fd_tables) {
		std::vector<ud_rec_fd> fds;
		fds.reserve(t.fds.size());
		for (const Fd& fd : t.fds) {
			ud_rec_fd r{};
			r.fd = fd.fd;
			r.file_id = files_.get(fd.file).raw_id;
			r.aux_id = fd.aux_id;
			fds.push_back(r);
		}
		table_idx.emplace_back(fds);
	}
	auto table_for = [&](std::uint64_t id) -> std::uint32_t {
		if (idx.by_file.contains(id))
			return 0;
		for (std::size_t i = 0; i < table_idx.size(); i++)
			if (table_idx[i].by_file.contains(id))
				return static_cast<std::uint32_t>(i + 1);
		return 0;
	};
	auto index_of = [&](std::uint32_t table) -> const ProcessIndex& {
		return table == 0 ? idx : table_idx.at(table - 1);
	};
	// fds: always the leader's table; slots, items and the eventfd: the
	// table that holds the instance
	for (std::uint64_t id : seed.rings) {
		const std::uint32_t table = table_for(id);
		p.rings.push_back(build_ring(c_.rings.at(id).rec, index_of(table)));
		p.rings.back().fds = idx.of_file(id);
		p.rings.back().fds_table = table;
	}
	for (std::uint64_t id : seed.epolls) {
		const std::uint32_t table = table_for(id);
		p.epolls.push_back(build_epoll(c_.epolls.at(id).rec, index_of(table)));
		p.epolls.back().fds = idx.of_file(id);
		p.epolls.back().fds_table = table;
	}
	add_reach(p, seed);
	sort_instances(p.rings);
	sort_instances(p.epolls);
	return p;
}

// Threads and the fd tables that are not the leader's, numbered t1, t2, ...
// in order of their lowest tid.
void Resolver::build_threads(Process& p, ProcessSeed& seed)
{
	std::sort(seed.threads.begin(), seed.threads.end(),
		  [](const ud_rec_thread& a, const ud_rec_thread& b) { return a.tid < b.tid; });
	std::uint64_t leader_files = 0;
	for (const ud_rec_thread& t : seed.threads)
		if (t.h.flags & UD_THREAD_LEADER)
			leader_files = t.files_id;
	std::unordered_map<std::uint64_t, std::uint32_t> table_of; // files id -> N
	auto table_for = [&](std::uint64_t files_id, std::uint32_t tid) -> FdTable& {
		auto [it, inserted] = table_of.try_emplace(
			files_id, static_cast<std::uint32_t>(p.fd_tables.size() + 1));
		if (inserted) {
			FdTable t;
			t.index = it->second;
			if (auto f = c_.thread_fds.find(files_id); f != c_.thread_fds.end())
				for (const ud_rec_fd& fd : f->second)
					t.fds.push_back(
						Fd{fd.fd, files_.ref(fd.file_id), fd.aux_id});
			p.fd_tables.push_back(std::move(t));
		}
		FdTable& t = p.fd_tables.at(it->second - 1);
		if (tid != 0)
			t.threads.push_back(tid);
		return t;
	};
	for (const ud_rec_thread& rec : seed.threads) {
		Thread t;
		t.tid = rec.tid;
		t.comm = bounded_string(rec.comm, sizeof(rec.comm));
		t.io_worker = (rec.h.flags & UD_THREAD_IO_WORKER) != 0;
		t.no_files = (rec.h.flags & UD_THREAD_NO_FILES) != 0;
		t.registered_rings = rec.nr_regrings;
		if (rec.h.flags & UD_THREAD_HAS_IOWQ)
			t.iowq_cpus = rec.iowq_cpus;
		if (!t.no_files && rec.files_id != 0 && rec.files_id != leader_files &&
		    (rec.h.flags & UD_THREAD_OWN_TABLE))
			t.table = table_for(rec.files_id, rec.tid).index;
		p.threads.push_back(std::move(t));
	}
	// tables walked without a THREAD record of theirs (the thread exited
	// between the walks): named after the thread the walk visited
	std::sort(seed.tables.begin(), seed.tables.end());
	for (std::uint64_t id : seed.tables)
		if (!table_of.count(id))
			table_for(id, c_.thread_fds.at(id).front().table_tid);
	for (FdTable& t : p.fd_tables)
		sort_unique(t.threads);
}

// What holds each instance besides the leader's fds.
void Resolver::add_reach(Process& p, const ProcessSeed& seed)
{
	std::unordered_map<std::uint64_t, std::vector<TableFd>> table_fds; // file id -> fds
	for (const FdTable& t : p.fd_tables)
		for (const Fd& fd : t.fds)
			table_fds[files_.get(fd.file).raw_id].push_back(TableFd{t.index, fd.fd});
	auto thread_fds_of = [&](FileRef f) {
		auto it = table_fds.find(files_.get(f).raw_id);
		std::vector<TableFd> v =
			it == table_fds.end() ? std::vector<TableFd>{} : it->second;
		std::sort(v.begin(), v.end());
		return v;
	};
	for (Ring& r : p.rings) {
		const std::uint64_t id = files_.get(r.file).raw_id;
		r.thread_fds = thread_fds_of(r.file);
		for (const ud_rec_ringref& ref : seed.ringrefs)
			if (ref.ring_id == id)
				r.registered.push_back(RingRef{ref.tid, ref.index});
		for (const ud_rec_map& m : seed.maps)
			if (m.ring_id == id)
				r.mappings.push_back(RingMap{m.start, m.end, m.offset, m.vm_flags});
		std::sort(r.registered.begin(), r.registered.end(),
			  [](const RingRef& a, const RingRef& b) {
				  return std::pair{a.tid, a.index} < std::pair{b.tid, b.index};
			  });
		std::sort(r.mappings.begin(), r.mappings.end(),
			  [](const RingMap& a, const RingMap& b) { return a.start < b.start; });
		for (BufferGroup& g : r.buffer_groups)
			if (g.kernel_memory)
				for (const RingMap& m : r.mappings)
					if (m.offset == g.mmap_offset)
						g.mapped_at.push_back(m.start);
	}
	for (Epoll& e : p.epolls)
		e.thread_fds = thread_fds_of(e.file);
}

// By lowest fd; instances without an fd last, by id.
template <class T>
void Resolver::sort_instances(std::vector<T>& v)
{
	auto key = [this](const T& x) {
		return std::tuple{x.fds.empty(), x.fds.empty() ? 0u : x.fds.front(),
				  files_.get(x.file).raw_id};
	};
	std::sort(v.begin(), v.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
}

Ring Resolver::build_ring(const ud_rec_ring& rec, const ProcessIndex& idx)
{
	Ring r;
	r.file = files_.ref(rec.file_id);
	r.fds = idx.of_file(rec.file_id);
	r.setup_flags = rec.setup_flags;
	r.sq_entries = rec.sq_entries;
	r.cq_entries = rec.cq_entries;
	if (rec.setup_flags & setup::SQPOLL)
		r.sqpoll = build_sqpoll(rec);
	if ((rec.h.flags & UD_RING_HAS_EVFD) || rec.evfd_id != 0)
		r.eventfd = build_eventfd(rec, idx);
	r.files = build_rfiles(rec, idx);
	r.buffers = build_rbufs(rec);
	if (auto it = c_.ring_states.find(rec.file_id); it != c_.ring_states.end()) {
		const ud_rec_ring_state& st = it->second;
		RingState rs;
		rs.rings_readable = (st.h.flags & UD_RS_NO_RINGS) == 0;
		rs.sq_head = st.sq_head;
		rs.sq_tail = st.sq_tail;
		rs.cached_sq_head = st.cached_sq_head;
		rs.cq_head = st.cq_head;
		rs.cq_tail = st.cq_tail;
		rs.cached_cq_tail = st.cached_cq_tail;
		rs.sq_flags = st.sq_flags;
		rs.cq_flags = st.cq_flags;
		rs.cq_overflow = st.cq_overflow;
		rs.sq_dropped = st.sq_dropped;
		rs.overflow_list = st.overflow_list;
		rs.overflow_complete = (st.h.flags & UD_RS_OVERFLOW_PARTIAL) == 0;
		rs.submitter_tid = st.submitter_tid;
		r.state = rs;
	}
	if (auto it = c_.ring_regs.find(rec.file_id); it != c_.ring_regs.end())
		r.regs = build_regs(it->second);
	if (auto it = c_.personalities.find(rec.file_id); it != c_.personalities.end())
		for (const ud_rec_personality& x : it->second)
			r.personalities.push_back(Personality{x.id,
							      x.uid,
							      x.gid,
							      x.euid,
							      x.egid,
							      x.fsuid,
							      x.fsgid,
							      x.ngroups,
							      x.cap_permitted,
							      x.cap_effective,
							      {},
							      false});
	if (auto it = c_.pers_groups.find(rec.file_id); it != c_.pers_groups.end())
		list_groups(r.personalities, it->second);
	if (auto it = c_.pbufs.find(rec.file_id); it != c_.pbufs.end())
		for (const ud_rec_pbuf& x : it->second)
			r.buffer_groups.push_back(build_group(x));
	if (auto it = c_.pbuf_bufs.find(rec.file_id); it != c_.pbuf_bufs.end())
		list_buffers(r.buffer_groups, it->second);
	if (auto it = c_.reqs.find(rec.file_id); it != c_.reqs.end())
		r.requests = build_requests(it->second);
	return r;
}

// A kind without its summary record was cut short: not complete.
Requests Resolver::build_requests(const std::vector<ud_rec_req>& v)
{
	Requests q;
	bool seen[UD_REQ_KIND_MAX] = {};
	bool done[UD_REQ_KIND_MAX] = {};
	for (const ud_rec_req& x : v) {
		if (x.h.flags & UD_REQ_SUMMARY) {
			seen[x.kind] = true;
			done[x.kind] = (x.h.flags & UD_REQ_INCOMPLETE) == 0;
			continue;
		}
		const Completion c{x.user_data, x.res, x.cqe_flags};
		const auto waiting = [&](RequestKind k) {
			q.in_flight.push_back({k, x.opcode, x.user_data});
		};
		switch (x.kind) {
		case UD_REQ_CQE: q.cqes.push_back(c); break;
		case UD_REQ_OVERFLOW: q.overflow.push_back(c); break;
		case UD_REQ_POLL: waiting(RequestKind::Poll); break;
		case UD_REQ_APOLL: waiting(RequestKind::Apoll); break;
		case UD_REQ_TIMEOUT: waiting(RequestKind::Timeout); break;
		case UD_REQ_LINK_TIMEOUT: waiting(RequestKind::LinkTimeout); break;
		case UD_REQ_IOWQ_QUEUED: waiting(RequestKind::IowqQueued); break;
		case UD_REQ_IOWQ_RUNNING: waiting(RequestKind::IowqRunning); break;
		default: break;
		}
	}
	const auto complete = [&](int k) { return seen[k] && done[k]; };
	q.cqes_complete = complete(UD_REQ_CQE);
	q.overflow_complete = complete(UD_REQ_OVERFLOW);
	q.polls_complete = complete(UD_REQ_POLL);
	q.timeouts_complete = complete(UD_REQ_TIMEOUT);
	q.link_timeouts_complete = complete(UD_REQ_LINK_TIMEOUT);
	q.iowq_complete = complete(UD_REQ_IOWQ_QUEUED);
	return q;
}

// mapped_at: with the mappings, once the process's walks are joined.
BufferGroup Resolver::build_group(const ud_rec_pbuf& x)
{
	BufferGroup g;
	g.bgid = x.bgid;
	g.ring = (x.h.flags & UD_PBUF_RING) != 0;
	g.count = x.count;
	g.count_complete = (x.h.flags & UD_PBUF_COUNT_PARTIAL) == 0;
	if (!g.ring)
		return g;
	g.entries = x.entries;
	g.head = x.head;
	g.tail = x.tail;
	g.tail_known = (x.h.flags & UD_PBUF_NO_TAIL) == 0;
	g.kernel_memory = (x.h.flags & UD_PBUF_KERNEL_MEM) != 0;
	g.incremental = (x.h.flags & UD_PBUF_INC) != 0;
	g.mmap_offset = x.mmap_offset;
	g.ring_pfn = x.ring_pfn;
	return g;
}

// recs: by (id, first).  Listed only when every one of ngroups is there.
void Resolver::list_groups(std::vector<Personality>& personalities,
			   const std::vector<ud_rec_pers_groups>& recs)
{
	for (Personality& p : personalities) {
		std::vector<std::uint32_t> gids;
		for (const ud_rec_pers_groups& x : recs) {
			if (x.id != p.id)
				continue;
			if (x.first != gids.size())
				break; // a record missing
			gids.insert(gids.end(), x.gids, x.gids + x.h.flags);
		}
		if (gids.size() == p.ngroups && p.ngroups > 0) {
			p.groups = std::move(gids);
			p.groups_listed = true;
		}
	}
}

// bufs: by (bgid, pos).  A listing is complete when it holds the group's
// count of buffers, positions 0.., and the last one ended the list.
void Resolver::list_buffers(std::vector<BufferGroup>& groups,
			    const std::vector<ud_rec_pbuf_buf>& bufs)
{
	for (BufferGroup& g : groups) {
		if (g.ring)
			continue;
		auto lo = std::lower_bound(
			bufs.begin(), bufs.end(), g.bgid,
			[](const ud_rec_pbuf_buf& b, std::uint32_t bgid) { return b.bgid < bgid; });
		bool in_order = true;
		bool last = false;
		for (auto it = lo; it != bufs.end() && it->bgid == g.bgid; ++it) {
			in_order &= it->pos == g.buffers.size();
			last = (it->h.flags & UD_PBUF_BUF_LAST) != 0;
			g.buffers.push_back({it->addr, it->len, it->bid});
		}
		g.buffers_listed = true;
		g.buffers_complete = in_order && g.count_complete && g.buffers.size() == g.count &&
				     (g.count == 0 || last);
	}
}

RingRegs Resolver::build_regs(const ud_rec_ring_regs& g)
{
	RingRegs out;
	out.sqe_restricted = (g.h.flags & UD_REGS_SQE_RESTRICTED) != 0;
	out.register_restricted = (g.h.flags & UD_REGS_REG_RESTRICTED) != 0;
	for (std::uint32_t bit = 0; bit < 64; bit++)
		if (g.register_ops >> bit & 1)
			out.register_ops.push_back(bit);
	for (std::uint32_t bit = 0; bit < 128; bit++)
		if (g.sqe_ops[bit / 64] >> (bit % 64) & 1)
			out.sqe_ops.push_back(bit);
	out.sqe_flags_allowed = g.sqe_flags_allowed;
	out.sqe_flags_required = g.sqe_flags_required;
	out.iowq_bounded = g.iowq_bounded;
	out.iowq_unbounded = g.iowq_unbounded;
	if (g.h.flags & UD_REGS_HAS_EVFD_COUNT)
		out.evfd_count = g.evfd_count;
	if (g.h.flags & UD_REGS_NAPI)
		out.napi = Napi{g.napi_busy_poll_us, g.napi_prefer_busy_poll != 0, g.napi_tracking};
	return out;
}

Sqpoll Resolver::build_sqpoll(const ud_rec_ring& rec)
{
	Sqpoll s;
	s.cpu = rec.sq_cpu;
	s.idle_jiffies = rec.sq_thread_idle;
	if (c_.hz != 0)
		s.idle_ms = std::uint64_t{rec.sq_thread_idle} * 1000u / c_.hz;
	s.thread_pid = rec.sq_thread_pid;
	s.group_raw = rec.sq_group_id;
	return s;
}

// RING.evfd_id is the eventfd_ctx id that FD.aux_id carries for eventfds.
RingEventfd Resolver::build_eventfd(const ud_rec_ring& rec, const ProcessIndex& idx)
{
	RingEventfd e;
	e.async = (rec.h.flags & UD_RING_EVFD_ASYNC) != 0;
	if (rec.evfd_id == 0)
		return e;
	e.fds = idx.of_aux(rec.evfd_id);
	if (auto it = aux_file_.find(rec.evfd_id); it != aux_file_.end() && it->second != 0)
		e.file = files_.ref(it->second);
	return e;
}

Table<RegisteredFile> Resolver::build_rfiles(const ud_rec_ring& rec, const ProcessIndex& idx)
{
	Table<RegisteredFile> t;
	t.nr = rec.nr_files;
	if (auto it = c_.rfiles.find(rec.file_id); it != c_.rfiles.end()) {
		t.slots.reserve(it->second.size());
		for (const SlotFacts& s : it->second) {
			RegisteredFile slot;
			slot.index = s.index;
			slot.empty = s.file_id == 0;
			if (!slot.empty) {
				slot.file = files_.ref(s.file_id);
				slot.fds = idx.of_file(s.file_id);
				slot.tag = s.tag;
				t.used++;
			}
			t.slots.push_back(std::move(slot));
		}
	}
	t.dumped = tables_.dumped(rec.file_id, UD_TABLE_RFILE, !t.slots.empty());
	t.complete = t.dumped &&
		     tables_.complete(rec.file_id, UD_TABLE_RFILE, t.nr == 0 && t.slots.empty());
	return t;
}

Table<RegisteredBuffer> Resolver::build_rbufs(const ud_rec_ring& rec)
{
	Table<RegisteredBuffer> t;
	t.nr = rec.nr_bufs;
	if (auto it = c_.rbufs.find(rec.file_id); it != c_.rbufs.end()) {
		t.slots.reserve(it->second.size());
		for (const ud_rec_rbuf& s : it->second) {
			RegisteredBuffer slot;
			slot.index = s.index;
			slot.empty = (s.h.flags & UD_SLOT_EMPTY) != 0;
			if (!slot.empty) {
				slot.addr = s.addr;
				slot.len = s.len;
				slot.nr_bvecs = s.nr_bvecs;
				slot.tag = s.tag;
				t.used++;
			}
			t.slots.push_back(slot);
		}
	}
	t.dumped = tables_.dumped(rec.file_id, UD_TABLE_RBUF, !t.slots.empty());
	t.complete = t.dumped &&
		     tables_.complete(rec.file_id, UD_TABLE_RBUF, t.nr == 0 && t.slots.empty());
	return t;
}

EpollItem Resolver::build_item(const ItemFacts& rec, const ProcessIndex& idx)
{
	EpollItem it;
	it.tfd = rec.tfd;
	it.events = rec.events;
	it.data = rec.data;
	it.index = rec.index;
	it.file = files_.ref(rec.file_id);
	it.fds = idx.of_file(rec.file_id);
	it.tfd_stale = rules_.tfd_stale(it.fds, rec.tfd);
	switch (files_.get(it.file).kind) {
	case UD_FK_IO_URING: it.target = TargetKind::IoUring; break;
	case UD_FK_EPOLL: it.target = TargetKind::Epoll; break;
	default: it.target = TargetKind::Other; break;
	}
	return it;
}

Epoll Resolver::build_epoll(const ud_rec_epoll& rec, const ProcessIndex& idx)
{
	Epoll e;
	e.file = files_.ref(rec.file_id);
	e.fds = idx.of_file(rec.file_id);
	if (auto it = c_.epitems.find(rec.file_id); it != c_.epitems.end()) {
		e.items.reserve(it->second.size());
		for (const ItemFacts& item : it->second)
			e.items.push_back(build_item(item, idx));
	}
	e.complete = tables_.complete(rec.file_id, UD_TABLE_EPITEM, false);
	return e;
}

} // namespace

std::vector<Process> resolve_processes(const Collected& c, FileRegistry& files,
				       const Completeness& tables, SourceRules rules)
{
	return Resolver(c, files, tables, rules).run();
}

} // namespace uringdump
