#include "restore/ring_submit.hpp"

#include <unistd.h>

#include <cerrno>

#include "base/errors.hpp"
#include "restore/uring.hpp"

namespace uringdump {
namespace {

constexpr std::uint8_t kOpFixedFdInstall = 54; // IORING_OP_FIXED_FD_INSTALL, 6.8

Error refuse(const std::string& why)
{
	return make_error(Exit::Unrestorable, why);
}

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
	const int probe = sys_setup(r.sq_entries, &p);
	if (probe < 0)
		return make_error(exit_of_errno(errno),
				  "a probe ring of the same layout: " + errno_text(errno));
	::close(probe);
	if (p.sq_entries != r.sq_entries || p.cq_entries != r.cq_entries)
		return refuse("the ring's layout could not be reproduced");
	auto queue = RingQueue::map(ring_fd, p, r.setup_flags);
	if (!queue)
		return queue.error();
	if (const std::uint32_t queued = queue->sq_queued(); queued != 0)
		return refuse(std::to_string(queued) +
			      " SQEs are queued and not submitted in the ring: submitting would "
			      "run them here");

	io_uring_sqe sqe{};
	sqe.opcode = kOpFixedFdInstall;
	sqe.flags = IOSQE_FIXED_FILE;
	sqe.fd = static_cast<std::int32_t>(slot);
	sqe.rw_flags = 0; // install_fd_flags: close-on-exec, as pidfd_getfd gives
	// The install runs inline: its CQE is posted before io_uring_enter returns.
	auto cqes = queue->run({sqe});
	if (!cqes)
		return cqes.error();
	const int res = cqes->front().res;
	if (res == -EINVAL)
		return refuse("IORING_OP_FIXED_FD_INSTALL refused (EINVAL): this kernel "
			      "lacks it (Linux 6.8+), or the ring's restrictions forbid it");
	if (res < 0)
		return refuse("IORING_OP_FIXED_FD_INSTALL: " + errno_text(-res));
	return UniqueFd(res);
}

} // namespace uringdump
