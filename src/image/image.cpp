// image_from_snapshot(): the restore-oriented view of one process of a
// snapshot, completed from /proc/PID/fdinfo (offsets, eventfd counters).
#include "image/image.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <map>
#include <set>
#include <string_view>

#include "base/procfs.hpp"
#include "model/flags.hpp"

namespace uringdump {
namespace {

constexpr std::uint32_t kSetupAttachWq = 1u << 5;
constexpr std::uint32_t kSetupRDisabled = 1u << 6;

// The value of "KEY:\t..." in fdinfo text, parsed in `base`.
std::optional<std::uint64_t> fdinfo_field(std::string_view text, std::string_view key, int base)
{
	std::size_t at = 0;
	while (at < text.size()) {
		std::size_t eol = text.find('\n', at);
		if (eol == std::string_view::npos)
			eol = text.size();
		std::string_view line = text.substr(at, eol - at);
		at = eol + 1;
		if (line.size() <= key.size() || line.substr(0, key.size()) != key ||
		    line[key.size()] != ':')
			continue;
		line.remove_prefix(key.size() + 1);
		while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
			line.remove_prefix(1);
		std::uint64_t v = 0;
		auto res = std::from_chars(line.data(), line.data() + line.size(), v, base);
		if (res.ec != std::errc())
			return std::nullopt;
		return v;
	}
	return std::nullopt;
}

void read_fdinfo(std::uint32_t pid, ImageFile& f)
{
	if (f.fds.empty())
		return;
	auto text = read_text_file("/proc/" + std::to_string(pid) + "/fdinfo/" +
				   std::to_string(f.fds.front()));
	if (!text)
		return;
	f.pos = fdinfo_field(*text, "pos", 10);
	if (f.type == "eventfd") {
		f.eventfd_count = fdinfo_field(*text, "eventfd-count", 16);
		f.eventfd_semaphore = fdinfo_field(*text, "eventfd-semaphore", 10).value_or(0) != 0;
	}
}

// Why an instance is not in the image, and why there is no image.
std::string not_held(const char* kind, const std::string& id)
{
	return std::string(kind) + " " + id + ": no fd of the process's own fd table holds it";
}

Error changed(const char* kind, const std::string& id)
{
	return make_error(Exit::Failure,
			  std::string(kind) + " " + id +
				  " changed while it was read: checkpoint with --freeze");
}

// Rings whose ATTACH_WQ parent is restored before them: parents first.
void order_rings(std::vector<ImageRing>& rings)
{
	std::stable_partition(rings.begin(), rings.end(),
			      [](const ImageRing& r) { return r.attach_to.empty(); });
}

// Epolls that other epolls of the image watch come first.
void order_epolls(std::vector<ImageEpoll>& epolls)
{
	std::vector<ImageEpoll> done;
	std::vector<bool> placed(epolls.size(), false);
	auto index_of = [&](const std::string& id) -> std::optional<std::size_t> {
		for (std::size_t i = 0; i < epolls.size(); ++i)
			if (epolls[i].file == id)
				return i;
		return std::nullopt;
	};
	// Depth-first, watched before watcher; epoll forbids cycles.
	auto place = [&](auto&& self, std::size_t i, int depth) -> void {
		if (placed[i] || depth > 8)
			return;
		placed[i] = true;
		for (const auto& item : epolls[i].items)
			if (auto j = index_of(item.file))
				self(self, *j, depth + 1);
		done.push_back(epolls[i]);
	};
	for (std::size_t i = 0; i < epolls.size(); ++i)
		place(place, i, 0);
	epolls = std::move(done);
}

// A provided-buffer group as restore needs it.  A ring's memory is found
// where the process maps it (kernel memory: its mapping of the ring fd;
// user memory: the page frame the kernel pinned, through pagemap).
// ring_at: where the process maps the page frames of its user-memory rings.
Result<ImageBufferGroup> image_group(const std::string& ring, const BufferGroup& g,
				     const std::map<std::uint64_t, std::uint64_t>& ring_at)
{
	const std::string what = "io_uring " + ring + " buffer group " + std::to_string(g.bgid);
	ImageBufferGroup ig;
	ig.bgid = g.bgid;
	ig.ring = g.ring;
	if (!g.ring) {
		if (g.count > 0 && !g.buffers_complete)
			return make_error(
				Exit::Failure,
				what + ": its " + std::to_string(g.count) +
					" buffers could not all be listed (more than 2^20, "
					"or the group changed while it was read: "
					"checkpoint with --freeze)");
		for (const BufferGroup::Provided& b : g.buffers)
			ig.buffers.push_back({b.addr, b.len, b.bid});
		return ig;
	}
	if (!g.tail_known)
		return make_error(Exit::Failure,
				  what + ": the ring's memory could not be read in the kernel");
	ig.entries = g.entries;
	ig.head = g.head;
	ig.tail = g.tail;
	ig.kernel_memory = g.kernel_memory;
	ig.incremental = g.incremental;
	ig.memory.index = g.bgid;
	ig.memory.len = std::uint64_t{g.entries} * 16; // struct io_uring_buf
	if (!g.mapped_at.empty())
		ig.memory.addr = g.mapped_at.front();
	else if (auto at = ring_at.find(g.ring_pfn); g.ring_pfn != 0 && at != ring_at.end())
		ig.memory.addr = at->second;
	else
		ig.memory.unreadable = "the process maps no page of the ring's memory";
	return ig;
}

} // namespace

const ImageFile* Image::find_file(const std::string& id) const
{
	for (const auto& f : files)
		if (f.id == id)
			return &f;
	return nullptr;
}

Result<Image> image_from_snapshot(const Snapshot& snap, std::uint32_t pid)
{
	const Process* p = snap.find_process(pid);
	if (!p || !p->has_instances())
		return make_error(Exit::Target,
				  "process " + std::to_string(pid) + " has no io_uring or epoll");
	Image img;
	img.pid = pid;
	img.comm = p->comm;
	img.exact = snap.exact;
	struct utsname u {};
	if (::uname(&u) == 0)
		img.kernel = u.release;

	// the buffer rings whose memory only its page frame can find, in one pass
	std::set<std::uint64_t> pfns;
	for (const Ring& r : p->rings)
		for (const BufferGroup& g : r.buffer_groups)
			if (g.ring && g.mapped_at.empty() && g.ring_pfn != 0)
				pfns.insert(g.ring_pfn);
	const auto ring_at = addresses_of_pfns(static_cast<pid_t>(pid), pfns);

	std::map<FileRef, std::vector<std::uint32_t>> fds_of;
	for (const Fd& fd : p->fds)
		fds_of[fd.file].push_back(fd.fd);
	std::map<FileRef, std::size_t> index_of;
	auto use = [&](FileRef ref) -> std::string {
		const File& file = snap.file(ref);
		if (index_of.try_emplace(ref, img.files.size()).second) {
			ImageFile f;
			f.id = file.id;
			f.type = std::string(file_kind_name(file.kind));
			f.path = file.path;
			f.inode = file.inode;
			f.dev = file.dev;
			f.mode = file.mode;
			f.open_flags = file.f_flags;
			if (auto it = fds_of.find(ref); it != fds_of.end())
				f.fds = it->second;
			read_fdinfo(pid, f);
			img.files.push_back(std::move(f));
		}
		return file.id;
	};

	for (const Ring& r : p->rings) {
		const std::string& id = snap.file(r.file).id;
		if (r.fds.empty()) {
			img.skipped.push_back(not_held("io_uring", id));
			continue;
		}
		if (!r.files.complete || !r.buffers.complete || !r.files.dumped ||
		    !r.buffers.dumped)
			return changed("io_uring", id);
		ImageRing ir;
		ir.file = use(r.file);
		ir.setup_flags = r.setup_flags;
		ir.disabled = (r.setup_flags & kSetupRDisabled) != 0;
		ir.sq_entries = r.sq_entries;
		ir.cq_entries = r.cq_entries;
		if (r.sqpoll) {
			ir.sq_thread_cpu = r.sqpoll->cpu;
			if (r.sqpoll->idle_ms)
				ir.sq_thread_idle_ms =
					static_cast<std::uint32_t>(*r.sqpoll->idle_ms);
			if (r.sqpoll->group_index) {
				// The first ring of the group in this process keeps the thread.
				const SqpollGroup& g = snap.groups.at(*r.sqpoll->group_index);
				for (const Ring& other : p->rings) {
					if (other.fds.empty() ||
					    std::find(g.rings.begin(), g.rings.end(), other.file) ==
						    g.rings.end())
						continue;
					if (other.file != r.file)
						ir.attach_to = snap.file(other.file).id;
					break;
				}
			}
		} else if (r.setup_flags & kSetupAttachWq) {
			// Without SQPOLL any ring will do as the parent.
			for (const Ring& other : p->rings)
				if (!other.fds.empty() && other.file != r.file &&
				    !(other.setup_flags & kSetupAttachWq)) {
					ir.attach_to = snap.file(other.file).id;
					break;
				}
		}
		if (r.eventfd) {
			if (r.eventfd->file) {
				ir.eventfd = use(*r.eventfd->file);
			} else {
				// No fd holds it: the file is unknown, its counter is
				// not (RING_REGS); restore makes a new one.
				ImageFile f;
				f.id = id + "-eventfd";
				f.type = "eventfd";
				f.open_flags = 02; // O_RDWR
				if (r.regs)
					f.eventfd_count = r.regs->evfd_count;
				ir.eventfd = f.id;
				img.files.push_back(std::move(f));
			}
			ir.eventfd_async = r.eventfd->async;
		}
		ir.files_nr = r.files.nr;
		for (const RegisteredFile& s : r.files.slots)
			if (!s.empty)
				ir.files.push_back({s.index, use(s.file), s.tag});
		ir.buffers_nr = r.buffers.nr;
		for (const RegisteredBuffer& b : r.buffers.slots)
			if (!b.empty)
				ir.buffers.push_back({b.index, b.addr, b.len, b.tag, {}, {}});
		if (r.regs) {
			ir.sqe_restricted = r.regs->sqe_restricted;
			ir.register_restricted = r.regs->register_restricted;
			ir.register_ops = r.regs->register_ops;
			ir.sqe_ops = r.regs->sqe_ops;
			ir.sqe_flags_allowed = r.regs->sqe_flags_allowed;
			ir.sqe_flags_required = r.regs->sqe_flags_required;
			ir.iowq_bounded = r.regs->iowq_bounded;
			ir.iowq_unbounded = r.regs->iowq_unbounded;
			ir.napi = r.regs->napi;
		}
		for (const Personality& pe : r.personalities) {
			if (pe.ngroups > 0 && !pe.groups_listed)
				return make_error(Exit::Failure,
						  "io_uring " + id + " personality " +
							  std::to_string(pe.id) +
							  ": its supplementary groups could not be "
							  "read (checkpoint with --freeze)");
			ir.personalities.push_back({pe.id, pe.uid, pe.gid, pe.euid, pe.egid,
						    pe.fsuid, pe.fsgid, pe.ngroups,
						    pe.cap_permitted, pe.cap_effective, pe.groups});
		}
		if (r.state) {
			ir.sq_pending = r.state->sq_pending();
			ir.cq_pending = r.state->cq_pending();
			ir.overflow = r.state->overflow_list;
		}
		for (const BufferGroup& g : r.buffer_groups) {
			auto ig = image_group(id, g, ring_at);
			if (!ig)
				return ig.error();
			ir.buffer_groups.push_back(std::move(*ig));
		}
		img.rings.push_back(std::move(ir));
	}
	order_rings(img.rings);

	for (const Epoll& e : p->epolls) {
		const std::string& id = snap.file(e.file).id;
		if (e.fds.empty()) {
			img.skipped.push_back(not_held("epoll", id));
			continue;
		}
		if (!e.complete)
			return changed("epoll", id);
		ImageEpoll ie;
		ie.file = use(e.file);
		for (const EpollItem& it : e.items)
			ie.items.push_back(
				{it.tfd, it.events, it.data, use(it.file), it.tfd_stale});
		img.epolls.push_back(std::move(ie));
	}
	order_epolls(img.epolls);
	return img;
}

} // namespace uringdump
