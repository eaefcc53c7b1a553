// Text and JSON rendering: golden files, schema details, empty output.
#include <gtest/gtest.h>

#include "record_builders.hpp"
#include "test_support.hpp"

using namespace uringdump;
using namespace udtest;

TEST(Golden, DemoText)
{
	expect_golden("demo.txt", text_of(must_build(demo_stream())));
}

TEST(Golden, DemoJsonPretty)
{
	expect_golden("demo.json", json_of(must_build(demo_stream()), true));
}

TEST(Golden, DemoJsonCompact)
{
	const std::string compact = json_of(must_build(demo_stream()), false);
	EXPECT_EQ(std::count(compact.begin(), compact.end(), '\n'), 1);
	EXPECT_EQ(compact.back(), '\n');
	expect_golden("demo.min.json", compact);
}

TEST(RenderText, NoInstances)
{
	const Snapshot s = must_build({task(5, "idle"), fd(5, 0, UD_FK_CHR, 0xf1)});
	EXPECT_EQ(text_of(s), "no io_uring or epoll instances found\n");
	EXPECT_EQ(json_of(s, false), "{\"version\":1,\"exact\":false,\"source\":null,\"processes\":[]}\n");
}

TEST(RenderText, EscapesControlBytes)
{
	EXPECT_EQ(printable("a\nb\x7f" "c"), "a\\x0ab\\x7fc");
	const Snapshot s = must_build({task(5, "evil\n"), epoll(5, 0xe1)});
	EXPECT_NE(text_of(s).find("pid 5 (evil\\x0a)"), std::string::npos);
}

TEST(RenderText, StaleAndEmptyMarks)
{
	const std::string t = text_of(must_build(demo_stream()));
	EXPECT_NE(t.find("tfd 8 (closed)"), std::string::npos);
	EXPECT_NE(t.find("tfd 10 (now 11)"), std::string::npos);
	EXPECT_NE(t.find("slot 1  empty\n"), std::string::npos);
	const auto closed = t.find("tfd 8 (closed)");
	const std::string line = t.substr(closed, t.find('\n', closed) - closed);
	EXPECT_NE(line.find("fds -  "), std::string::npos) << line;
	EXPECT_NE(t.find("io_uring f6  fds -"), std::string::npos);
}

TEST(RenderJson, Contract)
{
	const Json::Value root = to_json(must_build(demo_stream(), true));
	EXPECT_EQ(root["version"].asInt(), 1);
	EXPECT_TRUE(root["exact"].asBool());
	EXPECT_EQ(root["source"].asString(), "task_file");
	ASSERT_EQ(root["processes"].size(), 2u); // the bystander has no instance
	const Json::Value& p = root["processes"][0];
	EXPECT_EQ(p["pid"].asUInt(), 1234u);
	const Json::Value& ring = p["io_urings"][0];
	EXPECT_EQ(ring["id"].asString(), "f1");
	EXPECT_EQ(ring["setup_flags"].asUInt(), 34u);
	EXPECT_EQ(ring["setup_flag_names"][1].asString(), "ATTACH_WQ");
	EXPECT_EQ(ring["sqpoll"]["shared_with"][0].asString(), "f2");
	EXPECT_EQ(ring["eventfd"]["file"]["dev"].asString(), "0:15");
	EXPECT_TRUE(ring["registered_files"]["dumped"].asBool());
	const Json::Value& empty_slot = ring["registered_files"]["slots"][1];
	EXPECT_EQ(empty_slot.getMemberNames(), (std::vector<std::string>{"empty", "index"}));
	EXPECT_TRUE(p["io_urings"][1]["sqpoll"].isNull());
	EXPECT_TRUE(p["io_urings"][1]["eventfd"].isNull());
	const Json::Value& items = p["epolls"][0]["items"];
	EXPECT_EQ(items[0]["io_uring"].asString(), "f1");
	EXPECT_FALSE(items[0].isMember("epoll"));
	EXPECT_EQ(items[4]["epoll"].asString(), "f9");
	EXPECT_FALSE(items[1].isMember("io_uring"));
	EXPECT_EQ(items[2]["data"].asUInt64(), 0xffffffffffffffffull);
	EXPECT_TRUE(items[2]["tfd_stale"].asBool());
	EXPECT_EQ(items[1]["event_names"][1].asString(), "EPOLLET");
}

TEST(RenderJson, NonUtf8StaysValidJson)
{
	const Snapshot s = must_build({task(5, "\xff\xfe"), epoll(5, 0xe1)});
	const std::string out = json_of(s, false);
	Json::Value back;
	Json::CharReaderBuilder rb;
	std::string errs;
	std::istringstream in(out);
	ASSERT_TRUE(Json::parseFromStream(rb, in, &back, &errs)) << errs;
	EXPECT_EQ(back["processes"][0]["pid"].asUInt(), 5u);
}

namespace {
Json::Value parse(const std::string& text)
{
	Json::Value v;
	Json::CharReaderBuilder rb;
	std::string errs;
	std::istringstream in(text);
	EXPECT_TRUE(Json::parseFromStream(rb, in, &v, &errs)) << errs;
	return v;
}
} // namespace

TEST(RenderJson, StreamEqualsToJson)
{
	const Snapshot s = must_build(demo_stream());
	EXPECT_EQ(parse(json_of(s, true)), to_json(s));
	EXPECT_EQ(parse(json_of(s, false)), to_json(s));
}

TEST(RenderJson, EscapesStrings)
{
	std::vector<RawRecord> r{task(5, "a\"b\\c\n\x01\xc3\xa9"), epoll(5, 0xe1)};
	const Snapshot s = must_build(r);
	const std::string out = json_of(s, false);
	EXPECT_NE(out.find(R"("comm":"a\"b\\c\n\u0001é")"), std::string::npos) << out;
	EXPECT_EQ(parse(out), to_json(s));
}

TEST(RenderJson, Utf8Validation)
{
	EXPECT_EQ(utf8_sequence_length("a"), 1u);
	EXPECT_EQ(utf8_sequence_length("\xc3\xa9"), 2u);
	EXPECT_EQ(utf8_sequence_length("\xe2\x82\xac"), 3u);
	EXPECT_EQ(utf8_sequence_length("\xf0\x9f\x98\x80"), 4u);
	EXPECT_EQ(utf8_sequence_length("\xc3"), 0u);             // truncated
	EXPECT_EQ(utf8_sequence_length("\xc0\xaf"), 0u);         // overlong
	EXPECT_EQ(utf8_sequence_length("\xe0\x80\xaf"), 0u);     // overlong
	EXPECT_EQ(utf8_sequence_length("\xed\xa0\x80"), 0u);     // surrogate
	EXPECT_EQ(utf8_sequence_length("\xf4\x90\x80\x80"), 0u); // > U+10FFFF
	EXPECT_EQ(utf8_sequence_length("\xff"), 0u);
	EXPECT_EQ(utf8_sequence_length(""), 0u);
}
