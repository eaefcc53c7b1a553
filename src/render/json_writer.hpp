// The one JSON writer of uringdump: streaming (no DOM), keys in the order
// they are written, one escaping rule for every string.
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace uringdump {

// Length of the valid UTF-8 sequence at the start of s, 0 when invalid
// (truncated, overlong, a surrogate, above U+10FFFF, a stray byte).
std::size_t utf8_sequence_length(std::string_view s);

// Appends s as the body of a JSON string (without the quotes).  The rule:
// '"' and '\\' get a backslash; \b \f \n \r \t their two-character escapes;
// the other control bytes (below 0x20, and 0x7f) "\u00XX" in lowercase
// hex; valid UTF-8 is kept as it is; each byte of an invalid sequence
// becomes U+FFFD.  The result is always valid UTF-8.
void append_json_escaped(std::string& out, std::string_view s);

// Writes one JSON document to out: begin_/end_ object and array, key
// before each member of an object, then a value.  Output is buffered and
// handed to the stream in chunks of about 64 KiB.  pretty: two-space
// indent, one member or element per line, "{}" / "[]" when empty, ": "
// after keys; compact: no whitespace at all.  The caller writes a
// well-formed document (the writer does not check); finish() ends it.
class JsonWriter {
public:
	JsonWriter(std::ostream& out, bool pretty);
	JsonWriter(const JsonWriter&) = delete;
	JsonWriter& operator=(const JsonWriter&) = delete;
	~JsonWriter(); // flushes what is buffered

	void begin_object() { open('{'); }
	void end_object() { close('}'); }
	void begin_array() { open('['); }
	void end_array() { close(']'); }
	void key(std::string_view k);
	void string(std::string_view v);
	void boolean(bool b) { scalar(b ? "true" : "false"); }
	void null() { scalar("null"); }
	template <std::integral T>
	requires(!std::same_as<T, bool>) void number(T v)
	{
		char tmp[24];
		const auto res = std::to_chars(tmp, tmp + sizeof(tmp), v);
		scalar(std::string_view(tmp, static_cast<std::size_t>(res.ptr - tmp)));
	}
	// Ends the document with '\n' and flushes.
	void finish();
	void flush();

private:
	void element();
	void newline();
	void open(char c);
	void close(char c);
	void scalar(std::string_view text);
	void done_value();

	std::ostream& out_;
	const bool pretty_;
	std::string buf_;
	std::vector<bool> empty_; // per open container: nothing written in it yet
	bool after_key_ = false;
};

} // namespace uringdump
