// The consumer side of the live program's spill ring buffer: where spilled
// records go (SpillChunks), the buffer's consumer (SpillConsumer) and the
// thread that drains it while an iterator runs (SpillDrainer).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "base/result.hpp"
#include "kernel/bpf_ptr.hpp"

namespace uringdump {

// The spilled records of a dump, in chunks that never move: the drain
// thread appends while the walk runs, and growing one vector of 200 MB
// (copying it at each doubling) stalled the drain long enough for the ring
// buffer to overflow.
class SpillChunks {
public:
	void append(const std::uint8_t* p, std::size_t n);
	std::size_t size() const { return bytes_; }
	const std::vector<std::vector<std::uint8_t>>& chunks() const { return chunks_; }
	// The chunks, leaving this empty.
	std::vector<std::vector<std::uint8_t>> release();

private:
	std::vector<std::vector<std::uint8_t>> chunks_;
	std::size_t bytes_ = 0;
};

// The ring buffer's two position pages are mapped (read-only, two pages)
// from the start; libbpf's consumer, which maps the whole data area twice
// (32 MiB for the default 16 MiB buffer: about a millisecond to map and to
// unmap, and that much RSS), only once something was spilled -- most
// dumps (small processes, --all) spill nothing.  Not thread-safe: one
// thread consumes at a time (the drainer while it runs, then the caller).
class SpillConsumer {
public:
	// map_fd: a BPF_MAP_TYPE_RINGBUF of `bytes`.  Errors: Exit::Failure.
	static Result<SpillConsumer> open(int map_fd, std::size_t bytes);
	SpillConsumer(SpillConsumer&& other) noexcept; // before the first consume() only
	SpillConsumer& operator=(SpillConsumer&&) = delete;
	SpillConsumer(const SpillConsumer&) = delete;
	SpillConsumer& operator=(const SpillConsumer&) = delete;
	~SpillConsumer();

	// Bytes written and not yet consumed.
	std::uint64_t used() const;
	std::size_t bytes() const { return bytes_; }
	// Appends every record waiting to *sink (nullptr: discards them).
	Status consume(SpillChunks* sink);

private:
	SpillConsumer(int map_fd, std::size_t bytes, const std::uint8_t* pages);
	void unmap();

	int map_fd_ = -1;
	std::size_t bytes_ = 0;
	const std::uint8_t* pages_ = nullptr; // the consumer page, then the producer page
	RingBufferPtr ring_;                  // libbpf's consumer, created when needed
	SpillChunks* sink_ = nullptr;         // for the callback: where records go now
};

// While a read() of an iterator runs, a thread drains the ring buffer when
// it fills: one step (one fd) can spill far more than the buffer holds (an
// epoll with a million items spills some 240 MB), and it fits as long as
// the drain keeps up, so the dump walks once at any size.  When it does not
// (one CPU, a loaded machine), the program counts what it dropped and
// Dumper::dump walks again with a larger buffer.  The thread looks at the
// positions every millisecond (the walk spills some 200 MB/s: a quarter of
// the default 16 MiB takes 20 ms) and consumes only once a quarter is
// used: consuming record by record while the program writes makes the two
// CPUs fight over the ring's cache lines (measured: the 10k walk 20%
// slower).  stop() wakes the thread at once and waits for it; the caller
// then consumes what is left.
class SpillDrainer {
public:
	SpillDrainer(SpillConsumer& consumer, SpillChunks& sink);
	SpillDrainer(const SpillDrainer&) = delete;
	SpillDrainer& operator=(const SpillDrainer&) = delete;
	~SpillDrainer() { stop(); }
	void stop();

private:
	void run();

	SpillConsumer& consumer_;
	SpillChunks& sink_;
	std::mutex mutex_;
	std::condition_variable wake_;
	bool stop_ = false; // under mutex_
	std::thread thread_;
};

} // namespace uringdump
