// The io_uring system calls restore makes, and a small submission queue
// over a mapped ring: how the holder provides buffers on the rings it
// recreates, and how a file only a source ring holds is taken from it.
#pragma once

#include <linux/io_uring.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/result.hpp"

namespace uringdump {

// Newer than the 6.1 uapi headers the build may have.
inline constexpr std::uint32_t kSetupNoMmap = 1u << 14;           // IORING_SETUP_NO_MMAP
inline constexpr std::uint32_t kSetupRegisteredFdOnly = 1u << 15; // ..._REGISTERED_FD_ONLY
inline constexpr std::uint32_t kSetupNoSqArray = 1u << 16;        // IORING_SETUP_NO_SQARRAY

int sys_setup(unsigned entries, io_uring_params* p);
int sys_register(int fd, unsigned op, const void* arg, unsigned nr);

// A shared mapping of a ring's SQ/CQ rings and SQE array, through which
// this process submits SQEs and reaps their completions.
class RingQueue {
public:
	// Maps ring_fd, a ring set up with setup_flags whose layout p gives
	// (the params io_uring_setup filled in, for this ring or one of the
	// same sizes and flags).  Errors: Exit::Failure (mmap).
	static Result<RingQueue> map(int ring_fd, const io_uring_params& p,
				     std::uint32_t setup_flags);

	RingQueue(RingQueue&&) noexcept;
	RingQueue& operator=(RingQueue&&) = delete;
	RingQueue(const RingQueue&) = delete;
	RingQueue& operator=(const RingQueue&) = delete;
	~RingQueue();

	// SQEs written to the ring and not yet consumed by the kernel.
	std::uint32_t sq_queued() const;

	// Submits sqes (their user_data is replaced), as many at a time as
	// the SQ and CQ take, and waits for every completion; the CQEs come
	// back in the order of sqes.  Completions of other requests are reaped
	// and dropped.  Errors: Exit::Unrestorable (the ring takes none of
	// them, as --kill-source's refusal had it), else io_uring_enter's.
	Result<std::vector<io_uring_cqe>> run(std::vector<io_uring_sqe> sqes);

private:
	RingQueue() = default;
	template <class T>
	T* at(std::uint32_t offset) const
	{
		return reinterpret_cast<T*>(static_cast<char*>(rings_) + offset);
	}

	int fd_ = -1;
	void* rings_ = nullptr;
	std::size_t rings_len_ = 0;
	void* sqes_ = nullptr;
	std::size_t sqes_len_ = 0;
	io_uring_params p_{};
	std::uint32_t flags_ = 0;
	std::size_t sqe_size_ = 64, cqe_size_ = 16;
};

} // namespace uringdump
