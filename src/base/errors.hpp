// errno as text, and the exit status an errno usually means.
#pragma once

#include <string>

#include "base/result.hpp"

namespace uringdump {

// strerror() of err; a negative err (libbpf's -errno) counts as its absolute value.
std::string errno_text(int err);

// Exit::Permission for EPERM and EACCES, Exit::Failure otherwise.
Exit exit_of_errno(int err);

} // namespace uringdump
