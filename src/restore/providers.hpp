// The FileProviders of the command line: files reopened or recreated from
// what the image says, and files taken from the live source process.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>

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
// (and checked to still be the checkpointed file); files without an fd
// (held only by a ring's table) fall back to ReopenFiles.
class SourceFiles : public FileProvider {
public:
	// Errors: Exit::Target when pid is gone, Exit::Permission without
	// the right to ptrace it.
	static Result<SourceFiles> open(pid_t pid);

	Result<UniqueFd> provide(const ImageFile& f) override;
	std::string how(const ImageFile& f) const override;
	void done() override { pidfd_.reset(); }

private:
	SourceFiles(pid_t pid, UniqueFd pidfd) : pid_(pid), pidfd_(std::move(pidfd)) {}

	pid_t pid_;
	UniqueFd pidfd_;
	ReopenFiles reopen_;
	std::map<std::string, std::string> how_;
};

} // namespace uringdump
