// BPF iterator links on this system: link info from the kernel, the bpffs
// paths that pin each link, and the processes that hold an fd of it.
#include "kernel/links.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <memory>
#include <set>

#include "base/errors.hpp"
#include "base/procfs.hpp"
#include "base/unique_fd.hpp"
#include "kernel/bpf_ptr.hpp"

namespace uringdump {
namespace {

bool permission_errno(int err)
{
	return err == EPERM || err == EACCES;
}

Error permission_error(const std::string& what, int err)
{
	return make_error(Exit::Permission,
			  "listing BPF links needs CAP_SYS_ADMIN (run as root): " + what + ": " +
				  errno_text(err));
}

// ------------------------------------------------------------ the kernel

// The variables of the DATASEC of a .rodata map, from the map's BTF.
std::vector<RodataVar> rodata_vars(const struct bpf_map_info& mi)
{
	std::vector<RodataVar> vars;
	if (!mi.btf_id)
		return vars;
	BtfPtr btf(btf__load_from_kernel_by_id(mi.btf_id));
	if (!btf)
		return vars;
	const struct btf_type* sec = nullptr;
	if (mi.btf_value_type_id) {
		const struct btf_type* t = btf__type_by_id(btf.get(), mi.btf_value_type_id);
		if (t && btf_is_datasec(t))
			sec = t;
	}
	if (!sec) {
		const int id = btf__find_by_name_kind(btf.get(), ".rodata", BTF_KIND_DATASEC);
		if (id > 0)
			sec = btf__type_by_id(btf.get(), static_cast<__u32>(id));
	}
	if (!sec)
		return vars;
	const struct btf_var_secinfo* vs = btf_var_secinfos(sec);
	for (unsigned i = 0; i < btf_vlen(sec); i++, vs++) {
		const struct btf_type* v = btf__type_by_id(btf.get(), vs->type);
		if (!v || !btf_is_var(v))
			continue;
		const char* name = btf__name_by_offset(btf.get(), v->name_off);
		if (name)
			vars.push_back(RodataVar{name, vs->offset, vs->size});
	}
	return vars;
}

// target_pid/target_fd of a program of uringdump, from its .rodata map.
UringdumpTarget uringdump_target(int prog_fd)
{
	struct bpf_prog_info pi;
	std::memset(&pi, 0, sizeof(pi));
	__u32 len = sizeof(pi);
	if (bpf_obj_get_info_by_fd(prog_fd, &pi, &len) || pi.nr_map_ids == 0)
		return {};
	std::vector<__u32> map_ids(pi.nr_map_ids);
	const __u32 nr = pi.nr_map_ids;
	std::memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = nr;
	pi.map_ids = reinterpret_cast<std::uintptr_t>(map_ids.data());
	len = sizeof(pi);
	if (bpf_obj_get_info_by_fd(prog_fd, &pi, &len))
		return {};
	map_ids.resize(std::min(nr, pi.nr_map_ids));

	for (__u32 map_id : map_ids) {
		UniqueFd map_fd(bpf_map_get_fd_by_id(map_id));
		if (!map_fd)
			continue;
		struct bpf_map_info mi;
		std::memset(&mi, 0, sizeof(mi));
		len = sizeof(mi);
		if (bpf_obj_get_info_by_fd(map_fd.get(), &mi, &len))
			continue;
		if (!std::string_view(mi.name).ends_with(".rodata") ||
		    mi.type != BPF_MAP_TYPE_ARRAY || mi.value_size == 0)
			continue;
		std::vector<std::uint8_t> section(mi.value_size);
		const __u32 key = 0;
		if (bpf_map_lookup_elem(map_fd.get(), &key, section.data()))
			continue;
		const std::vector<RodataVar> vars = rodata_vars(mi);
		return decode_uringdump_rodata(vars, section);
	}
	return {};
}

// The name of a program (BPF_OBJ_NAME_LEN - 1 characters at most).
std::optional<std::string> prog_name(int prog_fd)
{
	struct bpf_prog_info pi;
	std::memset(&pi, 0, sizeof(pi));
	__u32 len = sizeof(pi);
	if (bpf_obj_get_info_by_fd(prog_fd, &pi, &len))
		return std::nullopt;
	return std::string(pi.name, strnlen(pi.name, sizeof(pi.name)));
}

// The link id of an fd, when the fd is a link (its fdinfo has link_id:).
std::optional<std::uint32_t> fd_link_id(int fd)
{
	auto text = read_text_file("/proc/self/fdinfo/" + std::to_string(fd));
	if (!text)
		return std::nullopt;
	return parse_fdinfo_link_id(*text);
}

// The mount id (or, without STATX_MNT_ID, the device) of a path.
std::optional<std::uint64_t> mount_key(int dirfd, const char* name)
{
	struct statx stx;
	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE | STATX_MNT_ID,
		  &stx))
		return std::nullopt;
	if (stx.stx_mask & STATX_MNT_ID)
		return stx.stx_mnt_id;
	return (static_cast<std::uint64_t>(stx.stx_dev_major) << 32) | stx.stx_dev_minor;
}

std::string join_path(const std::string& dir, std::string_view name)
{
	std::string p = dir;
	if (p.empty() || p.back() != '/')
		p += '/';
	p += name;
	return p;
}

// Every regular file under the mount at root that is a pinned link.
void scan_bpf_mount(const std::string& root, std::map<std::uint32_t, std::set<std::string>>& pins)
{
	const auto root_key = mount_key(AT_FDCWD, root.c_str());
	if (!root_key)
		return;
	std::vector<std::string> dirs{root};
	while (!dirs.empty()) {
		const std::string dir = std::move(dirs.back());
		dirs.pop_back();
		const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		std::unique_ptr<DIR, int (*)(DIR*)> d(::fdopendir(fd), ::closedir);
		if (!d) {
			::close(fd);
			continue;
		}
		while (const struct dirent* e = ::readdir(d.get())) {
			const std::string_view name = e->d_name;
			if (name == "." || name == "..")
				continue;
			unsigned char type = e->d_type;
			if (type == DT_UNKNOWN) {
				struct stat st;
				if (::fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW))
					continue;
				type = S_ISDIR(st.st_mode)   ? DT_DIR
				       : S_ISREG(st.st_mode) ? DT_REG
							     : DT_UNKNOWN;
			}
			const std::string path = join_path(dir, name);
			if (type == DT_DIR) {
				// other mounts below this one are walked on their own
				if (mount_key(fd, e->d_name) == root_key)
					dirs.push_back(path);
				continue;
			}
			if (type != DT_REG)
				continue;
			UniqueFd obj(bpf_obj_get(path.c_str()));
			if (!obj)
				continue;
			if (auto id = fd_link_id(obj.get()))
				pins[*id].insert(path);
		}
	}
}

Result<LinkDesc> describe_link_impl(int link_fd)
{
	alignas(8) std::array<std::uint8_t, 256> info{};
	__u32 len = info.size();
	if (bpf_obj_get_info_by_fd(link_fd, info.data(), &len)) {
		const int err = errno;
		if (permission_errno(err))
			return permission_error("reading link info", err);
		return make_error(Exit::Failure, "reading link info: " + errno_text(err));
	}
	std::array<char, 256> target{};
	std::uint32_t type = 0; // struct bpf_link_info.type, at offset 0
	std::memcpy(&type, info.data(), sizeof(type));
	if (type == kLinkTypeIter) {
		info.fill(0);
		const std::uint64_t ptr = reinterpret_cast<std::uintptr_t>(target.data());
		const std::uint32_t tlen = target.size();
		std::memcpy(info.data() + offsetof(struct bpf_link_info, iter.target_name), &ptr,
			    sizeof(ptr));
		std::memcpy(info.data() + offsetof(struct bpf_link_info, iter.target_name_len),
			    &tlen, sizeof(tlen));
		len = info.size();
		if (bpf_obj_get_info_by_fd(link_fd, info.data(), &len))
			return make_error(Exit::Failure,
					  "reading iterator link info: " + errno_text(errno));
		target.back() = '\0';
	}
	auto desc = parse_link_info(
		std::span(info.data(), std::max<std::size_t>(len, kLinkInfoMinSize)),
		target.data());
	if (!desc || !desc->is_iter())
		return desc;

	UniqueFd prog(bpf_prog_get_fd_by_id(desc->prog_id));
	if (!prog)
		return desc;
	if (auto name = prog_name(prog.get()))
		desc->prog_name = *name;
	if (is_uringdump_prog(desc->prog_name, desc->target_name)) {
		UringdumpTarget t = uringdump_target(prog.get());
		if (!t.pid && desc->pid)
			t.pid = desc->pid; // the link's task filter says it as well
		desc->uringdump = t;
	}
	return desc;
}

} // namespace

Result<LinkDesc> describe_link(int link_fd)
{
	return describe_link_impl(link_fd);
}

std::map<std::uint32_t, std::vector<std::string>> find_link_pins()
{
	std::map<std::uint32_t, std::set<std::string>> found;
	if (auto text = read_text_file("/proc/self/mountinfo"))
		for (const std::string& m : parse_bpf_mounts(*text))
			scan_bpf_mount(m, found);
	std::map<std::uint32_t, std::vector<std::string>> pins;
	for (auto& [id, paths] : found)
		pins[id].assign(paths.begin(), paths.end());
	return pins;
}

std::map<std::uint32_t, std::vector<LinkHolder>> find_link_holders()
{
	std::map<std::uint32_t, std::vector<LinkHolder>> holders;
	std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), ::closedir);
	if (!proc)
		return holders;
	const pid_t self = ::getpid();
	// "anon_inode:bpf_link" or "anon_inode:bpf-link" (as fds from
	// BPF_LINK_GET_FD_BY_ID and BPF_OBJ_GET are named); fdinfo decides
	constexpr std::string_view kBpfAnon = "anon_inode:bpf";
	while (const struct dirent* pe = ::readdir(proc.get())) {
		pid_t pid = 0;
		const std::string_view pname = pe->d_name;
		const auto r = std::from_chars(pname.data(), pname.data() + pname.size(), pid);
		if (r.ec != std::errc() || r.ptr != pname.data() + pname.size() || pid <= 0 ||
		    pid == self)
			continue;
		const std::string base = "/proc/" + std::string(pname);
		const int fd = ::open((base + "/fd").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		std::unique_ptr<DIR, int (*)(DIR*)> fds(::fdopendir(fd), ::closedir);
		if (!fds) {
			::close(fd);
			continue;
		}
		std::optional<std::string> comm;
		while (const struct dirent* fe = ::readdir(fds.get())) {
			if (fe->d_name[0] == '.')
				continue;
			char target[64];
			const ssize_t n = ::readlinkat(fd, fe->d_name, target, sizeof(target));
			if (n <= 0 || std::string_view(target, static_cast<std::size_t>(n))
						      .substr(0, kBpfAnon.size()) != kBpfAnon)
				continue;
			auto text = read_text_file(base + "/fdinfo/" + fe->d_name);
			if (!text)
				continue;
			auto id = parse_fdinfo_link_id(*text);
			if (!id)
				continue;
			if (!comm) {
				comm = read_text_file(base + "/comm").value_or("");
				while (!comm->empty() && comm->back() == '\n')
					comm->pop_back();
			}
			std::vector<LinkHolder>& v = holders[*id];
			if (std::none_of(v.begin(), v.end(),
					 [&](const LinkHolder& h) { return h.pid == pid; }))
				v.push_back(LinkHolder{pid, *comm});
		}
	}
	for (auto& [id, v] : holders)
		std::sort(v.begin(), v.end(),
			  [](const LinkHolder& a, const LinkHolder& b) { return a.pid < b.pid; });
	return holders;
}

Result<std::vector<LinkDesc>> collect_links(std::optional<std::uint32_t> id)
{
	std::vector<LinkDesc> links;
	if (id) {
		UniqueFd fd(bpf_link_get_fd_by_id(*id));
		if (!fd) {
			const int err = errno;
			if (err == ENOENT)
				return make_error(Exit::Target,
						  "no such link: " + std::to_string(*id));
			if (permission_errno(err))
				return permission_error("opening link " + std::to_string(*id), err);
			return make_error(Exit::Failure, "opening link " + std::to_string(*id) +
								 ": " + errno_text(err));
		}
		auto d = describe_link(fd.get());
		if (!d)
			return d.error();
		links.push_back(std::move(*d));
	} else {
		__u32 cur = 0, next = 0;
		while (true) {
			if (bpf_link_get_next_id(cur, &next)) {
				const int err = errno;
				if (err == ENOENT)
					break;
				if (permission_errno(err))
					return permission_error("bpf_link_get_next_id", err);
				return make_error(Exit::Failure,
						  "listing BPF links: " + errno_text(err));
			}
			cur = next;
			UniqueFd fd(bpf_link_get_fd_by_id(next));
			if (!fd) {
				const int err = errno;
				if (err == ENOENT)
					continue; // went away meanwhile
				if (permission_errno(err))
					return permission_error(
						"opening link " + std::to_string(next), err);
				return make_error(Exit::Failure, "opening link " +
									 std::to_string(next) +
									 ": " + errno_text(err));
			}
			auto d = describe_link(fd.get());
			if (!d) {
				if (d.error().code == Exit::Permission)
					return d.error();
				continue; // detached or gone meanwhile
			}
			if (d->is_iter())
				links.push_back(std::move(*d));
		}
	}
	const auto pins = find_link_pins();
	const auto holders = find_link_holders();
	for (LinkDesc& l : links) {
		if (auto it = pins.find(l.id); it != pins.end())
			l.pinned = it->second;
		if (auto it = holders.find(l.id); it != holders.end())
			l.pids = it->second;
	}
	return links;
}

} // namespace uringdump
