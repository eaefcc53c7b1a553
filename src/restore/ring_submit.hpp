// Submitting one SQE on another process's ring (taken with pidfd_getfd):
// how restore takes a file that only the source ring's table holds.
#pragma once

#include <cstdint>

#include "base/result.hpp"
#include "base/unique_fd.hpp"
#include "image/image.hpp"

namespace uringdump {

// Maps ring_fd (a ring set up as r describes) and submits
// IORING_OP_FIXED_FD_INSTALL of fixed file `slot`: the file is installed
// in this process, whose new fd is returned.  The ring's SQ tail and CQ
// move, so the owner of the ring must be stopped and not resume.
// Errors (Exit::Unrestorable): rings whose SQEs another task runs (SQPOLL)
// or that accept SQEs from one task only (SINGLE_ISSUER, DEFER_TASKRUN),
// IOPOLL, disabled, NO_MMAP rings, SQEs pending in the ring, a kernel
// without the opcode (Linux < 6.8).
Result<UniqueFd> fixed_fd_install(int ring_fd, const ImageRing& r, std::uint32_t slot);

} // namespace uringdump
