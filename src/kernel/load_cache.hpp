// The load cache: loaded, verified live programs kept in bpffs so that a
// later run attaches new iterator links to them instead of paying the
// verifier again.
//
//   /sys/fs/bpf/uringdump/cache/KEY/   one entry: the pinned programs and
//                                      the maps the loader writes, pinned by
//                                      kernel/live_program.cpp
//
// KEY hashes what a load depends on: the BPF object's bytes, the libbpf
// version, the running kernel (release, version, boot id, size of its BTF).
// A different build or kernel finds no entry and makes its own; entries of
// other keys are removed then.  The directories are root's, mode 0700.
//
// One run at a time uses an entry: it holds an exclusive flock on the
// entry's directory while it dumps; a run that finds it locked loads a
// program of its own (nothing waits).  Entries are created under the same
// lock, and an entry counts only once its last pin (`ready`) exists.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "base/unique_fd.hpp"

namespace uringdump {

// The cache's directory: <bpffs>/uringdump/cache.
std::string cache_root();

// The key of a load of `object` (the BPF ELF bytes) on this kernel, as 16
// hex digits.
std::string cache_key(std::span<const std::uint8_t> object);

// The key of this build's live programs (bpf/uringdump.bpf.c) on this
// kernel: cache_key() of the object the skeleton embeds (defined in
// kernel/live_program.cpp, which has the skeleton).
std::string live_cache_key();

// An entry, locked for this process.
struct CacheEntry {
	std::string dir;    // cache_root()/KEY
	UniqueFd lock;      // the directory, flock()ed
	bool ready = false; // complete: its pins can be opened
};

// Opens (creating directories as needed) and locks the entry `key`.
// Errors when bpffs is not mounted at /sys/fs/bpf, when the caller is not
// root, and when another run holds the entry (message "busy").
Result<CacheEntry> lock_cache_entry(const std::string& key);

// Removes every pin of `entry`, and every other entry that no run holds.
void reset_cache_entry(const CacheEntry& entry);

// Marks a completely pinned entry as ready (pins `ready_fd` last).
Status mark_cache_ready(const CacheEntry& entry, int ready_fd);

// What `uringdump cache show` lists.
struct CacheListing {
	std::string key;
	std::string dir;
	bool current = false; // the key of this build on this kernel
	bool ready = false;
	bool busy = false; // a run holds it now
	std::vector<std::string> pins;
};

// Every entry; `current_key` marks this build's.
Result<std::vector<CacheListing>> list_cache(const std::string& current_key);

// Removes every entry no run holds; returns how many were removed.  An
// entry in use stays (its error names it).
Result<int> clear_cache();

} // namespace uringdump
