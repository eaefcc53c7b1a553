// bpffs and link-info queries for `uringdump read`.
#include "kernel/pin_read.hpp"

#include <linux/magic.h>
#include <sys/statfs.h>

#include <bpf/bpf.h>

#include "base/unique_fd.hpp"
#include "kernel/links.hpp"

namespace uringdump {

bool is_bpffs_path(const std::string& path)
{
	struct statfs fs;
	return ::statfs(path.c_str(), &fs) == 0 &&
	       static_cast<unsigned long>(fs.f_type) == BPF_FS_MAGIC;
}

std::optional<std::uint64_t> pinned_ring_inode(const std::string& pin)
{
	UniqueFd link(bpf_obj_get(pin.c_str()));
	if (!link)
		return std::nullopt;
	auto desc = describe_link(link.get());
	if (!desc || !desc->io_uring_inode)
		return std::nullopt;
	return *desc->io_uring_inode;
}

} // namespace uringdump
