// The live dump: load the CO-RE iterator once, then per dump attach one
// iterator link per pid, read its stream and drain the spill ring buffer.
#include "kernel/dumper.hpp"

#include <bpf/bpf.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "base/errors.hpp"
#include "base/procfs.hpp"
#include "base/unique_fd.hpp"
#include "kernel/live_program.hpp"

namespace uringdump {
namespace {

constexpr std::size_t kReadChunk = 1u << 16;
// The collecting thread's nice value (Feed::run).
constexpr int kCollectNice = 10;

// Where a dump's records go: decoded, looked at for tables that changed
// under the walk and handed to the sink, on a thread of its own.  The drain
// thread only copies records out of the ring buffer into chunks that it
// queues here: when it collected them itself, the sink's work (a table of a
// million items growing, say) held it up long enough for the ring buffer to
// overflow.  The queue holds what the collecting has not reached yet.
class Feed {
public:
	explicit Feed(RecordSink& sink) : sink_(sink), worker_([this] { run(); }) {}
	Feed(const Feed&) = delete;
	Feed& operator=(const Feed&) = delete;
	~Feed()
	{
		{
			const std::lock_guard<std::mutex> lock(mutex_);
			stop_ = true;
			queue_.clear();
		}
		wake_.notify_all();
		worker_.join();
	}

	// A walk starts again: nothing of the last one counts.
	void restart()
	{
		(void)settle(); // the worker is idle until the next push
		sink_.clear();
		const std::lock_guard<std::mutex> lock(mutex_);
		error_ = {};
		incomplete_ = false;
	}
	// One whole iterator stream (STREAM ... END); `what` names it in an error.
	void stream(std::vector<std::uint8_t>&& bytes, std::string what)
	{
		push(Job{std::move(bytes), false, std::move(what)});
	}
	// A chunk of spilled records (from the drain thread).
	void spill(std::vector<std::uint8_t>&& bytes)
	{
		push(Job{std::move(bytes), true, "ring buffer records"});
	}
	// Waits until everything queued is in the sink; the first error.
	Status settle()
	{
		std::unique_lock<std::mutex> lock(mutex_);
		idle_.wait(lock, [&] { return queue_.empty() && !busy_; });
		return error_;
	}
	// Whether a lockless walk met a table changing under it (after settle()).
	bool incomplete() const { return incomplete_; }

private:
	struct Job {
		std::vector<std::uint8_t> bytes;
		bool spilled = false;
		std::string what;
	};

	void push(Job&& job)
	{
		{
			const std::lock_guard<std::mutex> lock(mutex_);
			queue_.push_back(std::move(job));
		}
		wake_.notify_one();
	}

	void run()
	{
		// Below the drain thread and the walk: a collecting that lags only
		// queues chunks, a drain that lags loses records (and the dump walks
		// again).  On 2 CPUs the three threads contend, and the 1M bench
		// workload overflowed the ring buffer now and then without this.
		(void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kCollectNice);
		std::vector<RawRecord> batch;
		std::unique_lock<std::mutex> lock(mutex_);
		for (;;) {
			wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
			if (stop_)
				return;
			Job job = std::move(queue_.front());
			queue_.pop_front();
			busy_ = true;
			const bool failed = !error_;
			lock.unlock();
			Status st;
			if (!failed) {
				try {
					st = job.spilled ? decode_spill_into(job.bytes, batch)
							 : decode_stream_into(job.bytes, batch);
					if (st) {
						if (has_incomplete_table(batch))
							incomplete_ = true;
						sink_.add(batch);
					}
				} catch (const std::bad_alloc&) {
					st = make_error(Exit::Failure, "out of memory");
				}
				batch.clear();
			}
			// collected: the memory goes back
			std::vector<std::uint8_t>().swap(job.bytes);
			lock.lock();
			if (!st && error_)
				error_ = make_error(Exit::Failure,
						    job.what + ": " + st.error().message);
			busy_ = false;
			if (queue_.empty())
				idle_.notify_all();
		}
	}

	RecordSink& sink_;
	std::mutex mutex_;
	std::condition_variable wake_, idle_;
	std::deque<Job> queue_;   // under mutex_
	bool busy_ = false;       // under mutex_: a job is being collected
	bool stop_ = false;       // under mutex_
	Status error_;            // under mutex_
	bool incomplete_ = false; // the worker's; read after settle()
	std::thread worker_;      // last: starts when the rest is ready
};

// dump()'s sink: every record in one vector.
class VectorSink final : public RecordSink {
public:
	explicit VectorSink(std::vector<RawRecord>& out) : out_(out) {}
	void add(std::span<const RawRecord> records) override
	{
		out_.insert(out_.end(), records.begin(), records.end());
	}
	void clear() override { out_.clear(); }

private:
	std::vector<RawRecord>& out_;
};

} // namespace

struct Dumper::Impl {
	LoadOptions opts;
	LiveProgram prog;
	std::optional<SpillConsumer> consumer; // of prog's spill ring buffer
	std::uint64_t dump_gen = 0;            // per pid walked: which rings were walked

	explicit Impl(LiveProgram p) : prog(std::move(p)) {}
	// The consumer of prog's spill ring buffer.
	Status open_ring();
	// A new spill ring buffer of at least `bytes`, and its consumer.
	Status resize_spill(std::size_t bytes);

	Status walk(pid_t pid, std::vector<std::uint8_t>& stream, SpillChunks& spill);
	// One run of an iterator program, bound to task `tid` (0: every task).
	Status run_iter(int prog_fd, pid_t tid, const char* what, std::vector<std::uint8_t>& stream,
			SpillChunks& spill);
	// The THREAD/RINGREF walk (every thread of pid, 0: of every process)
	// and the MAP walk (pid's mappings, 0: every process's).
	Status reach_walks(pid_t pid, std::vector<std::uint8_t>& threads,
			   std::vector<std::uint8_t>& maps, SpillChunks& spill);
	// The fd tables of pid's threads that are not the leader's.
	Status thread_tables_walk(pid_t pid, std::vector<std::uint8_t>& stream, SpillChunks& spill);
	// One walk of every pid with the loaded program into `feed`; `dropped`
	// counts the records the ring buffer lost (the stream's END says so).
	Result<DumpStats> dump_once(std::span<const pid_t> pids, Feed& feed,
				    std::uint64_t& dropped);
	// dump_once, again while a lockless walk met a table changing under it
	// (TABLE_END incomplete) and nothing was dropped: up to kRaceRetries
	// more walks, before the table reports "complete": false.
	Result<DumpStats> dump_settled(std::span<const pid_t> pids, Feed& feed,
				       std::uint64_t& dropped);
};

Dumper::Dumper(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Dumper::Dumper(Dumper&&) noexcept = default;
Dumper& Dumper::operator=(Dumper&&) noexcept = default;
Dumper::~Dumper() = default;

Result<Dumper> Dumper::load(const LoadOptions& opts)
{
	auto prog = LiveProgram::load(opts);
	if (!prog)
		return prog.error();
	auto impl = std::make_unique<Impl>(std::move(*prog));
	impl->opts = opts;
	// What the program reads: fresh keys for the opaque ids of this run
	// (id_key1 odd, so the mix stays a bijection), the filters.
	LiveBss& bss = impl->prog.bss();
	bss.id_key0 = random_u64();
	bss.id_key1 = random_u64() | 1;
	bss.run_id = random_u64();
	if (impl->prog.origin() != LiveProgram::Origin::CacheHit || bss.hz == 0)
		bss.hz = kernel_hz(); // a cached program keeps the kernel's HZ
	bss.target_fd = opts.target_fd;
	bss.req_max = opts.req_max;
	bss.list_max = opts.list_max;
	// Page frames of buffer rings need the kernel's vmemmap_base (where
	// CONFIG_RANDOMIZE_MEMORY moves it; 0: the fixed VMEMMAP_START).
	bss.vmemmap_at = opts.list_max ? kallsyms_address("vmemmap_base").value_or(0) : 0;
	// Rings walked are marked with dump_gen in a map that a cached program
	// keeps: start where no earlier run has been.
	impl->dump_gen = random_u64();
	if (auto st = impl->open_ring(); !st)
		return st.error();
	// A run killed before it drained the cached ring buffer left records
	// there: they are not this run's.
	if (impl->prog.reused_maps())
		if (auto st = impl->consumer->consume(nullptr); !st)
			return st.error();
	if (opts.verbose)
		std::fprintf(stderr, "uringdump: live program %s%s%s\n",
			     origin_name(impl->prog.origin()),
			     impl->prog.cache_dir().empty() ? "" : " in ",
			     impl->prog.cache_dir().c_str());
	return Dumper(std::move(impl));
}

Status Dumper::Impl::open_ring()
{
	consumer.reset();
	auto opened = SpillConsumer::open(prog.spill_fd(), prog.spill_bytes());
	if (!opened)
		return opened.error();
	consumer.emplace(std::move(*opened));
	return {};
}

Status Dumper::Impl::resize_spill(std::size_t bytes)
{
	consumer.reset();
	if (auto fd = prog.new_spill(bytes); !fd)
		return fd.error();
	return open_ring();
}

std::size_t Dumper::spill_bytes() const
{
	return impl_->prog.spill_bytes();
}

Status Dumper::walk(pid_t pid, std::vector<std::uint8_t>& stream, SpillChunks& spill)
{
	return impl_->walk(pid, stream, spill);
}

Status Dumper::Impl::walk(pid_t pid, std::vector<std::uint8_t>& stream, SpillChunks& spill)
{
	prog.bss().filter_tgid = 0;
	prog.bss().only_thread_tables = 0;
	// Bound to the thread-group leader only: 6.1's pid-bound task_file walk
	// across threads ends its stream in the middle (a final call after the
	// first thread).  Threads with tables of their own: walk_threads().
	return run_iter(prog.task_file_prog(), pid, "task_file", stream, spill);
}

Status Dumper::Impl::run_iter(int prog_fd, pid_t tid, const char* what,
			      std::vector<std::uint8_t>& stream, SpillChunks& spill)
{
	union bpf_iter_link_info info;
	std::memset(&info, 0, sizeof(info));
	LIBBPF_OPTS(bpf_link_create_opts, lo);
	if (tid > 0) {
		info.task.tid = static_cast<__u32>(tid);
		lo.iter_info = &info;
		lo.iter_info_len = sizeof(info);
	}
	UniqueFd link(bpf_link_create(prog_fd, 0, BPF_TRACE_ITER, &lo));
	if (!link) {
		int err = errno;
		if (tid > 0 && (err == ESRCH || err == ENOENT))
			return make_error(Exit::Target, "no such process: " + std::to_string(tid));
		return make_error(Exit::Failure, std::string("cannot attach the ") + what +
							 " iterator: " + errno_text(err));
	}
	UniqueFd iter(bpf_iter_create(link.get()));
	if (!iter)
		return make_error(Exit::Failure,
				  "cannot create the iterator: " + errno_text(errno));

	const auto t0 = std::chrono::steady_clock::now();
	const std::size_t s0 = stream.size(), p0 = spill.size();
	auto report = [&] {
		if (std::getenv("URINGDUMP_WALK_TIMES"))
			std::fprintf(stderr,
				     "uringdump: %s walk: %.1f ms, %zu bytes, %zu spilled\n", what,
				     std::chrono::duration<double, std::milli>(
					     std::chrono::steady_clock::now() - t0)
					     .count(),
				     stream.size() - s0, spill.size() - p0);
	};
	// read() straight into the stream: no copy through a buffer
	SpillDrainer drainer(*consumer, spill);
	for (;;) {
		const std::size_t at = stream.size();
		stream.resize(at + kReadChunk);
		ssize_t n = ::read(iter.get(), stream.data() + at, kReadChunk);
		stream.resize(at + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return make_error(Exit::Failure,
					  "reading the iterator failed: " + errno_text(errno));
		}
		if (n == 0)
			break;
	}
	drainer.stop();
	if (auto st = consumer->consume(&spill); !st)
		return st;
	report();
	return {};
}

Status Dumper::Impl::reach_walks(pid_t pid, std::vector<std::uint8_t>& threads,
				 std::vector<std::uint8_t>& maps, SpillChunks& spill)
{
	// Threads: every task, filtered by tgid in the program (6.1's
	// pid-bound task walks are not reliable across threads).  Mappings:
	// the leader's (threads share them).
	LiveBss& bss = prog.bss();
	bss.filter_tgid = static_cast<__u32>(std::max(pid, 0));
	bss.only_thread_tables = 0;
	bss.pending_nr = 0;
	// The mappings first: the rings they alone hold are walked by the
	// threads walk (lib/reach.bpf.h says why).
	if (auto st = run_iter(prog.maps_prog(), pid, "task_vma", maps, spill); !st)
		return st;
	if (auto st = run_iter(prog.threads_prog(), 0, "task", threads, spill); !st)
		return st;
	if (bss.pending_lost != 0)
		return make_error(Exit::Failure,
				  "dump incomplete: more than 256 rings held only by mappings");
	return {};
}

Status Dumper::Impl::thread_tables_walk(pid_t pid, std::vector<std::uint8_t>& stream,
					SpillChunks& spill)
{
	// Every task_file step of other processes, and of threads that share
	// the leader's table, returns at once.
	LiveBss& bss = prog.bss();
	bss.filter_tgid = static_cast<__u32>(pid);
	bss.only_thread_tables = 1;
	auto st = run_iter(prog.task_file_prog(), 0, "task_file", stream, spill);
	bss.filter_tgid = 0;
	bss.only_thread_tables = 0;
	return st;
}

namespace {

// Does a THREAD record of this stream have an fd table of its own?
bool has_thread_table(const std::vector<std::uint8_t>& stream)
{
	const std::size_t n = stream.size() / UD_REC_SIZE;
	for (std::size_t i = 0; i < n; i++) {
		ud_hdr h;
		std::memcpy(&h, stream.data() + i * UD_REC_SIZE, sizeof(h));
		if (h.type == UD_REC_THREAD && (h.flags & UD_THREAD_OWN_TABLE))
			return true;
	}
	return false;
}

} // namespace

Result<DumpStats> Dumper::Impl::dump_once(std::span<const pid_t> pids, Feed& feed,
					  std::uint64_t& dropped)
{
	DumpStats out;
	out.spill_bytes = prog.spill_bytes();
	feed.restart();
	SpillChunks spill(
		[&feed](std::vector<std::uint8_t>& chunk) { feed.spill(std::move(chunk)); });
	static constexpr pid_t kEveryTask[] = {0};
	if (pids.empty())
		pids = kEveryTask;
	dropped = 0;
	for (pid_t pid : pids) {
		prog.bss().dump_gen = ++dump_gen;
		prog.bss().pending_lost = 0;
		// the leader's fd table, the threads, the mappings
		std::vector<std::vector<std::uint8_t>> streams(3);
		if (auto st = walk(pid, streams[0], spill); !st)
			return st.error();
		if (auto st = reach_walks(pid, streams[1], streams[2], spill); !st)
			return st.error();
		// Tables of threads that unshared theirs (the every-process walk,
		// pid 0, visits them already).
		if (pid > 0 && has_thread_table(streams[1])) {
			streams.emplace_back();
			if (auto st = thread_tables_walk(pid, streams.back(), spill); !st)
				return st.error();
		}
		for (auto& stream : streams) {
			auto end = peek_end(stream);
			if (std::uint64_t d = end ? end->dropped : 0) {
				dropped += d;
				continue; // the caller walks again with a larger ring buffer
			}
			feed.stream(std::move(stream),
				    "iterator output for pid " + std::to_string(pid));
			out.streams++;
		}
	}
	if (dropped)
		return out;
	spill.flush();
	if (auto st = feed.settle(); !st)
		return st.error();
	return out;
}

Result<DumpStats> Dumper::Impl::dump_settled(std::span<const pid_t> pids, Feed& feed,
					     std::uint64_t& dropped)
{
	for (int walks = 1;; walks++) {
		auto out = dump_once(pids, feed, dropped);
		if (out)
			out->walks = walks;
		if (!out || dropped != 0 || !feed.incomplete() || walks > kRaceRetries)
			return out;
		if (opts.verbose)
			std::fprintf(stderr, "uringdump: a table changed while it was read, "
					     "dumping again\n");
	}
}

Result<DumpStats> Dumper::dump_into(std::span<const pid_t> pids, RecordSink& sink)
{
	Feed feed(sink);
	for (int retries = 0;; retries++) {
		std::uint64_t dropped = 0;
		auto out = impl_->dump_settled(pids, feed, dropped);
		if (out)
			out->spill_retries = retries;
		if (!out || dropped == 0)
			return out;
		// Records dropped in a step did not fit what the ring buffer had
		// left: a buffer larger by all of them (and the 8-byte header the
		// ring buffer puts before each) fits that step.
		if (impl_->prog.spill_bytes() >= impl_->opts.max_spill_bytes)
			return make_error(Exit::Failure,
					  "dump incomplete: " + std::to_string(dropped) +
						  " records did not fit a ring buffer of " +
						  format_bytes(impl_->prog.spill_bytes()));
		const std::size_t bigger = std::min(
			ring_size_for(impl_->prog.spill_bytes() + dropped * (UD_REC_SIZE + 8)),
			impl_->opts.max_spill_bytes);
		if (impl_->opts.verbose)
			std::fprintf(
				stderr,
				"uringdump: %llu records dropped, retrying with a %s ring buffer\n",
				static_cast<unsigned long long>(dropped),
				format_bytes(bigger).c_str());
		if (auto st = impl_->resize_spill(bigger); !st)
			return st.error();
	}
}

Result<DumpRecords> Dumper::dump(std::span<const pid_t> pids)
{
	DumpRecords out;
	VectorSink sink(out.records);
	auto stats = dump_into(pids, sink);
	if (!stats)
		return stats.error();
	static_cast<DumpStats&>(out) = *stats;
	return out;
}

Result<DumpRecords> dump_records(std::span<const pid_t> pids, const LoadOptions& opts)
{
	auto dumper = Dumper::load(opts);
	if (!dumper)
		return dumper.error();
	return dumper->dump(pids);
}

} // namespace uringdump
