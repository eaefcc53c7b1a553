// The FileProviders of the command line: files reopened or recreated from
// what the image says, and files taken from the live source process.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

#include "image/image.hpp"
#include "restore/restore.hpp"

namespace uringdump {

// Without a source: regular files and directories reopen by path with
// their open flags and offset (the inode must still be the checkpointed
// one), eventfds are recreated with their counter and flags.  Anything
// else cannot be provided (Exit::Unrestorable naming file, type and why).
class ReopenFiles : public FileProvider {
public:
	Result<UniqueFd> provide(const ImageFile& f) override;
	std::string how(const ImageFile& f) const override;

private:
	std::map<std::string, std::string> how_;
};

// From the live source: every file with an fd is taken with pidfd_getfd
// (and checked to still be the checkpointed file).  A file without an fd
// (held only by a ring's table) is, with kill_source, taken through that
// ring: an IORING_OP_FIXED_FD_INSTALL submitted on the source's ring
// installs it in this process (Linux 6.8+), which moves the ring's queue
// indices, so the source is stopped (SIGSTOP) when the provider opens and
// killed (SIGKILL) once every file is provided (done()).  Without
// kill_source such files fall back to ReopenFiles.
class SourceFiles : public FileProvider {
public:
	// Errors: Exit::Target when pid is gone, Exit::Permission without
	// the right to ptrace it.  img: the image being restored (for the
	// ring and slot that hold a file).
	static Result<SourceFiles> open(pid_t pid, const Image& img, bool kill_source);

	Result<UniqueFd> provide(const ImageFile& f) override;
	std::string how(const ImageFile& f) const override;
	void done() override;

private:
	SourceFiles(pid_t pid, UniqueFd pidfd, const Image& img, bool kill_source)
	    : pid_(pid), pidfd_(std::move(pidfd)), img_(&img), kill_source_(kill_source)
	{}
	Result<UniqueFd> install_from_ring(const ImageFile& f);

	pid_t pid_;
	UniqueFd pidfd_;
	const Image* img_;
	bool kill_source_;
	ReopenFiles reopen_;
	std::map<std::string, std::string> how_;
};

} // namespace uringdump
