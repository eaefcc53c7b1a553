// Provided-buffer groups of a recreated ring: buffer rings registered at
// their addresses with their memory's bytes and the kernel's head where it
// was, legacy groups provided again in the order the kernel hands them out.
#pragma once

#include <linux/io_uring.h>

#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "image/image.hpp"
#include "restore/restore.hpp"
#include "restore/uring.hpp"

namespace uringdump {

// Recreates r's buffer groups on `ring`, this process's ring created from
// r with the params p, in two phases: register_rings() before the ring's
// restrictions are registered (they may forbid IORING_REGISTER_PBUF_RING),
// fill() once the ring is enabled (it submits SQEs; a disabled ring takes
// none).  A group that cannot be recreated as it was (memory address
// unknown, a ring that refuses the SQEs it needs) is reported in
// report.not_restored; errors (Exit::Unrestorable: the address range is
// taken, the kernel lacks a flag; Exit::Failure) leave the process half
// built, as restore() says.
class BufferGroupRestore {
public:
	BufferGroupRestore(int ring, const io_uring_params& p, const ImageRing& r,
			   const std::string& image_dir, RestoreReport& report);

	Status register_rings();
	Status fill();

private:
	Result<RingQueue*> queue();
	Status legacy_group(const ImageBufferGroup& g);
	Status register_ring(const ImageBufferGroup& g, void** mem);
	Status fill_ring(const ImageBufferGroup& g, void* mem);
	Status move_head(RingQueue& q, const ImageBufferGroup& g, void* mem);

	int ring_;
	const io_uring_params& p_;
	const ImageRing& r_;
	const std::string& dir_;
	RestoreReport& report_;
	std::optional<RingQueue> queue_; // mapped on first use
	std::vector<void*> mem_;         // per group: where this process writes a ring
};

} // namespace uringdump
