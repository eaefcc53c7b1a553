// Another process's file descriptors, through pidfds.
#pragma once

#include <sys/types.h>

#include "base/unique_fd.hpp"

namespace uringdump {

// pidfd_open(2) of pid; invalid with errno set on failure.
UniqueFd open_pidfd(pid_t pid);

// pidfd_getfd(2): a copy (close-on-exec) of fd `fd` of the process behind
// `pidfd`; invalid with errno set on failure.
UniqueFd pidfd_copy_fd(int pidfd, int fd);

} // namespace uringdump
