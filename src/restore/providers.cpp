#include "restore/providers.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>

#include "base/errors.hpp"
#include "base/pidfd.hpp"
#include "base/procfs.hpp"
#include "restore/ring_submit.hpp"

namespace uringdump {
namespace {

// The image's dev is the kernel's internal encoding (MAJOR << 20 | MINOR).
bool same_file(int fd, const ImageFile& f)
{
	struct stat st {};
	if (::fstat(fd, &st) != 0)
		return false;
	return st.st_ino == f.inode && major(st.st_dev) == (f.dev >> 20) &&
	       minor(st.st_dev) == (f.dev & 0xfffffu);
}

// Waits (up to 5 s) until every thread of pid is stopped or traced.
bool wait_stopped(pid_t pid)
{
	for (int i = 0; i < 500; i++) {
		if (all_threads_stopped(pid))
			return true;
		::usleep(10000);
	}
	return false;
}

std::string name(const ImageFile& f)
{
	return "file " + f.id + " (" + f.type + (f.path ? ", " + *f.path : std::string()) + ")";
}

} // namespace

Result<UniqueFd> ReopenFiles::provide(const ImageFile& f)
{
	if (f.type == "eventfd") {
		if (!f.eventfd_count)
			return make_error(Exit::Unrestorable,
					  name(f) + ": its counter is not in the image (no fd held "
						    "it at checkpoint)");
		int flags = EFD_CLOEXEC;
		if (f.open_flags & O_NONBLOCK)
			flags |= EFD_NONBLOCK;
		if (f.eventfd_semaphore)
			flags |= EFD_SEMAPHORE;
		UniqueFd fd(::eventfd(0, flags));
		if (!fd)
			return make_error(exit_of_errno(errno),
					  name(f) + ": eventfd: " + errno_text(errno));
		const std::uint64_t count = *f.eventfd_count;
		if (count && ::write(fd.get(), &count, sizeof(count)) != sizeof(count))
			return make_error(Exit::Failure,
					  name(f) + ": setting its counter: " + errno_text(errno));
		how_[f.id] = "a new eventfd with counter " + std::to_string(count);
		return fd;
	}
	if (f.type != "regular" && f.type != "directory")
		return make_error(Exit::Unrestorable,
				  name(f) + ": a " + f.type +
					  " cannot be recreated from the image; restore with "
					  "--files-from PID while the source runs");
	if (!f.path || f.path->empty() || f.path->front() != '/' || f.path->ends_with(" (deleted)"))
		return make_error(Exit::Unrestorable,
				  name(f) + ": no path to reopen it by (deleted or unreachable)");
	const int flags = static_cast<int>(f.open_flags) & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY);
	UniqueFd fd(::open(f.path->c_str(), flags | O_CLOEXEC));
	if (!fd)
		return make_error(Exit::Unrestorable,
				  name(f) + ": reopening it failed: " + errno_text(errno));
	if (!same_file(fd.get(), f))
		return make_error(Exit::Unrestorable,
				  name(f) + ": the path now names another file (inode " +
					  std::to_string(f.inode) + " is gone from it)");
	if (f.pos && f.type == "regular" &&
	    ::lseek(fd.get(), static_cast<off_t>(*f.pos), SEEK_SET) < 0)
		return make_error(Exit::Failure, name(f) + ": seeking to " +
							 std::to_string(*f.pos) + ": " +
							 errno_text(errno));
	how_[f.id] = "reopened by path" + (f.pos ? " at offset " + std::to_string(*f.pos)
						 : std::string(" (offset unknown: 0)"));
	return fd;
}

std::string ReopenFiles::how(const ImageFile& f) const
{
	auto it = how_.find(f.id);
	return it == how_.end() ? "not provided" : it->second;
}

Result<SourceFiles> SourceFiles::open(pid_t pid, const Image& img, bool kill_source)
{
	UniqueFd pidfd = open_pidfd(pid);
	if (!pidfd)
		return make_error(errno == ESRCH ? Exit::Target : exit_of_errno(errno),
				  "--files-from " + std::to_string(pid) + ": " + errno_text(errno));
	if (kill_source) {
		// Stopped before anything is taken: its rings must not move.
		if (::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGSTOP, nullptr, 0) != 0)
			return make_error(exit_of_errno(errno), "--kill-source: stopping " +
									std::to_string(pid) + ": " +
									errno_text(errno));
		if (!wait_stopped(pid))
			return make_error(Exit::Target, "--kill-source: " + std::to_string(pid) +
								" did not stop within 5 s");
	}
	return SourceFiles(pid, std::move(pidfd), img, kill_source);
}

void SourceFiles::done()
{
	if (kill_source_ && pidfd_)
		::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
	pidfd_.reset();
}

Result<UniqueFd> SourceFiles::provide(const ImageFile& f)
{
	if (f.fds.empty() && kill_source_)
		return install_from_ring(f);
	if (f.fds.empty()) {
		auto fd = reopen_.provide(f);
		if (!fd)
			return make_error(fd.error().code,
					  fd.error().message +
						  " (held only by a ring's table in the source: "
						  "--kill-source takes it through the ring)");
		how_[f.id] = reopen_.how(f) + " (no fd in the source)";
		return fd;
	}
	const std::uint32_t from = f.fds.front();
	UniqueFd fd = pidfd_copy_fd(pidfd_.get(), static_cast<int>(from));
	if (!fd) {
		const int err = errno;
		// EBADF: the source no longer has that fd; the file cannot be had.
		const Exit code = err == ESRCH   ? Exit::Target
				  : err == EBADF ? Exit::Unrestorable
						 : exit_of_errno(err);
		return make_error(code, name(f) + ": taking fd " + std::to_string(from) + " of " +
						std::to_string(pid_) + ": " + errno_text(err));
	}
	if (!same_file(fd.get(), f))
		return make_error(Exit::Unrestorable,
				  name(f) + ": fd " + std::to_string(from) + " of " +
					  std::to_string(pid_) +
					  " is no longer that file (closed or replaced since the "
					  "checkpoint)");
	how_[f.id] = "taken from fd " + std::to_string(from) + " of " + std::to_string(pid_);
	return fd;
}

std::string SourceFiles::how(const ImageFile& f) const
{
	auto it = how_.find(f.id);
	return it == how_.end() ? "not provided" : it->second;
}

Result<UniqueFd> SourceFiles::install_from_ring(const ImageFile& f)
{
	const ImageRing* ring = nullptr;
	std::uint32_t slot = 0;
	for (const ImageRing& r : img_->rings)
		for (const ImageFileSlot& s : r.files)
			if (!ring && s.file == f.id) {
				ring = &r;
				slot = s.index;
			}
	const ImageFile* ring_file = ring ? img_->find_file(ring->file) : nullptr;
	if (!ring || !ring_file || ring_file->fds.empty())
		return make_error(
			Exit::Unrestorable,
			name(f) + ": no fd in the source and no ring of the image holds it");
	const std::string where = "io_uring " + ring->file + " slot " + std::to_string(slot);
	UniqueFd ring_fd = pidfd_copy_fd(pidfd_.get(), static_cast<int>(ring_file->fds.front()));
	if (!ring_fd)
		return make_error(Exit::Unrestorable, name(f) + ": taking " + where + " of " +
							      std::to_string(pid_) + ": " +
							      errno_text(errno));
	auto fd = fixed_fd_install(ring_fd.get(), *ring, slot);
	if (!fd)
		return make_error(fd.error().code,
				  name(f) + ": " + where + ": " + fd.error().message);
	if (!same_file(fd->get(), f))
		return make_error(Exit::Unrestorable,
				  name(f) + ": " + where + " no longer holds that file");
	how_[f.id] = "taken through " + where + " of " + std::to_string(pid_) +
		     " (IORING_OP_FIXED_FD_INSTALL)";
	return fd;
}

} // namespace uringdump
