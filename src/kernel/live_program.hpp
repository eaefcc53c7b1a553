// The live iterator programs of bpf/uringdump.bpf.c, loaded: taken from the
// load cache (kernel/load_cache.hpp) when an entry for this build and kernel
// exists, otherwise loaded now and, when the cache can be used, pinned into
// it for later runs.  Everything a dump changes lives in .bss (written per
// dump) and in the spill ring buffer and `seen` array, which are created per
// dump and put into the program's outer maps: a cached program serves any
// later run as if it had been loaded for it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "base/result.hpp"
#include "kernel/environment.hpp"
#include "uringdump.skel.h"

namespace uringdump {

using LiveBss = uringdump_bpf::uringdump_bpf__bss;

class LiveProgram {
public:
	enum class Origin {
		Loaded,       // loaded for this run only (no cache, or it was busy)
		CacheHit,     // the cache's programs
		CacheCreated, // loaded now and pinned into the cache
	};

	// Errors are those of the load (Exit::Permission, Exit::Failure); a
	// cache that cannot be used only makes the load a private one (-v
	// says why).
	static Result<LiveProgram> load(const LoadOptions& opts);

	LiveProgram(LiveProgram&&) noexcept;
	LiveProgram& operator=(LiveProgram&&) noexcept;
	~LiveProgram();

	int task_file_prog() const;
	int threads_prog() const;
	int maps_prog() const;
	LiveBss& bss();
	Origin origin() const;
	// Where the cache entry is (empty unless the cache was used).
	const std::string& cache_dir() const;

	// The spill ring buffer installed now, and its size.  load() installs
	// one of opts.spill_bytes (rounded up to a power of two): the cached one
	// when it has that size, else one of this run's own.
	int spill_fd() const;
	std::size_t spill_bytes() const;

	// Creates a ring buffer of at least `bytes` for the spilled records,
	// installs it and returns its fd (valid until the next call).  A cached
	// program gets its own ring buffer back when this run ends.
	Result<int> new_spill(std::size_t bytes);

	// Whether the spill ring buffer and `seen` were kept from an earlier
	// run (records a killed run left in it must be discarded).
	bool reused_maps() const;

private:
	struct Impl;
	explicit LiveProgram(std::unique_ptr<Impl> impl);
	std::unique_ptr<Impl> impl_;
};

const char* origin_name(LiveProgram::Origin origin);

// The ring buffer size new_spill() makes for `bytes`: the smallest power of
// two, and a page at least, that holds them.
std::size_t ring_size_for(std::size_t bytes);

} // namespace uringdump
