// Reading the few procfs facts uringdump checks before it dumps or pins.
#include "proc.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace uringdump {
namespace {

constexpr unsigned long kPfKthread = 0x00200000; // PF_KTHREAD

// /proc/PID/stat after "comm)", or "" when the process does not exist.
std::string stat_fields(pid_t pid)
{
	std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
	std::string stat;
	if (!in || !std::getline(in, stat))
		return "";
	auto close = stat.rfind(')');
	return close == std::string::npos ? "" : stat.substr(close + 1);
}

} // namespace

Status check_target(pid_t pid)
{
	std::string fields = stat_fields(pid);
	if (fields.empty())
		return make_error(Exit::Target, "no such process: " + std::to_string(pid));
	// state ppid pgrp session tty_nr tpgid flags
	unsigned long flags = 0;
	char state = '?';
	std::sscanf(fields.c_str(), " %c %*d %*d %*d %*d %*d %lu", &state, &flags);
	if (state == 'Z' || state == 'X')
		return make_error(Exit::Target,
				  "process " + std::to_string(pid) +
					  " has exited (a zombie): nothing left to dump");
	if (flags & kPfKthread)
		return make_error(
			Exit::Target,
			std::to_string(pid) +
				" is a kernel thread: it has no io_uring or epoll of its own");
	return {};
}

std::uint64_t proc_start_time(pid_t pid)
{
	std::string fields = stat_fields(pid);
	// field 3 (state) is the first after "comm)"; starttime is field 22
	unsigned long long start = 0;
	if (fields.empty() || std::sscanf(fields.c_str(),
					  " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u "
					  "%*d %*d %*d %*d %*d %*d %llu",
					  &start) != 1)
		return 0;
	return start;
}

Result<FdKind> ring_or_epoll_fd(pid_t pid, int fd)
{
	std::string link = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
	char buf[256];
	ssize_t n = ::readlink(link.c_str(), buf, sizeof(buf) - 1);
	if (n < 0) {
		if (errno == ENOENT)
			return make_error(Exit::Target, "process " + std::to_string(pid) +
								" has no fd " + std::to_string(fd));
		return make_error(errno == EACCES || errno == EPERM ? Exit::Permission
								    : Exit::Target,
				  link + ": " + std::strerror(errno));
	}
	std::string target(buf, static_cast<std::size_t>(n));
	if (target == "anon_inode:[io_uring]")
		return FdKind::IoUring;
	if (target == "anon_inode:[eventpoll]")
		return FdKind::Epoll;
	return make_error(Exit::Target, "fd " + std::to_string(fd) + " of " + std::to_string(pid) +
						" is not an io_uring or epoll (it is " + target +
						")");
}

} // namespace uringdump
