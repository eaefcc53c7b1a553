// Streaming JSON: a growing buffer flushed in large chunks, a stack of
// "container still empty" bits for separators and indentation.
#include "render/json_writer.hpp"

namespace uringdump {

namespace {

constexpr std::size_t kChunk = 1u << 16;

// Bytes copied into a JSON string as they are: printable ASCII other than
// the quote and the backslash.
bool plain_ascii(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

// The escape of one byte that is not copied as it is (an ASCII control
// byte, '"', '\\', or the first byte of an invalid UTF-8 sequence).
void append_escape(std::string& out, unsigned char c)
{
	static constexpr char kHex[] = "0123456789abcdef";
	switch (c) {
	case '"': out += "\\\""; return;
	case '\\': out += "\\\\"; return;
	case '\b': out += "\\b"; return;
	case '\f': out += "\\f"; return;
	case '\n': out += "\\n"; return;
	case '\r': out += "\\r"; return;
	case '\t': out += "\\t"; return;
	default: break;
	}
	if (c >= 0x80) {
		out += "\xef\xbf\xbd"; // U+FFFD
		return;
	}
	const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
	out.append(esc, sizeof(esc));
}

} // namespace

std::size_t utf8_sequence_length(std::string_view s)
{
	if (s.empty())
		return 0;
	const auto b0 = static_cast<unsigned char>(s[0]);
	if (b0 < 0x80)
		return 1;
	std::size_t n;
	std::uint32_t cp;
	if (b0 >= 0xc2 && b0 <= 0xdf) {
		n = 2;
		cp = b0 & 0x1fu;
	} else if (b0 >= 0xe0 && b0 <= 0xef) {
		n = 3;
		cp = b0 & 0x0fu;
	} else if (b0 >= 0xf0 && b0 <= 0xf4) {
		n = 4;
		cp = b0 & 0x07u;
	} else {
		return 0;
	}
	if (s.size() < n)
		return 0;
	for (std::size_t i = 1; i < n; i++) {
		const auto b = static_cast<unsigned char>(s[i]);
		if ((b & 0xc0u) != 0x80u)
			return 0;
		cp = (cp << 6) | (b & 0x3fu);
	}
	const bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
	const bool surrogate = cp >= 0xd800 && cp <= 0xdfff;
	if (overlong || surrogate || cp > 0x10ffff)
		return 0;
	return n;
}

void append_json_escaped(std::string& out, std::string_view s)
{
	// Runs of bytes kept as they are are appended at once.
	std::size_t run = 0;
	std::size_t i = 0;
	while (i < s.size()) {
		const auto c = static_cast<unsigned char>(s[i]);
		if (plain_ascii(c)) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			const std::size_t n = utf8_sequence_length(s.substr(i));
			if (n != 0) {
				i += n;
				continue;
			}
		}
		out.append(s.data() + run, i - run);
		append_escape(out, c);
		run = ++i;
	}
	out.append(s.data() + run, i - run);
}

JsonWriter::JsonWriter(std::ostream& out, bool pretty) : out_(out), pretty_(pretty)
{
	buf_.reserve(2 * kChunk);
}

JsonWriter::~JsonWriter()
{
	flush();
}

void JsonWriter::key(std::string_view k)
{
	element();
	buf_ += '"';
	append_json_escaped(buf_, k);
	buf_ += pretty_ ? "\": " : "\":";
	after_key_ = true;
}

void JsonWriter::string(std::string_view v)
{
	element();
	buf_ += '"';
	append_json_escaped(buf_, v);
	buf_ += '"';
	done_value();
}

void JsonWriter::finish()
{
	buf_ += '\n';
	flush();
}

void JsonWriter::flush()
{
	if (buf_.empty())
		return;
	out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
	buf_.clear();
}

// The separator and the indentation before a member or an element; nothing
// between a key and its value.
void JsonWriter::element()
{
	if (after_key_) {
		after_key_ = false;
		return;
	}
	if (empty_.empty())
		return;
	if (!empty_.back())
		buf_ += ',';
	empty_.back() = false;
	newline();
}

void JsonWriter::newline()
{
	if (!pretty_)
		return;
	buf_ += '\n';
	buf_.append(2 * empty_.size(), ' ');
}

void JsonWriter::open(char c)
{
	element();
	buf_ += c;
	empty_.push_back(true);
}

void JsonWriter::close(char c)
{
	const bool empty = empty_.back();
	empty_.pop_back();
	if (!empty)
		newline();
	buf_ += c;
	done_value();
}

void JsonWriter::scalar(std::string_view text)
{
	element();
	buf_ += text;
	done_value();
}

void JsonWriter::done_value()
{
	if (buf_.size() >= kChunk)
		flush();
}

} // namespace uringdump
