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

// One name per set bit, lowest bit first, without the IORING_SETUP_ prefix
// ("SQPOLL"); the unnamed bits together as one "0x..." entry, last.
std::vector<std::string> setup_flag_names(std::uint32_t flags);

// One name per set epoll event bit ("EPOLLIN", "EPOLLET", ...), lowest bit
// first; the unnamed bits together as one "0x..." entry, last.
std::vector<std::string> epoll_event_names(std::uint32_t events);

// "a|b|c", or "-" when names is empty.
std::string join_names(std::span<const std::string> names, std::string_view sep = "|");

// The JSON/text name of an enum ud_file_kind: "regular", "directory",
// "chardev", "blockdev", "fifo", "socket", "symlink", "io_uring", "epoll",
// "eventfd", "anon"; "other" for UD_FK_OTHER and unknown values.
std::string_view file_kind_name(std::uint32_t kind);

// The kernel's internal dev_t (MAJOR << 20 | MINOR) as "MAJOR:MINOR".
std::string format_dev(std::uint32_t dev);

// "0x" + lowercase hex.
std::string format_hex(std::uint64_t value);

} // namespace uringdump
