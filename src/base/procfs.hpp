// What procfs tells about a target process: does it exist, is it a kernel
// thread or a zombie, when did it start, what is behind one of its fds.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace uringdump {

// The fields of /proc/PID/stat (or /proc/TID/stat) that uringdump uses.
struct ProcStat {
	char state = '?';             // R, S, D, T, t, Z, X, ...
	std::uint32_t ppid = 0;       // field 4
	unsigned long flags = 0;      // field 9 (PF_*)
	std::uint64_t start_time = 0; // field 22, clock ticks since boot
};

// Parses a /proc/PID/stat line (the comm may hold spaces and parentheses);
// nullopt when malformed.
std::optional<ProcStat> parse_proc_stat(const std::string& line);

// /proc/PID/stat of a process or thread; nullopt when it does not exist.
std::optional<ProcStat> read_proc_stat(pid_t pid);

// A process id written in decimal, 1 to 0x3fffffff (the largest pid the
// kernel can give, FUTEX_TID_MASK); nullopt otherwise.
std::optional<pid_t> pid_from_text(std::string_view text);

// Whether every thread of process pid is stopped ('T') or traced ('t'),
// from /proc/PID/task/*/stat; false also when pid is gone.
bool all_threads_stopped(pid_t pid);

// The whole content of a (small, procfs) file; nullopt when unreadable.
std::optional<std::string> read_text_file(const std::string& path);

// Exists, is not a kernel thread, has not exited (zombie): else Exit::Target.
Status check_target(pid_t pid);

// Field 22 of /proc/PID/stat (start time in clock ticks since boot), 0 if unknown.
std::uint64_t proc_start_time(pid_t pid);

// The address of a kernel symbol in /proc/kallsyms (needs root to be
// other than 0); nullopt when absent or hidden.
std::optional<std::uint64_t> kallsyms_address(const std::string& name);

// The page-aligned user addresses at which process pid maps the page
// frames pfns in writable mappings, by frame (/proc/PID/maps and
// /proc/PID/pagemap, which shows frames to root only; one pass over the
// mappings).  A frame no such mapping holds is missing from the result.
std::map<std::uint64_t, std::uint64_t> addresses_of_pfns(pid_t pid,
							 const std::set<std::uint64_t>& pfns);

enum class FdKind { IoUring, Epoll };

// The fd must exist and be an io_uring or an epoll (else Exit::Target).
Result<FdKind> ring_or_epoll_fd(pid_t pid, int fd);

} // namespace uringdump
