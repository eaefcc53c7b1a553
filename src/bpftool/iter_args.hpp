// `uringdump iter pin OBJ PATH [map MAP | io_uring_fd FD | epoll_fd FD |
// pid PID | tid TID]`: the command line, parsed without touching the system
// (unit-tested), and the check of a parameter against a program's target.
// The grammar and the messages follow bpftool's `iter pin` with the
// io_uring/epoll series (bpftool-patch/): keywords may be abbreviated to
// any prefix, as bpftool allows, and at most one parameter is given.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace uringdump {

enum class IterParam { None, Map, IoUringFd, EpollFd, Pid, Tid };

// MAP := id MAP_ID | pinned FILE | name NAME
struct MapSpec {
	enum class Kind { Id, Pinned, Name };
	Kind kind = Kind::Id;
	std::uint32_t id = 0; // Kind::Id
	std::string text;     // Kind::Pinned (path), Kind::Name (map name)
	bool operator==(const MapSpec&) const = default;
};

// FD := FD_NUM | PID:FD_NUM
struct FdSpec {
	pid_t pid = 0; // 0: an fd open in uringdump itself
	int fd = -1;
	bool operator==(const FdSpec&) const = default;
};

struct IterPinArgs {
	std::string obj;
	std::string path;
	IterParam param = IterParam::None;
	MapSpec map;            // IterParam::Map
	FdSpec fd;              // IterParam::IoUringFd, IterParam::EpollFd
	std::uint32_t task = 0; // IterParam::Pid, IterParam::Tid (> 0)
};

// The words after `iter`, options taken out (the command line's option
// parser, src/cli/options.hpp, does that): the first word is the
// subcommand, `pin` or `help` (or an abbreviation); none is `help`.
struct IterCommand {
	enum class Kind { Help, Pin };
	Kind kind = Kind::Help;
	IterPinArgs pin; // Kind::Pin
};

// Every malformed command line is an Exit::Usage error whose message names
// the problem (unknown, repeated or combined keyword, missing value, bad
// number, trailing argument).
Result<IterCommand> parse_iter_command(std::span<const std::string_view> words);

// The words after `pin`: OBJ PATH [PARAM VALUE...].
Result<IterPinArgs> parse_iter_pin_args(std::span<const std::string_view> words);

// "map", "io_uring_fd", ... ("" for None).
std::string_view iter_param_keyword(IterParam param);

// The target of an iterator program from its section name ("iter/TARGET"
// or "iter.s/TARGET"); nullopt for other sections.
std::optional<std::string_view> iter_section_target(std::string_view section);

// Whether `target` takes the parameter: pid/tid task, task_file and
// task_vma; io_uring_fd io_uring_buf and io_uring_file; epoll_fd epoll;
// map (like bpftool) and None any target.  Otherwise an Exit::Usage error
// like bpftool's: "'pid' applies to task, task_file or task_vma iterators
// only, program P has target T".
Status check_iter_target(IterParam param, std::string_view prog_name, std::string_view target);

// The targets that only kernels with the io_uring/epoll iterator series
// have (io_uring_buf, io_uring_file, epoll).
bool is_series_target(std::string_view target);

} // namespace uringdump
