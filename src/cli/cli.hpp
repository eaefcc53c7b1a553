// The command line: one function per command (cmd_*.cpp), the dispatch in
// main.cpp, one option parser (options.hpp) and one set of usage texts
// (usage.hpp) for all of them.  No BPF here: kernel/ does that.
#pragma once

#include <cstdio>

#include "base/result.hpp"
#include "cli/options.hpp"

namespace uringdump {

// Prints "uringdump: MESSAGE" (and, for usage errors, the synopsis) to
// stderr and returns the exit status of the error.
int fail(const Error& e);

// Prints `uringdump CMD --help` to stdout; returns 0.
int print_help(Command cmd);

void print_version();

// Each takes argv with argv[0] the command name ("dump", "pin", ...).
int cmd_dump(int argc, char** argv);
int cmd_pin(int argc, char** argv);
int cmd_read(int argc, char** argv);
int cmd_link(int argc, char** argv);
int cmd_iter(int argc, char** argv);
int cmd_cache(int argc, char** argv);
int cmd_checkpoint(int argc, char** argv);
int cmd_restore(int argc, char** argv);

} // namespace uringdump
