// `uringdump iter pin OBJ PATH [PARAMETER]`: bpftool's `iter pin` with the
// io_uring/epoll series (bpftool-patch/), for systems whose bpftool lacks
// it.  The command line is parsed in bpftool/iter_args.hpp.
#pragma once

#include "base/result.hpp"
#include "bpftool/iter_args.hpp"

namespace uringdump {

// Opens and loads args.obj, attaches its first iterator program (section
// iter/TARGET) with args' parameter and pins the link at args.path, which
// must be in a bpffs mount and must not exist.  On failure nothing is left
// behind.  verbose: libbpf's diagnostics on stderr.  Errors: a parameter
// the program's target does not take -> Usage; a kernel without the
// io_uring/epoll targets -> Environment; a map or process not found ->
// Target.
Status iter_pin(const IterPinArgs& args, bool verbose);

} // namespace uringdump
