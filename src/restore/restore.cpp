// restore(): files first (from the provider, at temporary fds above the
// image's), then empty epolls, then rings (ATTACH_WQ parents first) with
// their tables, eventfd, personalities and restrictions, then epoll items
// (each added under its original tfd), and last the image's fd layout.
#include "restore/restore.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/io_uring.h>
#include <sys/epoll.h>
#include <sys/fsuid.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include "base/errors.hpp"
#include "image/store.hpp"
#include "restore/buffer_groups.hpp"
#include "restore/uring.hpp"

namespace uringdump {
namespace {

// Newer than the 6.1 uapi headers the build may have.
constexpr unsigned kRegisterNapi = 27;

struct NapiArg {
	std::uint32_t busy_poll_to;
	std::uint8_t prefer_busy_poll;
	std::uint8_t opcode; // 6.14+: IO_URING_NAPI_REGISTER_OP (0)
	std::uint8_t pad[2];
	std::uint32_t op_param; // 6.14+: tracking strategy
	std::uint32_t resv;
};

Error unrestorable(std::string what)
{
	return make_error(Exit::Unrestorable, std::move(what));
}

Error sys_error(const std::string& what, int err)
{
	// A kernel that does not know an opcode or flag says EINVAL (or
	// EOPNOTSUPP): the image needs a feature this kernel lacks.
	if (err == EINVAL || err == EOPNOTSUPP || err == ENOSYS)
		return unrestorable(what + ": " + errno_text(err) +
				    " (a feature this kernel lacks, or refuses here?)");
	return make_error(exit_of_errno(err), what + ": " + errno_text(err));
}

class Restorer {
public:
	Restorer(const Image& img, FileProvider& files, const RestoreOptions& opts,
		 RestoreReport& report)
	    : img_(img), files_(files), opts_(opts), report_(report)
	{}

	Status run()
	{
		base_ = base();
		if (auto st = take_files(); !st)
			return st;
		files_.done();
		if (auto st = clear_fds(); !st)
			return st;
		for (const ImageEpoll& e : img_.epolls)
			if (auto st = create_epoll(e); !st)
				return st;
		if (auto st = map_buffers(); !st)
			return st;
		for (const ImageRing& r : img_.rings)
			if (auto st = create_ring(r); !st)
				return st;
		for (const ImageEpoll& e : img_.epolls)
			if (auto st = add_items(e); !st)
				return st;
		return place_fds();
	}

private:
	// Everything above the image's highest fd is free for temporaries.
	int base() const
	{
		std::uint32_t top = 2;
		for (const ImageFile& f : img_.files)
			for (std::uint32_t fd : f.fds)
				top = std::max(top, fd);
		for (const ImageEpoll& e : img_.epolls)
			for (const auto& it : e.items)
				top = std::max(top, it.tfd);
		return static_cast<int>(top) + 1;
	}

	Result<int> above(int fd, const std::string& what)
	{
		const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, base_);
		const int err = errno;
		::close(fd);
		if (moved < 0)
			return sys_error("moving " + what + " above fd " + std::to_string(base_),
					 err);
		return moved;
	}

	Status clear_fds()
	{
		std::set<int> keep;
		for (const auto& [id, fd] : fd_of_)
			keep.insert(fd);
		for (int* fd : opts_.keep) {
			if (*fd >= base_) {
				keep.insert(*fd);
				continue;
			}
			auto moved = above(*fd, "a kept fd");
			if (!moved)
				return moved.error();
			*fd = *moved;
			keep.insert(*moved);
		}
		DIR* d = ::opendir("/proc/self/fd");
		if (!d)
			return sys_error("/proc/self/fd", errno);
		std::vector<int> open_fds;
		while (dirent* e = ::readdir(d)) {
			char* end = nullptr;
			const long fd = std::strtol(e->d_name, &end, 10);
			if (end && *end == '\0' && e->d_name[0] != '\0' && fd != ::dirfd(d))
				open_fds.push_back(static_cast<int>(fd));
		}
		::closedir(d);
		for (int fd : open_fds)
			if (!keep.count(fd))
				::close(fd);
		return {};
	}

	bool is_instance(const std::string& id) const
	{
		for (const ImageRing& r : img_.rings)
			if (r.file == id)
				return true;
		for (const ImageEpoll& e : img_.epolls)
			if (e.file == id)
				return true;
		return false;
	}

	Status take_files()
	{
		for (const ImageFile& f : img_.files) {
			if (is_instance(f.id))
				continue;
			auto fd = files_.provide(f);
			if (!fd)
				return fd.error();
			auto moved = above(fd->release(), "file " + f.id);
			if (!moved)
				return moved.error();
			fd_of_[f.id] = *moved;
			report_.done.push_back("file " + f.id + " (" + f.type +
					       "): " + files_.how(f));
		}
		return {};
	}

	Status create_epoll(const ImageEpoll& e)
	{
		const int fd = ::epoll_create1(EPOLL_CLOEXEC);
		if (fd < 0)
			return sys_error("epoll " + e.file + ": epoll_create1", errno);
		auto moved = above(fd, "epoll " + e.file);
		if (!moved)
			return moved.error();
		fd_of_[e.file] = *moved;
		return {};
	}

	// Registered buffers at their addresses: the pages of every buffer of
	// every ring, merged into ranges, mapped private and anonymous with the
	// saved bytes.
	Status map_buffers()
	{
		const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
		std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
		for (const ImageRing& r : img_.rings)
			for (const ImageBuffer& b : r.buffers) {
				if (b.len == 0 || b.addr + b.len < b.addr)
					return unrestorable("io_uring " + r.file + " buffer " +
							    std::to_string(b.index) +
							    ": impossible address range");
				ranges.emplace_back(b.addr / page * page,
						    (b.addr + b.len + page - 1) / page * page);
			}
		std::sort(ranges.begin(), ranges.end());
		std::vector<std::pair<std::uint64_t, std::uint64_t>> merged;
		for (const auto& r : ranges)
			if (!merged.empty() && r.first <= merged.back().second)
				merged.back().second = std::max(merged.back().second, r.second);
			else
				merged.push_back(r);
		for (const auto& [start, end] : merged) {
			void* want = reinterpret_cast<void*>(start);
			void* got =
				::mmap(want, end - start, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
			if (got == MAP_FAILED || got != want) {
				const int err = got == MAP_FAILED ? errno : EEXIST;
				if (got != MAP_FAILED)
					::munmap(got,
						 end - start); // an old kernel ignored the flag
				char range[64];
				std::snprintf(range, sizeof(range), "0x%llx-0x%llx",
					      static_cast<unsigned long long>(start),
					      static_cast<unsigned long long>(end));
				return unrestorable(
					std::string("registered buffers at ") + range +
					(err == EEXIST ? ": the address range is taken in this "
							 "process"
						       : ": the range cannot be mapped here (" +
								 errno_text(err) + ")"));
			}
		}
		for (const ImageRing& r : img_.rings)
			for (const ImageBuffer& b : r.buffers) {
				if (b.contents.empty()) {
					report_.not_restored.push_back(
						"io_uring " + r.file + " buffer " +
						std::to_string(b.index) +
						": contents not in the image (" + b.unreadable +
						"), restored as zeros");
					continue;
				}
				auto data = load_buffer(opts_.image_dir, b);
				if (!data)
					return data.error();
				std::memcpy(reinterpret_cast<void*>(b.addr), data->data(),
					    data->size());
			}
		return {};
	}

	Status create_ring(const ImageRing& r)
	{
		const std::string what = "io_uring " + r.file;
		if (r.setup_flags & (kSetupNoMmap | kSetupRegisteredFdOnly))
			return unrestorable(
				what + ": rings set up with IORING_SETUP_NO_MMAP or "
				       "REGISTERED_FD_ONLY are not restored (their memory is the "
				       "application's)");
		const bool restricted = r.sqe_restricted || r.register_restricted;
		io_uring_params p{};
		p.flags = r.setup_flags &
			  ~(IORING_SETUP_R_DISABLED | IORING_SETUP_ATTACH_WQ | IORING_SETUP_SQ_AFF);
		if (r.disabled || restricted)
			p.flags |= IORING_SETUP_R_DISABLED;
		if (!r.attach_to.empty()) {
			p.flags |= IORING_SETUP_ATTACH_WQ;
			p.wq_fd = static_cast<std::uint32_t>(fd_of_.at(r.attach_to));
		} else if (r.setup_flags & IORING_SETUP_ATTACH_WQ) {
			report_.not_restored.push_back(
				what +
				": IORING_SETUP_ATTACH_WQ dropped (its parent ring is not in "
				"the image)");
		}
		p.cq_entries = r.cq_entries;
		if (r.cq_entries != 2 * r.sq_entries)
			p.flags |= IORING_SETUP_CQSIZE;
		if (p.flags & IORING_SETUP_SQPOLL) {
			if (r.sq_thread_cpu >= 0) {
				p.flags |= IORING_SETUP_SQ_AFF;
				p.sq_thread_cpu = static_cast<std::uint32_t>(r.sq_thread_cpu);
			}
			if (r.sq_thread_idle_ms)
				p.sq_thread_idle = *r.sq_thread_idle_ms;
			else
				report_.not_restored.push_back(what +
							       ": SQPOLL idle time unknown, the "
							       "kernel's default used");
		}
		const int fd = sys_setup(r.sq_entries, &p);
		if (fd < 0)
			return sys_error(what + ": io_uring_setup(" + std::to_string(r.sq_entries) +
						 ", flags 0x" + hex(p.flags) + ")",
					 errno);
		auto moved = above(fd, what);
		if (!moved)
			return moved.error();
		const int ring = *moved;
		fd_of_[r.file] = ring;

		if (r.files_nr > 0) {
			std::vector<std::int32_t> fds(r.files_nr, -1);
			std::vector<std::uint64_t> tags(r.files_nr, 0);
			for (const ImageFileSlot& s : r.files) {
				fds[s.index] = fd_of_.at(s.file);
				tags[s.index] = s.tag;
			}
			io_uring_rsrc_register reg{};
			reg.nr = r.files_nr;
			reg.data = reinterpret_cast<std::uintptr_t>(fds.data());
			reg.tags = reinterpret_cast<std::uintptr_t>(tags.data());
			if (sys_register(ring, IORING_REGISTER_FILES2, &reg, sizeof(reg)) < 0)
				return sys_error(what + ": registering " +
							 std::to_string(r.files_nr) + " file slots",
						 errno);
		}
		if (r.buffers_nr > 0) {
			std::vector<iovec> iov(r.buffers_nr, iovec{nullptr, 0});
			std::vector<std::uint64_t> tags(r.buffers_nr, 0);
			for (const ImageBuffer& b : r.buffers) {
				iov[b.index] = {reinterpret_cast<void*>(b.addr), b.len};
				tags[b.index] = b.tag;
			}
			io_uring_rsrc_register reg{};
			reg.nr = r.buffers_nr;
			reg.data = reinterpret_cast<std::uintptr_t>(iov.data());
			reg.tags = reinterpret_cast<std::uintptr_t>(tags.data());
			if (sys_register(ring, IORING_REGISTER_BUFFERS2, &reg, sizeof(reg)) < 0)
				return sys_error(what + ": registering " +
							 std::to_string(r.buffers_nr) +
							 " buffer slots",
						 errno);
		}
		if (r.eventfd) {
			const int efd = fd_of_.at(*r.eventfd);
			if (sys_register(ring,
					 r.eventfd_async ? IORING_REGISTER_EVENTFD_ASYNC
							 : IORING_REGISTER_EVENTFD,
					 &efd, 1) < 0)
				return sys_error(what + ": registering eventfd " + *r.eventfd,
						 errno);
		}
		if (auto st = register_personalities(ring, r); !st)
			return st;
		if (r.iowq_bounded || r.iowq_unbounded) {
			std::uint32_t counts[2] = {r.iowq_bounded, r.iowq_unbounded};
			if (sys_register(ring, IORING_REGISTER_IOWQ_MAX_WORKERS, counts, 2) < 0)
				return sys_error(what + ": IORING_REGISTER_IOWQ_MAX_WORKERS",
						 errno);
		}
		if (r.napi) {
			NapiArg n{};
			n.busy_poll_to = r.napi->busy_poll_us;
			n.prefer_busy_poll = r.napi->prefer_busy_poll ? 1 : 0;
			n.op_param = r.napi->tracking;
			if (sys_register(ring, kRegisterNapi, &n, 1) < 0)
				return sys_error(what + ": IORING_REGISTER_NAPI", errno);
			if (r.napi->tracking != 0)
				report_.not_restored.push_back(
					what +
					": NAPI static tracking restored without its NAPI ids");
		}
		// buffer rings before the restrictions, which may forbid registering them
		BufferGroupRestore groups(ring, p, r, opts_.image_dir, report_);
		if (auto st = groups.register_rings(); !st)
			return st;
		if (restricted) {
			std::vector<io_uring_restriction> res;
			auto add = [&](std::uint16_t opcode, std::uint8_t value) {
				io_uring_restriction x{};
				x.opcode = opcode;
				x.register_op = value; // the union's first byte
				res.push_back(x);
			};
			for (std::uint32_t op : r.register_ops)
				add(IORING_RESTRICTION_REGISTER_OP, static_cast<std::uint8_t>(op));
			for (std::uint32_t op : r.sqe_ops)
				add(IORING_RESTRICTION_SQE_OP, static_cast<std::uint8_t>(op));
			if (r.sqe_flags_allowed)
				add(IORING_RESTRICTION_SQE_FLAGS_ALLOWED,
				    static_cast<std::uint8_t>(r.sqe_flags_allowed));
			if (r.sqe_flags_required)
				add(IORING_RESTRICTION_SQE_FLAGS_REQUIRED,
				    static_cast<std::uint8_t>(r.sqe_flags_required));
			if (sys_register(ring, IORING_REGISTER_RESTRICTIONS, res.data(),
					 static_cast<unsigned>(res.size())) < 0)
				return sys_error(what + ": IORING_REGISTER_RESTRICTIONS", errno);
		}
		if ((p.flags & IORING_SETUP_R_DISABLED) && !r.disabled &&
		    sys_register(ring, IORING_REGISTER_ENABLE_RINGS, nullptr, 0) < 0)
			return sys_error(what + ": IORING_REGISTER_ENABLE_RINGS", errno);

		if (r.sq_pending || r.cq_pending || r.overflow)
			report_.not_restored.push_back(
				what + ": " + std::to_string(r.sq_pending) +
				" SQEs not consumed, " + std::to_string(r.cq_pending) +
				" CQEs not reaped, " + std::to_string(r.overflow) +
				" overflowed CQEs (queue contents are not restored; checkpoint a "
				"quiesced ring)");
		if (auto st = groups.fill(); !st)
			return st;
		if (r.unsaved_groups)
			report_.not_restored.push_back(
				what + ": " + std::to_string(r.unsaved_groups) +
				" provided-buffer groups not restored (a version 1 image has "
				"not saved them)");
		report_.done.push_back(what + ": " + std::to_string(r.sq_entries) + "/" +
				       std::to_string(r.cq_entries) + " entries, flags 0x" +
				       hex(r.setup_flags) + ", " + std::to_string(r.files.size()) +
				       " files, " + std::to_string(r.buffers.size()) + " buffers");
		return {};
	}

	static std::string hex(std::uint32_t v)
	{
		char b[16];
		std::snprintf(b, sizeof(b), "%x", v);
		return b;
	}

	// Personalities get the same ids (the kernel hands them out in order:
	// gaps are registered and dropped again) and the same credentials
	// (registered from a thread that takes them on: credentials are per
	// thread for the raw system calls).
	Status register_personalities(int ring, const ImageRing& r)
	{
		if (r.personalities.empty())
			return {};
		const std::string what = "io_uring " + r.file;
		std::uint32_t next = 1;
		for (const ImagePersonality& pe : r.personalities) {
			while (next < pe.id) {
				const int id =
					sys_register(ring, IORING_REGISTER_PERSONALITY, nullptr, 0);
				if (id < 0)
					return sys_error(what + ": IORING_REGISTER_PERSONALITY",
							 errno);
				sys_register(ring, IORING_UNREGISTER_PERSONALITY, nullptr,
					     static_cast<unsigned>(id));
				next = static_cast<std::uint32_t>(id) + 1;
			}
			if (same_credentials(pe)) {
				const int id =
					sys_register(ring, IORING_REGISTER_PERSONALITY, nullptr, 0);
				if (id < 0)
					return sys_error(what + ": IORING_REGISTER_PERSONALITY",
							 errno);
				if (static_cast<std::uint32_t>(id) != pe.id)
					return make_error(
						Exit::Failure,
						what + ": personality " + std::to_string(pe.id) +
							" was given id " + std::to_string(id));
				next = pe.id + 1;
				continue;
			}
			if (pe.ngroups != 0 && !pe.groups)
				report_.not_restored.push_back(
					what + ": personality " + std::to_string(pe.id) + ": its " +
					std::to_string(pe.ngroups) +
					" supplementary groups (the dump has their number, not the "
					"groups) restored as none");
			std::vector<gid_t> groups;
			if (pe.groups)
				groups.assign(pe.groups->begin(), pe.groups->end());
			int id = -1;
			int err = 0;
			std::thread t([&] {
				// Only this thread takes on the credentials.
				if (::syscall(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 ||
				    ::syscall(SYS_setgroups, groups.size(),
					      groups.empty() ? nullptr : groups.data()) != 0 ||
				    ::syscall(SYS_setresgid, pe.gid, pe.egid, pe.egid) != 0 ||
				    ::syscall(SYS_setresuid, pe.uid, pe.euid, pe.euid) != 0) {
					err = errno;
					return;
				}
				::syscall(SYS_setfsgid, pe.fsgid);
				::syscall(SYS_setfsuid, pe.fsuid);
				__user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
				__user_cap_data_struct data[2]{};
				data[0].permitted = static_cast<std::uint32_t>(pe.cap_permitted);
				data[1].permitted =
					static_cast<std::uint32_t>(pe.cap_permitted >> 32);
				data[0].effective = static_cast<std::uint32_t>(pe.cap_effective);
				data[1].effective =
					static_cast<std::uint32_t>(pe.cap_effective >> 32);
				if (::syscall(SYS_capset, &hdr, data) != 0) {
					err = errno;
					return;
				}
				id = sys_register(ring, IORING_REGISTER_PERSONALITY, nullptr, 0);
				if (id < 0)
					err = errno;
			});
			t.join();
			if (id < 0)
				return sys_error(what + ": personality " + std::to_string(pe.id) +
							 " (uid " + std::to_string(pe.uid) + ")",
						 err);
			if (static_cast<std::uint32_t>(id) != pe.id)
				return make_error(Exit::Failure,
						  what + ": personality " + std::to_string(pe.id) +
							  " was given id " + std::to_string(id));
			next = pe.id + 1;
		}
		return {};
	}

	// This process's credentials are the personality's (supplementary
	// groups compared by number only when the image has no list).
	static bool same_credentials(const ImagePersonality& pe)
	{
		uid_t ruid = 0, euid = 0, suid = 0;
		gid_t rgid = 0, egid = 0, sgid = 0;
		if (::getresuid(&ruid, &euid, &suid) != 0 || ::getresgid(&rgid, &egid, &sgid) != 0)
			return false;
		__user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
		__user_cap_data_struct data[2]{};
		if (::syscall(SYS_capget, &hdr, data) != 0)
			return false;
		const std::uint64_t permitted =
			data[0].permitted | (std::uint64_t{data[1].permitted} << 32);
		const std::uint64_t effective =
			data[0].effective | (std::uint64_t{data[1].effective} << 32);
		const int ngroups = ::getgroups(0, nullptr);
		if (pe.groups && ngroups >= 0) {
			std::vector<gid_t> mine(static_cast<std::size_t>(ngroups));
			if (::getgroups(ngroups, mine.data()) != ngroups ||
			    !std::equal(mine.begin(), mine.end(), pe.groups->begin(),
					pe.groups->end()))
				return false;
		}
		return ruid == pe.uid && euid == pe.euid && rgid == pe.gid && egid == pe.egid &&
		       static_cast<std::uint32_t>(::setfsuid(static_cast<uid_t>(-1))) == pe.fsuid &&
		       static_cast<std::uint32_t>(::setfsgid(static_cast<gid_t>(-1))) == pe.fsgid &&
		       ngroups >= 0 && static_cast<std::uint32_t>(ngroups) == pe.ngroups &&
		       permitted == pe.cap_permitted && effective == pe.cap_effective;
	}

	Status add_items(const ImageEpoll& e)
	{
		const int ep = fd_of_.at(e.file);
		for (const ImageEpollItem& it : e.items) {
			const std::string what = "epoll " + e.file + " item tfd " +
						 std::to_string(it.tfd) + " (" + it.file + ")";
			const int target = fd_of_.at(it.file);
			if (::dup2(target, static_cast<int>(it.tfd)) < 0)
				return sys_error(what + ": dup2", errno);
			epoll_event ev{};
			ev.events = it.events;
			ev.data.u64 = it.data;
			const int rc =
				::epoll_ctl(ep, EPOLL_CTL_ADD, static_cast<int>(it.tfd), &ev);
			const int err = errno;
			::close(static_cast<int>(it.tfd));
			if (rc < 0)
				return sys_error(what + ": epoll_ctl(ADD, events 0x" +
							 hex(it.events) + ")",
						 err);
			// A fired EPOLLONESHOT item keeps only its private bits in
			// the kernel; adding it arms it again.
			constexpr std::uint32_t kPrivate =
				EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;
			if ((it.events & EPOLLONESHOT) && (it.events & ~kPrivate) == 0)
				report_.not_restored.push_back(
					what +
					": a fired EPOLLONESHOT item, restored armed with no "
					"events but EPOLLERR|EPOLLHUP");
		}
		report_.done.push_back("epoll " + e.file + ": " + std::to_string(e.items.size()) +
				       " items");
		return {};
	}

	// The image's fds, then the temporaries closed (except those of files
	// that nothing else would keep alive: epoll targets without an fd).
	Status place_fds()
	{
		for (const ImageFile& f : img_.files) {
			auto it = fd_of_.find(f.id);
			if (it == fd_of_.end())
				continue;
			for (std::uint32_t fd : f.fds)
				if (::dup2(it->second, static_cast<int>(fd)) < 0)
					return sys_error("placing " + f.id + " at fd " +
								 std::to_string(fd),
							 errno);
		}
		std::set<std::string> held, watched; // by a ring's file table, by an epoll
		for (const ImageRing& r : img_.rings)
			for (const ImageFileSlot& s : r.files)
				held.insert(s.file);
		for (const ImageEpoll& e : img_.epolls)
			for (const ImageEpollItem& it : e.items)
				watched.insert(it.file);
		for (const ImageFile& f : img_.files) {
			auto it = fd_of_.find(f.id);
			if (it == fd_of_.end())
				continue;
			if (f.fds.empty() && watched.count(f.id) && !held.count(f.id) &&
			    !is_instance(f.id)) {
				// Needed only by an epoll item (a stale tfd): kept open.
				report_.done.push_back("file " + f.id +
						       " has no fd in the image: kept at fd " +
						       std::to_string(it->second) +
						       " so that its epoll items stay");
				continue;
			}
			::close(it->second);
		}
		return {};
	}

	const Image& img_;
	FileProvider& files_;
	const RestoreOptions& opts_;
	RestoreReport& report_;
	int base_ = 3;
	std::map<std::string, int> fd_of_; // ImageFile::id -> the fd holding it now
};

} // namespace

Status restore(const Image& img, FileProvider& files, const RestoreOptions& opts,
	       RestoreReport& report)
{
	Restorer r(img, files, opts, report);
	return r.run();
}

} // namespace uringdump
