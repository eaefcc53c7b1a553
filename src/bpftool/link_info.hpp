// BPF iterator links: what `uringdump link show` lists, as plain data, and
// the pure parsers of the bytes and texts it is made from (bpftool parity).
//
// The model (LinkDesc) carries bpftool's fields of a link (id, type,
// prog_id and an iterator's target parameters), the bpffs paths that pin
// it, the processes that hold an fd of it, and, for the links uringdump
// itself creates, the process and fd they dump.  The parse_* and decode_*
// functions are pure (unit-tested with synthetic bytes); kernel/links.hpp
// asks the kernel, /proc and bpffs.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace uringdump {

inline constexpr std::uint32_t kLinkTypeIter = 4; // BPF_LINK_TYPE_ITER

// A process holding an fd of the link (bpftool's "pids").
struct LinkHolder {
	pid_t pid = 0;
	std::string comm;
	bool operator==(const LinkHolder&) const = default;
};

// What a uringdump-created iterator dumps: pid (nullopt when the variable
// is absent or 0, i.e. unknown/every process) and fd (nullopt for -1,
// i.e. the whole process).
struct UringdumpTarget {
	std::optional<std::uint32_t> pid;
	std::optional<std::int32_t> fd;
	bool operator==(const UringdumpTarget&) const = default;
};

struct LinkDesc {
	std::uint32_t id = 0;
	std::uint32_t type = 0; // enum bpf_link_type
	std::string type_name;  // libbpf's name ("iter"); empty when unknown
	std::uint32_t prog_id = 0;

	// Iterator links only (type == kLinkTypeIter).
	std::string target_name;
	std::optional<std::uint32_t> map_id;    // bpf_map_elem, bpf_sk_storage_map
	std::optional<std::uint32_t> tid;       // task targets, when set
	std::optional<std::uint32_t> pid;       // task targets, when set (and no tid)
	std::optional<std::uint64_t> cgroup_id; // cgroup
	std::optional<std::uint32_t> order;     // cgroup (enum bpf_cgroup_iter_order)
	std::optional<std::uint64_t>
		io_uring_inode;                   // io_uring_file, io_uring_buf (patched kernels)
	std::optional<std::uint64_t> epoll_inode; // epoll (patched kernels)

	std::string prog_name; // not rendered; recognises uringdump's programs
	std::optional<UringdumpTarget> uringdump;
	std::vector<std::string> pinned; // sorted
	std::vector<LinkHolder> pids;    // sorted by pid

	bool is_iter() const { return type == kLinkTypeIter; }
};

// Decodes the bytes of a struct bpf_link_info as the kernel filled them
// (at least through the iterator's second union, 48 bytes) and the target
// name it copied out.  The io_uring/epoll members are read from the second
// union of .iter (beside cgroup/task), where the io_uring/epoll series puts
// them; the installed linux/bpf.h does not have them.
Result<LinkDesc> parse_link_info(std::span<const std::uint8_t> info, std::string_view target_name);

// Byte offsets inside struct bpf_link_info used by parse_link_info.
inline constexpr std::size_t kLinkInfoIterMapId = 28;
inline constexpr std::size_t kLinkInfoIterUnion2 = 32; // cgroup, task, io_uring, epoll
inline constexpr std::size_t kLinkInfoMinSize = 48;

// bpftool's name of a cgroup iterator order ("self_only", ...).
std::string_view cgroup_order_name(std::uint32_t order);

// The mount points of every filesystem of type "bpf" in a
// /proc/PID/mountinfo text, unescaped (\040 -> ' '), in order, no duplicates.
std::vector<std::string> parse_bpf_mounts(std::string_view mountinfo);

// The id on the "link_id:" line of a /proc/PID/fdinfo/FD text.
std::optional<std::uint32_t> parse_fdinfo_link_id(std::string_view fdinfo);

// True for the programs of uringdump's own CO-RE iterators: dump_task_file
// on task_file, dump_pinned (`uringdump pin`) on ksym or bpf_map_elem.
bool is_uringdump_prog(std::string_view prog_name, std::string_view target_name);

// A variable of a .rodata DATASEC: name, byte offset and size.
struct RodataVar {
	std::string name;
	std::uint32_t offset = 0;
	std::uint32_t size = 0;
};

// target_pid (u32) and target_fd (s32) from the bytes of the .rodata
// section.  Missing, mis-sized or out-of-range variables count as unset.
UringdumpTarget decode_uringdump_rodata(std::span<const RodataVar> vars,
					std::span<const std::uint8_t> section);

} // namespace uringdump
