// The spill ring buffer's consumer: position pages mapped at once, libbpf's
// consumer created on the first record, a drain thread per iterator run.
#include "kernel/spill.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <utility>

#include "base/errors.hpp"

namespace uringdump {

namespace {

constexpr std::size_t kChunkBytes = std::size_t{4} << 20;

std::size_t page_size()
{
	return static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

int on_record(void* ctx, void* data, std::size_t size)
{
	auto* sink = *static_cast<SpillChunks**>(ctx);
	if (sink)
		sink->append(static_cast<const std::uint8_t*>(data), size);
	return 0; // no sink: records of an earlier run, discarded
}

} // namespace

void SpillChunks::append(const std::uint8_t* p, std::size_t n)
{
	if (chunks_.empty() || chunks_.back().size() + n > kChunkBytes) {
		chunks_.emplace_back();
		chunks_.back().reserve(std::max(n, kChunkBytes));
	}
	chunks_.back().insert(chunks_.back().end(), p, p + n);
	bytes_ += n;
}

std::vector<std::vector<std::uint8_t>> SpillChunks::release()
{
	bytes_ = 0;
	return std::exchange(chunks_, {});
}

Result<SpillConsumer> SpillConsumer::open(int map_fd, std::size_t bytes)
{
	// The kernel lets any read-only range of a ring buffer map be mapped:
	// here the consumer page and the producer page, which start it.
	void* p = mmap(nullptr, 2 * page_size(), PROT_READ, MAP_SHARED, map_fd, 0);
	if (p == MAP_FAILED)
		return make_error(Exit::Failure,
				  "cannot map the ring buffer's positions: " + errno_text(errno));
	return SpillConsumer(map_fd, bytes, static_cast<const std::uint8_t*>(p));
}

SpillConsumer::SpillConsumer(int map_fd, std::size_t bytes, const std::uint8_t* pages)
    : map_fd_(map_fd), bytes_(bytes), pages_(pages)
{}

SpillConsumer::SpillConsumer(SpillConsumer&& other) noexcept
    : map_fd_(other.map_fd_), bytes_(other.bytes_), pages_(std::exchange(other.pages_, nullptr))
{
	// libbpf's consumer keeps a pointer to other.sink_: a moved one would
	// be made again (open() moves it before anything was consumed).
}

SpillConsumer::~SpillConsumer()
{
	ring_.reset();
	unmap();
}

void SpillConsumer::unmap()
{
	if (pages_)
		munmap(const_cast<std::uint8_t*>(pages_), 2 * page_size());
	pages_ = nullptr;
}

std::uint64_t SpillConsumer::used() const
{
	if (!pages_)
		return 0;
	const auto* consumer = reinterpret_cast<const unsigned long*>(pages_);
	const auto* producer = reinterpret_cast<const unsigned long*>(pages_ + page_size());
	return __atomic_load_n(producer, __ATOMIC_ACQUIRE) -
	       __atomic_load_n(consumer, __ATOMIC_ACQUIRE);
}

Status SpillConsumer::consume(SpillChunks* sink)
{
	if (used() == 0)
		return {};
	if (!ring_) {
		ring_.reset(ring_buffer__new(map_fd_, on_record, &sink_, nullptr));
		if (!ring_)
			return make_error(Exit::Failure,
					  "cannot open the ring buffer: " + errno_text(errno));
	}
	sink_ = sink;
	const int n = ring_buffer__consume(ring_.get());
	sink_ = nullptr;
	if (n < 0)
		return make_error(Exit::Failure,
				  "reading the ring buffer failed: " + errno_text(-n));
	return {};
}

SpillDrainer::SpillDrainer(SpillConsumer& consumer, SpillChunks& sink)
    : consumer_(consumer), sink_(sink), thread_([this] { run(); })
{}

void SpillDrainer::stop()
{
	if (!thread_.joinable())
		return;
	{
		const std::lock_guard<std::mutex> lock(mutex_);
		stop_ = true;
	}
	wake_.notify_one();
	thread_.join();
}

void SpillDrainer::run()
{
	const std::uint64_t threshold = consumer_.bytes() / 4;
	std::unique_lock<std::mutex> lock(mutex_);
	while (!stop_) {
		if (consumer_.used() >= threshold) {
			lock.unlock();
			// A failure here (no memory for libbpf's mapping) leaves the
			// records to the program's drop count: the dump walks again.
			(void)consumer_.consume(&sink_);
			lock.lock();
		} else {
			wake_.wait_for(lock, std::chrono::milliseconds(1));
		}
	}
}

} // namespace uringdump
