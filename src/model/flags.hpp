// Names of kernel flag bits and small kernel-value formatters.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace uringdump {

// IORING_SETUP_* (include/uapi/linux/io_uring.h), defined here so that the
// names do not depend on the installed kernel headers.
namespace setup {
inline constexpr std::uint32_t IOPOLL = 1u << 0;
inline constexpr std::uint32_t SQPOLL = 1u << 1;
inline constexpr std::uint32_t SQ_AFF = 1u << 2;
inline constexpr std::uint32_t CQSIZE = 1u << 3;
inline constexpr std::uint32_t CLAMP = 1u << 4;
inline constexpr std::uint32_t ATTACH_WQ = 1u << 5;
inline constexpr std::uint32_t R_DISABLED = 1u << 6;
inline constexpr std::uint32_t SUBMIT_ALL = 1u << 7;
inline constexpr std::uint32_t COOP_TASKRUN = 1u << 8;
inline constexpr std::uint32_t TASKRUN_FLAG = 1u << 9;
inline constexpr std::uint32_t SQE128 = 1u << 10;
inline constexpr std::uint32_t CQE32 = 1u << 11;
inline constexpr std::uint32_t SINGLE_ISSUER = 1u << 12;
inline constexpr std::uint32_t DEFER_TASKRUN = 1u << 13;
inline constexpr std::uint32_t NO_MMAP = 1u << 14;
inline constexpr std::uint32_t REGISTERED_FD_ONLY = 1u << 15;
inline constexpr std::uint32_t NO_SQARRAY = 1u << 16;
inline constexpr std::uint32_t HYBRID_IOPOLL = 1u << 17;
inline constexpr std::uint32_t CQE_MIXED = 1u << 18;
inline constexpr std::uint32_t SQE_MIXED = 1u << 19;
inline constexpr std::uint32_t SQ_REWIND = 1u << 20; // upstream 5247c034a67f
} // namespace setup

// Open flags as struct file's f_flags holds them (include/uapi/asm-generic/
// fcntl.h, the values of x86 and most architectures), defined here for the
// same reason.  SYNC and TMPFILE are the kernel's __O_SYNC and __O_TMPFILE
// bits: O_SYNC and O_TMPFILE are them together with DSYNC and DIRECTORY.
namespace open_flag {
inline constexpr std::uint32_t ACCMODE = 03;
inline constexpr std::uint32_t RDONLY = 00;
inline constexpr std::uint32_t WRONLY = 01;
inline constexpr std::uint32_t RDWR = 02;
inline constexpr std::uint32_t CREAT = 0100;
inline constexpr std::uint32_t EXCL = 0200;
inline constexpr std::uint32_t NOCTTY = 0400;
inline constexpr std::uint32_t TRUNC = 01000;
inline constexpr std::uint32_t APPEND = 02000;
inline constexpr std::uint32_t NONBLOCK = 04000;
inline constexpr std::uint32_t DSYNC = 010000;
inline constexpr std::uint32_t ASYNC = 020000; // FASYNC
inline constexpr std::uint32_t DIRECT = 040000;
inline constexpr std::uint32_t LARGEFILE = 0100000;
inline constexpr std::uint32_t DIRECTORY = 0200000;
inline constexpr std::uint32_t NOFOLLOW = 0400000;
inline constexpr std::uint32_t NOATIME = 01000000;
inline constexpr std::uint32_t CLOEXEC = 02000000;
inline constexpr std::uint32_t SYNC = 04000000;
inline constexpr std::uint32_t PATH = 010000000;
inline constexpr std::uint32_t TMPFILE = 020000000;
} // namespace open_flag

// One name per set bit, lowest bit first, without the IORING_SETUP_ prefix
// ("SQPOLL"); the unnamed bits together as one "0x..." entry, last.
std::vector<std::string> setup_flag_names(std::uint32_t flags);

// One name per set epoll event bit ("EPOLLIN", "EPOLLET", ...), lowest bit
// first; the unnamed bits together as one "0x..." entry, last.
std::vector<std::string> epoll_event_names(std::uint32_t events);

// The names of open flags (f_flags): the access mode first ("O_RDONLY",
// "O_WRONLY" or "O_RDWR"), then one name per other set flag, lowest bit
// first ("O_SYNC" for __O_SYNC|O_DSYNC, "O_TMPFILE" for
// __O_TMPFILE|O_DIRECTORY); the unnamed bits together as one "0x..." entry,
// last (an access mode of 3, which has no name, among them).
std::vector<std::string> open_flag_names(std::uint32_t f_flags);

// The permission bits of an i_mode (mode & 07777) as 4 octal digits: "0644".
std::string format_permissions(std::uint32_t mode);

// "a|b|c", or "-" when names is empty.
std::string join_names(std::span<const std::string> names, std::string_view sep = "|");

// The JSON/text name of an enum ud_file_kind: "regular", "directory",
// "chardev", "blockdev", "fifo", "socket", "symlink", "io_uring", "epoll",
// "eventfd", "anon"; "other" for UD_FK_OTHER and unknown values.
std::string_view file_kind_name(std::uint32_t kind);

// The kernel's internal dev_t (MAJOR << 20 | MINOR) as "MAJOR:MINOR".
std::string format_dev(std::uint32_t dev);

// The same text without an allocation (for renderers that write it once
// per file): view() is valid while the DevText lives.
struct DevText {
	char buf[24];
	std::size_t len;
	std::string_view view() const { return {buf, len}; }
};
DevText dev_text(std::uint32_t dev);

// "0x" + lowercase hex.
std::string format_hex(std::uint64_t value);

// A CPU mask as a list: "0-3,8"; "-" when empty.
std::string cpu_list(std::uint64_t mask);

// "poll", "apoll", "timeout", "link_timeout", "iowq_queued", "iowq_running".
std::string_view request_kind_name(int kind);

// A NAPI tracking mode (UD_NAPI_TRACKING_*): "dynamic", "static", else the number.
std::string napi_tracking_name(std::uint32_t mode);

// The region of a ring that an mmap offset maps (IORING_OFF_*): "sq_ring"
// (with SINGLE_MMAP kernels, the CQ ring too), "cq_ring", "sqes",
// "pbuf_ring" (a provided-buffer ring, bgid in bits 16-31), "param_region",
// "zcrx_region"; "0x..." for an offset without a name.
std::string ring_region_name(std::uint64_t offset);

// Names of io_rings.sq_flags bits (IORING_SQ_*, without the prefix):
// "NEED_WAKEUP", "CQ_OVERFLOW", "TASKRUN"; other bits as one "0x..." entry.
std::vector<std::string> sq_flag_names(std::uint32_t flags);

// The provided-buffer group of a "pbuf_ring" offset.
std::uint32_t ring_region_bgid(std::uint64_t offset);

} // namespace uringdump
