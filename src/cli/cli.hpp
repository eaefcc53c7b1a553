// The command line: one function per command (src/cmd_*.cpp), the dispatch
// in main.cpp, and the few helpers they share.
#pragma once

#include <cstdio>

#include "base/result.hpp"

namespace uringdump {

// Prints "uringdump: MESSAGE" (and a usage hint for usage errors) to stderr
// and returns the exit status of the error.
int fail(const Error& e);

void print_version();
void print_usage(std::FILE* out);

// Each takes argv with argv[0] the command name ("dump", "pin", ...).
int cmd_dump(int argc, char** argv);
int cmd_pin(int argc, char** argv);
int cmd_read(int argc, char** argv);
int cmd_link(int argc, char** argv);
int cmd_iter(int argc, char** argv);

} // namespace uringdump
