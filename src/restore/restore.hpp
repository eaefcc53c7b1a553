// Restore: recreate the io_uring and epoll instances of an image in the
// calling process, at the fd numbers the image names.
//
// A checkpoint/restore engine calls restore() in the process that is to
// hold the instances, with a FileProvider that hands it the files (its own
// file images, or the live source's through pidfd_getfd); the CLI's holder
// (`uringdump restore`) is one such caller.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "image/image.hpp"

namespace uringdump {

// Where the files of an image come from.  Rings and epolls of the image
// are created by restore() itself and never asked for.
class FileProvider {
public:
	virtual ~FileProvider() = default;
	// A new fd of file f (the caller closes it).  Errors name f and why it
	// cannot be had (Exit::Unrestorable).
	virtual Result<UniqueFd> provide(const ImageFile& f) = 0;
	// What provide() did for f, for the report ("taken from fd 4 of 123").
	virtual std::string how(const ImageFile& f) const = 0;
	// Called once every file is provided, before restore() closes the fds
	// it does not know: the provider closes its own fds here.
	virtual void done() {}
};

// One line of what restore did, or could not do, for the user.
struct RestoreReport {
	std::vector<std::string> done;
	std::vector<std::string> not_restored; // state that is lost (pending CQEs, ...)
};

struct RestoreOptions {
	std::string image_dir; // where buffer contents are read from
	// fds that must survive (the caller's own: a pipe to report on).  They
	// are moved above every fd of the image; the new numbers are written back.
	std::vector<int*> keep;
};

// Recreates img in this process.  Once the provider has provided every
// file (and had done() called), every fd of this process that is not in
// opts.keep is closed.  On success, the image's fds hold the new
// instances and files (fds of files the instances need alive but no fd of
// the image holds stay open above them).  On failure the error names the
// ring, slot, item or file (Exit::Unrestorable, or Exit::Failure when a
// system call fails unexpectedly) and the caller should exit: the process
// is half built.  Not thread-safe; the process must be single-threaded.
Status restore(const Image& img, FileProvider& files, const RestoreOptions& opts,
	       RestoreReport& report);

} // namespace uringdump
