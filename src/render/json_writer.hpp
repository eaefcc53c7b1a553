// The one JSON writer of uringdump: streaming (no DOM), keys in the order
// they are written, one escaping rule for every string.
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

// Bytes a JSON string holds as they are: printable ASCII other than the
// quote and the backslash.  Everything else is escaped (append_json_escaped).
constexpr bool json_plain_byte(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

// The name of a member: a string literal of printable ASCII without '"'
// and '\\', checked when the program is compiled (a key that breaks the
// rule does not compile), so it is written as it is, never scanned.
class JsonKey {
public:
	template <std::size_t N>
	consteval JsonKey(
		const char (&s)[N]) // NOLINT(google-explicit-constructor): literals convert
	    : text_(s, N - 1)
	{
		for (char c : text_)
			if (!json_plain_byte(static_cast<unsigned char>(c)))
				throw "a JSON key must be plain printable ASCII";
	}
	constexpr std::string_view text() const { return text_; }

private:
	std::string_view text_;
};

// Writes one JSON document to out: begin_/end_ object and array, key
// before each member of an object, then a value.  Output is built in a
// buffer and handed to the stream in chunks of about 64 KiB.  pretty:
// two-space indent, one member or element per line, "{}" / "[]" when
// empty, ": " after keys; compact: no whitespace at all.  The caller writes
// a well-formed document (the writer does not check); finish() ends it.
//
// Hot path: a few hundred thousand members per dump, so the small calls
// are inline and write into room reserved in the buffer, not through
// std::string appends.
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
	void key(JsonKey name)
	{
		element();
		const std::string_view k = name.text();
		char* p = room(k.size() + 4);
		*p++ = '"';
		p = put(p, k);
		*p++ = '"';
		*p++ = ':';
		if (pretty_)
			*p++ = ' ';
		len_ = static_cast<std::size_t>(p - buf_.data());
		after_key_ = true;
	}
	void string(std::string_view v)
	{
		element();
		quoted(v);
		done_value();
	}
	// A string of this program's own making (a name from a table, an id
	// like "f12", a number in text): printable ASCII with no '"' or '\\',
	// so written as it is, without the escape scan string() does.
	void plain(std::string_view v)
	{
		element();
		quoted_as_is(v);
		done_value();
	}
	void boolean(bool b) { scalar(b ? std::string_view("true") : std::string_view("false")); }
	void null() { scalar("null"); }
	template <std::integral T>
	requires(!std::same_as<T, bool>) void number(T v)
	{
		element();
		char* p = room(24);
		const auto res = std::to_chars(p, p + 24, v);
		len_ = static_cast<std::size_t>(res.ptr - buf_.data());
		done_value();
	}
	// Ends the document with '\n' and flushes.
	void finish();
	void flush();

private:
	// The separator and the indentation before a member or an element;
	// nothing between a key and its value.
	void element()
	{
		if (after_key_) {
			after_key_ = false;
			return;
		}
		if (empty_.empty())
			return;
		if (empty_.back() == 0) {
			*room(1) = ',';
			len_++;
		}
		empty_.back() = 0;
		if (pretty_)
			newline();
	}
	void scalar(std::string_view text)
	{
		element();
		char* p = room(text.size());
		len_ = static_cast<std::size_t>(put(p, text) - buf_.data());
		done_value();
	}
	void done_value()
	{
		if (len_ >= kChunk)
			flush();
	}
	// At least n writable bytes at buf_.data() + len_ (flushes or grows).
	char* room(std::size_t n)
	{
		if (buf_.size() - len_ < n)
			make_room(n);
		return buf_.data() + len_;
	}
	static char* put(char* p, std::string_view s)
	{
		if (!s.empty())
			std::memcpy(p, s.data(), s.size());
		return p + s.size();
	}
	void make_room(std::size_t n);
	void quoted(std::string_view v); // '"' + escaped v + '"'
	// '"' + v + '"', v needing no escape
	void quoted_as_is(std::string_view v)
	{
		char* p = room(v.size() + 2);
		*p++ = '"';
		p = put(p, v);
		*p++ = '"';
		len_ = static_cast<std::size_t>(p - buf_.data());
	}

	void newline();
	void open(char c);
	void close(char c);

	static constexpr std::size_t kChunk = 1u << 16;

	std::ostream& out_;
	const bool pretty_;
	std::vector<char> buf_; // [0, len_) waits to be written
	std::size_t len_ = 0;
	std::vector<char> empty_; // per open container: nothing written in it yet (1/0)
	bool after_key_ = false;
};

} // namespace uringdump
