// Every usage text of uringdump, from one place: the synopsis of each
// command (the same lines as README's "## Commands" block and the man
// page's SYNOPSIS), each command's --help, and the hint printed after a
// usage error.  Pure: no I/O, unit-tested.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "cli/options.hpp"

namespace uringdump {

// The synopsis lines of `cmd`, without "Usage: " ("uringdump read PATH
// [-j|-p]").
std::vector<std::string_view> command_synopsis(Command cmd);

// The synopsis of every command, as "Usage: LINE\n       LINE\n...".
std::string usage_synopsis();

// What `uringdump --help` prints (the dump and an overview of the other
// commands), and `uringdump CMD --help` for the others.
std::string help_text(Command cmd);

// Printed on stderr after a usage error: the synopsis and where to read
// more.
std::string usage_hint();

} // namespace uringdump
