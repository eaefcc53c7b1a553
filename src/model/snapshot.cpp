// The snapshot: build_snapshot (collect -> resolve -> label -> check) and
// the queries on the finished model.
#include <algorithm>
#include <memory>
#include <utility>

#include "model/collect.hpp"
#include "model/complete.hpp"
#include "model/files.hpp"
#include "model/label.hpp"
#include "model/model.hpp"
#include "model/resolve.hpp"
#include "model/source.hpp"

namespace uringdump {

namespace {

Result<Snapshot> build_from(const Collected& c, bool exact)
{
	const SourceRules rules(c.source);
	const Completeness tables(c, rules);
	FileRegistry files(c);

	Snapshot snap;
	snap.exact = exact;
	snap.hz = c.hz;
	snap.layout = c.layout;
	snap.source = c.source;
	snap.run_id = c.run_id;
	snap.processes = resolve_processes(c, files, tables, rules);
	label_snapshot(snap, files, c);
	if (auto st = tables.check(files); !st)
		return st.error();
	// Files no process references (a ring's peer seen only through its
	// SQPOLL group, say) are labelled last.
	for (FileRef ref = 0; ref < files.all().size(); ref++)
		files.label(ref);
	snap.files = std::move(files.all());
	snap.by_label.resize(snap.files.size());
	for (FileRef ref = 0; ref < snap.files.size(); ref++)
		snap.by_label.at(snap.files[ref].label - 1) = ref;
	return snap;
}

} // namespace

Result<Snapshot> build_snapshot(std::span<const RawRecord> records, bool exact)
{
	return build_from(Collected::from(records), exact);
}

SnapshotBuilder::SnapshotBuilder() : collected_(std::make_unique<Collected>()) {}

SnapshotBuilder::~SnapshotBuilder() = default;

void SnapshotBuilder::add(std::span<const RawRecord> records)
{
	collected_->add(records);
}

void SnapshotBuilder::clear()
{
	collected_ = std::make_unique<Collected>();
}

Result<Snapshot> SnapshotBuilder::build(bool exact)
{
	const std::unique_ptr<Collected> c =
		std::exchange(collected_, std::make_unique<Collected>());
	c->finish();
	return build_from(*c, exact);
}

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

} // namespace uringdump
