// Pinning a dump iterator in bpffs: every later read of the pin is a fresh
// dump.  On stock kernels the CO-RE pinned iterator (bpf/uringdump_pin.bpf.c);
// on kernels with the native io_uring/epoll targets, a native iterator bound
// to the ring or epoll fd.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "kernel/environment.hpp"

namespace uringdump {

struct PinTarget {
	pid_t pid = 0;
	int fd = -1; // -1: the whole process
};

enum class PinMode {
	Auto,   // native iterator for PID:FD when the kernel has the targets
	Native, // the native iterator or an error
	Core,   // always the CO-RE iterator
};

// "PID" or "PID:FD".
Result<PinTarget> parse_pin_target(std::string_view text);

struct PinResult {
	std::uint32_t link_id = 0;
	std::uint32_t extra_link_id = 0; // the io_uring_buf link of a native ring pin
	bool native = false;
	bool directory = false; // PATH is a directory of pins (native ring)
};

// The pins in the directory of a native ring pin.
inline constexpr const char* kNativeFilesPin = "files";
inline constexpr const char* kNativeBuffersPin = "buffers";

// Pins at `path`, which must not exist and must be in a bpffs mount.  On
// failure nothing is left behind (no pin, no directory, no link).  A native
// ring pin makes `path` a directory with the pins kNativeFilesPin and
// kNativeBuffersPin.
Result<PinResult> pin_dump(const PinTarget& target, const std::string& path,
			   const LoadOptions& opts, PinMode mode = PinMode::Auto);

// Checks that `path` may be created as a pin: its directory is in a bpffs
// mount and nothing exists there yet.
Status check_pin_path(const std::string& path);

} // namespace uringdump
