// udbench's plumbing: clocks, the workload's summary, whole-file reads and
// timed child processes.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "bench/bench.hpp"

extern char** environ;

namespace udbench {
namespace {

double clock_seconds(clockid_t id)
{
	timespec ts{};
	clock_gettime(id, &ts);
	return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// One line of SUMMARY.files: "INDEX TYPE TFD RING_FD SLOT FD...".
TruthFile parse_truth_line(char* p)
{
	TruthFile t;
	t.index = std::strtoull(p, &p, 10);
	while (*p == ' ')
		p++;
	t.type = *p++;
	t.tfd = static_cast<std::uint32_t>(std::strtoul(p, &p, 10));
	t.ring_fd = static_cast<int>(std::strtol(p, &p, 10));
	t.slot = static_cast<std::uint32_t>(std::strtoul(p, &p, 10));
	for (;;) {
		char* q = p;
		unsigned long v = std::strtoul(p, &q, 10);
		if (q == p)
			break;
		t.fds.push_back(static_cast<std::uint32_t>(v));
		p = q;
	}
	std::sort(t.fds.begin(), t.fds.end());
	return t;
}

} // namespace

double now()
{
	return clock_seconds(CLOCK_MONOTONIC);
}

double cpu_now()
{
	return clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

void die(const std::string& msg)
{
	std::fprintf(stderr, "udbench: %s\n", msg.c_str());
	std::exit(1);
}

double median(std::vector<double> v)
{
	if (v.empty())
		return 0;
	std::sort(v.begin(), v.end());
	std::size_t n = v.size();
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string loadavg()
{
	std::ifstream in("/proc/loadavg");
	std::string a, b, c;
	in >> a >> b >> c;
	return a + " " + b + " " + c;
}

Workload read_workload(const std::string& path)
{
	Workload w;
	std::ifstream in(path);
	if (!in)
		die("cannot read " + path);
	std::string line;
	while (std::getline(in, line)) {
		auto sp = line.find(' ');
		if (sp != std::string::npos)
			w.kv[line.substr(0, sp)] = line.substr(sp + 1);
	}
	w.pid = std::stoi(w.kv.at("pid"));
	w.n = std::stoull(w.kv.at("n"));
	w.epoll_fd = std::stoi(w.kv.at("epoll_fd"));
	w.data_tag = std::stoull(w.kv.at("data_tag"));
	std::istringstream rs(w.kv.at("ring_fds"));
	for (int fd = 0; rs >> fd;)
		w.ring_fds.push_back(fd);

	std::ifstream files(path + ".files");
	if (!files)
		die("cannot read " + path + ".files");
	w.files.reserve(w.n);
	while (std::getline(files, line))
		w.files.push_back(parse_truth_line(line.data()));
	if (w.files.size() != w.n)
		die("truth file lists " + std::to_string(w.files.size()) + " files, expected " +
		    std::to_string(w.n));
	return w;
}

std::vector<std::uint8_t> read_path(const std::string& path)
{
	std::vector<std::uint8_t> out;
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path + ": " + std::strerror(errno));
	std::size_t cap = 1 << 16;
	out.resize(cap);
	std::size_t len = 0;
	for (;;) {
		if (cap - len < (1 << 15)) {
			cap *= 2;
			out.resize(cap);
		}
		ssize_t n = ::read(fd, out.data() + len, cap - len);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("read " + path + ": " + std::strerror(errno));
		}
		if (n == 0)
			break;
		len += static_cast<std::size_t>(n);
	}
	::close(fd);
	out.resize(len);
	return out;
}

std::size_t read_discard(const std::string& path)
{
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path + ": " + std::strerror(errno));
	static std::vector<char> buf(128 << 10);
	std::size_t total = 0;
	for (;;) {
		ssize_t n = ::read(fd, buf.data(), buf.size());
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("read " + path + ": " + std::strerror(errno));
		}
		if (n == 0)
			break;
		total += static_cast<std::size_t>(n);
	}
	::close(fd);
	return total;
}

bool SpawnResult::ok() const
{
	return !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

SpawnResult spawn_timed(const std::vector<std::string>& args, const std::string& out_path,
			double timeout)
{
	std::vector<char*> argv;
	argv.reserve(args.size() + 1);
	for (const auto& a : args)
		argv.push_back(const_cast<char*>(a.c_str()));
	argv.push_back(nullptr);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
					 0644);
	SpawnResult r;
	double t0 = now();
	pid_t child = 0;
	if (posix_spawn(&child, argv[0], &fa, nullptr, argv.data(), environ) != 0)
		die("cannot run " + args[0]);
	posix_spawn_file_actions_destroy(&fa);
	rusage ru{};
	// Sleep until the child exits (its pidfd becomes readable) or the
	// timeout: polling with wait4(WNOHANG) every 200 us took CPU from the
	// child's own threads on a 2-CPU machine (the 100k one-shot measured
	// 505-559 ms under it, 398 ms under perf stat).
	const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, child, 0));
	for (;;) {
		if (wait4(child, &r.status, WNOHANG, &ru) == child)
			break;
		const double left = t0 + timeout - now();
		if (left <= 0 && !r.timed_out) {
			kill(child, SIGKILL);
			r.timed_out = true;
		}
		if (pidfd >= 0) {
			pollfd p{pidfd, POLLIN, 0};
			poll(&p, 1, r.timed_out ? -1 : static_cast<int>(left * 1000) + 1);
		} else {
			usleep(200);
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	r.seconds = now() - t0;
	r.cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
	return r;
}

// A freshly exec'd, small process measures the peak RSS: a child spawned
// straight from a large parent would report the parent's size (exec records
// the old mm's RSS high water mark in the process's maxrss, and
// posix_spawn's child runs on the parent's mm until it execs).
int spawn_rss(int argc, char** argv)
{
	if (argc < 5)
		return 2;
	pid_t child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		int fd = ::open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		execv(argv[4], argv + 4);
		_exit(127);
	}
	int status = 0;
	rusage ru{};
	if (wait4(child, &status, 0, &ru) != child)
		return 1;
	std::ofstream out(argv[2]);
	out << ru.ru_maxrss << ' ' << status << '\n';
	out.close();
	return out ? 0 : 1;
}

long peak_rss_kb(const std::vector<std::string>& cmd, const std::string& out_path,
		 const std::string& scratch)
{
	std::vector<std::string> args{"/proc/self/exe", "--spawn-rss", scratch, out_path};
	args.insert(args.end(), cmd.begin(), cmd.end());
	spawn_timed(args, "/dev/null", 600);
	long rss = -1;
	int st = -1;
	std::ifstream in(scratch);
	if (!(in >> rss >> st))
		rss = -1;
	in.close();
	std::remove(scratch.c_str());
	return rss;
}

} // namespace udbench
