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
	std::unordered_map<std::uint64_t, Range> ranges_;
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
	Ring build_ring(const ud_rec_ring& rec, const ProcessIndex& idx);
	Sqpoll build_sqpoll(const ud_rec_ring& rec);
	RingEventfd build_eventfd(const ud_rec_ring& rec, const ProcessIndex& idx);
	Table<RegisteredFile> build_rfiles(const ud_rec_ring& rec, const ProcessIndex& idx);
	Table<RegisteredBuffer> build_rbufs(const ud_rec_ring& rec);
	Epoll build_epoll(const ud_rec_epoll& rec, const ProcessIndex& idx);
	EpollItem build_item(const ud_rec_epitem& rec, const ProcessIndex& idx);
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
	sort_unique(seed.rings);
	sort_unique(seed.epolls);
	for (std::uint64_t id : seed.rings)
		p.rings.push_back(build_ring(c_.rings.at(id).rec, idx));
	for (std::uint64_t id : seed.epolls)
		p.epolls.push_back(build_epoll(c_.epolls.at(id).rec, idx));
	sort_instances(p.rings);
	sort_instances(p.epolls);
	return p;
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
	return r;
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
		for (const ud_rec_rfile& s : it->second) {
			RegisteredFile slot;
			slot.index = s.index;
			slot.empty = (s.h.flags & UD_SLOT_EMPTY) || s.file_id == 0;
			if (!slot.empty) {
				slot.file = files_.ref(s.file_id);
				slot.fds = idx.of_file(s.file_id);
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

EpollItem Resolver::build_item(const ud_rec_epitem& rec, const ProcessIndex& idx)
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
		for (const ud_rec_epitem& item : it->second)
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
