// udbench: times the ways of reading one process's io_uring and epoll state
// (bench/run.py drives it for `make bench`).
//
//   udbench --info SUMMARY --uringdump BIN [--runs R] [--cap SEC]
//           [--budget SEC] [--methods a,b,...] [--pin PATH]
//
// SUMMARY is what bench/workload.c wrote (SUMMARY.files lists every file).
// Prints one JSON object: per method the samples (seconds), median, spread,
// the agreement check against uringdump's own result, and notes.
//
// Methods:
//   floor       task_file iterator bound to the pid, doing nothing per fd
//   walk        the same, also visiting every ring slot and epoll item (no output)
//   oneshot     `uringdump --json PID > /dev/null` (exec, load, dump, model, JSON)
//   lib         dump_records() + build_snapshot() (the library reloads each time)
//   loaded      the same dump with the program loaded once (attach, read, drain
//               the spill ring buffer, decode, model); phases recorded
//   pin-read    read() of a pinned iterator (`uringdump pin PID PATH` once)
//   pin-model   the same plus decode + model
//   pin-cat     `cat PIN > /dev/null`
//   procfs      read + parse /proc/PID/fdinfo of the rings and the epoll
//   kcmp-tree   procfs + fds resolved CRIU-style: fds sorted by kcmp order,
//               binary search per epoll item (KCMP_EPOLL_TFD) and per
//               registered file (installed with IORING_OP_FIXED_FD_INSTALL
//               through a pidfd_getfd copy of the ring, then KCMP_FILE)
//   kcmp-pair   the same, pairwise: every candidate fd of the same inode
#include <dirent.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <json/json.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernel/bpf_ptr.hpp"
#include "floor.skel.h"
#include "kernel/dumper.hpp"
#include "model/model.hpp"
#include "records/records.hpp"
#include "render/json.hpp"
#include "uringdump.skel.h"

extern char** environ;

namespace {

using namespace uringdump;

#ifndef IORING_OP_FIXED_FD_INSTALL
constexpr __u8 kOpFixedFdInstall = 54; // Linux 6.8+; bookworm's headers are 6.1
#else
constexpr __u8 kOpFixedFdInstall = IORING_OP_FIXED_FD_INSTALL;
#endif

double now()
{
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double cpu_now()
{
	timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// One timed run: wall-clock seconds and the CPU seconds spent on it (this
// process's, or the child's user+system time for spawned programs).  The
// machine may be shared: CPU time is the steadier of the two.
struct Sample {
	double wall = 0;
	double cpu = 0;
};

struct Stopwatch {
	double w0 = now(), c0 = cpu_now();
	Sample lap() const { return {now() - w0, cpu_now() - c0}; }
};

[[noreturn]] void die(const std::string& msg)
{
	std::fprintf(stderr, "udbench: %s\n", msg.c_str());
	std::exit(1);
}

// ---------------------------------------------------------------- workload

struct TruthFile {
	std::uint64_t index = 0;
	char type = 'e';
	std::uint32_t tfd = 0;
	int ring_fd = -1;
	std::uint32_t slot = 0;
	std::vector<std::uint32_t> fds;
};

struct Workload {
	pid_t pid = 0;
	std::uint64_t n = 0;
	int epoll_fd = -1;
	std::vector<int> ring_fds;
	std::uint64_t data_tag = 0;
	std::map<std::string, std::string> kv;
	std::vector<TruthFile> files;
};

Workload read_workload(const std::string& path)
{
	Workload w;
	std::ifstream in(path);
	if (!in)
		die("cannot read " + path);
	std::string line;
	while (std::getline(in, line)) {
		auto sp = line.find(' ');
		if (sp == std::string::npos)
			continue;
		w.kv[line.substr(0, sp)] = line.substr(sp + 1);
	}
	w.pid = std::stoi(w.kv.at("pid"));
	w.n = std::stoull(w.kv.at("n"));
	w.epoll_fd = std::stoi(w.kv.at("epoll_fd"));
	w.data_tag = std::stoull(w.kv.at("data_tag"));
	std::istringstream rs(w.kv.at("ring_fds"));
	for (int fd; rs >> fd;)
		w.ring_fds.push_back(fd);

	std::FILE* f = std::fopen((path + ".files").c_str(), "r");
	if (!f)
		die("cannot read " + path + ".files");
	w.files.reserve(w.n);
	char buf[256];
	while (std::fgets(buf, sizeof(buf), f)) {
		TruthFile t;
		char* p = buf;
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
		w.files.push_back(std::move(t));
	}
	std::fclose(f);
	if (w.files.size() != w.n)
		die("truth file lists " + std::to_string(w.files.size()) + " files, expected " +
		    std::to_string(w.n));
	return w;
}

// ---------------------------------------------------------------- canonical results

// What a method reports, in one comparable shape.  Items are keyed by
// epoll data (unique per file in the workload), slots by (ring fd, index).
struct CItem {
	std::uint32_t tfd = 0;
	std::uint32_t events = 0;
	bool has_fds = false;
	std::vector<std::uint32_t> fds;
};
struct CSlot {
	std::string path;
	bool has_fds = false;
	std::vector<std::uint32_t> fds;
};
struct Canon {
	std::unordered_map<std::uint64_t, CItem> items;
	std::unordered_map<std::uint64_t, CSlot> slots; // key: ring_fd << 32 | index
	bool has_items = false, has_slots = false;
	std::size_t nfds = 0;
	bool has_nfds = false;
	std::size_t duplicate_keys = 0;
};

std::uint64_t slot_key(std::uint32_t ring_fd, std::uint32_t index)
{
	return static_cast<std::uint64_t>(ring_fd) << 32 | index;
}

Canon canon_of(const Snapshot& snap, pid_t pid)
{
	Canon c;
	const Process* p = snap.find_process(static_cast<std::uint32_t>(pid));
	if (!p)
		return c;
	c.has_items = c.has_slots = c.has_nfds = true;
	c.nfds = p->fds.size();
	for (const auto& r : p->rings) {
		if (r.fds.empty())
			continue;
		for (const auto& s : r.files.slots) {
			if (s.empty)
				continue;
			CSlot cs;
			cs.path = snap.file(s.file).path.value_or("");
			cs.has_fds = true;
			cs.fds = s.fds;
			if (!c.slots.emplace(slot_key(r.fds[0], s.index), std::move(cs)).second)
				c.duplicate_keys++;
		}
	}
	for (const auto& e : p->epolls)
		for (const auto& it : e.items) {
			CItem ci{it.tfd, it.events, true, it.fds};
			if (!c.items.emplace(it.data, std::move(ci)).second)
				c.duplicate_keys++;
		}
	return c;
}

struct Agreement {
	bool checked = false;
	bool ok = false;
	std::uint64_t compared_items = 0, compared_slots = 0, compared_fd_lists = 0;
	std::uint64_t mismatches = 0, missing = 0, extra = 0;
	std::string first_problem;
	std::string what; // which fields were compared

	void problem(const std::string& s)
	{
		if (first_problem.empty())
			first_problem = s;
	}
};

// Compares `got` with the reference on what both report.  `partial`: got
// may lack items (a capped run); missing ones are then not errors.
Agreement agree(const Canon& ref, const Canon& got, bool partial = false)
{
	Agreement a;
	a.checked = true;
	std::vector<std::string> what;
	if (got.has_nfds && ref.has_nfds) {
		what.push_back("fd count");
		if (got.nfds != ref.nfds) {
			a.mismatches++;
			a.problem("fd count " + std::to_string(got.nfds) + " vs " + std::to_string(ref.nfds));
		}
	}
	if (got.duplicate_keys) {
		a.mismatches += got.duplicate_keys;
		a.problem("duplicate keys");
	}
	bool item_fds = false, slot_fds = false;
	if (got.has_items && ref.has_items) {
		what.push_back("epoll items (tfd, events, data)");
		for (const auto& [key, gi] : got.items) {
			auto it = ref.items.find(key);
			if (it == ref.items.end()) {
				a.extra++;
				a.problem("extra epoll item data=" + std::to_string(key));
				continue;
			}
			a.compared_items++;
			const CItem& ri = it->second;
			if (gi.tfd != ri.tfd || gi.events != ri.events) {
				a.mismatches++;
				a.problem("epoll item data=" + std::to_string(key) + " tfd/events differ");
			}
			if (gi.has_fds && ri.has_fds) {
				item_fds = true;
				a.compared_fd_lists++;
				if (gi.fds != ri.fds) {
					a.mismatches++;
					a.problem("epoll item data=" + std::to_string(key) + " fds differ");
				}
			}
		}
		if (!partial && got.items.size() < ref.items.size())
			a.missing += ref.items.size() - (got.items.size() - a.extra);
	}
	if (got.has_slots && ref.has_slots) {
		what.push_back("registered files (ring, index, path)");
		for (const auto& [key, gs] : got.slots) {
			auto it = ref.slots.find(key);
			if (it == ref.slots.end()) {
				a.extra++;
				a.problem("extra slot");
				continue;
			}
			a.compared_slots++;
			const CSlot& rs = it->second;
			if (gs.path != rs.path) {
				a.mismatches++;
				a.problem("slot " + std::to_string(key & 0xffffffff) + " path " + gs.path + " vs " + rs.path);
			}
			if (gs.has_fds && rs.has_fds) {
				slot_fds = true;
				a.compared_fd_lists++;
				if (gs.fds != rs.fds) {
					a.mismatches++;
					a.problem("slot " + std::to_string(key & 0xffffffff) + " fds differ");
				}
			}
		}
		if (!partial && got.slots.size() < ref.slots.size())
			a.missing += ref.slots.size() - (got.slots.size() - a.extra);
	}
	if (item_fds)
		what.push_back("fds of every epoll target");
	if (slot_fds)
		what.push_back("fds of every registered file");
	for (std::size_t i = 0; i < what.size(); i++)
		a.what += (i ? ", " : "") + what[i];
	a.ok = a.mismatches == 0 && a.missing == 0 && a.extra == 0;
	return a;
}

// agree() for a pinned stream's bytes: what the stream decodes to, or a
// failed check saying that `what` does not decode.
Agreement agree_stream(const Canon& ref, const std::vector<std::uint8_t>& bytes, pid_t pid, const std::string& what)
{
	if (auto recs = decode_stream(bytes)) {
		if (auto snap = build_snapshot(*recs, false))
			return agree(ref, canon_of(*snap, pid));
	}
	Agreement a;
	a.checked = true;
	a.problem(what + " does not decode");
	return a;
}

Json::Value to_json(const Agreement& a)
{
	Json::Value v;
	v["checked"] = a.checked;
	if (!a.checked)
		return v;
	v["ok"] = a.ok;
	v["compared"] = a.what;
	v["compared_items"] = Json::UInt64(a.compared_items);
	v["compared_slots"] = Json::UInt64(a.compared_slots);
	v["compared_fd_lists"] = Json::UInt64(a.compared_fd_lists);
	v["mismatches"] = Json::UInt64(a.mismatches);
	v["missing"] = Json::UInt64(a.missing);
	v["extra"] = Json::UInt64(a.extra);
	if (!a.first_problem.empty())
		v["first_problem"] = a.first_problem;
	return v;
}

// The workload's own record of what it built, as a Canon (tfd, fds; the
// path only as a kind).  Used to check uringdump itself.
Agreement check_truth(const Workload& w, const Canon& ref)
{
	Agreement a;
	a.checked = true;
	a.what = "every epoll item (tfd, fds) and registered file (kind, fds) the workload built";
	for (const auto& t : w.files) {
		auto it = ref.items.find(w.data_tag | t.index);
		if (it == ref.items.end()) {
			a.missing++;
			a.problem("epoll item of file " + std::to_string(t.index) + " missing");
		} else {
			a.compared_items++;
			a.compared_fd_lists++;
			if (it->second.tfd != t.tfd || it->second.fds != t.fds) {
				a.mismatches++;
				a.problem("epoll item of file " + std::to_string(t.index));
			}
		}
		auto st = ref.slots.find(slot_key(static_cast<std::uint32_t>(t.ring_fd), t.slot));
		if (st == ref.slots.end()) {
			a.missing++;
			a.problem("slot of file " + std::to_string(t.index) + " missing");
		} else {
			a.compared_slots++;
			a.compared_fd_lists++;
			bool kind_ok = t.type == 'p' ? st->second.path.rfind("pipe:[", 0) == 0
						     : st->second.path == "anon_inode:[eventfd]";
			if (!kind_ok || st->second.fds != t.fds) {
				a.mismatches++;
				a.problem("slot of file " + std::to_string(t.index));
			}
		}
	}
	if (ref.items.size() != w.files.size())
		a.extra += ref.items.size() > w.files.size() ? ref.items.size() - w.files.size() : 0;
	if (ref.slots.size() != w.files.size())
		a.extra += ref.slots.size() > w.files.size() ? ref.slots.size() - w.files.size() : 0;
	a.ok = a.mismatches == 0 && a.missing == 0 && a.extra == 0;
	return a;
}

// ---------------------------------------------------------------- helpers

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

// read() to EOF in 128 KiB chunks (as cat does), keeping nothing.
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

struct SpawnResult {
	double seconds = 0;
	double cpu = 0;
	int status = -1;
	long maxrss_kb = 0;
	bool timed_out = false;
};

// Runs argv with stdout to `out_path` (or /dev/null); times fork to reap.
SpawnResult spawn_timed(const std::vector<std::string>& args, const std::string& out_path, double timeout)
{
	std::vector<char*> argv;
	for (const auto& a : args)
		argv.push_back(const_cast<char*>(a.c_str()));
	argv.push_back(nullptr);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	SpawnResult r;
	double t0 = now();
	pid_t child;
	if (posix_spawn(&child, argv[0], &fa, nullptr, argv.data(), environ) != 0)
		die("cannot run " + args[0]);
	posix_spawn_file_actions_destroy(&fa);
	rusage ru{};
	for (;;) {
		pid_t w = wait4(child, &r.status, WNOHANG, &ru);
		if (w == child)
			break;
		if (now() - t0 > timeout && !r.timed_out) {
			kill(child, SIGKILL);
			r.timed_out = true;
		}
		usleep(200);
	}
	r.seconds = now() - t0;
	r.cpu = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
	r.maxrss_kb = ru.ru_maxrss;
	return r;
}

// ---------------------------------------------------------------- procfs

struct PItem {
	std::uint32_t tfd;
	std::uint32_t events;
	std::uint64_t data;
	std::uint64_t ino;
	std::uint32_t sdev;
};
struct PSlot {
	std::uint32_t index;
	std::string path;
};
struct ProcState {
	std::vector<PItem> items;                      // the epoll's, in kernel (rbtree) order
	std::vector<std::vector<PSlot>> ring_slots;    // per ring fd, in order
	std::vector<std::uint32_t> sq_entries, cq_entries;
	bool ring_info_missing = false;                // the block is skipped when uring_lock is held
};

std::string read_text(const std::string& path)
{
	auto b = read_path(path);
	return std::string(b.begin(), b.end());
}

ProcState read_procfs(const Workload& w)
{
	ProcState ps;
	const std::string base = "/proc/" + std::to_string(w.pid) + "/fdinfo/";
	{
		std::string t = read_text(base + std::to_string(w.epoll_fd));
		const char* p = t.c_str();
		while ((p = std::strstr(p, "tfd:"))) {
			PItem it;
			char* q;
			it.tfd = static_cast<std::uint32_t>(std::strtoul(p + 4, &q, 10));
			p = std::strstr(q, "events:");
			it.events = static_cast<std::uint32_t>(std::strtoul(p + 7, &q, 16));
			p = std::strstr(q, "data:");
			it.data = std::strtoull(p + 5, &q, 16);
			p = std::strstr(q, "ino:");
			it.ino = std::strtoull(p + 4, &q, 16);
			p = std::strstr(q, "sdev:");
			it.sdev = static_cast<std::uint32_t>(std::strtoul(p + 5, &q, 16));
			p = q;
			ps.items.push_back(it);
		}
	}
	for (int rfd : w.ring_fds) {
		std::string t = read_text(base + std::to_string(rfd));
		std::vector<PSlot> slots;
		const char* sm = std::strstr(t.c_str(), "SqMask:");
		const char* cm = std::strstr(t.c_str(), "CqMask:");
		ps.sq_entries.push_back(sm ? static_cast<std::uint32_t>(std::strtoul(sm + 7, nullptr, 16)) + 1 : 0);
		ps.cq_entries.push_back(cm ? static_cast<std::uint32_t>(std::strtoul(cm + 7, nullptr, 16)) + 1 : 0);
		const char* p = std::strstr(t.c_str(), "UserFiles:");
		if (!p) {
			ps.ring_info_missing = true;
			ps.ring_slots.push_back({});
			continue;
		}
		char* q;
		unsigned long nr = std::strtoul(p + 10, &q, 10);
		p = std::strchr(q, '\n');
		slots.reserve(nr);
		while (p && *++p) {
			// "%5u: path" lines until "UserBufs:"
			const char* s = p;
			while (*s == ' ')
				s++;
			if (*s < '0' || *s > '9')
				break;
			PSlot sl;
			sl.index = static_cast<std::uint32_t>(std::strtoul(s, &q, 10));
			if (*q != ':')
				break;
			const char* e = std::strchr(q, '\n');
			if (!e)
				e = q + std::strlen(q);
			sl.path.assign(static_cast<const char*>(q) + 2, e);
			slots.push_back(std::move(sl));
			p = e;
		}
		ps.ring_slots.push_back(std::move(slots));
	}
	return ps;
}

Canon canon_of(const ProcState& ps, const Workload& w)
{
	Canon c;
	c.has_items = c.has_slots = true;
	for (const auto& it : ps.items)
		if (!c.items.emplace(it.data, CItem{it.tfd, it.events, false, {}}).second)
			c.duplicate_keys++;
	for (std::size_t r = 0; r < ps.ring_slots.size(); r++)
		for (const auto& s : ps.ring_slots[r])
			if (!c.slots.emplace(slot_key(static_cast<std::uint32_t>(w.ring_fds[r]), s.index),
					     CSlot{s.path, false, {}})
				     .second)
				c.duplicate_keys++;
	return c;
}

// ---------------------------------------------------------------- kcmp

long kcmp(pid_t p1, pid_t p2, int type, unsigned long a, unsigned long b)
{
	return syscall(SYS_kcmp, p1, p2, type, a, b);
}

struct FdGroup {
	std::vector<int> fds;       // sorted by kcmp order (tree) or as listed (pair)
	std::vector<std::size_t> run_start; // tree: start of each run of equal files
};

struct Candidates {
	std::map<std::pair<std::uint64_t, std::uint64_t>, FdGroup> groups; // (st_dev, st_ino)
	std::size_t nfds = 0;
};

// Every fd of the target grouped by (device, inode) of what it refers to,
// the "generation id" CRIU keys its kcmp tree with.
Candidates list_candidates(pid_t pid, bool sort_tree)
{
	Candidates c;
	std::string dir = "/proc/" + std::to_string(pid) + "/fd";
	DIR* d = opendir(dir.c_str());
	if (!d)
		die(dir + ": " + std::strerror(errno));
	int dfd = dirfd(d);
	while (dirent* de = readdir(d)) {
		if (de->d_name[0] == '.')
			continue;
		struct stat st;
		if (fstatat(dfd, de->d_name, &st, 0) != 0)
			continue; // closed meanwhile
		c.groups[{st.st_dev, st.st_ino}].fds.push_back(std::atoi(de->d_name));
		c.nfds++;
	}
	closedir(d);
	if (!sort_tree)
		return c;
	for (auto& [key, g] : c.groups) {
		std::sort(g.fds.begin(), g.fds.end(), [pid](int a, int b) {
			return kcmp(pid, pid, KCMP_FILE, static_cast<unsigned long>(a), static_cast<unsigned long>(b)) == 1;
		});
		for (std::size_t i = 0; i < g.fds.size(); i++)
			if (i == 0 || kcmp(pid, pid, KCMP_FILE, static_cast<unsigned long>(g.fds[i - 1]),
					   static_cast<unsigned long>(g.fds[i])) != 0)
				g.run_start.push_back(i);
	}
	return c;
}

// Finds the fds whose file equals a target, given `cmp(fd)` = kcmp of the
// candidate against the target (0 equal, 1 candidate < target, 2 greater).
template <class Cmp>
std::vector<std::uint32_t> lookup_tree(const FdGroup& g, Cmp cmp)
{
	std::vector<std::uint32_t> out;
	std::size_t lo = 0, hi = g.run_start.size();
	while (lo < hi) {
		std::size_t mid = (lo + hi) / 2;
		long r = cmp(g.fds[g.run_start[mid]]);
		if (r == 0) {
			std::size_t end = mid + 1 < g.run_start.size() ? g.run_start[mid + 1] : g.fds.size();
			for (std::size_t i = g.run_start[mid]; i < end; i++)
				out.push_back(static_cast<std::uint32_t>(g.fds[i]));
			break;
		}
		if (r == 1)
			lo = mid + 1;
		else if (r == 2)
			hi = mid;
		else
			break; // error: not found
	}
	std::sort(out.begin(), out.end());
	return out;
}

template <class Cmp>
std::vector<std::uint32_t> lookup_pair(const FdGroup& g, Cmp cmp)
{
	std::vector<std::uint32_t> out;
	for (int fd : g.fds)
		if (cmp(fd) == 0)
			out.push_back(static_cast<std::uint32_t>(fd));
	std::sort(out.begin(), out.end());
	return out;
}

// A view of the target's ring through a pidfd_getfd() copy of its fd, to
// submit IORING_OP_FIXED_FD_INSTALL: the only way, without iterators, to get
// a handle on a registered file.  Assumes default setup flags (procfs does
// not show them) and an idle target: it writes into the target's SQ ring.
class RingView {
public:
	bool open(int pidfd, int target_fd, std::uint32_t sq, std::uint32_t cq, std::string& err)
	{
		fd_ = static_cast<int>(syscall(SYS_pidfd_getfd, pidfd, target_fd, 0));
		if (fd_ < 0) {
			err = std::string("pidfd_getfd: ") + std::strerror(errno);
			return false;
		}
		io_uring_params p{};
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = cq;
		int dummy = static_cast<int>(syscall(__NR_io_uring_setup, sq, &p));
		if (dummy < 0) {
			err = std::string("io_uring_setup: ") + std::strerror(errno);
			return false;
		}
		::close(dummy);
		sq_entries_ = p.sq_entries;
		std::size_t sqsz = p.sq_off.array + p.sq_entries * sizeof(__u32);
		std::size_t cqsz = p.cq_off.cqes + p.cq_entries * sizeof(io_uring_cqe);
		if (p.features & IORING_FEAT_SINGLE_MMAP)
			sqsz = cqsz = std::max(sqsz, cqsz);
		sq_ring_ = mmap(nullptr, sqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_SQ_RING);
		sqsz_ = sqsz;
		if (sq_ring_ == MAP_FAILED) {
			err = std::string("mmap sq ring: ") + std::strerror(errno);
			return false;
		}
		if (p.features & IORING_FEAT_SINGLE_MMAP) {
			cq_ring_ = sq_ring_;
		} else {
			cq_ring_ = mmap(nullptr, cqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_CQ_RING);
			cqsz_ = cqsz;
			if (cq_ring_ == MAP_FAILED) {
				err = std::string("mmap cq ring: ") + std::strerror(errno);
				return false;
			}
		}
		sqes_ = static_cast<io_uring_sqe*>(mmap(nullptr, p.sq_entries * sizeof(io_uring_sqe), PROT_READ | PROT_WRITE,
							MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_SQES));
		if (sqes_ == MAP_FAILED) {
			err = std::string("mmap sqes: ") + std::strerror(errno);
			return false;
		}
		auto* sb = static_cast<char*>(sq_ring_);
		auto* cb = static_cast<char*>(cq_ring_);
		sq_tail_ = reinterpret_cast<unsigned*>(sb + p.sq_off.tail);
		sq_mask_ = *reinterpret_cast<unsigned*>(sb + p.sq_off.ring_mask);
		sq_array_ = reinterpret_cast<unsigned*>(sb + p.sq_off.array);
		cq_head_ = reinterpret_cast<unsigned*>(cb + p.cq_off.head);
		cq_tail_ = reinterpret_cast<unsigned*>(cb + p.cq_off.tail);
		cq_mask_ = *reinterpret_cast<unsigned*>(cb + p.cq_off.ring_mask);
		cqes_ = reinterpret_cast<io_uring_cqe*>(cb + p.cq_off.cqes);
		return true;
	}

	// Installs slots [first, first+count) (count <= sq_entries) into our fd
	// table; res[i] is the new fd or -errno (-EBADF for an empty slot).
	bool install(std::uint32_t first, std::uint32_t count, std::vector<int>& res, std::string& err)
	{
		unsigned tail = __atomic_load_n(sq_tail_, __ATOMIC_ACQUIRE);
		for (std::uint32_t i = 0; i < count; i++) {
			unsigned idx = (tail + i) & sq_mask_;
			io_uring_sqe* s = &sqes_[idx];
			std::memset(s, 0, sizeof(*s));
			s->opcode = kOpFixedFdInstall;
			s->flags = IOSQE_FIXED_FILE;
			s->fd = static_cast<__s32>(first + i);
			s->user_data = first + i;
			sq_array_[idx] = idx;
		}
		__atomic_store_n(sq_tail_, tail + count, __ATOMIC_RELEASE);
		long r = syscall(__NR_io_uring_enter, fd_, count, count, IORING_ENTER_GETEVENTS, nullptr, 0);
		if (r < 0) {
			err = std::string("io_uring_enter: ") + std::strerror(errno);
			return false;
		}
		res.assign(count, -EIO);
		std::uint32_t got = 0;
		while (got < count) {
			unsigned head = __atomic_load_n(cq_head_, __ATOMIC_RELAXED);
			unsigned ctail = __atomic_load_n(cq_tail_, __ATOMIC_ACQUIRE);
			if (head == ctail) {
				if (syscall(__NR_io_uring_enter, fd_, 0, count - got, IORING_ENTER_GETEVENTS, nullptr, 0) < 0) {
					err = std::string("io_uring_enter(wait): ") + std::strerror(errno);
					return false;
				}
				continue;
			}
			for (; head != ctail; head++) {
				const io_uring_cqe& c = cqes_[head & cq_mask_];
				if (c.user_data >= first && c.user_data < first + count)
					res[c.user_data - first] = c.res;
				got++;
			}
			__atomic_store_n(cq_head_, head, __ATOMIC_RELEASE);
		}
		return true;
	}

	std::uint32_t batch() const { return sq_entries_; }

	~RingView()
	{
		if (sqes_ && sqes_ != MAP_FAILED)
			munmap(sqes_, sq_entries_ * sizeof(io_uring_sqe));
		if (cq_ring_ && cq_ring_ != MAP_FAILED && cq_ring_ != sq_ring_)
			munmap(cq_ring_, cqsz_);
		if (sq_ring_ && sq_ring_ != MAP_FAILED)
			munmap(sq_ring_, sqsz_);
		if (fd_ >= 0)
			::close(fd_);
	}

private:
	int fd_ = -1;
	void* sq_ring_ = nullptr;
	void* cq_ring_ = nullptr;
	std::size_t sqsz_ = 0, cqsz_ = 0;
	io_uring_sqe* sqes_ = nullptr;
	unsigned* sq_tail_ = nullptr;
	unsigned* sq_array_ = nullptr;
	unsigned sq_mask_ = 0;
	unsigned* cq_head_ = nullptr;
	unsigned* cq_tail_ = nullptr;
	unsigned cq_mask_ = 0;
	io_uring_cqe* cqes_ = nullptr;
	std::uint32_t sq_entries_ = 0;
};

struct KcmpResult {
	Canon canon;
	bool capped = false;
	std::uint64_t done = 0, total = 0; // lookups (epoll items + registered slots)
	std::uint64_t kcmp_calls = 0;
	std::string error;
};

KcmpResult run_kcmp(const Workload& w, bool tree, double cap)
{
	KcmpResult kr;
	double t0 = now();
	pid_t pid = w.pid;
	pid_t self = getpid();
	ProcState ps = read_procfs(w);
	Candidates cand = list_candidates(pid, tree);
	kr.total = ps.items.size();
	for (const auto& s : ps.ring_slots)
		kr.total += s.size();
	Canon& c = kr.canon;
	c.has_items = c.has_slots = c.has_nfds = true;
	c.nfds = cand.nfds;
	std::uint64_t calls = 0;
	auto over = [&] { return now() - t0 > cap; };

	// epoll targets: KCMP_EPOLL_TFD (efd, tfd, toff) against candidate fds
	std::unordered_map<std::uint32_t, std::uint32_t> seen_tfd;
	for (const auto& it : ps.items) {
		if (over()) {
			kr.capped = true;
			break;
		}
		std::uint32_t toff = seen_tfd[it.tfd]++;
		kcmp_epoll_slot slot{static_cast<__u32>(w.epoll_fd), it.tfd, toff};
		auto cmp = [&](int fd) {
			calls++;
			return kcmp(pid, pid, KCMP_EPOLL_TFD, static_cast<unsigned long>(fd),
				    reinterpret_cast<unsigned long>(&slot));
		};
		std::uint64_t dev = makedev(it.sdev >> 20, it.sdev & 0xfffff);
		auto g = cand.groups.find({dev, it.ino});
		CItem ci{it.tfd, it.events, true, {}};
		if (g != cand.groups.end())
			ci.fds = tree ? lookup_tree(g->second, cmp) : lookup_pair(g->second, cmp);
		c.items.emplace(it.data, std::move(ci));
		kr.done++;
	}

	// registered files: install each into our table, then KCMP_FILE
	int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
	if (pidfd < 0) {
		kr.error = std::string("pidfd_open: ") + std::strerror(errno);
		return kr;
	}
	for (std::size_t r = 0; r < w.ring_fds.size() && !kr.capped; r++) {
		const auto& slots = ps.ring_slots[r];
		if (slots.empty())
			continue;
		RingView rv;
		if (!rv.open(pidfd, w.ring_fds[r], ps.sq_entries[r], ps.cq_entries[r], kr.error))
			break;
		std::uint32_t ring_fd = static_cast<std::uint32_t>(w.ring_fds[r]);
		std::vector<int> res;
		std::size_t s = 0;
		while (s < slots.size()) {
			if (over()) {
				kr.capped = true;
				break;
			}
			// fdinfo lists present slots only: install a run of consecutive
			// indexes per submission (one by one where there are gaps)
			std::uint32_t cnt = 1;
			while (cnt < rv.batch() && s + cnt < slots.size() &&
			       slots[s + cnt].index == slots[s].index + cnt)
				cnt++;
			if (!rv.install(slots[s].index, cnt, res, kr.error))
				break;
			for (std::uint32_t k = 0; k < cnt; k++) {
				const PSlot& sl = slots[s + k];
				CSlot cs{sl.path, true, {}};
				int mine = res[k];
				if (mine >= 0) {
					struct stat st;
					if (fstat(mine, &st) == 0) {
						auto g = cand.groups.find({st.st_dev, st.st_ino});
						auto cmp = [&](int fd) {
							calls++;
							return kcmp(pid, self, KCMP_FILE, static_cast<unsigned long>(fd),
								    static_cast<unsigned long>(mine));
						};
						if (g != cand.groups.end())
							cs.fds = tree ? lookup_tree(g->second, cmp) : lookup_pair(g->second, cmp);
					}
					::close(mine);
				} else {
					cs.has_fds = false;
				}
				c.slots.emplace(slot_key(ring_fd, sl.index), std::move(cs));
				kr.done++;
			}
			s += cnt;
		}
		if (!kr.error.empty())
			break;
	}
	::close(pidfd);
	kr.kcmp_calls = calls;
	return kr;
}

// ---------------------------------------------------------------- BPF: floor and loaded-once dump

// Reads an iterator link to EOF; calls between() after every read.
std::size_t read_iter(bpf_link* link, std::vector<std::uint8_t>* keep, const std::function<void()>& between)
{
	int fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		die(std::string("bpf_iter_create: ") + std::strerror(errno));
	std::vector<std::uint8_t> buf(1 << 16);
	std::size_t total = 0;
	for (;;) {
		ssize_t n = ::read(fd, buf.data(), buf.size());
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die(std::string("reading the iterator: ") + std::strerror(errno));
		}
		if (between)
			between();
		if (n == 0)
			break;
		total += static_cast<std::size_t>(n);
		if (keep)
			keep->insert(keep->end(), buf.begin(), buf.begin() + n);
	}
	::close(fd);
	return total;
}

bpf_link* attach_pid(bpf_program* prog, pid_t pid)
{
	union bpf_iter_link_info info;
	std::memset(&info, 0, sizeof(info));
	info.task.pid = static_cast<__u32>(pid);
	LIBBPF_OPTS(bpf_iter_attach_opts, ao);
	ao.link_info = &info;
	ao.link_info_len = sizeof(info);
	bpf_link* l = bpf_program__attach_iter(prog, &ao);
	if (!l)
		die(std::string("attach iterator: ") + std::strerror(errno));
	return l;
}

int on_spill(void* ctx, void* data, std::size_t size)
{
	auto* out = static_cast<std::vector<std::uint8_t>*>(ctx);
	const auto* p = static_cast<const std::uint8_t*>(data);
	out->insert(out->end(), p, p + size);
	return 0;
}

// ---------------------------------------------------------------- statistics

struct MethodResult {
	std::string name;
	std::vector<double> samples;
	std::vector<double> cpu_samples;
	std::string status = "ok"; // ok, capped, error, skipped
	std::string note;
	Agreement agreement;
	Json::Value extra{Json::objectValue};
};

double median(std::vector<double> v)
{
	if (v.empty())
		return 0;
	std::sort(v.begin(), v.end());
	std::size_t n = v.size();
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

Json::Value to_json(const MethodResult& m)
{
	Json::Value v;
	v["method"] = m.name;
	v["status"] = m.status;
	Json::Value s(Json::arrayValue);
	for (double x : m.samples)
		s.append(x);
	v["samples_s"] = s;
	v["runs"] = Json::UInt64(m.samples.size());
	Json::Value cs(Json::arrayValue);
	for (double x : m.cpu_samples)
		cs.append(x);
	v["cpu_samples_s"] = cs;
	if (!m.cpu_samples.empty())
		v["cpu_median_s"] = median(m.cpu_samples);
	if (!m.samples.empty()) {
		v["median_s"] = median(m.samples);
		v["min_s"] = *std::min_element(m.samples.begin(), m.samples.end());
		v["max_s"] = *std::max_element(m.samples.begin(), m.samples.end());
	}
	if (!m.note.empty())
		v["note"] = m.note;
	v["agreement"] = to_json(m.agreement);
	for (const auto& k : m.extra.getMemberNames())
		v[k] = m.extra[k];
	return v;
}

struct Config {
	std::string info, uringdump, pin;
	int runs = 5;
	int min_runs = 3;
	double cap = 20;
	double budget = 20; // per method: stop after min_runs once this much time was spent
	std::vector<std::string> methods;
};

// Runs `once` up to cfg.runs times (fewer when slow); once() returns the
// Sample of its timed part.
// Slow methods (slow_ok) stop after one run that took the whole budget.
template <class F>
void repeat(const Config& cfg, MethodResult& m, F once, bool just_once = false, bool slow_ok = false)
{
	double spent = 0;
	for (int i = 0; i < (just_once ? 1 : cfg.runs); i++) {
		Sample smp = once(i);
		double t = smp.wall;
		if (m.status == "error")
			return;
		m.samples.push_back(t);
		m.cpu_samples.push_back(smp.cpu);
		spent += t;
		if (m.status == "capped")
			return;
		if (i + 1 >= cfg.min_runs && spent >= cfg.budget)
			break;
		if (i == 0 && t >= cfg.budget && slow_ok)
			break; // one slow run is enough
	}
}

std::string loadavg()
{
	std::ifstream in("/proc/loadavg");
	std::string a, b, c;
	in >> a >> b >> c;
	return a + " " + b + " " + c;
}

} // namespace

// `udbench --spawn-rss RSSFILE OUTFILE CMD...`: runs CMD with stdout to
// OUTFILE and writes "MAXRSS_KB STATUS" to RSSFILE.  A freshly exec'd,
// small process measures the peak RSS: a child spawned straight from a large
// parent would report the parent's size (exec records the old mm's RSS high
// water mark in the process's maxrss, and posix_spawn's child runs on the
// parent's mm until it execs).
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
	std::FILE* f = std::fopen(argv[2], "w");
	if (!f)
		return 1;
	std::fprintf(f, "%ld %d\n", ru.ru_maxrss, status);
	return std::fclose(f) == 0 ? 0 : 1;
}

int main(int argc, char** argv)
{
	if (argc > 1 && std::strcmp(argv[1], "--spawn-rss") == 0)
		return spawn_rss(argc, argv);
	Config cfg;
	std::string methods = "floor,walk,oneshot,lib,loaded,pin-read,pin-model,pin-cat,procfs,kcmp-tree,kcmp-pair";
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		auto val = [&]() -> std::string {
			if (i + 1 >= argc)
				die("missing value for " + a);
			return argv[++i];
		};
		if (a == "--info")
			cfg.info = val();
		else if (a == "--uringdump")
			cfg.uringdump = val();
		else if (a == "--runs")
			cfg.runs = std::stoi(val());
		else if (a == "--min-runs")
			cfg.min_runs = std::stoi(val());
		else if (a == "--cap")
			cfg.cap = std::stod(val());
		else if (a == "--budget")
			cfg.budget = std::stod(val());
		else if (a == "--methods")
			methods = val();
		else if (a == "--pin")
			cfg.pin = val();
		else
			die("unknown argument " + a);
	}
	if (cfg.info.empty() || cfg.uringdump.empty())
		die("usage: udbench --info SUMMARY --uringdump BIN [--runs R] [--cap S] [--budget S] [--methods LIST] [--pin PATH]");
	cfg.min_runs = std::min(cfg.min_runs, cfg.runs);
	{
		std::istringstream ms(methods);
		for (std::string m; std::getline(ms, m, ',');)
			if (!m.empty())
				cfg.methods.push_back(m);
	}
	auto want = [&](const std::string& m) {
		return std::find(cfg.methods.begin(), cfg.methods.end(), m) != cfg.methods.end();
	};
	setup_libbpf(false);
	Workload w = read_workload(cfg.info);
	const std::string pid_s = std::to_string(w.pid);
	std::vector<MethodResult> results;
	Json::Value out;
	out["pid"] = w.pid;
	out["n"] = Json::UInt64(w.n);
	Json::Value wl;
	for (const auto& [k, v] : w.kv)
		wl[k] = v;
	out["workload"] = wl;
	out["loadavg_before"] = loadavg();

	// ---- the library: dump_records + build_snapshot (reloads the program every
	// call).  Its first run is the reference every other method is checked
	// against; the reference itself is checked against the workload's truth.
	DumpRequest req;
	req.pids = {w.pid};
	MethodResult lib{"lib"};
	std::size_t spill_bytes = 0, nrecords = 0;
	Canon ref;
	std::optional<Snapshot> ref_snap;
	double ref_time = 0;
	repeat(cfg, lib, [&](int i) {
		Stopwatch sw;
		auto recs = dump_records(req);
		if (!recs)
			die("reference dump: " + recs.error().message);
		auto snap = build_snapshot(recs->records, false);
		Sample t = sw.lap();
		if (!snap)
			die("reference model: " + snap.error().message);
		if (i == 0) {
			ref_time = t.wall;
			spill_bytes = recs->spill_bytes;
			nrecords = recs->records.size();
			ref = canon_of(*snap, w.pid);
			ref_snap.emplace(std::move(*snap));
		}
		return t;
	}, !want("lib"));
	Agreement truth = check_truth(w, ref);
	out["reference"]["truth_check"] = to_json(truth);
	out["reference"]["records"] = Json::UInt64(nrecords);
	out["reference"]["spill_bytes"] = Json::UInt64(spill_bytes);
	out["reference"]["fds"] = Json::UInt64(ref.nfds);
	out["reference"]["epoll_items"] = Json::UInt64(ref.items.size());
	out["reference"]["registered_files"] = Json::UInt64(ref.slots.size());
	out["reference"]["first_dump_s"] = ref_time;
	std::fprintf(stderr, "  reference: %zu records, %zu fds, %zu items, %zu slots, truth %s\n", nrecords,
		     ref.nfds, ref.items.size(), ref.slots.size(), truth.ok ? "ok" : truth.first_problem.c_str());
	if (want("lib")) {
		lib.agreement = truth; // lib is the reference: checked against the workload itself
		lib.note = "includes the program load (BTF parse, verification) on every call: dump_records() "
			   "loads each time; first run = the reference, checked against the workload's own record";
		results.push_back(std::move(lib));
	}

	// ---- floors (one object, two programs; the table walk is optional)
	BpfPtr<floor_bpf, floor_bpf__destroy> fskel;
	bool walk_loaded = false;
	if (want("floor") || want("walk")) {
		fskel.reset(floor_bpf__open());
		if (!fskel)
			die("cannot open the floor programs");
		if (floor_bpf__load(fskel.get()) == 0) {
			walk_loaded = true;
		} else {
			fskel.reset(floor_bpf__open());
			bpf_program__set_autoload(fskel->progs.walk_task_file, false);
			if (!fskel || floor_bpf__load(fskel.get()))
				die("cannot load the floor program");
		}
	}
	if (want("walk")) {
		MethodResult m{"walk"};
		std::uint64_t fds = 0, slots = 0, items = 0;
		if (walk_loaded)
			repeat(cfg, m, [&](int) {
				fskel->bss->fds_seen = fskel->bss->slots_seen = fskel->bss->items_seen = 0;
				Stopwatch sw;
				bpf_link* l = attach_pid(fskel->progs.walk_task_file, w.pid);
				read_iter(l, nullptr, nullptr);
				bpf_link__destroy(l);
				Sample t = sw.lap();
				fds = fskel->bss->fds_seen;
				slots = fskel->bss->slots_seen;
				items = fskel->bss->items_seen;
				return t;
			});
		else {
			m.status = "error";
			m.note = "the table-walk floor does not load on this kernel";
		}
		Agreement a;
		a.checked = walk_loaded;
		a.what = "counts of fds, registered files and epoll items";
		if (fds != ref.nfds || slots != ref.slots.size() || items != ref.items.size())
			a.problem("counts " + std::to_string(fds) + "/" + std::to_string(slots) + "/" +
				  std::to_string(items));
		a.ok = a.first_problem.empty();
		m.agreement = a;
		m.extra["counts"]["fds"] = Json::UInt64(fds);
		m.extra["counts"]["slots"] = Json::UInt64(slots);
		m.extra["counts"]["items"] = Json::UInt64(items);
		results.push_back(std::move(m));
	}

	// ---- floor
	if (want("floor")) {
		MethodResult m{"floor"};
		auto& skel = fskel;
		std::uint64_t seen = 0;
		repeat(cfg, m, [&](int) {
			skel->bss->fds_seen = 0;
			Stopwatch sw;
			bpf_link* l = attach_pid(skel->progs.floor_task_file, w.pid);
			read_iter(l, nullptr, nullptr);
			bpf_link__destroy(l);
			Sample t = sw.lap();
			seen = skel->bss->fds_seen;
			return t;
		});
		Canon c;
		c.has_nfds = true;
		c.nfds = seen;
		m.agreement = agree(ref, c);
		m.extra["fds_seen"] = Json::UInt64(seen);
		results.push_back(std::move(m));
	}

	// ---- uringdump one-shot
	if (want("oneshot")) {
		MethodResult m{"oneshot"};
		repeat(cfg, m, [&](int) {
			SpawnResult r = spawn_timed({cfg.uringdump, "--json", pid_s}, "/dev/null", 600);
			if (r.timed_out || !WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
				m.status = "error";
				m.note = "uringdump failed (status " + std::to_string(r.status) + ")";
			}
			return Sample{r.seconds, r.cpu};
		});
		// agreement: one untimed run into a file; its JSON must be the
		// reference snapshot rendered (labels follow output order, so a
		// static target renders byte for byte the same); when it is not,
		// it is parsed back (small N) to say what differs
		std::string tmp = cfg.info + ".oneshot.json";
		bool identical = false;
		if (m.status == "ok") {
			// through the small spawner: the peak RSS of uringdump itself
			std::string rssfile = cfg.info + ".rss";
			spawn_timed({"/proc/self/exe", "--spawn-rss", rssfile, tmp, cfg.uringdump, "--json", pid_s},
				    "/dev/null", 600);
			long rss = -1;
			int st = -1;
			if (std::FILE* f = std::fopen(rssfile.c_str(), "r")) {
				if (std::fscanf(f, "%ld %d", &rss, &st) != 2)
					rss = -1;
				std::fclose(f);
			}
			std::remove(rssfile.c_str());
			m.extra["peak_rss_kb"] = Json::Int64(rss);
			std::ostringstream mine;
			render_json(*ref_snap, mine, false);
			auto theirs = read_path(tmp);
			identical = theirs.size() == mine.str().size() &&
				    std::memcmp(theirs.data(), mine.str().data(), theirs.size()) == 0;
			m.extra["json_bytes"] = Json::UInt64(theirs.size());
		}
		if (identical) {
			m.agreement.checked = m.agreement.ok = true;
			m.agreement.what = "JSON output byte-identical to the reference snapshot rendered";
			std::remove(tmp.c_str());
		} else if (m.status == "ok" && w.n <= 200000) {
			Json::Value doc;
			Json::CharReaderBuilder rb;
			std::ifstream in(tmp);
			std::string errs;
			Canon c;
			if (Json::parseFromStream(rb, in, &doc, &errs)) {
				c.has_items = c.has_slots = true;
				for (const auto& p : doc["processes"]) {
					if (p["pid"].asInt() != w.pid)
						continue;
					for (const auto& rg : p["io_urings"]) {
						std::uint32_t rfd = rg["fds"][0].asUInt();
						for (const auto& s : rg["registered_files"]["slots"]) {
							if (s.isMember("empty"))
								continue;
							CSlot cs{s["file"]["path"].asString(), true, {}};
							for (const auto& f : s["fds"])
								cs.fds.push_back(f.asUInt());
							c.slots.emplace(slot_key(rfd, s["index"].asUInt()), std::move(cs));
						}
					}
					for (const auto& e : p["epolls"])
						for (const auto& it : e["items"]) {
							CItem ci{it["tfd"].asUInt(), it["events"].asUInt(), true, {}};
							for (const auto& f : it["fds"])
								ci.fds.push_back(f.asUInt());
							c.items.emplace(it["data"].asUInt64(), std::move(ci));
						}
				}
			}
			std::remove(tmp.c_str());
			m.agreement = agree(ref, c);
			m.agreement.what += " (JSON not byte-identical to the reference)";
		} else if (m.status == "ok") {
			std::remove(tmp.c_str());
			m.agreement.checked = true;
			m.agreement.problem("JSON output differs from the reference (not parsed back at this size)");
		}
		results.push_back(std::move(m));
	}

	// ---- loaded once
	if (want("loaded")) {
		MethodResult m{"loaded"};
		double a = now();
		LIBBPF_OPTS(bpf_object_open_opts, oo);
		BpfPtr<uringdump_bpf, uringdump_bpf__destroy> skel(uringdump_bpf__open_opts(&oo));
		if (!skel)
			die("cannot open the uringdump BPF object");
		seed_rodata(skel->rodata);
		skel->rodata->target_fd = -1;
		bpf_map__set_max_entries(skel->maps.spill, static_cast<__u32>(spill_bytes));
		if (uringdump_bpf__load(skel.get()))
			die("cannot load the uringdump BPF program");
		std::vector<std::uint8_t> spill;
		RingBufferPtr rb(
			ring_buffer__new(bpf_map__fd(skel->maps.spill), on_spill, &spill, nullptr));
		if (!rb)
			die("ring_buffer__new");
		m.extra["load_s"] = now() - a;
		std::vector<double> t_kernel, t_decode, t_model, t_render;
		std::vector<double> c_kernel, c_decode, c_model, c_render;
		std::size_t stream_bytes = 0, spill_total = 0;
		Canon c;
		repeat(cfg, m, [&](int i) {
			std::vector<std::uint8_t> stream;
			stream.reserve(stream_bytes ? stream_bytes : 1 << 20);
			spill.clear();
			spill.reserve(spill_total);
			Stopwatch sw;
			bpf_link* l = attach_pid(skel->progs.dump_task_file, w.pid);
			read_iter(l, &stream, [&] { ring_buffer__consume(rb.get()); });
			ring_buffer__consume(rb.get());
			bpf_link__destroy(l);
			Sample t_b = sw.lap();
			auto recs = decode_stream(stream);
			auto sp = decode_spill(spill);
			if (!recs || !sp) {
				m.status = "error";
				m.note = !recs ? recs.error().message : sp.error().message;
				return Sample{};
			}
			recs->insert(recs->end(), sp->begin(), sp->end());
			Sample t_c = sw.lap();
			auto snap = build_snapshot(*recs, false);
			Sample t_d = sw.lap();
			if (!snap) {
				m.status = "error";
				m.note = snap.error().message;
				return Sample{};
			}
			// rendering is not part of this method's time; recorded as a phase
			{
				std::ofstream null("/dev/null");
				render_json(*snap, null, false);
			}
			Sample t_e = sw.lap();
			t_kernel.push_back(t_b.wall);
			t_decode.push_back(t_c.wall - t_b.wall);
			t_model.push_back(t_d.wall - t_c.wall);
			t_render.push_back(t_e.wall - t_d.wall);
			c_kernel.push_back(t_b.cpu);
			c_decode.push_back(t_c.cpu - t_b.cpu);
			c_model.push_back(t_d.cpu - t_c.cpu);
			c_render.push_back(t_e.cpu - t_d.cpu);
			stream_bytes = stream.size();
			spill_total = spill.size();
			if (i == 0)
				c = canon_of(*snap, w.pid);
			return t_d;
		});
		if (m.status == "ok")
			m.agreement = agree(ref, c);
		Json::Value ph;
		ph["iterate_s"] = median(t_kernel);
		ph["decode_s"] = median(t_decode);
		ph["model_s"] = median(t_model);
		ph["render_json_s"] = median(t_render);
		m.extra["phases_median"] = ph;
		Json::Value pc;
		pc["iterate_s"] = median(c_kernel);
		pc["decode_s"] = median(c_decode);
		pc["model_s"] = median(c_model);
		pc["render_json_s"] = median(c_render);
		m.extra["phases_cpu_median"] = pc;
		m.extra["stream_bytes"] = Json::UInt64(stream_bytes);
		m.extra["spill_bytes"] = Json::UInt64(spill_total);
		m.note = "program loaded once (reimplements the loader's per-pid run with the generated skeleton)";
		results.push_back(std::move(m));
	}

	// ---- pinned iterator
	if (!cfg.pin.empty() && (want("pin-read") || want("pin-model") || want("pin-cat"))) {
		double a = now();
		SpawnResult pr = spawn_timed({cfg.uringdump, "pin", pid_s, cfg.pin}, "/dev/null", 120);
		double pin_s = now() - a;
		bool pinned = !pr.timed_out && WIFEXITED(pr.status) && WEXITSTATUS(pr.status) == 0;
		auto fail_pin = [](MethodResult& m) {
			m.status = "error";
			m.note = "uringdump pin failed";
		};
		if (want("pin-read")) {
			MethodResult m{"pin-read"};
			std::size_t nbytes = 0;
			if (pinned)
				repeat(cfg, m, [&](int) {
					Stopwatch sw;
					nbytes = read_discard(cfg.pin);
					return sw.lap();
				});
			else
				fail_pin(m);
			m.extra["pin_setup_s"] = pin_s;
			m.extra["bytes"] = Json::UInt64(nbytes);
			// agreement: one more read, kept and decoded (untimed)
			if (m.status == "ok") {
				m.agreement = agree_stream(ref, read_path(cfg.pin), w.pid, "pinned stream");
			}
			results.push_back(std::move(m));
		}
		if (want("pin-model")) {
			MethodResult m{"pin-model"};
			Canon c;
			if (pinned)
				repeat(cfg, m, [&](int i) {
					Stopwatch sw;
					auto bytes = read_path(cfg.pin);
					auto recs = decode_stream(bytes);
					if (!recs) {
						m.status = "error";
						m.note = recs.error().message;
						return Sample{};
					}
					auto snap = build_snapshot(*recs, false);
					Sample t = sw.lap();
					if (!snap) {
						m.status = "error";
						m.note = snap.error().message;
						return Sample{};
					}
					for (const auto& r : *recs)
						if (r.type() == UD_REC_END && r.flags()) {
							m.status = "error";
							m.note = "END flags " + std::to_string(r.flags());
						}
					if (i == 0)
						c = canon_of(*snap, w.pid);
					return t;
				});
			else
				fail_pin(m);
			if (m.status == "ok")
				m.agreement = agree(ref, c);
			results.push_back(std::move(m));
		}
		if (want("pin-cat")) {
			MethodResult m{"pin-cat"};
			if (pinned)
				repeat(cfg, m, [&](int) {
					SpawnResult r = spawn_timed({"/bin/cat", cfg.pin}, "/dev/null", 600);
					if (r.timed_out || !WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
						m.status = "error";
						m.note = "cat failed";
					}
					return Sample{r.seconds, r.cpu};
				});
			else
				fail_pin(m);
			// agreement: what cat wrote, decoded
			if (m.status == "ok") {
				std::string tmp = cfg.info + ".cat";
				spawn_timed({"/bin/cat", cfg.pin}, tmp, 600);
				auto bytes = read_path(tmp);
				std::remove(tmp.c_str());
				m.agreement = agree_stream(ref, bytes, w.pid, "cat output");
			}
			results.push_back(std::move(m));
		}
		std::remove(cfg.pin.c_str());
	}

	// ---- procfs
	if (want("procfs")) {
		MethodResult m{"procfs"};
		ProcState last;
		repeat(cfg, m, [&](int) {
			Stopwatch sw;
			last = read_procfs(w);
			return sw.lap();
		});
		m.agreement = agree(ref, canon_of(last, w));
		if (last.ring_info_missing)
			m.note = "a ring's fdinfo had no UserFiles block (uring_lock contended)";
		m.extra["resolves_fds"] = false;
		results.push_back(std::move(m));
	}

	// ---- procfs + kcmp
	for (const char* name : {"kcmp-tree", "kcmp-pair"}) {
		if (!want(name))
			continue;
		bool tree = std::string(name) == "kcmp-tree";
		MethodResult m{name};
		KcmpResult last;
		repeat(cfg, m, [&](int) {
			Stopwatch sw;
			last = run_kcmp(w, tree, cfg.cap);
			Sample t = sw.lap();
			if (!last.error.empty()) {
				m.status = "error";
				m.note = last.error;
			} else if (last.capped) {
				m.status = "capped";
			}
			return t;
		}, false, true);
		m.agreement = agree(ref, last.canon, last.capped);
		m.extra["resolves_fds"] = true;
		m.extra["lookups_done"] = Json::UInt64(last.done);
		m.extra["lookups_total"] = Json::UInt64(last.total);
		m.extra["kcmp_calls_last_run"] = Json::UInt64(last.kcmp_calls);
		m.extra["cap_s"] = cfg.cap;
		results.push_back(std::move(m));
	}

	Json::Value arr(Json::arrayValue);
	for (const auto& m : results) {
		arr.append(to_json(m));
		std::fprintf(stderr, "  %-10s %-7s median %.4f s (cpu %.4f s) over %zu run(s), agreement %s\n",
			     m.name.c_str(), m.status.c_str(), median(m.samples), median(m.cpu_samples),
			     m.samples.size(), !m.agreement.checked ? "n/a" : m.agreement.ok ? "ok" : "MISMATCH");
	}
	out["methods"] = arr;
	out["loadavg_after"] = loadavg();
	Json::StreamWriterBuilder wb;
	wb["indentation"] = " ";
	std::cout << Json::writeString(wb, out) << "\n";
	return 0;
}
