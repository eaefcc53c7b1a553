// BPF iterator links as bytes and text: struct bpf_link_info, bpffs mounts
// in mountinfo, link ids in fdinfo, and uringdump's own .rodata.  Pure
// logic, unit-tested with synthetic bytes; the system calls that produce
// the bytes are in kernel/links.cpp.
#include "bpftool/link_info.hpp"

#include <linux/bpf.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <cstring>

namespace uringdump {

// The offsets parse_link_info reads must be the kernel's (linux/bpf.h of
// 6.1, where struct bpf_link_info.iter has map_id in the first union and
// cgroup/task in the second; the io_uring/epoll series adds to the second).
static_assert(offsetof(struct bpf_link_info, type) == 0);
static_assert(offsetof(struct bpf_link_info, id) == 4);
static_assert(offsetof(struct bpf_link_info, prog_id) == 8);
static_assert(offsetof(struct bpf_link_info, iter.target_name) == 16);
static_assert(offsetof(struct bpf_link_info, iter.target_name_len) == 24);
static_assert(offsetof(struct bpf_link_info, iter.map.map_id) == kLinkInfoIterMapId);
static_assert(offsetof(struct bpf_link_info, iter.cgroup.cgroup_id) == kLinkInfoIterUnion2);
static_assert(offsetof(struct bpf_link_info, iter.cgroup.order) == kLinkInfoIterUnion2 + 8);
static_assert(offsetof(struct bpf_link_info, iter.task.tid) == kLinkInfoIterUnion2);
static_assert(offsetof(struct bpf_link_info, iter.task.pid) == kLinkInfoIterUnion2 + 4);
static_assert(sizeof(struct bpf_link_info) >= kLinkInfoMinSize);
static_assert(BPF_LINK_TYPE_ITER == kLinkTypeIter);

namespace {

template <class T>
T load(std::span<const std::uint8_t> bytes, std::size_t off)
{
	T v;
	std::memcpy(&v, bytes.data() + off, sizeof(v));
	return v;
}

bool is_map_target(std::string_view t)
{
	return t == "bpf_map_elem" || t == "bpf_sk_storage_map";
}

bool is_task_target(std::string_view t)
{
	return t == "task" || t == "task_file" || t == "task_vma";
}

bool is_io_uring_target(std::string_view t)
{
	return t == "io_uring_file" || t == "io_uring_buf";
}

int octal_digit(char c)
{
	return c >= '0' && c <= '7' ? c - '0' : -1;
}

// mountinfo escapes ' ', '\t', '\n' and '\\' as \ooo.
std::string unescape_mount_field(std::string_view s)
{
	std::string out;
	out.reserve(s.size());
	for (std::size_t i = 0; i < s.size(); i++) {
		if (s[i] == '\\' && s.size() - i >= 4) {
			const int a = octal_digit(s[i + 1]), b = octal_digit(s[i + 2]),
				  c = octal_digit(s[i + 3]);
			if (a >= 0 && b >= 0 && c >= 0 && a <= 3) {
				out += static_cast<char>(a * 64 + b * 8 + c);
				i += 3;
				continue;
			}
		}
		out += s[i];
	}
	return out;
}

std::vector<std::string_view> split_spaces(std::string_view line)
{
	std::vector<std::string_view> fields;
	std::size_t i = 0;
	while (i < line.size()) {
		while (i < line.size() && line[i] == ' ')
			i++;
		const std::size_t start = i;
		while (i < line.size() && line[i] != ' ')
			i++;
		if (i > start)
			fields.push_back(line.substr(start, i - start));
	}
	return fields;
}

// libbpf's names of enum bpf_link_type (libbpf_bpf_link_type_str), kept here
// so that parsing needs no libbpf.
constexpr std::array<std::string_view, 15> kLinkTypeNames = {
	"unspec",       "raw_tracepoint", "tracing",      "cgroup",     "iter",      "netns",
	"xdp",          "perf_event",     "kprobe_multi", "struct_ops", "netfilter", "tcx",
	"uprobe_multi", "netkit",         "sockmap",
};

} // namespace

Result<LinkDesc> parse_link_info(std::span<const std::uint8_t> info, std::string_view target_name)
{
	if (info.size() < 12)
		return make_error(Exit::Failure, "link info too short (" +
							 std::to_string(info.size()) + " bytes)");
	LinkDesc d;
	d.type = load<std::uint32_t>(info, 0);
	d.id = load<std::uint32_t>(info, 4);
	d.prog_id = load<std::uint32_t>(info, 8);
	if (d.type != 0 && d.type < kLinkTypeNames.size())
		d.type_name = kLinkTypeNames[d.type];
	if (!d.is_iter())
		return d;
	if (info.size() < kLinkInfoMinSize)
		return make_error(Exit::Failure, "iterator link info too short (" +
							 std::to_string(info.size()) + " bytes)");
	d.target_name = std::string(target_name.substr(0, target_name.find('\0')));
	const std::string_view t = d.target_name;
	const std::size_t u2 = kLinkInfoIterUnion2;
	if (is_map_target(t)) {
		d.map_id = load<std::uint32_t>(info, kLinkInfoIterMapId);
	} else if (is_task_target(t)) {
		const auto tid = load<std::uint32_t>(info, u2);
		const auto pid = load<std::uint32_t>(info, u2 + 4);
		if (tid)
			d.tid = tid;
		else if (pid)
			d.pid = pid;
	} else if (is_io_uring_target(t)) {
		d.io_uring_inode = load<std::uint64_t>(info, u2);
	} else if (t == "epoll") {
		d.epoll_inode = load<std::uint64_t>(info, u2);
	} else if (t == "cgroup") {
		d.cgroup_id = load<std::uint64_t>(info, u2);
		d.order = load<std::uint32_t>(info, u2 + 8);
	}
	return d;
}

std::string_view cgroup_order_name(std::uint32_t order)
{
	switch (order) {
	case 0: return "order_unspec";
	case 1: return "self_only";
	case 2: return "descendants_pre";
	case 3: return "descendants_post";
	case 4: return "ancestors_up";
	default: return "unknown";
	}
}

std::vector<std::string> parse_bpf_mounts(std::string_view mountinfo)
{
	std::vector<std::string> mounts;
	while (!mountinfo.empty()) {
		const std::size_t nl = mountinfo.find('\n');
		const std::string_view line = mountinfo.substr(0, nl);
		mountinfo.remove_prefix(nl == std::string_view::npos ? mountinfo.size() : nl + 1);
		const auto f = split_spaces(line);
		// id parent maj:min root mount_point options [optional...] - fstype source super
		std::size_t sep = 6;
		while (sep < f.size() && f[sep] != "-")
			sep++;
		if (sep + 1 >= f.size() || f[sep + 1] != "bpf")
			continue;
		std::string mp = unescape_mount_field(f[4]);
		if (std::find(mounts.begin(), mounts.end(), mp) == mounts.end())
			mounts.push_back(std::move(mp));
	}
	return mounts;
}

std::optional<std::uint32_t> parse_fdinfo_link_id(std::string_view fdinfo)
{
	constexpr std::string_view key = "link_id:";
	while (!fdinfo.empty()) {
		const std::size_t nl = fdinfo.find('\n');
		std::string_view line = fdinfo.substr(0, nl);
		fdinfo.remove_prefix(nl == std::string_view::npos ? fdinfo.size() : nl + 1);
		if (line.substr(0, key.size()) != key)
			continue;
		line.remove_prefix(key.size());
		while (!line.empty() && (line.front() == ' ' || line.front() == '\t'))
			line.remove_prefix(1);
		std::uint32_t id = 0;
		const auto r = std::from_chars(line.data(), line.data() + line.size(), id);
		if (r.ec != std::errc() || r.ptr == line.data())
			return std::nullopt;
		const std::string_view rest(
			r.ptr, static_cast<std::size_t>(line.data() + line.size() - r.ptr));
		if (rest.find_first_not_of(" \t") != std::string_view::npos)
			return std::nullopt;
		return id;
	}
	return std::nullopt;
}

bool is_uringdump_prog(std::string_view prog_name, std::string_view target_name)
{
	return (prog_name == "dump_task_file" && target_name == "task_file") ||
	       (prog_name == "dump_pinned" &&
		(target_name == "ksym" || target_name == "bpf_map_elem"));
}

UringdumpTarget decode_uringdump_rodata(std::span<const RodataVar> vars,
					std::span<const std::uint8_t> section)
{
	UringdumpTarget t;
	for (const RodataVar& v : vars) {
		if (v.size != 4 || v.offset > section.size() || section.size() - v.offset < 4)
			continue;
		if (v.name == "target_pid") {
			const auto pid = load<std::uint32_t>(section, v.offset);
			t.pid = pid ? std::optional<std::uint32_t>(pid) : std::nullopt;
		} else if (v.name == "target_fd") {
			const auto fd = load<std::int32_t>(section, v.offset);
			t.fd = fd >= 0 ? std::optional<std::int32_t>(fd) : std::nullopt;
		}
	}
	return t;
}

} // namespace uringdump
