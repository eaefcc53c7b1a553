// procfs + kcmp, CRIU-style: every epoll target and registered file
// resolved to the fds that hold it, without iterators.
//   kcmp-tree   fds sorted by kcmp order, binary search per lookup (what
//               CRIU's kcmp tree does)
//   kcmp-pair   every candidate fd of the same inode compared
// Epoll items: KCMP_EPOLL_TFD.  Registered files have no kcmp mode: each is
// installed with IORING_OP_FIXED_FD_INSTALL through a pidfd_getfd() copy of
// the ring, then compared with KCMP_FILE.
#include <dirent.h>
#include <linux/io_uring.h>
#include <linux/kcmp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/bench.hpp"

namespace udbench {
namespace {

#ifndef IORING_OP_FIXED_FD_INSTALL
constexpr __u8 kOpFixedFdInstall = 54; // Linux 6.8+; bookworm's headers are 6.1
#else
constexpr __u8 kOpFixedFdInstall = IORING_OP_FIXED_FD_INSTALL;
#endif

long kcmp(pid_t p1, pid_t p2, int type, unsigned long a, unsigned long b)
{
	return syscall(SYS_kcmp, p1, p2, type, a, b);
}

struct FdGroup {
	std::vector<int> fds;               // sorted by kcmp order (tree) or as listed (pair)
	std::vector<std::size_t> run_start; // tree: start of each run of equal files
};

struct Candidates {
	std::map<std::pair<std::uint64_t, std::uint64_t>, FdGroup> groups; // (st_dev, st_ino)
	std::size_t nfds = 0;
};

void sort_by_kcmp(pid_t pid, FdGroup& g)
{
	auto ul = [](int fd) { return static_cast<unsigned long>(fd); };
	std::sort(g.fds.begin(), g.fds.end(),
		  [&](int a, int b) { return kcmp(pid, pid, KCMP_FILE, ul(a), ul(b)) == 1; });
	for (std::size_t i = 0; i < g.fds.size(); i++)
		if (i == 0 || kcmp(pid, pid, KCMP_FILE, ul(g.fds[i - 1]), ul(g.fds[i])) != 0)
			g.run_start.push_back(i);
}

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
	if (sort_tree)
		for (auto& entry : c.groups)
			sort_by_kcmp(pid, entry.second);
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
			std::size_t end =
				mid + 1 < g.run_start.size() ? g.run_start[mid + 1] : g.fds.size();
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
		sq_ring_ = mmap(nullptr, sqsz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
				fd_, IORING_OFF_SQ_RING);
		sqsz_ = sqsz;
		if (sq_ring_ == MAP_FAILED) {
			err = std::string("mmap sq ring: ") + std::strerror(errno);
			return false;
		}
		if (p.features & IORING_FEAT_SINGLE_MMAP) {
			cq_ring_ = sq_ring_;
		} else {
			cq_ring_ = mmap(nullptr, cqsz, PROT_READ | PROT_WRITE,
					MAP_SHARED | MAP_POPULATE, fd_, IORING_OFF_CQ_RING);
			cqsz_ = cqsz;
			if (cq_ring_ == MAP_FAILED) {
				err = std::string("mmap cq ring: ") + std::strerror(errno);
				return false;
			}
		}
		sqes_ = static_cast<io_uring_sqe*>(
			mmap(nullptr, p.sq_entries * sizeof(io_uring_sqe), PROT_READ | PROT_WRITE,
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
	bool install(std::uint32_t first, std::uint32_t count, std::vector<int>& res,
		     std::string& err)
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
		long r = syscall(__NR_io_uring_enter, fd_, count, count, IORING_ENTER_GETEVENTS,
				 nullptr, 0);
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
				if (syscall(__NR_io_uring_enter, fd_, 0, count - got,
					    IORING_ENTER_GETEVENTS, nullptr, 0) < 0) {
					err = std::string("io_uring_enter(wait): ") +
					      std::strerror(errno);
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

// One kcmp run's shared state.
struct KcmpRun {
	const Workload& w;
	bool tree;
	double t0, cap;
	ProcState ps;
	Candidates cand;
	KcmpResult r;

	bool over()
	{
		if (now() - t0 > cap)
			r.capped = true;
		return r.capped;
	}
	template <class Cmp>
	std::vector<std::uint32_t> lookup(const FdGroup& g, Cmp cmp) const
	{
		return tree ? lookup_tree(g, cmp) : lookup_pair(g, cmp);
	}
};

// epoll targets: KCMP_EPOLL_TFD (efd, tfd, toff) against candidate fds
void resolve_epoll_items(KcmpRun& k)
{
	const pid_t pid = k.w.pid;
	std::unordered_map<std::uint32_t, std::uint32_t> seen_tfd;
	for (const auto& it : k.ps.items) {
		if (k.over())
			return;
		std::uint32_t toff = seen_tfd[it.tfd]++;
		kcmp_epoll_slot slot{static_cast<__u32>(k.w.epoll_fd), it.tfd, toff};
		auto cmp = [&](int fd) {
			k.r.kcmp_calls++;
			return kcmp(pid, pid, KCMP_EPOLL_TFD, static_cast<unsigned long>(fd),
				    reinterpret_cast<unsigned long>(&slot));
		};
		std::uint64_t dev = makedev(it.sdev >> 20, it.sdev & 0xfffff);
		auto g = k.cand.groups.find({dev, it.ino});
		CItem ci{it.tfd, it.events, true, {}};
		if (g != k.cand.groups.end())
			ci.fds = k.lookup(g->second, cmp);
		k.r.canon.items.emplace(it.data, std::move(ci));
		k.r.done++;
	}
}

// The fds of the target holding the file installed as `mine` in ours.
std::vector<std::uint32_t> resolve_installed(KcmpRun& k, int mine)
{
	struct stat st;
	if (fstat(mine, &st) != 0)
		return {};
	auto g = k.cand.groups.find({st.st_dev, st.st_ino});
	if (g == k.cand.groups.end())
		return {};
	const pid_t pid = k.w.pid, self = getpid();
	auto cmp = [&](int fd) {
		k.r.kcmp_calls++;
		return kcmp(pid, self, KCMP_FILE, static_cast<unsigned long>(fd),
			    static_cast<unsigned long>(mine));
	};
	return k.lookup(g->second, cmp);
}

// The registered files of ring r: installed into our table in runs of
// consecutive indexes (fdinfo lists present slots only), then KCMP_FILE.
void resolve_ring(KcmpRun& k, int pidfd, std::size_t r)
{
	const auto& slots = k.ps.ring_slots[r];
	if (slots.empty())
		return;
	RingView rv;
	if (!rv.open(pidfd, k.w.ring_fds[r], k.ps.sq_entries[r], k.ps.cq_entries[r], k.r.error))
		return;
	const auto ring_fd = static_cast<std::uint32_t>(k.w.ring_fds[r]);
	std::vector<int> res;
	for (std::size_t s = 0; s < slots.size();) {
		if (k.over())
			return;
		std::uint32_t cnt = 1;
		while (cnt < rv.batch() && s + cnt < slots.size() &&
		       slots[s + cnt].index == slots[s].index + cnt)
			cnt++;
		if (!rv.install(slots[s].index, cnt, res, k.r.error))
			return;
		for (std::uint32_t i = 0; i < cnt; i++) {
			const PSlot& sl = slots[s + i];
			CSlot cs{sl.path, res[i] >= 0, {}};
			if (res[i] >= 0) {
				cs.fds = resolve_installed(k, res[i]);
				::close(res[i]);
			}
			k.r.canon.slots.emplace(slot_key(ring_fd, sl.index), std::move(cs));
			k.r.done++;
		}
		s += cnt;
	}
}

KcmpResult run_kcmp_once(const Workload& w, bool tree, double cap)
{
	KcmpRun k{w, tree, now(), cap, {}, {}, {}};
	k.ps = read_procfs(w);
	k.cand = list_candidates(w.pid, tree);
	k.r.total = k.ps.items.size();
	for (const auto& s : k.ps.ring_slots)
		k.r.total += s.size();
	Canon& c = k.r.canon;
	c.has_items = c.has_slots = c.has_nfds = true;
	c.nfds = k.cand.nfds;
	resolve_epoll_items(k);
	int pidfd = static_cast<int>(syscall(SYS_pidfd_open, w.pid, 0));
	if (pidfd < 0) {
		k.r.error = std::string("pidfd_open: ") + std::strerror(errno);
		return k.r;
	}
	for (std::size_t r = 0; r < w.ring_fds.size() && !k.r.capped && k.r.error.empty(); r++)
		resolve_ring(k, pidfd, r);
	::close(pidfd);
	return k.r;
}

} // namespace

void run_kcmp(Bench& b)
{
	for (const char* name : {"kcmp-tree", "kcmp-pair"}) {
		if (!b.want(name))
			continue;
		bool tree = std::string(name) == "kcmp-tree";
		MethodResult m(name);
		KcmpResult last;
		repeat(
			b.cfg, m,
			[&](int) {
				Stopwatch sw;
				last = run_kcmp_once(b.w, tree, b.cfg.cap);
				Sample t = sw.lap();
				if (!last.error.empty())
					m.fail(last.error);
				else if (last.capped)
					m.status = "capped";
				return t;
			},
			true);
		m.agreement = agree(b.ref.canon, last.canon, last.capped);
		m.extra["resolves_fds"] = true;
		m.extra["lookups_done"] = Json::UInt64(last.done);
		m.extra["lookups_total"] = Json::UInt64(last.total);
		m.extra["kcmp_calls_last_run"] = Json::UInt64(last.kcmp_calls);
		m.extra["cap_s"] = b.cfg.cap;
		b.results.push_back(std::move(m));
	}
}

} // namespace udbench
