// JSON rendering of a snapshot (the schema is a contract with the tests).
#pragma once

#include <ostream>

#include "model/model.hpp"

namespace uringdump {

inline constexpr int kJsonVersion = 1;

// The whole document, {"version", "exact", "source", "processes": [...]},
// written to out with JsonWriter (render/json_writer.hpp): pretty =
// indented two spaces, one member per line; else one line.  Keys appear in
// schema order.  Ends in '\n'.  Only processes with at least one io_uring
// or epoll instance are listed.
void render_json(const Snapshot& snapshot, std::ostream& out, bool pretty);

} // namespace uringdump
