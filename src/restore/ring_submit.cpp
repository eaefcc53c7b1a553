#include "restore/ring_submit.hpp"

#include <linux/io_uring.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "base/errors.hpp"

namespace uringdump {
namespace {

// Newer than the 6.1 uapi headers the build may have.
constexpr std::uint8_t kOpFixedFdInstall = 54;             // IORING_OP_FIXED_FD_INSTALL, 6.8
constexpr std::uint32_t kSetupNoMmap = 1u << 14;           // IORING_SETUP_NO_MMAP
constexpr std::uint32_t kSetupNoSqArray = 1u << 16;        // IORING_SETUP_NO_SQARRAY
constexpr std::uint64_t kUserData = 0x7564696e7374616cull; // "udinstal"

Error refuse(const std::string& why)
{
	return make_error(Exit::Unrestorable, why);
}

// A shared mapping of the ring, unmapped on scope exit.
struct Mapping {
	void* at = MAP_FAILED;
	std::size_t len = 0;
	Mapping(int fd, std::size_t size, off_t offset) : len(size)
	{
		at = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
			    offset);
	}
	Mapping(const Mapping&) = delete;
	Mapping& operator=(const Mapping&) = delete;
	~Mapping()
	{
		if (at != MAP_FAILED)
			::munmap(at, len);
	}
	bool ok() const { return at != MAP_FAILED; }
	template <class T>
	T* field(std::uint32_t offset) const
	{
		return reinterpret_cast<T*>(static_cast<char*>(at) + offset);
	}
};

} // namespace

Result<UniqueFd> fixed_fd_install(int ring_fd, const ImageRing& r, std::uint32_t slot)
{
	if (r.setup_flags & IORING_SETUP_SQPOLL)
		return refuse("an SQPOLL ring runs SQEs in the source's SQ thread, which would "
			      "install the file in the source");
	if (r.setup_flags & (IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN))
		return refuse("a SINGLE_ISSUER/DEFER_TASKRUN ring takes SQEs from its "
			      "submitter task only");
	if (r.setup_flags & IORING_SETUP_IOPOLL)
		return refuse("an IOPOLL ring cannot run IORING_OP_FIXED_FD_INSTALL");
	if (r.disabled)
		return refuse("the ring is still disabled (IORING_SETUP_R_DISABLED)");
	if (r.setup_flags & kSetupNoMmap)
		return refuse("IORING_SETUP_NO_MMAP rings are not supported");

	// The ring's layout is that of any ring of the same sizes and flags.
	io_uring_params p{};
	p.flags = (r.setup_flags & (IORING_SETUP_SQE128 | IORING_SETUP_CQE32 | kSetupNoSqArray)) |
		  IORING_SETUP_CQSIZE;
	p.cq_entries = r.cq_entries;
	const int probe = static_cast<int>(::syscall(__NR_io_uring_setup, r.sq_entries, &p));
	if (probe < 0)
		return make_error(exit_of_errno(errno),
				  "a probe ring of the same layout: " + errno_text(errno));
	::close(probe);
	if (p.sq_entries != r.sq_entries || p.cq_entries != r.cq_entries)
		return refuse("the ring's layout could not be reproduced");
	const std::size_t sqe_size = (r.setup_flags & IORING_SETUP_SQE128) ? 128 : 64;
	const std::size_t cqe_size = (r.setup_flags & IORING_SETUP_CQE32) ? 32 : 16;
	const std::size_t sq_len = (r.setup_flags & kSetupNoSqArray)
					   ? p.sq_off.ring_entries + 4
					   : p.sq_off.array + p.sq_entries * 4u;
	const std::size_t cq_len = p.cq_off.cqes + p.cq_entries * cqe_size;
	Mapping rings(ring_fd, std::max(sq_len, cq_len), IORING_OFF_SQ_RING);
	Mapping sqes(ring_fd, p.sq_entries * sqe_size, static_cast<off_t>(IORING_OFF_SQES));
	if (!rings.ok() || !sqes.ok())
		return make_error(exit_of_errno(errno), "mapping the ring: " + errno_text(errno));

	std::atomic_ref<std::uint32_t> sq_head(*rings.field<std::uint32_t>(p.sq_off.head));
	std::atomic_ref<std::uint32_t> sq_tail(*rings.field<std::uint32_t>(p.sq_off.tail));
	const std::uint32_t mask = *rings.field<std::uint32_t>(p.sq_off.ring_mask);
	const std::uint32_t head = sq_head.load(std::memory_order_acquire);
	const std::uint32_t tail = sq_tail.load(std::memory_order_relaxed);
	if (tail != head)
		return refuse(std::to_string(tail - head) +
			      " SQEs are queued and not submitted in the ring: submitting would "
			      "run them here");
	const std::uint32_t index = tail & mask;
	auto* sqe = reinterpret_cast<io_uring_sqe*>(static_cast<char*>(sqes.at) + index * sqe_size);
	std::memset(sqe, 0, sqe_size);
	sqe->opcode = kOpFixedFdInstall;
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->fd = static_cast<std::int32_t>(slot);
	sqe->rw_flags = 0; // install_fd_flags: close-on-exec, as pidfd_getfd gives
	sqe->user_data = kUserData;
	if (!(r.setup_flags & kSetupNoSqArray))
		rings.field<std::uint32_t>(p.sq_off.array)[index] = index;
	sq_tail.store(tail + 1, std::memory_order_release);

	const long submitted =
		::syscall(__NR_io_uring_enter, ring_fd, 1, 1, IORING_ENTER_GETEVENTS, nullptr, 0);
	if (submitted < 0)
		return make_error(exit_of_errno(errno), "io_uring_enter: " + errno_text(errno));
	if (submitted != 1)
		return refuse("the ring did not take the SQE");

	// The install runs inline: its CQE is posted before io_uring_enter returns.
	std::atomic_ref<std::uint32_t> cq_head(*rings.field<std::uint32_t>(p.cq_off.head));
	std::atomic_ref<std::uint32_t> cq_tail(*rings.field<std::uint32_t>(p.cq_off.tail));
	const std::uint32_t cq_mask = *rings.field<std::uint32_t>(p.cq_off.ring_mask);
	const std::uint32_t end = cq_tail.load(std::memory_order_acquire);
	for (std::uint32_t i = cq_head.load(std::memory_order_relaxed); i != end; i++) {
		const auto* cqe = reinterpret_cast<const io_uring_cqe*>(
			rings.field<char>(p.cq_off.cqes) + (i & cq_mask) * cqe_size);
		if (cqe->user_data != kUserData)
			continue;
		if (cqe->res == -EINVAL)
			return refuse(
				"IORING_OP_FIXED_FD_INSTALL refused (EINVAL): this kernel "
				"lacks it (Linux 6.8+), or the ring's restrictions forbid it");
		if (cqe->res < 0)
			return refuse("IORING_OP_FIXED_FD_INSTALL: " + errno_text(-cqe->res));
		return UniqueFd(cqe->res);
	}
	return refuse("the completion of IORING_OP_FIXED_FD_INSTALL did not appear (CQ full?)");
}

} // namespace uringdump
