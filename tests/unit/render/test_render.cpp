// Text and JSON rendering: golden files, schema details, empty output.
#include <gtest/gtest.h>

#include <json/json.h>

#include "record_builders.hpp"
#include "test_support.hpp"

using namespace uringdump;
using namespace udtest;

namespace {
// The rendered text read back with jsoncpp (a test-only dependency).
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
	const Json::Value root = parse(json_of(must_build(demo_stream(), true), true));
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
	const Json::Value back = parse(json_of(s, false));
	EXPECT_EQ(back["processes"][0]["pid"].asUInt(), 5u);
	EXPECT_EQ(back["processes"][0]["comm"].asString(), "\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(RenderJson, PrettyEqualsCompact)
{
	const Snapshot s = must_build(demo_stream());
	EXPECT_EQ(parse(json_of(s, true)), parse(json_of(s, false)));
}

TEST(RenderJson, EscapesStrings)
{
	std::vector<RawRecord> r{task(5, "a\"b\\c\n\x01\xc3\xa9"), epoll(5, 0xe1)};
	const Snapshot s = must_build(r);
	const std::string out = json_of(s, false);
	EXPECT_NE(out.find(R"("comm":"a\"b\\c\n\u0001é")"), std::string::npos) << out;
	EXPECT_EQ(parse(out)["processes"][0]["comm"].asString(), "a\"b\\c\n\x01\xc3\xa9");
}

TEST(RenderJson, OpenFlagsAndMode)
{
	const Json::Value root = parse(json_of(must_build(demo_stream()), false));
	const Json::Value& ring = root["processes"][0]["io_urings"][0];
	const Json::Value& data = ring["registered_files"]["slots"][0]["file"];
	EXPECT_EQ(data["mode"].asUInt(), 0100644u);
	EXPECT_EQ(data["open_flags"].asUInt(), 0100002u);
	EXPECT_EQ(data["open_flag_names"], parse(R"(["O_RDWR","O_LARGEFILE"])"));
	const Json::Value& evfd = ring["eventfd"]["file"];
	EXPECT_EQ(evfd["mode"].asUInt(), 0600u);
	EXPECT_EQ(evfd["open_flag_names"], parse(R"(["O_RDWR","O_NONBLOCK","O_CLOEXEC"])"));
	const Json::Value& pipe = root["processes"][0]["epolls"][0]["items"][2]["file"];
	EXPECT_EQ(pipe["open_flags"].asUInt(), 0u);
	EXPECT_EQ(pipe["open_flag_names"], parse(R"(["O_RDONLY"])"));
	// In a file object: after dev, before path (which stays last).
	const std::string text = json_of(must_build(demo_stream()), false);
	EXPECT_NE(text.find(R"("dev":"8:1","mode":33188,"open_flags":32770,)"
			    R"("open_flag_names":["O_RDWR","O_LARGEFILE"],"path":)"),
		  std::string::npos);
}

TEST(RenderJson, OpenFlagsUnknownWithoutFileRecord)
{
	// A registered file the dump saw no FILE record of.
	const Snapshot s = must_build({task(5, "r"), fd(5, 3, UD_FK_IO_URING, 0xa1),
				       ring({.pid = 5, .id = 0xa1, .nr_files = 1}), rfile(5, 0xa1, 0, 0xf00),
				       table_end(5, 0xa1, UD_TABLE_RFILE, 1)});
	const Json::Value root = parse(json_of(s, true));
	const Json::Value& file = root["processes"][0]["io_urings"][0]["registered_files"]["slots"][0]["file"];
	EXPECT_TRUE(file["inode"].isNull());
	EXPECT_TRUE(file["mode"].isNull());
	EXPECT_TRUE(file["open_flags"].isNull());
	EXPECT_TRUE(file["open_flag_names"].isNull());
	EXPECT_NE(text_of(s).find("slot 0  f2  other  inode -  dev -  fds -  mode -  flags -  path -\n"), std::string::npos)
		<< text_of(s);
}

TEST(RenderText, OpenFlagsAndMode)
{
	const std::string t = text_of(must_build(demo_stream()));
	EXPECT_NE(t.find("eventfd             f3  fds 5  async no  mode 0600  flags O_RDWR|O_NONBLOCK|O_CLOEXEC  path "
			 "anon_inode:[eventfd]\n"),
		  std::string::npos)
		<< t;
	EXPECT_NE(t.find("fds 7,9  mode 0644  flags O_RDWR|O_LARGEFILE             path /tmp/uringdump demo/data.bin"),
		  std::string::npos)
		<< t;
	EXPECT_NE(t.find("fds 11   mode 0640  flags O_WRONLY|O_APPEND|O_LARGEFILE  path /var/log/"), std::string::npos)
		<< t;
}
