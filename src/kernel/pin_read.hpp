// What `uringdump read` asks of the kernel about a path: is it in a bpffs
// mount (a pinned iterator rather than a saved file), and which ring does
// the native io_uring iterator pinned there dump.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace uringdump {

// Is `path` in a bpffs mount (a pinned iterator, not a saved file)?
bool is_bpffs_path(const std::string& path);

// The inode of the ring behind the native io_uring iterator pinned at
// `pin` (the link's io_uring_inode); nullopt when `pin` is no such link or
// its info cannot be read.
std::optional<std::uint64_t> pinned_ring_inode(const std::string& pin);

} // namespace uringdump
