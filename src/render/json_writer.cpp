// Streaming JSON: a growing buffer flushed in large chunks, a stack of
// "container still empty" bits for separators and indentation.
#include "render/json_writer.hpp"

#include <array>

namespace uringdump {

namespace {

// json_plain_byte as a table: the test runs on every byte of every string.
constexpr std::array<bool, 256> kPlainAscii = [] {
	std::array<bool, 256> t{};
	for (unsigned c = 0; c < 256; c++)
		t[c] = json_plain_byte(static_cast<unsigned char>(c));
	return t;
}();

bool plain_ascii(unsigned char c)
{
	return kPlainAscii[c];
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

JsonWriter::JsonWriter(std::ostream& out, bool pretty)
    : out_(out), pretty_(pretty), buf_(2 * kChunk)
{
	empty_.reserve(16);
}

JsonWriter::~JsonWriter()
{
	flush();
}

void JsonWriter::quoted(std::string_view v)
{
	// The common case, nothing to escape: one copy.
	std::size_t plain = 0;
	while (plain < v.size() && plain_ascii(static_cast<unsigned char>(v[plain])))
		plain++;
	if (plain == v.size()) {
		quoted_as_is(v);
		return;
	}
	std::string escaped;
	escaped.reserve(v.size() + 16);
	escaped += '"';
	append_json_escaped(escaped, v);
	escaped += '"';
	len_ = static_cast<std::size_t>(put(room(escaped.size()), escaped) - buf_.data());
}

void JsonWriter::finish()
{
	*room(1) = '\n';
	len_++;
	flush();
}

void JsonWriter::flush()
{
	if (len_ == 0)
		return;
	out_.write(buf_.data(), static_cast<std::streamsize>(len_));
	len_ = 0;
}

void JsonWriter::make_room(std::size_t n)
{
	flush();
	if (buf_.size() < n)
		buf_.resize(n);
}

void JsonWriter::newline()
{
	const std::size_t indent = 2 * empty_.size();
	char* p = room(1 + indent);
	*p++ = '\n';
	std::memset(p, ' ', indent);
	len_ += 1 + indent;
}

void JsonWriter::open(char c)
{
	element();
	*room(1) = c;
	len_++;
	empty_.push_back(1);
}

void JsonWriter::close(char c)
{
	const bool empty = empty_.back() != 0;
	empty_.pop_back();
	if (!empty && pretty_)
		newline();
	*room(1) = c;
	len_++;
	done_value();
}

} // namespace uringdump
