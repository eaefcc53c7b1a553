// The consumer side of the live program's spill ring buffer: where spilled
// records go (SpillChunks), the buffer's consumer (SpillConsumer) and the
// thread that drains it while an iterator runs (SpillDrainer).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace uringdump {

// The spilled records of a dump, in chunks that never move: the drain
// thread appends while the walk runs, and growing one vector of 200 MB
// (copying it at each doubling) stalled the drain long enough for the ring
// buffer to overflow.
// With a handler, each chunk is handed over once full (on the thread that
// appends: the drain thread during a walk), so the records are never all
// held here at once.
class SpillChunks {
public:
	// Takes the chunk's bytes (it may move them out).
	using Handler = std::function<void(std::vector<std::uint8_t>& chunk)>;
	SpillChunks() = default;
	explicit SpillChunks(Handler handler) : handler_(std::move(handler)) {}

	void append(const std::uint8_t* p, std::size_t n);
	// Bytes appended, handed over or not.
	std::size_t size() const { return bytes_; }
	// The chunks kept (with a handler: the one being filled).
	const std::vector<std::vector<std::uint8_t>>& chunks() const { return chunks_; }
	// The chunks, leaving this empty.
	std::vector<std::vector<std::uint8_t>> release();
	// Hands the last chunk, full or not, to the handler.
	void flush();

private:
	Handler handler_;
	std::vector<std::vector<std::uint8_t>> chunks_;
	std::size_t bytes_ = 0;
};

// The consumer of the ring buffer, written here rather than libbpf's
// ring_buffer: it moves the consumer position once per batch, not once per
// record (per-record stores of a line the producer reads made the walk 20%
// slower while a drain ran), and it maps the data area once, read-only, when
// something was spilled first (libbpf maps it twice from the start: 32 MiB
// for the default 16 MiB buffer, about a millisecond to map and to unmap,
// and that much RSS; most dumps, small processes and --all, spill nothing).
// A record that wraps past the end of the area is copied in two parts.  Not
// thread-safe: one thread consumes at a time (the drainer while it runs,
// then the caller).
class SpillConsumer {
public:
	// map_fd: a BPF_MAP_TYPE_RINGBUF of `bytes`.  Errors: Exit::Failure.
	static Result<SpillConsumer> open(int map_fd, std::size_t bytes);
	SpillConsumer(SpillConsumer&& other) noexcept;
	SpillConsumer& operator=(SpillConsumer&&) = delete;
	SpillConsumer(const SpillConsumer&) = delete;
	SpillConsumer& operator=(const SpillConsumer&) = delete;
	~SpillConsumer();

	// Bytes written and not yet consumed.
	std::uint64_t used() const;
	std::size_t bytes() const { return bytes_; }
	// Appends every record waiting to *sink (nullptr: discards them), then
	// flushes it.  Errors: Exit::Failure (the data area cannot be mapped, a
	// record header that is not the kernel's).
	Status consume(SpillChunks* sink);

private:
	SpillConsumer(int map_fd, std::size_t bytes, std::uint8_t* consumer,
		      const std::uint8_t* producer);
	void unmap();

	int map_fd_ = -1;
	std::size_t bytes_ = 0;
	std::uint8_t* consumer_ = nullptr;       // the consumer page (writable)
	const std::uint8_t* producer_ = nullptr; // the producer page
	const std::uint8_t* data_ = nullptr;     // the data area, mapped once when needed
	std::vector<std::uint8_t> wrapped_;      // a record that wraps, joined
};

// While a read() of an iterator runs, a thread drains the ring buffer: one
// step (one fd) can spill far more than the buffer holds (an epoll with a
// million items spills some 240 MB), and it fits as long as the drain keeps
// up, so the dump walks once at any size.  When it does not (one CPU, a
// loaded machine), the program counts what it dropped and Dumper::dump_into
// walks again with a larger buffer.  The thread looks at the positions
// every millisecond and consumes once 256 KiB (or a quarter of a smaller
// buffer) waits: in batches, so that the two CPUs do not fight over the
// ring's lines, and early, so that what is done with the records (a live
// dump's collecting thread turns them into the model's tables) overlaps the
// walk.  The drain itself only copies: anything slower (collecting a
// table of a million items) let the ring buffer overflow.  stop() wakes
// the thread at once and waits for it; the caller then consumes what is
// left.
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
