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
// A buffer ring's memory (16 entries of 16 bytes): buffer group 5 of ring f1.
alignas(4096) unsigned char g_ring[256];

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
	r.personalities = {{1, 0, 0, 0, 0, 0, 0, 0, 0x1ff, 0x1ff, std::vector<std::uint32_t>{}},
			   {3, 1, 2, 3, 4, 5, 6, 2, 0, 0, std::vector<std::uint32_t>{55, 66}}};
	r.sq_pending = 3;
	for (std::size_t i = 0; i < sizeof(g_ring); i++)
		g_ring[i] = static_cast<unsigned char>(255 - i);
	ImageBufferGroup legacy;
	legacy.bgid = 3;
	legacy.buffers = {{0x1000, 64, 1}, {0x1040, 64, 2}};
	ImageBufferGroup ring5;
	ring5.bgid = 5;
	ring5.ring = true;
	ring5.entries = 16;
	ring5.head = 65535;
	ring5.tail = 9;
	ring5.incremental = true;
	ring5.memory = {5, reinterpret_cast<std::uint64_t>(g_ring), sizeof(g_ring), 0, {}, {}};
	ImageBufferGroup ring7;
	ring7.bgid = 7;
	ring7.ring = true;
	ring7.entries = 8;
	ring7.kernel_memory = true;
	ring7.memory = {7, 0, 128, 0, {}, "the process maps no page of the ring's memory"};
	r.buffer_groups = {legacy, ring5, ring7};
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
	EXPECT_EQ(r.personalities[1].groups, (std::vector<std::uint32_t>{55, 66}));
	ASSERT_TRUE(r.personalities[0].groups);
	EXPECT_TRUE(r.personalities[0].groups->empty());
	EXPECT_EQ(r.sq_pending, 3u);
	ASSERT_EQ(r.buffer_groups.size(), 3u);
	EXPECT_FALSE(r.buffer_groups[0].ring);
	ASSERT_EQ(r.buffer_groups[0].buffers.size(), 2u);
	EXPECT_EQ(r.buffer_groups[0].buffers[1].addr, 0x1040u);
	EXPECT_EQ(r.buffer_groups[0].buffers[1].bid, 2u);
	const ImageBufferGroup& g5 = r.buffer_groups[1];
	EXPECT_TRUE(g5.ring && g5.incremental && !g5.kernel_memory);
	EXPECT_EQ(g5.head, 65535u);
	EXPECT_EQ(g5.tail, 9u);
	ASSERT_FALSE(g5.memory.contents.empty());
	auto ring_bytes = load_buffer(dir, g5.memory);
	ASSERT_TRUE(ring_bytes) << ring_bytes.error().message;
	EXPECT_EQ(*ring_bytes, std::string(reinterpret_cast<const char*>(g_ring), sizeof(g_ring)));
	const ImageBufferGroup& g7 = r.buffer_groups[2];
	EXPECT_TRUE(g7.kernel_memory);
	EXPECT_TRUE(g7.memory.contents.empty());
	EXPECT_EQ(g7.memory.len, 128u);
	EXPECT_FALSE(g7.memory.unreadable.empty());
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
	img.rings[0].buffer_groups.clear();
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
	expect_refused("\"version\": 2", "\"version\": 3", "image version 3");
	expect_refused("\"version\": 2", "\"version\": 0", "image version 0");
	expect_refused("\"entries\": 16", "\"entries\": 12", "not a power of two");
	expect_refused("\"kind\": \"legacy\"", "\"kind\": \"other\"", "unknown kind");
	expect_refused("\"bgid\": 5", "\"bgid\": 2", "out of order");
	expect_refused("\"bgid\": 5", "\"bgid\": 65536", "bgid");
	expect_refused("\"memory\": \"user\"", "\"memory\": \"disk\"", "unknown memory");
	expect_refused("4160", "-1", "not [addr, len, bid]");
	expect_refused("\"ngroups\": 2", "\"ngroups\": 3", "does not hold ngroups");
	expect_refused("\"memory_contents\": \"io_uring-f1-bgid-5.bin\"",
		       "\"memory_contents\": \"..\"", "not a plain file name");
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

// A version 1 image (before buffer groups were saved) restores without
// them: their number is kept to be reported.
TEST(ImageStore, VersionOneImagesCountTheirBufferGroups)
{
	auto r = edited("\"version\": 2", "\"version\": 1");
	ASSERT_FALSE(r); // a version 1 manifest has a number there
	TempDir t;
	const std::string dir = t.path + "/img";
	Image img = sample();
	ASSERT_TRUE(save_image(img, ::getpid(), dir, "{}"));
	std::string text = read_all(dir + "/manifest.json");
	text.replace(text.find("\"version\": 2"), 12, "\"version\": 1");
	const auto at = text.find("\"buffer_groups\": [");
	ASSERT_NE(at, std::string::npos);
	const auto end = text.find("\n    }\n  ]", at); // the ring object's end
	ASSERT_NE(end, std::string::npos);
	text.replace(at, end - at, "\"buffer_groups\": 3");
	auto v1 = parse_manifest(text, "m");
	ASSERT_TRUE(v1) << v1.error().message;
	ASSERT_EQ(v1->rings.size(), 1u);
	EXPECT_TRUE(v1->rings[0].buffer_groups.empty());
	EXPECT_EQ(v1->rings[0].unsaved_groups, 3u);
}

} // namespace
