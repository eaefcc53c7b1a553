// Bit-name tables: IORING_SETUP_*, EPOLL* and O_* values from the kernel uapi.
#include "model/flags.hpp"

#include <charconv>

#include <array>
#include <cinttypes>
#include <cstdio>

#include "bpf/uringdump.h"

namespace uringdump {

namespace {

struct BitName {
	std::uint32_t bit; // one bit, or the bits named together
	const char* name;
};

constexpr std::array kSetupBits{
	BitName{setup::IOPOLL, "IOPOLL"},
	BitName{setup::SQPOLL, "SQPOLL"},
	BitName{setup::SQ_AFF, "SQ_AFF"},
	BitName{setup::CQSIZE, "CQSIZE"},
	BitName{setup::CLAMP, "CLAMP"},
	BitName{setup::ATTACH_WQ, "ATTACH_WQ"},
	BitName{setup::R_DISABLED, "R_DISABLED"},
	BitName{setup::SUBMIT_ALL, "SUBMIT_ALL"},
	BitName{setup::COOP_TASKRUN, "COOP_TASKRUN"},
	BitName{setup::TASKRUN_FLAG, "TASKRUN_FLAG"},
	BitName{setup::SQE128, "SQE128"},
	BitName{setup::CQE32, "CQE32"},
	BitName{setup::SINGLE_ISSUER, "SINGLE_ISSUER"},
	BitName{setup::DEFER_TASKRUN, "DEFER_TASKRUN"},
	BitName{setup::NO_MMAP, "NO_MMAP"},
	BitName{setup::REGISTERED_FD_ONLY, "REGISTERED_FD_ONLY"},
	BitName{setup::NO_SQARRAY, "NO_SQARRAY"},
	BitName{setup::HYBRID_IOPOLL, "HYBRID_IOPOLL"},
	BitName{setup::CQE_MIXED, "CQE_MIXED"},
	BitName{setup::SQE_MIXED, "SQE_MIXED"},
	BitName{setup::SQ_REWIND, "SQ_REWIND"},
};

// include/uapi/linux/io_uring.h, IORING_SQ_*.
constexpr std::array kSqFlagBits{
	BitName{1u, "NEED_WAKEUP"},
	BitName{2u, "CQ_OVERFLOW"},
	BitName{4u, "TASKRUN"},
};

// include/uapi/linux/eventpoll.h and include/uapi/asm-generic/poll.h.
constexpr std::array kEpollBits{
	BitName{0x00000001u, "EPOLLIN"},       BitName{0x00000002u, "EPOLLPRI"},
	BitName{0x00000004u, "EPOLLOUT"},      BitName{0x00000008u, "EPOLLERR"},
	BitName{0x00000010u, "EPOLLHUP"},      BitName{0x00000020u, "EPOLLNVAL"},
	BitName{0x00000040u, "EPOLLRDNORM"},   BitName{0x00000080u, "EPOLLRDBAND"},
	BitName{0x00000100u, "EPOLLWRNORM"},   BitName{0x00000200u, "EPOLLWRBAND"},
	BitName{0x00000400u, "EPOLLMSG"},      BitName{0x00002000u, "EPOLLRDHUP"},
	BitName{1u << 27, "EPOLL_URING_WAKE"}, BitName{1u << 28, "EPOLLEXCLUSIVE"},
	BitName{1u << 29, "EPOLLWAKEUP"},      BitName{1u << 30, "EPOLLONESHOT"},
	BitName{1u << 31, "EPOLLET"},
};

// Access mode aside.  A name of several bits (O_SYNC, O_TMPFILE) comes
// before the name of its lower bit, which it takes when all are set.
constexpr std::array kOpenBits{
	BitName{open_flag::CREAT, "O_CREAT"},
	BitName{open_flag::EXCL, "O_EXCL"},
	BitName{open_flag::NOCTTY, "O_NOCTTY"},
	BitName{open_flag::TRUNC, "O_TRUNC"},
	BitName{open_flag::APPEND, "O_APPEND"},
	BitName{open_flag::NONBLOCK, "O_NONBLOCK"},
	BitName{open_flag::SYNC | open_flag::DSYNC, "O_SYNC"},
	BitName{open_flag::DSYNC, "O_DSYNC"},
	BitName{open_flag::ASYNC, "O_ASYNC"},
	BitName{open_flag::DIRECT, "O_DIRECT"},
	BitName{open_flag::LARGEFILE, "O_LARGEFILE"},
	BitName{open_flag::TMPFILE | open_flag::DIRECTORY, "O_TMPFILE"},
	BitName{open_flag::DIRECTORY, "O_DIRECTORY"},
	BitName{open_flag::NOFOLLOW, "O_NOFOLLOW"},
	BitName{open_flag::NOATIME, "O_NOATIME"},
	BitName{open_flag::CLOEXEC, "O_CLOEXEC"},
	BitName{open_flag::PATH, "O_PATH"},
};

// Appends the names of value's bits in table order to names: an entry
// matches when all its bits are set and not taken by an earlier one; the
// bits no entry takes as one "0x..." entry, last.
template <std::size_t N>
void append_bit_names(std::vector<std::string>& names, std::uint32_t value,
		      const std::array<BitName, N>& table)
{
	std::uint32_t rest = value;
	for (const BitName& b : table) {
		if ((rest & b.bit) == b.bit) {
			names.emplace_back(b.name);
			rest &= ~b.bit;
		}
	}
	if (rest != 0)
		names.push_back(format_hex(rest));
}

template <std::size_t N>
std::vector<std::string> bit_names(std::uint32_t value, const std::array<BitName, N>& table)
{
	std::vector<std::string> names;
	append_bit_names(names, value, table);
	return names;
}

} // namespace

std::vector<std::string> setup_flag_names(std::uint32_t flags)
{
	return bit_names(flags, kSetupBits);
}

std::vector<std::string> sq_flag_names(std::uint32_t flags)
{
	return bit_names(flags, kSqFlagBits);
}

std::vector<std::string> epoll_event_names(std::uint32_t events)
{
	return bit_names(events, kEpollBits);
}

std::vector<std::string> open_flag_names(std::uint32_t f_flags)
{
	std::vector<std::string> names;
	switch (f_flags & open_flag::ACCMODE) {
	case open_flag::RDONLY: names.emplace_back("O_RDONLY"); break;
	case open_flag::WRONLY: names.emplace_back("O_WRONLY"); break;
	case open_flag::RDWR: names.emplace_back("O_RDWR"); break;
	default: break; // 3: among the unnamed bits
	}
	const std::uint32_t named_mode =
		(f_flags & open_flag::ACCMODE) == open_flag::ACCMODE ? 0 : open_flag::ACCMODE;
	append_bit_names(names, f_flags & ~named_mode, kOpenBits);
	return names;
}

std::string format_permissions(std::uint32_t mode)
{
	char buf[8];
	std::snprintf(buf, sizeof(buf), "%04o", mode & 07777u);
	return buf;
}

std::string join_names(std::span<const std::string> names, std::string_view sep)
{
	if (names.empty())
		return "-";
	std::string out;
	for (const std::string& n : names) {
		if (!out.empty())
			out += sep;
		out += n;
	}
	return out;
}

std::string_view file_kind_name(std::uint32_t kind)
{
	switch (kind) {
	case UD_FK_REG: return "regular";
	case UD_FK_DIR: return "directory";
	case UD_FK_CHR: return "chardev";
	case UD_FK_BLK: return "blockdev";
	case UD_FK_FIFO: return "fifo";
	case UD_FK_SOCK: return "socket";
	case UD_FK_LNK: return "symlink";
	case UD_FK_IO_URING: return "io_uring";
	case UD_FK_EPOLL: return "epoll";
	case UD_FK_EVENTFD: return "eventfd";
	case UD_FK_ANON: return "anon";
	default: return "other";
	}
}

DevText dev_text(std::uint32_t dev)
{
	DevText t{};
	char* end = t.buf + sizeof(t.buf);
	char* p = std::to_chars(t.buf, end, dev >> 20).ptr;
	*p++ = ':';
	p = std::to_chars(p, end, dev & 0xfffffu).ptr;
	t.len = static_cast<std::size_t>(p - t.buf);
	return t;
}

std::string format_dev(std::uint32_t dev)
{
	return std::string(dev_text(dev).view());
}

std::string format_hex(std::uint64_t value)
{
	char buf[24];
	std::snprintf(buf, sizeof(buf), "0x%" PRIx64, value);
	return buf;
}

namespace {
// include/uapi/linux/io_uring.h
constexpr std::uint64_t kOffSqRing = 0;
constexpr std::uint64_t kOffCqRing = 0x8000000;
constexpr std::uint64_t kOffSqes = 0x10000000;
constexpr std::uint64_t kOffParamRegion = 0x20000000;
constexpr std::uint64_t kOffZcrxRegion = 0x30000000;
constexpr std::uint64_t kOffPbufRing = 0x80000000;
constexpr std::uint64_t kOffPbufMask = 0x3fffffff; // bgid << 16 within the PBUF range
constexpr unsigned kOffPbufShift = 16;
} // namespace

std::string ring_region_name(std::uint64_t offset)
{
	if (offset >= kOffPbufRing && offset - kOffPbufRing <= kOffPbufMask)
		return "pbuf_ring";
	switch (offset) {
	case kOffSqRing: return "sq_ring";
	case kOffCqRing: return "cq_ring";
	case kOffSqes: return "sqes";
	case kOffParamRegion: return "param_region";
	case kOffZcrxRegion: return "zcrx_region";
	default: return format_hex(offset);
	}
}

std::string cpu_list(std::uint64_t mask)
{
	std::string out;
	for (unsigned cpu = 0; cpu < 64; cpu++) {
		if (!(mask >> cpu & 1))
			continue;
		unsigned last = cpu;
		while (last + 1 < 64 && (mask >> (last + 1) & 1))
			last++;
		out += (out.empty() ? "" : ",") + std::to_string(cpu);
		if (last != cpu)
			out += "-" + std::to_string(last);
		cpu = last;
	}
	return out.empty() ? "-" : out;
}

std::string_view request_kind_name(int kind)
{
	switch (kind) {
	case 0: return "poll";
	case 1: return "apoll";
	case 2: return "timeout";
	case 3: return "link_timeout";
	case 4: return "iowq_queued";
	case 5: return "iowq_running";
	default: return "?";
	}
}

std::string napi_tracking_name(std::uint32_t mode)
{
	switch (mode) {
	case UD_NAPI_TRACKING_DYNAMIC: return "dynamic";
	case UD_NAPI_TRACKING_STATIC: return "static";
	default: return std::to_string(mode);
	}
}

std::uint32_t ring_region_bgid(std::uint64_t offset)
{
	if (offset < kOffPbufRing)
		return 0;
	return static_cast<std::uint32_t>((offset - kOffPbufRing) >> kOffPbufShift);
}

} // namespace uringdump
