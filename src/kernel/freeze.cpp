// Freezing a process with ptrace: seize and interrupt each thread, wait for
// the stop, repeat until no new thread appears, detach at the end.
#include "kernel/freeze.hpp"

#include <dirent.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string>

#include "base/errors.hpp"
#include "base/procfs.hpp"

namespace uringdump {
namespace {

std::vector<pid_t> list_threads(pid_t pid)
{
	std::vector<pid_t> out;
	std::string dir = "/proc/" + std::to_string(pid) + "/task";
	DIR* d = opendir(dir.c_str());
	if (!d)
		return out;
	while (dirent* e = readdir(d)) {
		char* end = nullptr;
		long tid = std::strtol(e->d_name, &end, 10);
		if (tid > 0 && end && *end == '\0')
			out.push_back(static_cast<pid_t>(tid));
	}
	closedir(d);
	return out;
}

// How long a thread may take to stop: a thread blocked in the kernel (an
// uninterruptible wait, a page fault that a userfaultfd never serves) stops
// only when it gets out, maybe never.
constexpr auto kStopTimeout = std::chrono::seconds(5);

enum class Stop { Stopped, Gone, Timeout };

// Waits until `tid` reports a ptrace stop.  When the stop is the delivery of
// a signal rather than our interrupt, the signal is returned in `*sig` so that
// PTRACE_DETACH hands it back.
Stop wait_stop(pid_t tid, int* sig)
{
	const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
	for (;;) {
		int status = 0;
		pid_t r = waitpid(tid, &status, __WALL | WNOHANG);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return Stop::Gone;
		}
		if (r == 0) {
			if (std::chrono::steady_clock::now() > deadline)
				return Stop::Timeout;
			usleep(1000);
			continue;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return Stop::Gone;
		if (WIFSTOPPED(status)) {
			bool event_stop = (status >> 16) == PTRACE_EVENT_STOP;
			*sig = event_stop ? 0 : WSTOPSIG(status);
			return Stop::Stopped;
		}
	}
}

// Where a thread sleeps in the kernel (/proc/TID/wchan), "" when unknown.
std::string wchan(pid_t tid)
{
	std::ifstream in("/proc/" + std::to_string(tid) + "/wchan");
	std::string w;
	std::getline(in, w);
	return w == "0" ? std::string() : w;
}

// An io-wq worker (PF_IO_WORKER, "iou-wrk-PID"; SQPOLL threads are
// "iou-sqp-PID").  It is not stopped: PTRACE_INTERRUPT wakes a worker blocked
// in the work it runs (an open of a FIFO, a blocking read), and the kernel
// then completes that request with -ERESTARTSYS and aborts the queued ones.
bool io_wq_worker(pid_t tid)
{
	constexpr unsigned long kPfIoWorker = 0x10;
	auto st = read_proc_stat(tid);
	if (!st || !(st->flags & kPfIoWorker))
		return false;
	std::ifstream comm("/proc/" + std::to_string(tid) + "/comm");
	std::string name;
	std::getline(comm, name);
	return name.rfind("iou-wrk-", 0) == 0;
}

// A thread that is a zombie or being reaped cannot be seized (EPERM).
bool exiting(pid_t tid)
{
	auto st = read_proc_stat(tid);
	return !st || st->state == 'Z' || st->state == 'X';
}

} // namespace

Result<Freezer> Freezer::freeze(pid_t pid)
{
	Freezer f;
	f.pid_ = pid;
	// Threads may be created while we seize: repeat until a pass adds none.
	for (int pass = 0; pass < 100; pass++) {
		bool added = false;
		for (pid_t tid : list_threads(pid)) {
			if (std::find(f.tids_.begin(), f.tids_.end(), tid) != f.tids_.end())
				continue;
			if (io_wq_worker(tid))
				continue;
			if (ptrace(PTRACE_SEIZE, tid, nullptr, nullptr) != 0) {
				if (errno == ESRCH || exiting(tid))
					continue; // exited meanwhile
				int err = errno;
				return make_error(err == EPERM ? Exit::Permission : Exit::Failure,
						  "cannot freeze thread " + std::to_string(tid) +
							  " of " + std::to_string(pid) +
							  ": ptrace: " + errno_text(err));
			}
			f.tids_.push_back(tid);
			f.sigs_.push_back(0);
			added = true;
			if (ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr) == 0 &&
			    wait_stop(tid, &f.sigs_.back()) == Stop::Timeout) {
				const std::string w = wchan(tid);
				return make_error(Exit::Target,
						  "cannot freeze process " + std::to_string(pid) +
							  ": thread " + std::to_string(tid) +
							  " did not stop within " +
							  std::to_string(kStopTimeout.count()) +
							  " s (blocked in the kernel" +
							  (w.empty() ? "" : ", in " + w) +
							  "); dump it without --freeze");
			}
		}
		if (!added)
			break;
	}
	if (f.tids_.empty())
		return make_error(Exit::Target, "process " + std::to_string(pid) +
							" has exited: nothing to freeze");
	return f;
}

Freezer::Freezer(Freezer&& o) noexcept
    : pid_(o.pid_), tids_(std::move(o.tids_)), sigs_(std::move(o.sigs_))
{
	o.tids_.clear();
	o.sigs_.clear();
}

void Freezer::release()
{
	for (std::size_t i = 0; i < tids_.size(); i++)
		ptrace(PTRACE_DETACH, tids_[i], nullptr,
		       reinterpret_cast<void*>(static_cast<long>(sigs_[i])));
	tids_.clear();
	sigs_.clear();
}

Freezer::~Freezer()
{
	release();
}

} // namespace uringdump
