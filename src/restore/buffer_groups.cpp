// A buffer ring's kernel head cannot be set: it is moved where it was by
// consuming that many placeholder buffers with reads of /dev/null (0
// bytes, so no memory is touched), before the ring's saved bytes, with
// their tail, are written over the placeholders.
#include "restore/buffer_groups.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "base/errors.hpp"
#include "base/unique_fd.hpp"
#include "image/store.hpp"
#include "restore/uring.hpp"

namespace uringdump {
namespace {

// IORING_REGISTER_PBUF_RING's argument (6.1's uapi calls flags "pad").
struct BufReg {
	std::uint64_t ring_addr;
	std::uint32_t ring_entries;
	std::uint16_t bgid;
	std::uint16_t flags; // IOU_PBUF_RING_MMAP 1 (6.4+), IOU_PBUF_RING_INC 2 (6.12+)
	std::uint64_t resv[3];
};
constexpr std::uint16_t kPbufRingMmap = 1;
constexpr std::uint16_t kPbufRingInc = 2;
constexpr std::uint64_t kOffPbufRing = 0x80000000ull;
constexpr unsigned kOffPbufShift = 16;

// struct io_uring_buf: the ring's entries; entry 0's last 2 bytes are the tail.
struct RingEntry {
	std::uint64_t addr;
	std::uint32_t len;
	std::uint16_t bid;
	std::uint16_t resv;
};
static_assert(sizeof(RingEntry) == 16);

// The tail of a buffer ring at mem: the last 2 bytes of entry 0.
std::uint16_t* ring_tail(void* mem)
{
	return reinterpret_cast<std::uint16_t*>(static_cast<char*>(mem) + 14);
}

std::string group_name(const ImageRing& r, std::uint32_t bgid)
{
	return "io_uring " + r.file + " buffer group " + std::to_string(bgid);
}

std::size_t mapped_len(const ImageBufferGroup& g)
{
	const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
	return static_cast<std::size_t>((g.memory.len + page - 1) / page * page);
}

// A mapping at addr (0: anywhere) of anonymous memory (fd -1) or of
// fd at off; nullptr when the range is taken or cannot be mapped.
void* map_at(std::uint64_t addr, std::size_t len, int fd, off_t off)
{
	void* want = reinterpret_cast<void*>(addr);
	const int flags = (fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : MAP_SHARED) |
			  (addr ? MAP_FIXED_NOREPLACE : 0);
	void* got = ::mmap(want, len, PROT_READ | PROT_WRITE, flags, fd, off);
	if (got == MAP_FAILED)
		return nullptr;
	if (addr && got != want) { // a kernel that ignored the flag
		::munmap(got, len);
		errno = EEXIST;
		return nullptr;
	}
	return got;
}

std::string hex_addr(std::uint64_t addr)
{
	char b[32];
	std::snprintf(b, sizeof(b), "0x%llx", static_cast<unsigned long long>(addr));
	return b;
}

Error taken(const std::string& what, std::uint64_t addr, std::size_t len)
{
	const int err = errno;
	return make_error(Exit::Unrestorable,
			  what + ": its memory at " + hex_addr(addr) + "-" + hex_addr(addr + len) +
				  (err == EEXIST
					   ? ": the address range is taken in this "
					     "process"
					   : ": cannot be mapped here (" + errno_text(err) + ")"));
}

} // namespace

BufferGroupRestore::BufferGroupRestore(int ring, const io_uring_params& p, const ImageRing& r,
				       const std::string& image_dir, RestoreReport& report)
    : ring_(ring), p_(p), r_(r), dir_(image_dir), report_(report)
{}

Status BufferGroupRestore::register_rings()
{
	mem_.assign(r_.buffer_groups.size(), nullptr);
	for (std::size_t i = 0; i < r_.buffer_groups.size(); ++i)
		if (r_.buffer_groups[i].ring)
			if (auto st = register_ring(r_.buffer_groups[i], &mem_[i]); !st)
				return st;
	return {};
}

Status BufferGroupRestore::fill()
{
	for (std::size_t i = 0; i < r_.buffer_groups.size(); ++i) {
		const ImageBufferGroup& g = r_.buffer_groups[i];
		Status st;
		if (!g.ring)
			st = legacy_group(g);
		else if (i < mem_.size() && mem_[i])
			st = fill_ring(g, mem_[i]);
		if (!st)
			return st;
	}
	return {};
}

// The queue SQEs go through, mapped on first use; nullptr when this ring
// takes none (still disabled: IORING_SETUP_R_DISABLED).
Result<RingQueue*> BufferGroupRestore::queue()
{
	if (r_.disabled)
		return nullptr;
	if (!queue_) {
		auto q = RingQueue::map(ring_, p_, r_.setup_flags);
		if (!q)
			return q.error();
		queue_.emplace(std::move(*q));
	}
	return &*queue_;
}

Status BufferGroupRestore::legacy_group(const ImageBufferGroup& g)
{
	const std::string what = group_name(r_, g.bgid);
	auto q = queue();
	if (!q)
		return q.error();
	if (!*q) {
		report_.not_restored.push_back(what +
					       ": not restored (the ring is disabled, "
					       "IORING_SETUP_R_DISABLED, and takes no SQEs)");
		return {};
	}
	auto provide = [&](std::uint64_t addr, std::uint32_t len, std::uint32_t nbufs,
			   std::uint16_t bid) {
		io_uring_sqe sqe{};
		sqe.opcode = IORING_OP_PROVIDE_BUFFERS;
		sqe.fd = static_cast<std::int32_t>(nbufs);
		sqe.addr = addr;
		sqe.len = len;
		sqe.off = bid;
		sqe.buf_group = static_cast<std::uint16_t>(g.bgid);
		return sqe;
	};
	std::vector<io_uring_sqe> sqes;
	if (g.buffers.empty()) {
		// The group exists, empty: one buffer provided and removed again.
		sqes.push_back(provide(reinterpret_cast<std::uintptr_t>(&g), 1, 1, 0));
		io_uring_sqe rm{};
		rm.opcode = IORING_OP_REMOVE_BUFFERS;
		rm.fd = 1;
		rm.buf_group = static_cast<std::uint16_t>(g.bgid);
		sqes.push_back(rm);
	}
	// Runs of buffers one after the other (ascending address and bid,
	// one length) go in one SQE: the kernel adds them in that order.
	for (std::size_t i = 0; i < g.buffers.size();) {
		const auto& b = g.buffers[i];
		std::size_t n = 1;
		while (i + n < g.buffers.size()) {
			const auto& c = g.buffers[i + n];
			if (c.len != b.len || c.addr != b.addr + std::uint64_t{b.len} * n ||
			    std::uint32_t{c.bid} != std::uint32_t{b.bid} + n)
				break;
			++n;
		}
		sqes.push_back(provide(b.addr, b.len, static_cast<std::uint32_t>(n), b.bid));
		i += n;
	}
	auto cqes = (*q)->run(std::move(sqes));
	if (!cqes)
		return cqes.error();
	for (const io_uring_cqe& c : *cqes)
		if (c.res < 0) {
			report_.not_restored.push_back(
				what + ": IORING_OP_PROVIDE_BUFFERS failed (" + errno_text(-c.res) +
				"), the group is not restored as it was");
			return {};
		}
	report_.done.push_back(what + ": legacy, " + std::to_string(g.buffers.size()) +
			       " buffers provided");
	return {};
}

// Phase 1: the ring registered (its user memory mapped at its address,
// kernel memory mapped where the kernel lets); *mem: where this process
// writes it (nullptr: skipped, reported).
Status BufferGroupRestore::register_ring(const ImageBufferGroup& g, void** mem)
{
	const std::string what = group_name(r_, g.bgid);
	const std::size_t map_len = mapped_len(g);
	*mem = nullptr;
	if (!g.kernel_memory && g.memory.addr == 0) {
		report_.not_restored.push_back(
			what + ": not restored (" + g.memory.unreadable +
			": the address it must be registered at is unknown)");
		return {};
	}
	void* at = nullptr;
	if (!g.kernel_memory) {
		at = map_at(g.memory.addr, map_len, -1, 0);
		if (!at)
			return taken(what, g.memory.addr, map_len);
	}
	BufReg reg{};
	reg.ring_addr = reinterpret_cast<std::uintptr_t>(at);
	reg.ring_entries = g.entries;
	reg.bgid = static_cast<std::uint16_t>(g.bgid);
	reg.flags = static_cast<std::uint16_t>((g.kernel_memory ? kPbufRingMmap : 0) |
					       (g.incremental ? kPbufRingInc : 0));
	if (sys_register(ring_, IORING_REGISTER_PBUF_RING, &reg, 1) < 0) {
		const int err = errno;
		return make_error(err == EINVAL ? Exit::Unrestorable : exit_of_errno(err),
				  what + ": IORING_REGISTER_PBUF_RING (" +
					  std::to_string(g.entries) + " entries, flags " +
					  std::to_string(reg.flags) + "): " + errno_text(err) +
					  (err == EINVAL ? " (a feature this kernel lacks?)" : ""));
	}
	if (g.kernel_memory) {
		// io_uring maps its memory only where the kernel chooses
		// (EINVAL for an address): mapped where it lets, and kept
		// (the holder can be checkpointed again with the ring's bytes).
		const off_t off =
			static_cast<off_t>(kOffPbufRing | (std::uint64_t{g.bgid} << kOffPbufShift));
		at = map_at(0, map_len, ring_, off);
		if (!at)
			return make_error(exit_of_errno(errno),
					  what + ": mapping the ring: " + errno_text(errno));
		if (g.memory.addr)
			report_.not_restored.push_back(
				what + ": the mapping of its kernel memory (at " +
				hex_addr(g.memory.addr) + ") is at " +
				hex_addr(reinterpret_cast<std::uintptr_t>(at)) +
				" instead: the kernel picks where io_uring memory is "
				"mapped");
	}
	*mem = at;
	return {};
}

// Phase 2 (the ring enabled): the kernel's head moved where it was,
// then the saved bytes, with their tail.  A head that cannot be moved
// (a disabled ring, restrictions) unregisters the ring, reported.
Status BufferGroupRestore::fill_ring(const ImageBufferGroup& g, void* mem)
{
	const std::string what = group_name(r_, g.bgid);
	const std::size_t len = static_cast<std::size_t>(g.memory.len);
	std::uint16_t* tail = ring_tail(mem);
	auto give_up = [&](const std::string& why) {
		BufReg reg{};
		reg.bgid = static_cast<std::uint16_t>(g.bgid);
		sys_register(ring_, IORING_UNREGISTER_PBUF_RING, &reg, 1);
		report_.not_restored.push_back(what + ": " + why);
	};
	if (g.head != 0) {
		auto q = queue();
		if (!q)
			return q.error();
		if (!*q) {
			give_up("not restored (the ring is disabled, IORING_SETUP_R_DISABLED, "
				"so its head cannot be moved to " +
				std::to_string(g.head) + ")");
			return {};
		}
		if (auto st = move_head(**q, g, mem); !st) {
			if (st.error().code != Exit::Unrestorable)
				return st;
			give_up(st.error().message);
			return {};
		}
	}
	std::string lost;
	if (!g.memory.contents.empty()) {
		auto data = load_buffer(dir_, g.memory);
		if (!data)
			return data.error();
		std::memcpy(mem, data->data(), len);
	} else {
		std::memset(mem, 0, len);
		*tail = g.head;
		lost = " (its memory was not saved: " + g.memory.unreadable + "; its " +
		       std::to_string(static_cast<std::uint16_t>(g.tail - g.head)) +
		       " available buffers are lost)";
	}
	if (!lost.empty())
		report_.not_restored.push_back(what + lost);
	report_.done.push_back(what + ": ring of " + std::to_string(g.entries) + " entries, head " +
			       std::to_string(g.head) + ", tail " + std::to_string(g.tail));
	return {};
}

// Consumes g.head placeholder buffers, at most a ring's worth at a
// time (an incremental ring's consumed entries have length 0).
// Exit::Unrestorable: the ring refused (reported by the caller).
Status BufferGroupRestore::move_head(RingQueue& q, const ImageBufferGroup& g, void* mem)
{
	auto* entries = static_cast<RingEntry*>(mem);
	std::uint16_t* tail = ring_tail(mem);
	UniqueFd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
	if (!null)
		return make_error(exit_of_errno(errno), "/dev/null: " + errno_text(errno));
	std::uint32_t moved = 0;
	while (moved < g.head) {
		const std::uint32_t n = std::min<std::uint32_t>(g.entries, g.head - moved);
		for (std::uint32_t i = 0; i < g.entries; ++i) {
			entries[i].addr = reinterpret_cast<std::uintptr_t>(entries);
			entries[i].len = 1;
			entries[i].bid = 0;
		}
		// entry 0's resv is the tail: written after the entries
		__atomic_store_n(tail, static_cast<std::uint16_t>(moved + n), __ATOMIC_RELEASE);
		std::vector<io_uring_sqe> reads(n);
		for (io_uring_sqe& sqe : reads) {
			sqe.opcode = IORING_OP_READ;
			sqe.fd = null.get();
			sqe.flags = IOSQE_BUFFER_SELECT;
			sqe.buf_group = static_cast<std::uint16_t>(g.bgid);
			sqe.len = 0; // the buffer's length: 1 byte, of which /dev/null
				     // gives none
		}
		auto cqes = q.run(std::move(reads));
		if (!cqes)
			return cqes.error();
		for (const io_uring_cqe& c : *cqes)
			if (c.res < 0 || !(c.flags & IORING_CQE_F_BUFFER))
				return make_error(
					Exit::Unrestorable,
					"moving the kernel's head to " + std::to_string(g.head) +
						" failed (" +
						(c.res < 0 ? errno_text(-c.res)
							   : std::string("no buffer used")) +
						"), the group is not restored");
		moved += n;
	}
	return {};
}

} // namespace uringdump
