// build_snapshot: collect (dedupe, key) -> resolve per process -> label ->
// check completeness.  Every join goes through a hash map: linear time.
#include "model.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <tuple>
#include <unordered_map>

#include "flags.hpp"

namespace uringdump {

namespace {

using FdList = std::vector<std::uint32_t>;

// ---------------------------------------------------------------- collect

template <class Rec>
struct Owned {
	Rec rec;
	std::vector<std::uint32_t> pids; // every pid whose stream carried it
};

struct TableKey {
	std::uint64_t owner;
	std::uint32_t table;
	bool operator==(const TableKey&) const = default;
};

struct TableKeyHash {
	std::size_t operator()(const TableKey& k) const noexcept
	{
		return std::hash<std::uint64_t>{}(k.owner * 31u + k.table);
	}
};

template <class T>
void sort_unique(std::vector<T>& v)
{
	std::sort(v.begin(), v.end());
	v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Keeps the first record of every key (key(a) == key(b)), sorted by key.
template <class Rec, class Key>
void dedupe_by(std::vector<Rec>& v, Key key)
{
	std::stable_sort(v.begin(), v.end(),
			 [&](const Rec& a, const Rec& b) { return key(a) < key(b); });
	v.erase(std::unique(v.begin(), v.end(),
			    [&](const Rec& a, const Rec& b) { return key(a) == key(b); }),
		v.end());
}

std::string bounded_string(const char* s, std::size_t max)
{
	return std::string(s, strnlen(s, max));
}

// Every record keyed as the brief says; duplicates collapse to the first.
struct Collected {
	bool have_stream = false;
	std::uint32_t hz = 0;
	std::uint32_t layout = 0;
	std::uint32_t source = 0;
	std::uint64_t run_id = 0;
	std::unordered_map<std::uint32_t, ud_rec_task> tasks;
	std::unordered_map<std::uint64_t, ud_rec_fd> fds; // pid << 32 | fd
	std::unordered_map<std::uint64_t, ud_rec_file> files;
	std::unordered_map<std::uint64_t, std::vector<ud_rec_path>> paths;
	std::unordered_map<std::uint64_t, Owned<ud_rec_ring>> rings;
	std::unordered_map<std::uint64_t, Owned<ud_rec_epoll>> epolls;
	std::unordered_map<std::uint64_t, std::vector<ud_rec_rfile>> rfiles;
	std::unordered_map<std::uint64_t, std::vector<ud_rec_rbuf>> rbufs;
	std::unordered_map<std::uint64_t, std::vector<ud_rec_epitem>> epitems;
	std::unordered_map<TableKey, ud_rec_table_end, TableKeyHash> table_ends;

	void reserve(std::span<const RawRecord> records);
	void add(const RawRecord& r);
	void finish();

private:
	void add_stream(const ud_rec_stream& s);
	void add_task(const ud_rec_task& t);
	void add_table_end(const ud_rec_table_end& t);
	template <class Rec>
	static void add_owned(std::unordered_map<std::uint64_t, Owned<Rec>>& map, const Rec& rec)
	{
		if (rec.file_id == 0)
			return;
		auto [it, inserted] = map.try_emplace(rec.file_id, Owned<Rec>{rec, {}});
		it->second.pids.push_back(rec.h.pid);
	}
};

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
		if (fd.file_id != 0)
			fds.try_emplace(std::uint64_t{fd.h.pid} << 32 | fd.fd, fd);
		break;
	}
	case UD_REC_FILE: {
		const auto f = r.as<ud_rec_file>();
		if (f.file_id != 0)
			files.try_emplace(f.file_id, f);
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
			rfiles[s.ring_id].push_back(s);
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
			epitems[s.ep_id].push_back(s);
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
		dedupe_by(v, [](const ud_rec_rfile& s) { return s.index; });
	for (auto& [id, v] : rbufs)
		dedupe_by(v, [](const ud_rec_rbuf& s) { return s.index; });
	for (auto& [id, v] : epitems) {
		dedupe_by(v, [](const ud_rec_epitem& s) { return std::pair{s.file_id, s.tfd}; });
		// Output order: by tfd, then walk position.
		std::sort(v.begin(), v.end(), [](const ud_rec_epitem& a, const ud_rec_epitem& b) {
			return std::tuple{a.tfd, a.index, a.file_id} <
			       std::tuple{b.tfd, b.index, b.file_id};
		});
	}
	for (auto& [id, r] : rings)
		sort_unique(r.pids);
	for (auto& [id, e] : epolls)
		sort_unique(e.pids);
}

// ---------------------------------------------------------------- paths

std::string chunk_text(const ud_rec_path& p)
{
	return bounded_string(p.name, std::min<std::size_t>(p.len, UD_NAME_CHUNK));
}

// Component 0 is the basename: "/" + components from the outermost down.
std::optional<std::string> assemble_path(std::vector<ud_rec_path> chunks)
{
	if (chunks.empty())
		return std::nullopt;
	std::stable_sort(chunks.begin(), chunks.end(),
			 [](const ud_rec_path& a, const ud_rec_path& b) {
				 return a.comp != b.comp ? a.comp > b.comp : a.off < b.off;
			 });
	const bool truncated = std::any_of(chunks.begin(), chunks.end(), [](const ud_rec_path& p) {
		return p.h.flags & UD_PATH_TRUNCATED;
	});
	std::string out = truncated ? "..." : "";
	for (std::size_t i = 0; i < chunks.size();) {
		const std::uint16_t comp = chunks[i].comp;
		std::string name;
		for (int last_off = -1; i < chunks.size() && chunks[i].comp == comp; i++) {
			if (chunks[i].off != last_off)
				name += chunk_text(chunks[i]);
			last_off = chunks[i].off;
		}
		if (!name.empty() && name != "/")
			out += "/" + name;
	}
	if (out.empty() || out == "...")
		out += "/";
	// As readlink(2) of /proc/PID/fd shows an unlinked file.
	if (std::any_of(chunks.begin(), chunks.end(), [](const ud_rec_path& p) {
		    return p.comp == 0 && (p.h.flags & UD_PATH_DELETED);
	    }))
		out += " (deleted)";
	return out;
}

std::string default_anon_name(std::uint32_t kind)
{
	switch (kind) {
	case UD_FK_IO_URING: return "[io_uring]";
	case UD_FK_EPOLL: return "[eventpoll]";
	case UD_FK_EVENTFD: return "[eventfd]";
	default: return "";
	}
}

// The name readlink(2) gives a file without a path: pipes, sockets, anon inodes.
std::optional<std::string> pseudo_path(const File& f)
{
	switch (f.kind) {
	case UD_FK_FIFO:
	case UD_FK_SOCK:
		if (!f.has_record)
			return std::nullopt;
		return std::string(f.kind == UD_FK_FIFO ? "pipe:[" : "socket:[") +
		       std::to_string(f.inode) + "]";
	case UD_FK_IO_URING:
	case UD_FK_EPOLL:
	case UD_FK_EVENTFD:
	case UD_FK_ANON: {
		const std::string name =
			f.anon_name.empty() ? default_anon_name(f.kind) : f.anon_name;
		if (name.empty())
			return std::nullopt;
		return "anon_inode:" + name;
	}
	default: return std::nullopt;
	}
}

// ---------------------------------------------------------------- files

// Creates each File once, on first reference, from its FILE/PATH records.
class FileRegistry {
public:
	explicit FileRegistry(const Collected& c) : c_(c) { index_.reserve(c.files.size()); }

	FileRef ref(std::uint64_t raw)
	{
		auto [it, inserted] = index_.try_emplace(raw, static_cast<FileRef>(files_.size()));
		if (inserted)
			files_.push_back(make(raw));
		return it->second;
	}

	File& get(FileRef ref) { return files_[ref]; }
	std::vector<File>& all() { return files_; }

	// Gives ref the next label unless it has one.
	void label(FileRef ref)
	{
		File& f = files_[ref];
		if (f.label != 0)
			return;
		f.label = ++last_label_;
		f.id = "f" + std::to_string(f.label);
	}

private:
	std::uint32_t fallback_kind(std::uint64_t raw) const
	{
		if (c_.rings.count(raw))
			return UD_FK_IO_URING;
		if (c_.epolls.count(raw))
			return UD_FK_EPOLL;
		const auto& kinds = fd_kinds();
		auto it = kinds.find(raw);
		return it == kinds.end() ? std::uint32_t{UD_FK_OTHER} : it->second;
	}

	// FD.kind by file id; built on first need (files without a FILE record).
	const std::unordered_map<std::uint64_t, std::uint32_t>& fd_kinds() const
	{
		if (!fd_kinds_) {
			fd_kinds_.emplace();
			fd_kinds_->reserve(c_.fds.size());
			for (const auto& [key, fd] : c_.fds)
				fd_kinds_->try_emplace(fd.file_id, fd.kind);
		}
		return *fd_kinds_;
	}

	File make(std::uint64_t raw) const
	{
		File f;
		f.raw_id = raw;
		if (auto it = c_.files.find(raw); it != c_.files.end()) {
			const ud_rec_file& r = it->second;
			f.has_record = true;
			f.kind = r.kind;
			f.inode = r.ino;
			f.dev = r.dev;
			f.mode = r.mode;
			f.f_flags = r.f_flags;
			f.anon_name = bounded_string(r.anon_name, sizeof(r.anon_name));
		}
		if (f.kind == UD_FK_OTHER)
			f.kind = fallback_kind(raw);
		if (auto it = c_.paths.find(raw); it != c_.paths.end())
			f.path = assemble_path(it->second);
		if (!f.path)
			f.path = pseudo_path(f);
		return f;
	}

	const Collected& c_;
	mutable std::optional<std::unordered_map<std::uint64_t, std::uint32_t>> fd_kinds_;
	std::unordered_map<std::uint64_t, FileRef> index_;
	std::vector<File> files_;
	std::uint32_t last_label_ = 0;
};

// ---------------------------------------------------------------- processes

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

struct IncompleteTable {
	std::uint32_t owner_label;
	std::uint32_t table;
	std::size_t received;
	std::uint32_t count;
	std::uint32_t dropped;
};

class Builder {
public:
	Builder(const Collected& c, bool exact) : c_(c), files_(c) { snap_.exact = exact; }
	Result<Snapshot> run();

private:
	void index_globals();
	void build_processes();
	Process build_process(std::uint32_t pid, ProcessSeed& seed);
	Ring build_ring(const ud_rec_ring& rec, const ProcessIndex& idx);
	Sqpoll build_sqpoll(const ud_rec_ring& rec);
	RingEventfd build_eventfd(const ud_rec_ring& rec, const ProcessIndex& idx);
	Table<RegisteredFile> build_rfiles(const ud_rec_ring& rec, const ProcessIndex& idx);
	Table<RegisteredBuffer> build_rbufs(const ud_rec_ring& rec);
	Epoll build_epoll(const ud_rec_epoll& rec, const ProcessIndex& idx);
	EpollItem build_item(const ud_rec_epitem& rec, const ProcessIndex& idx);
	bool table_complete(std::uint64_t owner, std::uint32_t table, bool without_end) const;
	bool table_dumped(std::uint64_t owner, std::uint32_t table, bool has_slots) const;
	// The native iterators see an instance, not a process: no fd table, one
	// ring table per stream.
	bool native() const { return c_.source == UD_SOURCE_NATIVE; }
	template <class T>
	void sort_instances(std::vector<T>& v);
	void label_all();
	void label_ring(Ring& ring, const std::unordered_map<FileRef, std::size_t>& position);
	std::size_t label_group(std::uint64_t raw,
				const std::unordered_map<FileRef, std::size_t>& position);
	std::size_t received(const TableKey& key) const;
	Status check_tables();

	const Collected& c_;
	FileRegistry files_;
	Snapshot snap_;
	std::unordered_map<std::uint64_t, std::uint64_t> aux_file_; // eventfd_ctx -> file
	std::unordered_map<std::uint64_t, std::vector<std::uint64_t>>
		groups_;                                             // io_sq_data -> rings
	std::unordered_map<std::uint64_t, std::size_t> group_index_; // io_sq_data -> snap_.groups
};

void Builder::index_globals()
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
	for (const auto& [id, ring] : c_.rings)
		if ((ring.rec.setup_flags & setup::SQPOLL) && ring.rec.sq_group_id != 0)
			groups_[ring.rec.sq_group_id].push_back(id);
	for (auto& [id, members] : groups_)
		std::sort(members.begin(), members.end());
}

void Builder::build_processes()
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
	snap_.processes.reserve(pids.size());
	for (std::uint32_t pid : pids)
		snap_.processes.push_back(build_process(pid, seeds[pid]));
}

Process Builder::build_process(std::uint32_t pid, ProcessSeed& seed)
{
	Process p;
	p.pid = pid;
	p.fds_known = !native();
	if (auto it = c_.tasks.find(pid); it != c_.tasks.end()) {
		p.ppid = it->second.ppid;
		p.comm = bounded_string(it->second.comm, sizeof(it->second.comm));
	}
	std::sort(seed.fds.begin(), seed.fds.end(),
		  [](const ud_rec_fd& a, const ud_rec_fd& b) { return a.fd < b.fd; });
	const ProcessIndex idx(seed.fds);
	p.fds.reserve(seed.fds.size());
	for (const ud_rec_fd& fd : seed.fds) {
		p.fds.push_back(Fd{fd.fd, false, files_.ref(fd.file_id), fd.aux_id});
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
void Builder::sort_instances(std::vector<T>& v)
{
	auto key = [this](const T& x) {
		return std::tuple{x.fds.empty(), x.fds.empty() ? 0u : x.fds.front(),
				  files_.get(x.file).raw_id};
	};
	std::sort(v.begin(), v.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
}

Ring Builder::build_ring(const ud_rec_ring& rec, const ProcessIndex& idx)
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

Sqpoll Builder::build_sqpoll(const ud_rec_ring& rec)
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
RingEventfd Builder::build_eventfd(const ud_rec_ring& rec, const ProcessIndex& idx)
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

bool Builder::table_complete(std::uint64_t owner, std::uint32_t table, bool without_end) const
{
	auto it = c_.table_ends.find(TableKey{owner, table});
	if (it == c_.table_ends.end())
		return without_end;
	if (it->second.h.flags & UD_TABLE_INCOMPLETE)
		return false;
	// A lockless walk of an epoll tree that changes under it can visit an
	// item twice (and so may have missed another): not exact.
	return table != UD_TABLE_EPITEM || received(it->first) >= it->second.count;
}

// A native ring stream covers one table (one target): the other table has
// neither slots nor a TABLE_END.  The CO-RE iterators always close both
// tables, so there a missing TABLE_END is an incomplete table instead.
bool Builder::table_dumped(std::uint64_t owner, std::uint32_t table, bool has_slots) const
{
	return !native() || has_slots || c_.table_ends.contains(TableKey{owner, table});
}

Table<RegisteredFile> Builder::build_rfiles(const ud_rec_ring& rec, const ProcessIndex& idx)
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
	t.dumped = table_dumped(rec.file_id, UD_TABLE_RFILE, !t.slots.empty());
	t.complete = t.dumped &&
		     table_complete(rec.file_id, UD_TABLE_RFILE, t.nr == 0 && t.slots.empty());
	return t;
}

Table<RegisteredBuffer> Builder::build_rbufs(const ud_rec_ring& rec)
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
	t.dumped = table_dumped(rec.file_id, UD_TABLE_RBUF, !t.slots.empty());
	t.complete = t.dumped &&
		     table_complete(rec.file_id, UD_TABLE_RBUF, t.nr == 0 && t.slots.empty());
	return t;
}

EpollItem Builder::build_item(const ud_rec_epitem& rec, const ProcessIndex& idx)
{
	EpollItem it;
	it.tfd = rec.tfd;
	it.events = rec.events;
	it.data = rec.data;
	it.index = rec.index;
	it.file = files_.ref(rec.file_id);
	it.fds = idx.of_file(rec.file_id);
	it.tfd_stale = !native() && !std::binary_search(it.fds.begin(), it.fds.end(), rec.tfd);
	switch (files_.get(it.file).kind) {
	case UD_FK_IO_URING: it.target = TargetKind::IoUring; break;
	case UD_FK_EPOLL: it.target = TargetKind::Epoll; break;
	default: it.target = TargetKind::Other; break;
	}
	return it;
}

Epoll Builder::build_epoll(const ud_rec_epoll& rec, const ProcessIndex& idx)
{
	Epoll e;
	e.file = files_.ref(rec.file_id);
	e.fds = idx.of_file(rec.file_id);
	if (auto it = c_.epitems.find(rec.file_id); it != c_.epitems.end()) {
		e.items.reserve(it->second.size());
		for (const ud_rec_epitem& item : it->second)
			e.items.push_back(build_item(item, idx));
	}
	e.complete = table_complete(rec.file_id, UD_TABLE_EPITEM, false);
	return e;
}

// ---------------------------------------------------------------- labels

// The group's index in snap_.groups; created (and its rings labelled, in
// output order) on first sight.
std::size_t Builder::label_group(std::uint64_t raw,
				 const std::unordered_map<FileRef, std::size_t>& position)
{
	auto [it, inserted] = group_index_.try_emplace(raw, snap_.groups.size());
	if (!inserted)
		return it->second;
	SqpollGroup g;
	g.id = "g" + std::to_string(snap_.groups.size() + 1);
	g.raw_id = raw;
	if (auto m = groups_.find(raw); m != groups_.end())
		for (std::uint64_t ring : m->second)
			g.rings.push_back(files_.ref(ring));
	auto pos = [&](FileRef f) {
		auto p = position.find(f);
		return p == position.end() ? position.size() : p->second;
	};
	std::stable_sort(g.rings.begin(), g.rings.end(),
			 [&](FileRef a, FileRef b) { return pos(a) < pos(b); });
	for (FileRef f : g.rings)
		files_.label(f);
	snap_.groups.push_back(std::move(g));
	return it->second;
}

void Builder::label_ring(Ring& ring, const std::unordered_map<FileRef, std::size_t>& position)
{
	files_.label(ring.file);
	if (ring.sqpoll && ring.sqpoll->group_raw != 0) {
		Sqpoll& s = *ring.sqpoll;
		s.group_index = label_group(s.group_raw, position);
		s.group = snap_.groups[*s.group_index].id;
	}
	if (ring.eventfd && ring.eventfd->file)
		files_.label(*ring.eventfd->file);
	for (const RegisteredFile& slot : ring.files.slots)
		if (!slot.empty)
			files_.label(slot.file);
}

// Labels in output order: rings (id, sqpoll peers, eventfd, slots), then
// epolls (id, items); then the files only the fd tables reference.
void Builder::label_all()
{
	std::unordered_map<FileRef, std::size_t> position;
	for (const Process& p : snap_.processes)
		for (const Ring& r : p.rings)
			position.try_emplace(r.file, position.size());
	for (Process& p : snap_.processes) {
		for (Ring& r : p.rings)
			label_ring(r, position);
		for (const Epoll& e : p.epolls) {
			files_.label(e.file);
			for (const EpollItem& item : e.items)
				files_.label(item.file);
		}
	}
	for (const Process& p : snap_.processes)
		for (const Fd& fd : p.fds)
			files_.label(fd.file);
	std::vector<std::uint64_t> rest;
	rest.reserve(c_.files.size());
	for (const auto& [id, f] : c_.files)
		rest.push_back(id);
	std::sort(rest.begin(), rest.end());
	for (std::uint64_t id : rest)
		files_.label(files_.ref(id));
	for (SqpollGroup& g : snap_.groups)
		std::sort(g.rings.begin(), g.rings.end(), [this](FileRef a, FileRef b) {
			return files_.get(a).label < files_.get(b).label;
		});
}

// ---------------------------------------------------------------- completeness

std::size_t Builder::received(const TableKey& key) const
{
	auto size_of = [&](const auto& map) -> std::size_t {
		auto it = map.find(key.owner);
		return it == map.end() ? 0 : it->second.size();
	};
	switch (key.table) {
	case UD_TABLE_RFILE: return size_of(c_.rfiles);
	case UD_TABLE_RBUF: return size_of(c_.rbufs);
	default: return size_of(c_.epitems);
	}
}

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

// Every TABLE_END must be matched by as many distinct records.
Status Builder::check_tables()
{
	std::vector<IncompleteTable> bad;
	for (const auto& [key, end] : c_.table_ends) {
		const std::size_t have = received(key);
		if (have >= end.count)
			continue;
		// Slots have unique indices, so fewer of them is a loss; epoll
		// items without drops are duplicates of a racing walk, reported
		// as "complete": false by table_complete().
		if (key.table == UD_TABLE_EPITEM && end.dropped == 0)
			continue;
		const FileRef owner = files_.ref(key.owner);
		files_.label(owner);
		bad.push_back(IncompleteTable{files_.get(owner).label, key.table, have, end.count,
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

Result<Snapshot> Builder::run()
{
	snap_.hz = c_.hz;
	snap_.layout = c_.layout;
	snap_.source = c_.source;
	snap_.run_id = c_.run_id;
	index_globals();
	build_processes();
	label_all();
	if (auto st = check_tables(); !st)
		return st.error();
	for (FileRef ref = 0; ref < files_.all().size(); ref++)
		files_.label(ref);
	snap_.files = std::move(files_.all());
	snap_.by_label.resize(snap_.files.size());
	for (FileRef ref = 0; ref < snap_.files.size(); ref++)
		snap_.by_label.at(snap_.files[ref].label - 1) = ref;
	return std::move(snap_);
}

} // namespace

// ---------------------------------------------------------------- queries

namespace {
template <class T>
const T* by_file(const std::vector<T>& v, FileRef file)
{
	auto it = std::find_if(v.begin(), v.end(), [&](const T& x) { return x.file == file; });
	return it == v.end() ? nullptr : &*it;
}

template <class T>
const T* by_fd(const std::vector<T>& v, std::uint32_t fd)
{
	auto it = std::find_if(v.begin(), v.end(), [&](const T& x) {
		return std::binary_search(x.fds.begin(), x.fds.end(), fd);
	});
	return it == v.end() ? nullptr : &*it;
}
} // namespace

const Fd* Process::find_fd(std::uint32_t fd) const
{
	auto it = std::lower_bound(fds.begin(), fds.end(), fd,
				   [](const Fd& a, std::uint32_t b) { return a.fd < b; });
	return it != fds.end() && it->fd == fd ? &*it : nullptr;
}

const Ring* Process::find_ring(FileRef file) const
{
	return by_file(rings, file);
}
const Epoll* Process::find_epoll(FileRef file) const
{
	return by_file(epolls, file);
}
const Ring* Process::ring_by_fd(std::uint32_t fd) const
{
	return by_fd(rings, fd);
}
const Epoll* Process::epoll_by_fd(std::uint32_t fd) const
{
	return by_fd(epolls, fd);
}

const File* Snapshot::find_file(std::string_view id) const
{
	if (id.size() < 2 || id[0] != 'f')
		return nullptr;
	std::uint64_t n = 0;
	for (char ch : id.substr(1)) {
		if (ch < '0' || ch > '9' || n > by_label.size())
			return nullptr;
		n = n * 10 + static_cast<std::uint64_t>(ch - '0');
	}
	if (n == 0 || n > by_label.size())
		return nullptr;
	return &files[by_label[n - 1]];
}

const File* Snapshot::find_file_raw(std::uint64_t raw_id) const
{
	auto it = std::find_if(files.begin(), files.end(),
			       [&](const File& f) { return f.raw_id == raw_id; });
	return it == files.end() ? nullptr : &*it;
}

const Process* Snapshot::find_process(std::uint32_t pid) const
{
	auto it = std::lower_bound(processes.begin(), processes.end(), pid,
				   [](const Process& p, std::uint32_t b) { return p.pid < b; });
	return it != processes.end() && it->pid == pid ? &*it : nullptr;
}

bool Snapshot::has_instances() const
{
	return std::any_of(processes.begin(), processes.end(),
			   [](const Process& p) { return p.has_instances(); });
}

Totals Snapshot::totals() const
{
	Totals t;
	for (const Process& p : processes) {
		if (!p.has_instances())
			continue;
		t.processes++;
		t.rings += p.rings.size();
		t.epolls += p.epolls.size();
		for (const Ring& r : p.rings) {
			t.registered_files += r.files.slots.size();
			t.registered_buffers += r.buffers.slots.size();
		}
		for (const Epoll& e : p.epolls)
			t.epoll_items += e.items.size();
	}
	return t;
}

std::vector<FileRef> Snapshot::shared_with(const Ring& ring) const
{
	std::vector<FileRef> out;
	if (!ring.sqpoll || !ring.sqpoll->group_index || *ring.sqpoll->group_index >= groups.size())
		return out;
	for (FileRef f : groups[*ring.sqpoll->group_index].rings)
		if (f != ring.file)
			out.push_back(f);
	return out;
}

Result<Snapshot> build_snapshot(std::span<const RawRecord> records, bool exact)
{
	Collected c;
	c.reserve(records);
	for (const RawRecord& r : records)
		c.add(r);
	c.finish();
	return Builder(c, exact).run();
}

} // namespace uringdump
