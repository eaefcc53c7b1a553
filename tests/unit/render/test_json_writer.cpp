// The one JSON writer: escaping, UTF-8, pretty and compact layout, nesting,
// numbers, chunked output.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>

#include <json/json.h>

#include "model/flags.hpp"
#include "render/json_writer.hpp"

using namespace uringdump;

namespace {

std::string escaped(std::string_view s)
{
	std::string out;
	append_json_escaped(out, s);
	return out;
}

// A JSON string holding s, read back by jsoncpp.
std::string round_trip(std::string_view s)
{
	std::ostringstream out;
	{
		JsonWriter w(out, false);
		w.begin_array();
		w.string(s);
		w.end_array();
		w.finish();
	}
	Json::Value v;
	Json::CharReaderBuilder rb;
	std::string errs;
	std::istringstream in(out.str());
	EXPECT_TRUE(Json::parseFromStream(rb, in, &v, &errs)) << errs << out.str();
	return v[0].asString();
}

// Writes a small document with every kind of value and nesting.
template <class Fn>
std::string write(bool pretty, Fn fn)
{
	std::ostringstream out;
	JsonWriter w(out, pretty);
	fn(w);
	w.finish();
	return out.str();
}

void sample(JsonWriter& w)
{
	w.begin_object();
	w.key("a");
	w.number(1);
	w.key("s");
	w.string("x");
	w.key("empty_array");
	w.begin_array();
	w.end_array();
	w.key("empty_object");
	w.begin_object();
	w.end_object();
	w.key("list");
	w.begin_array();
	w.boolean(true);
	w.boolean(false);
	w.null();
	w.begin_object();
	w.key("k");
	w.begin_array();
	w.number(-2);
	w.end_array();
	w.end_object();
	w.end_array();
	w.end_object();
}

} // namespace

TEST(JsonWriter, EscapingRule)
{
	EXPECT_EQ(escaped("plain text / 123"), "plain text / 123");
	EXPECT_EQ(escaped("\"\\"), "\\\"\\\\");
	EXPECT_EQ(escaped("\b\f\n\r\t"), "\\b\\f\\n\\r\\t");
	EXPECT_EQ(escaped(std::string_view("\0\x01\x1f\x7f", 4)), "\\u0000\\u0001\\u001f\\u007f");
	EXPECT_EQ(escaped("\x1b[31m"), "\\u001b[31m");
	EXPECT_EQ(escaped(""), "");
}

TEST(JsonWriter, Utf8KeptOrReplaced)
{
	// Valid sequences of every length are copied.
	EXPECT_EQ(escaped("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	// Each byte of an invalid sequence becomes U+FFFD.
	EXPECT_EQ(escaped("a\xff"
			  "b"),
		  "a\xef\xbf\xbd"
		  "b");
	EXPECT_EQ(escaped("\xc3"), "\xef\xbf\xbd");                 // truncated at the end
	EXPECT_EQ(escaped("\xc3(x"), "\xef\xbf\xbd(x");             // truncated inside
	EXPECT_EQ(escaped("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd"); // overlong
	EXPECT_EQ(escaped("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); // surrogate
	EXPECT_EQ(escaped("\x80\"\n"), "\xef\xbf\xbd\\\"\\n");
}

TEST(JsonWriter, Utf8SequenceLength)
{
	EXPECT_EQ(utf8_sequence_length("a"), 1u);
	EXPECT_EQ(utf8_sequence_length("\xc3\xa9"), 2u);
	EXPECT_EQ(utf8_sequence_length("\xe2\x82\xac"), 3u);
	EXPECT_EQ(utf8_sequence_length("\xf0\x9f\x98\x80"), 4u);
	EXPECT_EQ(utf8_sequence_length("\xc3"), 0u);             // truncated
	EXPECT_EQ(utf8_sequence_length("\xc0\xaf"), 0u);         // overlong
	EXPECT_EQ(utf8_sequence_length("\xe0\x80\xaf"), 0u);     // overlong
	EXPECT_EQ(utf8_sequence_length("\xf0\x80\x80\xaf"), 0u); // overlong
	EXPECT_EQ(utf8_sequence_length("\xed\xa0\x80"), 0u);     // surrogate
	EXPECT_EQ(utf8_sequence_length("\xf4\x90\x80\x80"), 0u); // > U+10FFFF
	EXPECT_EQ(utf8_sequence_length("\xe2\x28\xa1"), 0u);     // bad continuation
	EXPECT_EQ(utf8_sequence_length("\xff"), 0u);
	EXPECT_EQ(utf8_sequence_length(""), 0u);
}

TEST(JsonWriter, StringsReadBack)
{
	EXPECT_EQ(round_trip("a\"b\\c\n\x01\x7f\xc3\xa9"), "a\"b\\c\n\x01\x7f\xc3\xa9");
	EXPECT_EQ(round_trip(std::string_view("nul\0byte", 8)), std::string("nul\0byte", 8));
	EXPECT_EQ(round_trip("\xfe\xff"), "\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(JsonWriter, Compact)
{
	EXPECT_EQ(
		write(false, sample),
		R"({"a":1,"s":"x","empty_array":[],"empty_object":{},"list":[true,false,null,{"k":[-2]}]})"
		"\n");
}

TEST(JsonWriter, Pretty)
{
	EXPECT_EQ(write(true, sample), R"({
  "a": 1,
  "s": "x",
  "empty_array": [],
  "empty_object": {},
  "list": [
    true,
    false,
    null,
    {
      "k": [
        -2
      ]
    }
  ]
}
)");
}

TEST(JsonWriter, TopLevelScalarsAndEmpty)
{
	EXPECT_EQ(write(true, [](JsonWriter& w) { w.null(); }), "null\n");
	EXPECT_EQ(write(false, [](JsonWriter& w) { w.string("\t"); }), "\"\\t\"\n");
	EXPECT_EQ(write(true,
			[](JsonWriter& w) {
				w.begin_array();
				w.end_array();
			}),
		  "[]\n");
}

TEST(JsonWriter, Numbers)
{
	const std::string out = write(false, [](JsonWriter& w) {
		w.begin_array();
		w.number(std::uint8_t{7});
		w.number(std::int32_t{-1});
		w.number(std::numeric_limits<std::uint64_t>::max());
		w.number(std::numeric_limits<std::int64_t>::min());
		w.number(0u);
		w.end_array();
	});
	EXPECT_EQ(out, "[7,-1,18446744073709551615,-9223372036854775808,0]\n");
}

// Keys are JsonKey literals, checked when compiled (a key with '"', '\\'
// or a control byte does not compile), and written as they are.
TEST(JsonWriter, KeysAreCheckedLiterals)
{
	static_assert(JsonKey("open_flag_names").text() == "open_flag_names");
	static_assert(!std::is_convertible_v<std::string, JsonKey>);
	static_assert(!std::is_convertible_v<std::string_view, JsonKey>);
	EXPECT_EQ(write(false,
			[](JsonWriter& w) {
				w.begin_object();
				w.key("a b~");
				w.number(1);
				w.end_object();
			}),
		  "{\"a b~\":1}\n");
}

TEST(JsonWriter, DeepNestingAndLargeOutput)
{
	// Past the 64 KiB chunk many times; the pieces join up exactly.
	constexpr int kDepth = 100, kItems = 50000;
	const std::string out = write(false, [](JsonWriter& w) {
		for (int i = 0; i < kDepth; i++)
			w.begin_array();
		for (int i = 0; i < kItems; i++)
			w.string("item");
		for (int i = 0; i < kDepth; i++)
			w.end_array();
	});
	std::string want(kDepth, '[');
	for (int i = 0; i < kItems; i++)
		want += i ? ",\"item\"" : "\"item\"";
	want += std::string(kDepth, ']') + "\n";
	EXPECT_EQ(out, want);
}

TEST(JsonWriter, DestructorFlushes)
{
	std::ostringstream out;
	{
		JsonWriter w(out, false);
		w.begin_array();
		w.number(1);
		w.end_array();
		EXPECT_EQ(out.str(), ""); // buffered
	}
	EXPECT_EQ(out.str(), "[1]");
}

// plain() writes what string() would, for the text it is given: names,
// ids and numbers of the program's own making.
TEST(JsonWriter, PlainIsStringWithoutTheScan)
{
	for (const bool pretty : {false, true}) {
		const auto with = [pretty](void (JsonWriter::*how)(std::string_view)) {
			return write(pretty, [how](JsonWriter& w) {
				w.begin_array();
				(w.*how)("EPOLLIN");
				(w.*how)("f12");
				(w.*how)("0:16");
				(w.*how)("");
				w.end_array();
			});
		};
		EXPECT_EQ(with(&JsonWriter::plain), with(&JsonWriter::string));
	}
}

// What the renderer writes with plain(): every flag name (unknown bits in
// hex included), every file kind name and device number needs no escape.
TEST(JsonWriter, PlainTextNeedsNoEscape)
{
	const auto check = [](std::string_view s) { EXPECT_EQ(escaped(s), s); };
	for (unsigned bit = 0; bit < 32; bit++) {
		const std::uint32_t v = 1u << bit;
		for (const auto& n : epoll_event_names(v))
			check(n);
		for (const auto& n : open_flag_names(v))
			check(n);
	}
	for (const auto& n : epoll_event_names(~0u))
		check(n);
	for (const auto& n : open_flag_names(~0u))
		check(n);
	for (std::uint32_t kind = 0; kind < 64; kind++)
		check(file_kind_name(kind));
	check(dev_text(~0u).view());
	check(dev_text(0).view());
}
