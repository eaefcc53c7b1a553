// Provided-buffer groups of a recreated ring: buffer rings registered at
// their addresses with their memory's bytes and the kernel's head where it
// was, legacy groups provided again in the order the kernel hands them out.
#pragma once

#include <linux/io_uring.h>

#include <string>

#include "base/result.hpp"
#include "image/image.hpp"
#include "restore/restore.hpp"

namespace uringdump {

// Recreates r's buffer groups on `ring`, this process's ring created from
// r with the params p (enabled unless r.disabled).  A group that cannot be
// recreated as it was (memory address unknown, a disabled or restricted
// ring that refuses the SQEs it takes) is reported in report.not_restored;
// errors (Exit::Unrestorable: the address range is taken; Exit::Failure)
// leave the process half built, as restore() says.
Status restore_buffer_groups(int ring, const io_uring_params& p, const ImageRing& r,
			     const std::string& image_dir, RestoreReport& report);

} // namespace uringdump
