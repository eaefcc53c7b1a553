// The checkpoint image on disk: save_image / load_image round trip, the
// buffer bytes, what a failed save leaves, and every refusal of the manifest
// parser.  Pure: the "process" whose buffers are saved is the test itself.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>
#include <algorithm>

#include "image/image.hpp"
#include "image/store.hpp"

namespace {

using namespace uringdump;
namespace fs = std::filesystem;

struct TempDir {
	std::string path;
	TempDir()
	{
		char tmpl[] = "/tmp/ud-image-test.XXXXXX";
		path = ::mkdtemp(tmpl);
	}
	~TempDir() { fs::remove_all(path); }
};

// Bytes with a pattern, in this process: saved as buffer 2 of ring f1.
unsigned char g_bytes[3000];

Image sample()
{
	for (std::size_t i = 0; i < sizeof(g_bytes); i++)
		g_bytes[i] = static_cast<unsigned char>(i * 13 + 1);
	Image img;
	img.pid = 1234;
	img.comm = "demo";
	img.kernel = "6.18.0";
	img.exact = true;
	ImageFile ring;
	ring.id = "f1";
	ring.type = "io_uring";
	ring.fds = {5};
	ImageFile reg;
	reg.id = "f2";
	reg.type = "regular";
	reg.path = "/tmp/a \"quoted\" name";
	reg.inode = 77;
	reg.dev = (254u << 20) | 1;
	reg.mode = 0100644;
	reg.open_flags = 02 | 0100000;
	reg.fds = {3, 9};
	reg.pos = 4096;
	ImageFile efd;
	efd.id = "f3";
	efd.type = "eventfd";
	efd.eventfd_count = 0xfffffffffffffffeull;
	efd.eventfd_semaphore = true;
	ImageFile ep;
	ep.id = "f4";
	ep.type = "epoll";
	ep.fds = {6};
	img.files = {ring, reg, efd, ep};
	ImageRing r;
	r.file = "f1";
	r.setup_flags = 0x2;
	r.sq_entries = 8;
	r.cq_entries = 16;
	r.sq_thread_cpu = 1;
	r.sq_thread_idle_ms = 1000;
	r.eventfd = "f3";
	r.eventfd_async = true;
	r.files_nr = 4;
	r.files = {{0, "f2", 0}, {3, "f2", 99}};
	r.buffers_nr = 3;
	r.buffers = {{2, reinterpret_cast<std::uint64_t>(g_bytes), sizeof(g_bytes), 7, {}, {}},
		     {0, 0x10, 100, 0, {}, {}}}; // 0x10: never mapped
	r.register_restricted = true;
	r.register_ops = {0, 2};
	r.sqe_ops = {1, 22};
	r.sqe_flags_allowed = 3;
	r.napi = Napi{50, true, 1};
	r.personalities = {{1, 0, 0, 0, 0, 0, 0, 0, 0x1ff, 0x1ff}, {3, 1, 2, 3, 4, 5, 6, 2, 0, 0}};
	r.sq_pending = 3;
	img.rings = {r};
	ImageEpoll e;
	e.file = "f4";
	e.items = {{3, 0x80000019u, 0xdeadbeefcafebabeull, "f2", false},
		   {12, 1, 0, "f3", true}};
	img.epolls = {e};
	img.skipped = {"epoll f9: no fd"};
	return img;
}

std::string read_all(const std::string& path)
{
	std::ifstream in(path, std::ios::binary);
	std::ostringstream s;
	s << in.rdbuf();
	return s.str();
}

TEST(ImageStore, SaveThenLoadGivesTheSameImage)
{
	TempDir t;
	const std::string dir = t.path + "/img";
	Image img = sample();
	ASSERT_TRUE(save_image(img, ::getpid(), dir, "{\"dump\": true}\n"));
	EXPECT_TRUE(fs::exists(dir + "/manifest.json"));
	EXPECT_FALSE(fs::exists(dir + "/.manifest.json.tmp"));
	EXPECT_EQ(read_all(dir + "/dump.json"), "{\"dump\": true}\n");

	auto back = load_image(dir);
	ASSERT_TRUE(back) << back.error().message;
	const Image& b = *back;
	EXPECT_EQ(b.pid, 1234u);
	EXPECT_EQ(b.comm, "demo");
	EXPECT_TRUE(b.exact);
	ASSERT_EQ(b.files.size(), 4u);
	EXPECT_EQ(b.files[1].path, img.files[1].path);
	EXPECT_EQ(b.files[1].fds, (std::vector<std::uint32_t>{3, 9}));
	EXPECT_EQ(b.files[1].pos, 4096u);
	EXPECT_EQ(b.files[1].dev, img.files[1].dev);
	EXPECT_EQ(b.files[2].eventfd_count, 0xfffffffffffffffeull);
	EXPECT_TRUE(b.files[2].eventfd_semaphore);
	EXPECT_FALSE(b.files[0].pos);
	ASSERT_EQ(b.rings.size(), 1u);
	const ImageRing& r = b.rings[0];
	EXPECT_EQ(r.sq_thread_cpu, 1);
	EXPECT_EQ(r.sq_thread_idle_ms, 1000u);
	EXPECT_EQ(r.eventfd, "f3");
	EXPECT_TRUE(r.eventfd_async);
	ASSERT_EQ(r.files.size(), 2u);
	EXPECT_EQ(r.files[1].index, 3u);
	EXPECT_EQ(r.files[1].tag, 99u);
	ASSERT_EQ(r.buffers.size(), 2u);
	EXPECT_EQ(r.register_ops, (std::vector<std::uint32_t>{0, 2}));
	ASSERT_TRUE(r.napi);
	EXPECT_EQ(r.napi->tracking, 1u);
	ASSERT_EQ(r.personalities.size(), 2u);
	EXPECT_EQ(r.personalities[1].fsgid, 6u);
	EXPECT_EQ(r.sq_pending, 3u);
	ASSERT_EQ(b.epolls.size(), 1u);
	EXPECT_EQ(b.epolls[0].items[0].data, 0xdeadbeefcafebabeull);
	EXPECT_TRUE(b.epolls[0].items[1].tfd_stale);
	EXPECT_EQ(b.skipped, img.skipped);

	// the readable buffer's bytes, and why the other has none
	const ImageBuffer& good = r.buffers[0];
	ASSERT_FALSE(good.contents.empty());
	auto bytes = load_buffer(dir, good);
	ASSERT_TRUE(bytes) << bytes.error().message;
	EXPECT_EQ(*bytes, std::string(reinterpret_cast<const char*>(g_bytes), sizeof(g_bytes)));
	EXPECT_TRUE(r.buffers[1].contents.empty());
	EXPECT_NE(r.buffers[1].unreadable.find("could not be read"), std::string::npos);
}

TEST(ImageStore, ABufferLargerThanOneChunkIsSavedWhole)
{
	TempDir t;
	const std::string dir = t.path + "/img";
	std::vector<unsigned char> big((3u << 20) + 123);
	for (std::size_t i = 0; i < big.size(); i++)
		big[i] = static_cast<unsigned char>(i * 7 + (i >> 20));
	Image img = sample();
	img.rings[0].buffers = {
		{2, reinterpret_cast<std::uint64_t>(big.data()), big.size(), 0, {}, {}},
		{0, 0x10, 5u << 20, 0, {}, {}}}; // never mapped
	ASSERT_TRUE(save_image(img, ::getpid(), dir, "{}"));
	auto bytes = load_buffer(dir, img.rings[0].buffers[0]);
	ASSERT_TRUE(bytes) << bytes.error().message;
	EXPECT_TRUE(std::equal(big.begin(), big.end(),
			       reinterpret_cast<const unsigned char*>(bytes->data())));
	// the unreadable slot leaves no partial file behind
	EXPECT_TRUE(img.rings[0].buffers[1].contents.empty());
	EXPECT_EQ(std::distance(fs::directory_iterator(dir + "/buffers"), fs::directory_iterator()),
		  1);
}

TEST(ImageStore, RefusesANonEmptyDirectoryAndKeepsIt)
{
	TempDir t;
	std::ofstream(t.path + "/mine") << "x";
	Image img = sample();
	auto st = save_image(img, ::getpid(), t.path, "{}");
	ASSERT_FALSE(st);
	EXPECT_NE(st.error().message.find("not an empty directory"), std::string::npos);
	EXPECT_TRUE(fs::exists(t.path + "/mine"));
	EXPECT_FALSE(fs::exists(t.path + "/manifest.json"));
}

TEST(ImageStore, AFailedSaveRemovesWhatItMade)
{
	TempDir t;
	const std::string dir = t.path + "/img";
	Image img = sample();
	// no such process: its memory cannot be opened
	auto st = save_image(img, 0x3fffffff, dir, "{}");
	ASSERT_FALSE(st);
	EXPECT_FALSE(fs::exists(dir));
}

TEST(ImageStore, LoadBufferWantsExactlyTheLength)
{
	TempDir t;
	const std::string dir = t.path + "/img";
	Image img = sample();
	ASSERT_TRUE(save_image(img, ::getpid(), dir, "{}"));
	ImageBuffer b = img.rings[0].buffers[0];
	b.len += 1;
	EXPECT_FALSE(load_buffer(dir, b));
	b.len -= 2;
	EXPECT_FALSE(load_buffer(dir, b));
}

// parse_manifest of a saved sample with one edit.
Result<Image> edited(const std::string& from, const std::string& to)
{
	TempDir t;
	const std::string dir = t.path + "/img";
	Image img = sample();
	if (!save_image(img, ::getpid(), dir, "{}"))
		return make_error(Exit::Failure, "save failed");
	std::string text = read_all(dir + "/manifest.json");
	const auto at = text.find(from);
	if (at == std::string::npos)
		return make_error(Exit::Failure, "edit target '" + from + "' not found");
	text.replace(at, from.size(), to);
	return parse_manifest(text, "m");
}

void expect_refused(const std::string& from, const std::string& to, const std::string& why)
{
	auto r = edited(from, to);
	ASSERT_FALSE(r) << from << " -> " << to;
	EXPECT_EQ(r.error().code, Exit::Failure);
	EXPECT_NE(r.error().message.find(why), std::string::npos) << r.error().message;
}

TEST(ImageStore, ParserRefusesWhatIsNotAnImage)
{
	EXPECT_FALSE(parse_manifest("", "m"));
	EXPECT_FALSE(parse_manifest("[1,2]", "m"));
	auto foreign = parse_manifest("{\"processes\": []}", "m");
	ASSERT_FALSE(foreign);
	EXPECT_NE(foreign.error().message.find("not a uringdump image"), std::string::npos);
	auto truncated = parse_manifest("{\"format\": \"uringdump-image\", \"vers", "m");
	ASSERT_FALSE(truncated);
	EXPECT_NE(truncated.error().message.find("not valid JSON"), std::string::npos);
	// nested past jsoncpp's limit: an error, not an exception (found by the fuzzer)
	auto deep = parse_manifest(std::string(1000, '[') + std::string(1000, ']'), "m");
	ASSERT_FALSE(deep);
	EXPECT_NE(deep.error().message.find("not valid JSON"), std::string::npos);
	expect_refused("\"version\": 1", "\"version\": 2", "image version 2");
	expect_refused("\"sq_entries\": 8", "\"sq_entries\": -8", "sq_entries is not a number");
	expect_refused("\"sq_entries\": 8", "\"sq_entries\": 4294967296", "sq_entries");
	expect_refused("\"comm\": \"demo\"", "\"comm\": 5", "comm is not a string");
	expect_refused("\"exact\": true", "\"exact\": 1", "exact is not true or false");
	expect_refused("\"eventfd\": \"f3\"", "\"eventfd\": \"f77\"", "refers to file 'f77'");
	expect_refused("\"attach_to\": \"\"", "\"attach_to\": \"f1\"", "attaches to f1");
	expect_refused("\"files_nr\": 4", "\"files_nr\": 2", "slot 3 is beyond files_nr");
	expect_refused("\"buffers_nr\": 3", "\"buffers_nr\": 1", "slot 2 is beyond buffers_nr");
	expect_refused("\"contents\": \"io_uring-f1-2.bin\"", "\"contents\": \"../../etc/passwd\"",
		       "not a plain file name");
	expect_refused("\"id\": \"f2\"", "\"id\": \"f1\"", "listed twice");
	expect_refused("\"skipped\": [", "\"skipped\": [3,", "not a string");
	expect_refused("\"pid\": 1234,", "\"pid\": 1234, \"pid\": 5,", "not valid JSON");
	expect_refused("\"tfd_stale\": false", "\"tfd_stale\": null", "tfd_stale");
}

} // namespace
