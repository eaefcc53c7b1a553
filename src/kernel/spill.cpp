// The spill ring buffer's consumer: position pages mapped at once, the data
// area on the first record, a drain thread per iterator run.
#include "kernel/spill.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <linux/bpf.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string>
#include <utility>

#include "base/errors.hpp"

namespace uringdump {

namespace {

constexpr std::size_t kChunkBytes = std::size_t{4} << 20;
// The drainer consumes once this much is waiting (SpillDrainer).
constexpr std::uint64_t kDrainFrom = std::uint64_t{256} << 10;

std::size_t page_size()
{
	return static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

} // namespace

void SpillChunks::append(const std::uint8_t* p, std::size_t n)
{
	if (!chunks_.empty() && chunks_.back().size() + n > kChunkBytes && handler_) {
		flush(); // handed over; the chunk starts again
	} else if (chunks_.empty() || chunks_.back().size() + n > kChunkBytes) {
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

void SpillChunks::flush()
{
	if (!handler_ || chunks_.empty() || chunks_.back().empty())
		return;
	handler_(chunks_.back());
	chunks_.back().clear();
	chunks_.back().reserve(kChunkBytes); // the handler may have taken the memory
}

Result<SpillConsumer> SpillConsumer::open(int map_fd, std::size_t bytes)
{
	// The kernel lets the consumer page be mapped writable, and any range
	// after it read-only: here the producer page, which follows it.
	const std::size_t page = page_size();
	void* c = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (c == MAP_FAILED)
		return make_error(Exit::Failure,
				  "cannot map the ring buffer's consumer position: " +
					  errno_text(errno));
	void* p = mmap(nullptr, page, PROT_READ, MAP_SHARED, map_fd, static_cast<off_t>(page));
	if (p == MAP_FAILED) {
		const int err = errno;
		munmap(c, page);
		return make_error(Exit::Failure,
				  "cannot map the ring buffer's producer position: " +
					  errno_text(err));
	}
	return SpillConsumer(map_fd, bytes, static_cast<std::uint8_t*>(c),
			     static_cast<const std::uint8_t*>(p));
}

SpillConsumer::SpillConsumer(int map_fd, std::size_t bytes, std::uint8_t* consumer,
			     const std::uint8_t* producer)
    : map_fd_(map_fd), bytes_(bytes), consumer_(consumer), producer_(producer)
{}

SpillConsumer::SpillConsumer(SpillConsumer&& other) noexcept
    : map_fd_(other.map_fd_), bytes_(other.bytes_),
      consumer_(std::exchange(other.consumer_, nullptr)),
      producer_(std::exchange(other.producer_, nullptr)),
      data_(std::exchange(other.data_, nullptr)), wrapped_(std::move(other.wrapped_))
{}

SpillConsumer::~SpillConsumer()
{
	unmap();
}

void SpillConsumer::unmap()
{
	const std::size_t page = page_size();
	if (consumer_)
		munmap(consumer_, page);
	if (producer_)
		munmap(const_cast<std::uint8_t*>(producer_), page);
	if (data_)
		munmap(const_cast<std::uint8_t*>(data_), bytes_);
	consumer_ = nullptr;
	producer_ = nullptr;
	data_ = nullptr;
}

namespace {

std::uint64_t load_position(const std::uint8_t* page)
{
	return __atomic_load_n(reinterpret_cast<const std::uint64_t*>(page), __ATOMIC_ACQUIRE);
}

} // namespace

std::uint64_t SpillConsumer::used() const
{
	if (!producer_)
		return 0;
	return load_position(producer_) - load_position(consumer_);
}

Status SpillConsumer::consume(SpillChunks* sink)
{
	if (used() == 0)
		return {};
	if (!data_) {
		void* d = mmap(nullptr, bytes_, PROT_READ, MAP_SHARED, map_fd_,
			       static_cast<off_t>(2 * page_size()));
		if (d == MAP_FAILED)
			return make_error(Exit::Failure,
					  "cannot map the ring buffer: " + errno_text(errno));
		data_ = static_cast<const std::uint8_t*>(d);
	}
	const std::uint64_t mask = bytes_ - 1;
	std::uint64_t cons = load_position(consumer_);
	for (std::uint64_t prod = load_position(producer_); cons < prod;
	     prod = load_position(producer_)) {
		while (cons < prod) {
			// Each record: an 8-byte header (its length, with BUSY while
			// the program writes it, DISCARD when it gave it up), the
			// record, padding to 8 bytes.  Headers are 8-byte aligned:
			// only a record's body can wrap.
			const auto* hdr =
				reinterpret_cast<const std::uint32_t*>(data_ + (cons & mask));
			const std::uint32_t word = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
			if (word & BPF_RINGBUF_BUSY_BIT)
				break; // not committed yet: the next consume() gets it
			const std::uint32_t len =
				word & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
			if (len > bytes_ - BPF_RINGBUF_HDR_SZ)
				return make_error(Exit::Failure, "ring buffer record of " +
									 std::to_string(len) +
									 " bytes in a buffer of " +
									 std::to_string(bytes_));
			if (!(word & BPF_RINGBUF_DISCARD_BIT) && sink) {
				const std::uint64_t at = (cons + BPF_RINGBUF_HDR_SZ) & mask;
				const std::uint64_t first =
					std::min<std::uint64_t>(len, bytes_ - at);
				if (first == len) {
					sink->append(data_ + at, len);
				} else {
					wrapped_.assign(data_ + at, data_ + at + first);
					wrapped_.insert(wrapped_.end(), data_,
							data_ + (len - first));
					sink->append(wrapped_.data(), len);
				}
			}
			cons += (len + BPF_RINGBUF_HDR_SZ + 7) & ~std::uint64_t{7};
		}
		// one store per batch: the producer reads this line at every reserve
		__atomic_store_n(reinterpret_cast<std::uint64_t*>(consumer_), cons,
				 __ATOMIC_RELEASE);
		if (cons < prod)
			break; // a record still being written
	}
	if (sink)
		sink->flush();
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
	const std::uint64_t threshold = std::min<std::uint64_t>(consumer_.bytes() / 4, kDrainFrom);
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
