// Rendering of BPF links (`uringdump link show`, and `uringdump iter pin`
// for the link it creates): bpftool's plain layout and its JSON field names.
#pragma once

#include <ostream>
#include <span>

#include "bpftool/link_info.hpp"

namespace uringdump {

// bpftool's plain layout, one link:
//   ID: iter  prog PROG  target_name NAME  [map_id N  | pid N  | ...]
//   	uringdump pid N  fd M        (uringdump's own iterators)
//   	pinned PATH                  (one line per path)
//   	pids comm(pid), comm(pid)
void render_link_plain(const LinkDesc& link, std::ostream& out);
void render_links_plain(std::span<const LinkDesc> links, std::ostream& out);

// One JSON object, keys in bpftool's order: id, type (a string, or the
// number when libbpf has no name for it), prog_id, target_name, map_id,
// tid / pid, io_uring_inode, epoll_inode, cgroup_id, order (iterators, when
// they apply), "uringdump": {"pid", "fd"} (uringdump's iterators; null =
// every process / the whole process), "pinned": [PATH...] and
// "pids": [{"pid", "comm"}...] (always present, maybe empty).
// pretty = indented two spaces; ends in '\n'.
void render_link_json(const LinkDesc& link, std::ostream& out, bool pretty);
// A JSON array of such objects (`link show` without `id`).
void render_links_json(std::span<const LinkDesc> links, std::ostream& out, bool pretty);

} // namespace uringdump
