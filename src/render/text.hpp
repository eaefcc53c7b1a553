// Plain-text rendering of a snapshot, aligned, in the spirit of bpftool.
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "model/model.hpp"

namespace uringdump {

// One block per process with io_uring/epoll instances ("pid 1234 (demo)"),
// or "no io_uring or epoll instances found" when there is none.  Linear in
// the size of the snapshot; writes out in large chunks.
void render_text(const Snapshot& snapshot, std::ostream& out);

// s with control bytes (< 0x20, 0x7f) as "\xNN": safe on a terminal.
std::string printable(std::string_view s);

} // namespace uringdump
