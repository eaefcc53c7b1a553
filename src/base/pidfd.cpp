#include "base/pidfd.hpp"

#include <sys/syscall.h>
#include <unistd.h>

namespace uringdump {

UniqueFd open_pidfd(pid_t pid)
{
	return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
}

UniqueFd pidfd_copy_fd(int pidfd, int fd)
{
	return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, fd, 0)));
}

} // namespace uringdump
