// An image directory on disk: written by checkpoint, read by restore.
//
//   DIR/manifest.json   the Image (format "uringdump-image", version 1)
//   DIR/dump.json       the snapshot as `uringdump --json` printed it
//   DIR/buffers/*.bin   registered buffer contents, one file per slot
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "base/result.hpp"
#include "image/image.hpp"

namespace uringdump {

// Creates DIR (it must not exist, or be an empty directory), reads every
// registered buffer of img from process pid's memory into DIR/buffers/
// (a slot whose memory is no longer mapped gets `unreadable` instead) and
// writes DIR/manifest.json and DIR/dump.json (dump_json: its text).  On
// failure nothing it created is left behind.  Errors: Exit::Failure
// (DIR exists and is not empty, write errors).
Status save_image(Image& img, pid_t pid, const std::string& dir, const std::string& dump_json);

// Reads DIR/manifest.json.  Errors: Exit::Failure naming the file and the
// problem: missing, not JSON (truncated), not a uringdump image, a newer
// version, a field missing or of the wrong type, a reference to an
// unknown file.
Result<Image> load_image(const std::string& dir);

// The manifest's text as an Image; `where` names it in errors.  Pure (the
// fuzzed part of load_image).
Result<Image> parse_manifest(std::string_view text, const std::string& where);

// Reads a buffer's saved contents (DIR/buffers/NAME), exactly len bytes.
Result<std::string> load_buffer(const std::string& dir, const ImageBuffer& buf);

} // namespace uringdump
