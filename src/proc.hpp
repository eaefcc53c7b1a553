// What procfs tells about a target process: does it exist, is it a kernel
// thread or a zombie, when did it start, what is behind one of its fds.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "result.hpp"

namespace uringdump {

// Exists, is not a kernel thread, has not exited (zombie): else Exit::Target.
Status check_target(pid_t pid);

// Field 22 of /proc/PID/stat (start time in clock ticks since boot), 0 if unknown.
std::uint64_t proc_start_time(pid_t pid);

enum class FdKind { IoUring, Epoll };

// The fd must exist and be an io_uring or an epoll (else Exit::Target).
Result<FdKind> ring_or_epoll_fd(pid_t pid, int fd);

} // namespace uringdump
