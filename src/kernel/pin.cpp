// Pinning the CO-RE pinned iterator (a ksym iterator whose steps drive a
// resumable dump, see bpf/uringdump_pin.bpf.c) for one process or fd.
#include "kernel/pin.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include "base/errors.hpp"
#include "base/pidfd.hpp"
#include "base/procfs.hpp"
#include "base/unique_fd.hpp"
#include "kernel/bpf_ptr.hpp"
#include "uringdump_native.skel.h"
#include "uringdump_pin.skel.h"

namespace uringdump {
namespace {

using PinSkel = BpfPtr<uringdump_pin_bpf, uringdump_pin_bpf__destroy>;
using NativeSkel = BpfPtr<uringdump_native_bpf, uringdump_native_bpf__destroy>;

std::string dir_of(const std::string& path)
{
	auto slash = path.find_last_of('/');
	if (slash == std::string::npos)
		return ".";
	return slash == 0 ? "/" : path.substr(0, slash);
}

} // namespace

Result<PinTarget> parse_pin_target(std::string_view text)
{
	PinTarget t;
	auto colon = text.find(':');
	auto pid_text = text.substr(0, colon);
	auto bad = [&] {
		return make_error(Exit::Usage, "invalid target '" + std::string(text) +
						       "': expected PID or PID:FD");
	};
	const auto pid = pid_from_text(pid_text);
	if (!pid)
		return bad();
	t.pid = *pid;
	if (colon != std::string_view::npos) {
		auto fd_text = text.substr(colon + 1);
		int fd = -1;
		auto [q, ec2] =
			std::from_chars(fd_text.data(), fd_text.data() + fd_text.size(), fd);
		if (ec2 != std::errc() || q != fd_text.data() + fd_text.size() || fd < 0)
			return bad();
		t.fd = fd;
	}
	return t;
}

Status check_pin_path(const std::string& path)
{
	auto slash = path.find_last_of('/');
	std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
	if (base.empty())
		return make_error(Exit::Usage, "pin path '" + path + "' has no file name");
	if (base.find('.') != std::string::npos)
		return make_error(Exit::Failure,
				  "pin name '" + base +
					  "' has a '.': bpffs does not allow dots in names");
	struct stat st;
	if (::lstat(path.c_str(), &st) == 0)
		return make_error(Exit::Failure, path + " already exists: not overwriting it");
	std::string dir = dir_of(path);
	struct statfs fs;
	if (::statfs(dir.c_str(), &fs) != 0)
		return make_error(Exit::Environment, dir + ": " + errno_text(errno));
	if (static_cast<unsigned long>(fs.f_type) != BPF_FS_MAGIC)
		return make_error(Exit::Environment,
				  dir + " is not in a bpffs mount (mount -t bpf bpf /sys/fs/bpf)");
	return {};
}

namespace {

// A copy of another process's fd (pidfd_open + pidfd_getfd).
Result<UniqueFd> fetch_fd(pid_t pid, int fd)
{
	UniqueFd pidfd = open_pidfd(pid);
	if (!pidfd)
		return make_error(errno == ESRCH ? Exit::Target : Exit::Failure,
				  "pidfd_open(" + std::to_string(pid) + "): " + errno_text(errno));
	UniqueFd copy = pidfd_copy_fd(pidfd.get(), fd);
	if (!copy)
		return make_error(errno == EPERM ? Exit::Permission : Exit::Target,
				  "pidfd_getfd(" + std::to_string(pid) + ":" + std::to_string(fd) +
					  "): " + errno_text(errno));
	return copy;
}

// Paths created in bpffs while pinning, removed again unless the pin
// succeeds (pins in reverse order, then the directory).
class PinCleanup {
public:
	PinCleanup() = default;
	PinCleanup(const PinCleanup&) = delete;
	PinCleanup& operator=(const PinCleanup&) = delete;
	~PinCleanup()
	{
		for (auto it = paths_.rbegin(); it != paths_.rend(); ++it)
			(void)(it->second ? ::rmdir(it->first.c_str())
					  : ::unlink(it->first.c_str()));
	}
	void add(std::string path, bool dir) { paths_.emplace_back(std::move(path), dir); }
	void commit() { paths_.clear(); }

private:
	std::vector<std::pair<std::string, bool>> paths_;
};

Result<std::uint32_t> link_id_of(bpf_link* link)
{
	bpf_link_info li;
	std::memset(&li, 0, sizeof(li));
	__u32 len = sizeof(li);
	if (bpf_obj_get_info_by_fd(bpf_link__fd(link), &li, &len) != 0)
		return make_error(Exit::Failure, std::string("link info: ") + errno_text(errno));
	return li.id;
}

Status pin_link(bpf_link* link, const std::string& path, PinCleanup& cleanup)
{
	if (int err = bpf_link__pin(link, path.c_str()); err)
		return make_error(err == -EPERM || err == -EACCES ? Exit::Permission
								  : Exit::Failure,
				  "cannot pin at " + path + ": " + errno_text(-err));
	cleanup.add(path, false);
	return {};
}

// Native iterators bound to the target fd: for an epoll, one epoll link
// pinned at PATH; for a ring, a bpffs directory PATH with an io_uring_file
// link pinned as PATH/files and an io_uring_buf link as PATH/buffers (the
// two targets are separate in the kernel; `uringdump read PATH` joins them).
// Both links come from one loaded object, so their records share the run's
// ids.
Result<PinResult> pin_native(const PinTarget& target, FdKind kind, const std::string& path,
			     const LoadOptions& opts)
{
	const bool ring = kind == FdKind::IoUring;
	const char* tname = ring ? "io_uring_file" : "epoll";
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	oo.btf_custom_path = core_btf_path(opts);
	NativeSkel skel(uringdump_native_bpf__open_opts(&oo));
	if (!skel)
		return make_error(Exit::Failure,
				  "cannot open the BPF object: " + errno_text(errno));
	bpf_program__set_autoload(skel->progs.dump_io_uring_file, ring);
	bpf_program__set_autoload(skel->progs.dump_io_uring_buf, ring);
	bpf_program__set_autoload(skel->progs.dump_epoll, !ring);
	seed_rodata(skel->rodata);
	skel->rodata->target_pid = static_cast<__u32>(target.pid);
	bpf_map__set_max_entries(skel->maps.spill, 4096);
	if (int err = uringdump_native_bpf__load(skel.get()); err) {
		if (err == -ESRCH || err == -ENOENT)
			return make_error(Exit::Environment,
					  std::string("this kernel has no ") + tname +
						  " iterator target (the native io_uring/epoll "
						  "iterators are not in mainline Linux); pin "
						  "without --native to use the CO-RE iterator");
		return make_error(err == -EPERM ? Exit::Permission : Exit::Failure,
				  std::string("cannot load the native ") + tname +
					  " iterator: " + errno_text(-err));
	}
	auto fd = fetch_fd(target.pid, target.fd);
	if (!fd)
		return fd.error();
	// io_uring_fd and epoll_fd are the union's first member, like map_fd.
	union bpf_iter_link_info info;
	std::memset(&info, 0, sizeof(info));
	info.map.map_fd = static_cast<__u32>(fd->get());
	LIBBPF_OPTS(bpf_iter_attach_opts, ao, .link_info = &info, .link_info_len = sizeof(info));
	auto attach = [&](bpf_program* prog, const char* name) -> Result<LinkPtr> {
		LinkPtr link(bpf_program__attach_iter(prog, &ao));
		if (!link)
			return make_error(Exit::Failure, std::string("cannot attach the ") + name +
								 " iterator to " +
								 std::to_string(target.pid) + ":" +
								 std::to_string(target.fd) + ": " +
								 errno_text(errno));
		return link;
	};

	PinResult res;
	res.native = true;
	PinCleanup cleanup;
	if (!ring) {
		auto link = attach(skel->progs.dump_epoll, "epoll");
		if (!link)
			return link.error();
		if (auto st = pin_link(link->get(), path, cleanup); !st)
			return st.error();
		if (auto id = link_id_of(link->get()))
			res.link_id = *id;
		cleanup.commit();
		return res;
	}
	auto files = attach(skel->progs.dump_io_uring_file, "io_uring_file");
	if (!files)
		return files.error();
	auto bufs = attach(skel->progs.dump_io_uring_buf, "io_uring_buf");
	if (!bufs)
		return bufs.error();
	if (::mkdir(path.c_str(), 0700) != 0)
		return make_error(
			errno == EPERM || errno == EACCES ? Exit::Permission : Exit::Failure,
			"cannot create the pin directory " + path + ": " + errno_text(errno));
	cleanup.add(path, true);
	if (auto st = pin_link(files->get(), path + "/" + kNativeFilesPin, cleanup); !st)
		return st.error();
	if (auto st = pin_link(bufs->get(), path + "/" + kNativeBuffersPin, cleanup); !st)
		return st.error();
	if (auto id = link_id_of(files->get()))
		res.link_id = *id;
	if (auto id = link_id_of(bufs->get()))
		res.extra_link_id = *id;
	res.directory = true;
	cleanup.commit();
	return res;
}

} // namespace

Result<PinResult> pin_dump(const PinTarget& target, const std::string& path,
			   const LoadOptions& opts, PinMode mode)
{
	if (auto st = check_pin_path(path); !st)
		return st.error();
	if (auto st = check_target(target.pid); !st)
		return st.error();
	if (mode == PinMode::Native && target.fd < 0)
		return make_error(Exit::Usage,
				  "--native needs PID:FD: native iterators dump one ring or epoll");
	setup_libbpf(opts.verbose);
	if (target.fd >= 0) {
		auto kind = ring_or_epoll_fd(target.pid, target.fd);
		if (!kind)
			return kind.error();
		if (mode == PinMode::Native ||
		    (mode == PinMode::Auto && kernel_has_native_iterators(opts)))
			return pin_native(target, *kind, path, opts);
	}

	LIBBPF_OPTS(bpf_object_open_opts, oo);
	oo.btf_custom_path = core_btf_path(opts);
	PinSkel skel(uringdump_pin_bpf__open_opts(&oo));
	if (!skel)
		return make_error(Exit::Failure,
				  "cannot open the BPF object: " + errno_text(errno));
	auto* ro = skel->rodata;
	seed_rodata(ro);
	ro->target_fd = target.fd;
	ro->target_pid = static_cast<__u32>(target.pid);
	ro->target_start = proc_start_time(target.pid);
	// The pinned program never uses the spill ring buffer: keep it small.
	bpf_map__set_max_entries(skel->maps.spill, 4096);

	if (int err = uringdump_pin_bpf__load(skel.get()); err)
		return load_error(opts, "the pinned iterator", err);

	LinkPtr link(bpf_program__attach_iter(skel->progs.dump_pinned, nullptr));
	if (!link)
		return make_error(Exit::Failure,
				  "cannot attach the iterator: " + errno_text(errno));
	PinCleanup cleanup;
	if (auto st = pin_link(link.get(), path, cleanup); !st)
		return st.error();
	PinResult res;
	if (auto id = link_id_of(link.get()))
		res.link_id = *id;
	cleanup.commit();
	// The pin keeps the link (and its program and maps) alive; our handles go.
	return res;
}

} // namespace uringdump
