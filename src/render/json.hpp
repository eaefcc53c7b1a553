// JSON rendering of a snapshot (the schema is a contract with the tests).
#pragma once

#include <cstddef>
#include <ostream>
#include <string_view>

#include <json/json.h>

#include "model/model.hpp"

namespace uringdump {

inline constexpr int kJsonVersion = 1;

// The whole document: {"version", "exact", "processes": [...]}.  Only
// processes with at least one io_uring or epoll instance are listed.
Json::Value to_json(const Snapshot& snapshot);

// The same document written straight to out (no Json::Value is built):
// pretty = indented two spaces, one member per line; else one line.
// Keys appear in schema order.  Ends in '\n'.  Strings are valid UTF-8
// (each invalid byte becomes U+FFFD).
void render_json(const Snapshot& snapshot, std::ostream& out, bool pretty);

// Length of the valid UTF-8 sequence at the start of s, 0 when invalid.
std::size_t utf8_sequence_length(std::string_view s);

} // namespace uringdump
