// BPF iterator links on this system: the kernel's link info, bpffs pins and
// fd holders, put together as bpftool's `link show` does.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "bpftool/link_info.hpp"

namespace uringdump {

// The link behind an fd: its info and, for uringdump's programs, what it
// dumps (pinned and pids are left empty).
Result<LinkDesc> describe_link(int link_fd);

// link id -> every path pinning it, over every bpf mount (pinned objects
// that are not links are skipped).  Errors are skipped quietly.
std::map<std::uint32_t, std::vector<std::string>> find_link_pins();

// link id -> processes holding an fd of it (from /proc/*/fdinfo), without
// the calling process.  Errors are skipped quietly.
std::map<std::uint32_t, std::vector<LinkHolder>> find_link_holders();

// `link show`: every iterator link (sorted by id), or the link `id` of any
// type, each with its pins and holders.  Errors: no such link -> Target,
// missing CAP_SYS_ADMIN -> Permission.
Result<std::vector<LinkDesc>> collect_links(std::optional<std::uint32_t> id);

} // namespace uringdump
