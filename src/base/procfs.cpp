// Reading the few procfs facts uringdump checks before it dumps or pins.
#include "base/procfs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "base/errors.hpp"
#include "base/unique_fd.hpp"

namespace uringdump {
namespace {

constexpr unsigned long kPfKthread = 0x00200000; // PF_KTHREAD

} // namespace

std::optional<ProcStat> parse_proc_stat(const std::string& line)
{
	auto close = line.rfind(')');
	if (close == std::string::npos)
		return std::nullopt;
	// after "comm)": state(3) ppid(4) pgrp session tty_nr tpgid flags(9)
	// minflt cminflt majflt cmajflt utime stime cutime cstime priority nice
	// num_threads itrealvalue starttime(22)
	ProcStat st;
	unsigned ppid = 0;
	unsigned long long start = 0;
	int n = std::sscanf(line.c_str() + close + 1,
			    " %c %u %*d %*d %*d %*d %lu %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
			    "%*d %*d %llu",
			    &st.state, &ppid, &st.flags, &start);
	if (n < 1)
		return std::nullopt;
	st.ppid = ppid;
	st.start_time = n == 4 ? start : 0;
	return st;
}

std::optional<ProcStat> read_proc_stat(pid_t pid)
{
	std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
	std::string line;
	if (!in || !std::getline(in, line))
		return std::nullopt;
	return parse_proc_stat(line);
}

std::optional<std::string> read_text_file(const std::string& path)
{
	std::ifstream in(path, std::ios::binary);
	if (!in)
		return std::nullopt;
	std::ostringstream s;
	s << in.rdbuf();
	if (in.bad())
		return std::nullopt;
	return s.str();
}

Status check_target(pid_t pid)
{
	auto st = read_proc_stat(pid);
	if (!st)
		return make_error(Exit::Target, "no such process: " + std::to_string(pid));
	if (st->state == 'Z' || st->state == 'X')
		return make_error(Exit::Target,
				  "process " + std::to_string(pid) +
					  " has exited (a zombie): nothing left to dump");
	if (st->flags & kPfKthread)
		return make_error(
			Exit::Target,
			std::to_string(pid) +
				" is a kernel thread: it has no io_uring or epoll of its own");
	return {};
}

std::uint64_t proc_start_time(pid_t pid)
{
	auto st = read_proc_stat(pid);
	return st ? st->start_time : 0;
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
				  link + ": " + errno_text(errno));
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

bool all_threads_stopped(pid_t pid)
{
	DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/task").c_str());
	if (!d)
		return false;
	bool stopped = true, any = false;
	while (dirent* e = ::readdir(d)) {
		const auto tid = pid_from_text(e->d_name);
		if (!tid)
			continue;
		const auto st = read_proc_stat(*tid);
		if (!st) // a thread that exited meanwhile
			continue;
		any = true;
		stopped &= st->state == 'T' || st->state == 't';
	}
	::closedir(d);
	return any && stopped;
}

std::optional<pid_t> pid_from_text(std::string_view text)
{
	long v = 0;
	const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
	if (ec != std::errc() || end != text.data() + text.size() || v <= 0 || v > 0x3fffffff)
		return std::nullopt;
	return static_cast<pid_t>(v);
}

std::optional<std::uint64_t> kallsyms_address(const std::string& name)
{
	std::ifstream in("/proc/kallsyms");
	std::string line;
	while (std::getline(in, line)) {
		// "ffffffff82a0e6a8 D vmemmap_base" (a module's symbols add "\t[mod]")
		const std::size_t sp = line.rfind(' ');
		if (sp == std::string::npos || line.compare(sp + 1, std::string::npos, name) != 0)
			continue;
		std::uint64_t addr = 0;
		if (std::sscanf(line.c_str(), "%" SCNx64, &addr) != 1 || addr == 0)
			return std::nullopt;
		return addr;
	}
	return std::nullopt;
}

std::map<std::uint64_t, std::uint64_t> addresses_of_pfns(pid_t pid,
							 const std::set<std::uint64_t>& pfns)
{
	std::map<std::uint64_t, std::uint64_t> found;
	if (pfns.empty())
		return found;
	const std::string dir = "/proc/" + std::to_string(pid);
	std::ifstream maps(dir + "/maps");
	UniqueFd pagemap(::open((dir + "/pagemap").c_str(), O_RDONLY | O_CLOEXEC));
	if (!maps || !pagemap)
		return found;
	const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
	constexpr std::uint64_t kPresent = 1ull << 63;
	constexpr std::uint64_t kPfnMask = (1ull << 55) - 1;
	std::vector<std::uint64_t> entries;
	std::string line;
	while (std::getline(maps, line)) {
		std::uint64_t start = 0, end = 0;
		char perms[5] = {};
		if (std::sscanf(line.c_str(), "%" SCNx64 "-%" SCNx64 " %4s", &start, &end, perms) !=
			    3 ||
		    end <= start)
			continue;
		// pages the kernel pins for io_uring are pinned for writing
		if (perms[1] != 'w' || line.find("[vsyscall]") != std::string::npos)
			continue;
		const std::uint64_t n = (end - start) / page;
		for (std::uint64_t done = 0; done < n;) {
			const std::uint64_t chunk = std::min<std::uint64_t>(n - done, 4096);
			entries.resize(chunk);
			const ssize_t got = ::pread(pagemap.get(), entries.data(), chunk * 8,
						    static_cast<off_t>((start / page + done) * 8));
			if (got <= 0)
				break;
			for (std::uint64_t i = 0; i < static_cast<std::uint64_t>(got) / 8; ++i)
				if ((entries[i] & kPresent) && pfns.count(entries[i] & kPfnMask))
					found.try_emplace(entries[i] & kPfnMask,
							  start + (done + i) * page);
			if (found.size() == pfns.size())
				return found;
			done += static_cast<std::uint64_t>(got) / 8;
		}
	}
	return found;
}

} // namespace uringdump
