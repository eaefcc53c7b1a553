// The fuzz targets: every parser of untrusted input, each a function that
// takes arbitrary bytes.  One libFuzzer binary per target (driver.cpp), and
// the unit tests run every file of tests/fuzz/corpus/TARGET/ through the
// same function, so the checked-in corpus is tested from disk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace udfuzz {

using Target = void (*)(std::span<const std::uint8_t> data);

// A record stream (or, failing that, bare spilled records) -> model -> text
// and JSON, compact and pretty.
void records(std::span<const std::uint8_t> data);
// data[0] = length of the target name, then the name, then the bytes of a
// struct bpf_link_info -> parse_link_info -> bpftool's plain and JSON layouts.
void link_info(std::span<const std::uint8_t> data);
// /proc/PID/mountinfo text -> parse_bpf_mounts.
void mountinfo(std::span<const std::uint8_t> data);
// /proc/PID/fdinfo/FD text -> parse_fdinfo_link_id.
void fdinfo(std::span<const std::uint8_t> data);
// /proc/PID/stat line -> parse_proc_stat.
void proc_stat(std::span<const std::uint8_t> data);
// NUL-separated words -> the `iter` command line grammar.
void iter_args(std::span<const std::uint8_t> data);
// data[0] picks a command; NUL-separated words -> its option parser.
void argv(std::span<const std::uint8_t> data);
// A checkpoint image's manifest.json text -> parse_manifest.
void manifest(std::span<const std::uint8_t> data);

struct NamedTarget {
	std::string_view name; // the corpus folder: tests/fuzz/corpus/NAME/
	Target run;
};

inline constexpr NamedTarget kTargets[] = {
	{"records", records}, {"link_info", link_info}, {"mountinfo", mountinfo},
	{"fdinfo", fdinfo},   {"proc_stat", proc_stat}, {"iter_args", iter_args},
	{"argv", argv},       {"manifest", manifest},
};

} // namespace udfuzz
