#include "restore/uring.hpp"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "base/errors.hpp"

namespace uringdump {
namespace {

constexpr std::uint64_t kTag = 0x7564000000000000ull; // "ud" in the top bytes
constexpr std::uint64_t kTagMask = 0xffff000000000000ull;

} // namespace

int sys_setup(unsigned entries, io_uring_params* p)
{
	return static_cast<int>(::syscall(__NR_io_uring_setup, entries, p));
}

int sys_register(int fd, unsigned op, const void* arg, unsigned nr)
{
	return static_cast<int>(::syscall(__NR_io_uring_register, fd, op, arg, nr));
}

Result<RingQueue> RingQueue::map(int ring_fd, const io_uring_params& p, std::uint32_t setup_flags)
{
	RingQueue q;
	q.fd_ = ring_fd;
	q.p_ = p;
	q.flags_ = setup_flags;
	q.sqe_size_ = (setup_flags & IORING_SETUP_SQE128) ? 128 : 64;
	q.cqe_size_ = (setup_flags & IORING_SETUP_CQE32) ? 32 : 16;
	const std::size_t sq_len = (setup_flags & kSetupNoSqArray)
					   ? p.sq_off.ring_entries + 4
					   : p.sq_off.array + p.sq_entries * 4u;
	const std::size_t cq_len = p.cq_off.cqes + p.cq_entries * q.cqe_size_;
	// One mapping for both rings (IORING_FEAT_SINGLE_MMAP, every kernel uringdump supports).
	q.rings_len_ = std::max(sq_len, cq_len);
	q.rings_ = ::mmap(nullptr, q.rings_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			  ring_fd, IORING_OFF_SQ_RING);
	if (q.rings_ == MAP_FAILED) {
		q.rings_ = nullptr;
		return make_error(exit_of_errno(errno), "mapping the ring: " + errno_text(errno));
	}
	q.sqes_len_ = p.sq_entries * q.sqe_size_;
	q.sqes_ = ::mmap(nullptr, q.sqes_len_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
			 ring_fd, static_cast<off_t>(IORING_OFF_SQES));
	if (q.sqes_ == MAP_FAILED) {
		q.sqes_ = nullptr;
		return make_error(exit_of_errno(errno),
				  "mapping the ring's SQEs: " + errno_text(errno));
	}
	return q;
}

RingQueue::RingQueue(RingQueue&& o) noexcept
    : fd_(o.fd_), rings_(o.rings_), rings_len_(o.rings_len_), sqes_(o.sqes_),
      sqes_len_(o.sqes_len_), p_(o.p_), flags_(o.flags_), sqe_size_(o.sqe_size_),
      cqe_size_(o.cqe_size_)
{
	o.rings_ = nullptr;
	o.sqes_ = nullptr;
}

RingQueue::~RingQueue()
{
	if (rings_)
		::munmap(rings_, rings_len_);
	if (sqes_)
		::munmap(sqes_, sqes_len_);
}

std::uint32_t RingQueue::sq_queued() const
{
	std::atomic_ref<std::uint32_t> head(*at<std::uint32_t>(p_.sq_off.head));
	std::atomic_ref<std::uint32_t> tail(*at<std::uint32_t>(p_.sq_off.tail));
	return tail.load(std::memory_order_relaxed) - head.load(std::memory_order_acquire);
}

Result<std::vector<io_uring_cqe>> RingQueue::run(std::vector<io_uring_sqe> sqes)
{
	std::vector<io_uring_cqe> out(sqes.size());
	std::atomic_ref<std::uint32_t> sq_tail(*at<std::uint32_t>(p_.sq_off.tail));
	std::atomic_ref<std::uint32_t> cq_head(*at<std::uint32_t>(p_.cq_off.head));
	std::atomic_ref<std::uint32_t> cq_tail(*at<std::uint32_t>(p_.cq_off.tail));
	const std::uint32_t sq_mask = *at<std::uint32_t>(p_.sq_off.ring_mask);
	const std::uint32_t cq_mask = *at<std::uint32_t>(p_.cq_off.ring_mask);
	const std::size_t batch_max = std::min(p_.sq_entries, p_.cq_entries);
	unsigned enter_flags = IORING_ENTER_GETEVENTS;
	if (flags_ & IORING_SETUP_SQPOLL)
		enter_flags |= IORING_ENTER_SQ_WAKEUP;

	for (std::size_t first = 0; first < sqes.size();) {
		const std::size_t n = std::min(batch_max, sqes.size() - first);
		std::uint32_t tail = sq_tail.load(std::memory_order_relaxed);
		for (std::size_t i = 0; i < n; ++i, ++tail) {
			const std::uint32_t index = tail & sq_mask;
			auto* slot = static_cast<char*>(sqes_) + index * sqe_size_;
			io_uring_sqe sqe = sqes[first + i];
			sqe.user_data = kTag | (first + i);
			std::memset(slot, 0, sqe_size_);
			std::memcpy(slot, &sqe, sizeof(sqe));
			if (!(flags_ & kSetupNoSqArray))
				at<std::uint32_t>(p_.sq_off.array)[index] = index;
		}
		sq_tail.store(tail, std::memory_order_release);
		std::size_t done = 0;
		unsigned to_submit = static_cast<unsigned>(n);
		while (done < n) {
			const long rc = ::syscall(__NR_io_uring_enter, fd_, to_submit, 1u,
						  enter_flags, nullptr, 0);
			if (rc < 0 && errno != EINTR && errno != EAGAIN && errno != EBUSY)
				return make_error(exit_of_errno(errno),
						  "io_uring_enter: " + errno_text(errno));
			if (rc == 0 && to_submit > 0 && !(flags_ & IORING_SETUP_SQPOLL))
				return make_error(Exit::Unrestorable,
						  "the ring took none of the SQEs");
			if (rc > 0 && !(flags_ & IORING_SETUP_SQPOLL))
				to_submit -=
					std::min<unsigned>(to_submit, static_cast<unsigned>(rc));
			const std::uint32_t end = cq_tail.load(std::memory_order_acquire);
			std::uint32_t head = cq_head.load(std::memory_order_relaxed);
			for (; head != end; ++head) {
				io_uring_cqe cqe;
				std::memcpy(&cqe,
					    at<char>(p_.cq_off.cqes) + (head & cq_mask) * cqe_size_,
					    sizeof(cqe));
				const std::uint64_t i = cqe.user_data & ~kTagMask;
				if ((cqe.user_data & kTagMask) != kTag || i < first ||
				    i >= first + n)
					continue;
				out[i] = cqe;
				++done;
			}
			cq_head.store(head, std::memory_order_release);
		}
		first += n;
	}
	return out;
}

} // namespace uringdump
