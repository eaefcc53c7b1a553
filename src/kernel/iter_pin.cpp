// `iter pin`: open and load an object, attach its first iterator program
// with the parameter given, pin the link (bpftool's do_pin with the
// io_uring/epoll series).
#include "kernel/iter_pin.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "base/errors.hpp"
#include "base/pidfd.hpp"
#include "base/unique_fd.hpp"
#include "kernel/bpf_ptr.hpp"
#include "kernel/environment.hpp"
#include "kernel/pin.hpp"

namespace uringdump {
namespace {

// The map of `map MAP`, as an fd of ours.
Result<UniqueFd> open_map(const MapSpec& spec)
{
	switch (spec.kind) {
	case MapSpec::Kind::Id: {
		UniqueFd fd(bpf_map_get_fd_by_id(spec.id));
		if (!fd)
			return make_error(errno == ENOENT ? Exit::Target : exit_of_errno(errno),
					  "get map by id (" + std::to_string(spec.id) +
						  "): " + errno_text(errno));
		return fd;
	}
	case MapSpec::Kind::Pinned: {
		UniqueFd fd(bpf_obj_get(spec.text.c_str()));
		if (!fd)
			return make_error(errno == ENOENT ? Exit::Target : exit_of_errno(errno),
					  "bpf obj get (" + spec.text + "): " + errno_text(errno));
		bpf_map_info info;
		std::memset(&info, 0, sizeof(info));
		__u32 len = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0 || info.type == 0 ||
		    info.id == 0)
			return make_error(Exit::Usage,
					  "iter: " + spec.text + " is not a pinned map");
		return fd;
	}
	case MapSpec::Kind::Name: {
		UniqueFd found;
		__u32 id = 0;
		while (bpf_map_get_next_id(id, &id) == 0) {
			UniqueFd fd(bpf_map_get_fd_by_id(id));
			if (!fd)
				continue;
			bpf_map_info info;
			std::memset(&info, 0, sizeof(info));
			__u32 len = sizeof(info);
			if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0)
				continue;
			if (std::strncmp(info.name, spec.text.c_str(), sizeof(info.name)) != 0)
				continue;
			if (found)
				return make_error(Exit::Usage, "iter: several maps match name '" +
								       spec.text +
								       "': use 'map id MAP_ID'");
			found = std::move(fd);
		}
		if (errno == EPERM && !found)
			return make_error(Exit::Permission,
					  "cannot list the BPF maps: " + errno_text(EPERM));
		if (!found)
			return make_error(Exit::Target,
					  "no map with name '" + spec.text + "' found");
		return found;
	}
	}
	return make_error(Exit::Failure, "bad map spec");
}

// The fd of io_uring_fd/epoll_fd: ours (checked open) or a copy of PID:FD.
Result<UniqueFd> open_instance_fd(std::string_view keyword, const FdSpec& spec)
{
	if (spec.pid == 0) {
		if (::fcntl(spec.fd, F_GETFD) < 0)
			return make_error(
				Exit::Usage,
				std::string(keyword) + " " + std::to_string(spec.fd) +
					" is not open in uringdump (use PID:FD for a file "
					"descriptor of another process): " +
					errno_text(errno));
		UniqueFd dup(::fcntl(spec.fd, F_DUPFD_CLOEXEC, 0));
		if (!dup)
			return make_error(Exit::Failure, "dup of fd " + std::to_string(spec.fd) +
								 ": " + errno_text(errno));
		return dup;
	}
	UniqueFd pidfd = open_pidfd(spec.pid);
	if (!pidfd)
		return make_error(errno == ESRCH ? Exit::Target : exit_of_errno(errno),
				  "can't open process " + std::to_string(spec.pid) + ": " +
					  errno_text(errno));
	UniqueFd copy = pidfd_copy_fd(pidfd.get(), spec.fd);
	if (!copy)
		return make_error(errno == EPERM ? Exit::Permission : Exit::Target,
				  "can't get file descriptor " + std::to_string(spec.fd) +
					  " of process " + std::to_string(spec.pid) + ": " +
					  errno_text(errno));
	return copy;
}

} // namespace

Status iter_pin(const IterPinArgs& args, bool verbose)
{
	setup_libbpf(verbose);
	if (auto st = check_pin_path(args.path); !st)
		return st;

	// The map first, as bpftool does while parsing.
	UniqueFd map_fd;
	if (args.param == IterParam::Map) {
		auto fd = open_map(args.map);
		if (!fd)
			return fd.error();
		map_fd = std::move(*fd);
	}

	errno = 0;
	ObjectPtr obj(bpf_object__open_file(args.obj.c_str(), nullptr));
	if (!obj) {
		const int err = errno ? errno : EINVAL;
		return make_error(err == ENOENT ? Exit::Usage : Exit::Failure,
				  "can't open objfile " + args.obj + ": " + errno_text(err));
	}
	bpf_program* prog = nullptr;
	bpf_program* p = nullptr;
	bpf_object__for_each_program(p, obj.get())
	{
		if (bpf_program__type(p) == BPF_PROG_TYPE_TRACING &&
		    bpf_program__expected_attach_type(p) == BPF_TRACE_ITER) {
			prog = p;
			break;
		}
	}
	if (!prog)
		return make_error(
			Exit::Failure,
			"can't find an iterator program (section iter/TARGET) in objfile " +
				args.obj);
	const std::string prog_name = bpf_program__name(prog);
	const std::string target(iter_section_target(bpf_program__section_name(prog)).value_or(""));
	if (auto st = check_iter_target(args.param, prog_name, target); !st)
		return st;

	if (int err = bpf_object__load(obj.get()); err) {
		if ((err == -ESRCH || err == -ENOENT) && is_series_target(target))
			return make_error(Exit::Environment,
					  "can't load objfile " + args.obj +
						  ": this kernel has no " + target +
						  " iterator (the io_uring/epoll iterator series "
						  "is not in mainline Linux)");
		return make_error(exit_of_errno(err),
				  "can't load objfile " + args.obj + ": " + errno_text(err) +
					  " (run with -v for libbpf's diagnostics)");
	}

	// Fetched at attach time: the link holds the instance, not the fd.
	UniqueFd instance_fd;
	if (args.param == IterParam::IoUringFd || args.param == IterParam::EpollFd) {
		auto fd = open_instance_fd(iter_param_keyword(args.param), args.fd);
		if (!fd)
			return fd.error();
		instance_fd = std::move(*fd);
	}

	union bpf_iter_link_info linfo;
	std::memset(&linfo, 0, sizeof(linfo));
	LIBBPF_OPTS(bpf_iter_attach_opts, ao);
	switch (args.param) {
	case IterParam::None: break;
	case IterParam::Map: linfo.map.map_fd = static_cast<__u32>(map_fd.get()); break;
	case IterParam::IoUringFd:
	case IterParam::EpollFd:
		// io_uring.io_uring_fd and epoll.epoll_fd sit at offset 0, like map_fd
		// (the installed linux/bpf.h predates them).
		linfo.map.map_fd = static_cast<__u32>(instance_fd.get());
		break;
	case IterParam::Pid: linfo.task.pid = args.task; break;
	case IterParam::Tid: linfo.task.tid = args.task; break;
	}
	if (args.param != IterParam::None) {
		ao.link_info = &linfo;
		ao.link_info_len = sizeof(linfo);
	}
	errno = 0;
	LinkPtr link(bpf_program__attach_iter(prog, &ao));
	if (!link) {
		const int err = errno ? errno : EINVAL;
		return make_error(exit_of_errno(err), "attach_iter failed for program " +
							      prog_name + ": " + errno_text(err));
	}
	if (int err = bpf_link__pin(link.get(), args.path.c_str()); err)
		return make_error(exit_of_errno(err),
				  "can't pin the link at " + args.path + ": " + errno_text(err));
	// The pin keeps the link, its program and maps alive; our handles go.
	return {};
}

} // namespace uringdump
