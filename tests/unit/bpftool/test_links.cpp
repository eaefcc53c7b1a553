// `uringdump link show`: link info bytes (incl. the io_uring/epoll members
// of patched kernels, synthetic here), mountinfo, fdinfo, .rodata decoding,
// and the plain/JSON rendering (golden strings).
#include <gtest/gtest.h>
#include <json/json.h>
#include <linux/bpf.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "bpftool/link_info.hpp"
#include "render/links.hpp"

using namespace uringdump;

namespace {

// struct bpf_link_info.iter as the io_uring/epoll series defines it
// (UAPI.md): the 64-bit inode members go into the second union.
struct PatchedLinkInfo {
	__u32 type;
	__u32 id;
	__u32 prog_id;
	union {
		struct {
			__aligned_u64 target_name;
			__u32 target_name_len;
			union {
				struct {
					__u32 map_id;
				} map;
			};
			union {
				struct {
					__u64 cgroup_id;
					__u32 order;
				} cgroup;
				struct {
					__u32 tid;
					__u32 pid;
				} task;
				struct {
					__u64 inode;
				} io_uring;
				struct {
					__u64 inode;
				} epoll;
			};
		} iter;
	};
} __attribute__((aligned(8)));

using Bytes = std::vector<std::uint8_t>;

template <class T>
Bytes bytes_of(const T& v, std::size_t size = 64)
{
	Bytes b(std::max(size, sizeof(T)), 0);
	std::memcpy(b.data(), &v, sizeof(T));
	b.resize(size);
	return b;
}

template <class T>
void put(Bytes& b, std::size_t off, T v)
{
	std::memcpy(b.data() + off, &v, sizeof(v));
}

Bytes iter_bytes(std::uint32_t id, std::uint32_t prog)
{
	Bytes b(64, 0);
	put<std::uint32_t>(b, 0, BPF_LINK_TYPE_ITER);
	put<std::uint32_t>(b, 4, id);
	put<std::uint32_t>(b, 8, prog);
	return b;
}

LinkDesc must_parse(const Bytes& b, std::string_view target)
{
	auto d = parse_link_info(b, target);
	if (!d) {
		ADD_FAILURE() << d.error().message;
		return {};
	}
	return *d;
}

std::string plain(const LinkDesc& l)
{
	std::ostringstream out;
	render_link_plain(l, out);
	return out.str();
}

std::string json(const LinkDesc& l, bool pretty)
{
	std::ostringstream out;
	render_link_json(l, out, pretty);
	return out.str();
}

} // namespace

// ---------------------------------------------------------------- link info

TEST(LinkInfo, UapiLayout)
{
	// The patched layout keeps every upstream member where it is and puts
	// the inodes at the second union, as parse_link_info reads them.
	EXPECT_EQ(offsetof(PatchedLinkInfo, iter.map.map_id), kLinkInfoIterMapId);
	EXPECT_EQ(offsetof(PatchedLinkInfo, iter.cgroup.cgroup_id), kLinkInfoIterUnion2);
	EXPECT_EQ(offsetof(PatchedLinkInfo, iter.task.pid),
		  offsetof(struct bpf_link_info, iter.task.pid));
	EXPECT_EQ(offsetof(PatchedLinkInfo, iter.io_uring.inode), kLinkInfoIterUnion2);
	EXPECT_EQ(offsetof(PatchedLinkInfo, iter.epoll.inode), kLinkInfoIterUnion2);
	EXPECT_LE(sizeof(PatchedLinkInfo), sizeof(struct bpf_link_info));
	EXPECT_LE(kLinkInfoMinSize, sizeof(struct bpf_link_info));
}

TEST(LinkInfo, TaskFileFromKernelStruct)
{
	struct bpf_link_info info;
	std::memset(&info, 0, sizeof(info));
	info.type = BPF_LINK_TYPE_ITER;
	info.id = 491;
	info.prog_id = 3921;
	info.iter.task.pid = 1234;
	const LinkDesc d = must_parse(bytes_of(info, sizeof(info)), "task_file");
	EXPECT_EQ(d.id, 491u);
	EXPECT_EQ(d.type, kLinkTypeIter);
	EXPECT_EQ(d.type_name, "iter");
	EXPECT_EQ(d.prog_id, 3921u);
	EXPECT_EQ(d.target_name, "task_file");
	EXPECT_EQ(d.pid, 1234u);
	EXPECT_FALSE(d.tid);
	EXPECT_FALSE(d.map_id);
	EXPECT_FALSE(d.io_uring_inode);
	EXPECT_FALSE(d.epoll_inode);
	EXPECT_FALSE(d.cgroup_id);
	EXPECT_FALSE(d.uringdump); // set by describe_link, not by the parser
}

TEST(LinkInfo, TaskTidWinsAndNoFilter)
{
	struct bpf_link_info info;
	std::memset(&info, 0, sizeof(info));
	info.type = BPF_LINK_TYPE_ITER;
	info.iter.task.tid = 77;
	info.iter.task.pid = 76;
	LinkDesc d = must_parse(bytes_of(info, sizeof(info)), "task");
	EXPECT_EQ(d.tid, 77u);
	EXPECT_FALSE(d.pid);

	info.iter.task.tid = 0;
	info.iter.task.pid = 0;
	d = must_parse(bytes_of(info, sizeof(info)), "task_vma");
	EXPECT_FALSE(d.tid);
	EXPECT_FALSE(d.pid);
}

TEST(LinkInfo, MapAndCgroup)
{
	struct bpf_link_info info;
	std::memset(&info, 0, sizeof(info));
	info.type = BPF_LINK_TYPE_ITER;
	info.iter.map.map_id = 55;
	LinkDesc d = must_parse(bytes_of(info, sizeof(info)), "bpf_map_elem");
	EXPECT_EQ(d.map_id, 55u);
	d = must_parse(bytes_of(info, sizeof(info)), "bpf_sk_storage_map");
	EXPECT_EQ(d.map_id, 55u);
	d = must_parse(bytes_of(info, sizeof(info)), "bpf_map"); // no parameters
	EXPECT_FALSE(d.map_id);

	std::memset(&info, 0, sizeof(info));
	info.type = BPF_LINK_TYPE_ITER;
	info.iter.cgroup.cgroup_id = 0x100000001ULL;
	info.iter.cgroup.order = BPF_CGROUP_ITER_DESCENDANTS_POST;
	d = must_parse(bytes_of(info, sizeof(info)), "cgroup");
	EXPECT_EQ(d.cgroup_id, 0x100000001ULL);
	EXPECT_EQ(d.order, 3u);
	EXPECT_EQ(cgroup_order_name(*d.order), "descendants_post");
	EXPECT_EQ(cgroup_order_name(0), "order_unspec");
	EXPECT_EQ(cgroup_order_name(1), "self_only");
	EXPECT_EQ(cgroup_order_name(4), "ancestors_up");
	EXPECT_EQ(cgroup_order_name(99), "unknown");
}

TEST(LinkInfo, IoUringInodeFromSecondUnion)
{
	PatchedLinkInfo info;
	std::memset(&info, 0, sizeof(info));
	info.type = BPF_LINK_TYPE_ITER;
	info.id = 12;
	info.prog_id = 37;
	info.iter.io_uring.inode = 0x123456789aULL; // needs all 64 bits
	for (const char* t : {"io_uring_file", "io_uring_buf"}) {
		const LinkDesc d = must_parse(bytes_of(info), t);
		EXPECT_EQ(d.io_uring_inode, 0x123456789aULL) << t;
		EXPECT_FALSE(d.epoll_inode);
		EXPECT_FALSE(d.pid);
		EXPECT_FALSE(d.tid);
		EXPECT_FALSE(d.cgroup_id);
	}
	// The same bytes on a task target are tid/pid: the target decides.
	const LinkDesc task = must_parse(bytes_of(info), "task_file");
	EXPECT_EQ(task.tid, 0x3456789au);
	EXPECT_FALSE(task.io_uring_inode);
}

TEST(LinkInfo, EpollInodeFromSecondUnion)
{
	PatchedLinkInfo info;
	std::memset(&info, 0, sizeof(info));
	info.type = BPF_LINK_TYPE_ITER;
	info.iter.epoll.inode = 1234;
	const LinkDesc d = must_parse(bytes_of(info), "epoll");
	EXPECT_EQ(d.epoll_inode, 1234u);
	EXPECT_FALSE(d.io_uring_inode);

	// Raw bytes at offset 32, little or big endian alike through memcpy.
	Bytes b = iter_bytes(1, 2);
	put<std::uint64_t>(b, 32, 16764);
	EXPECT_EQ(must_parse(b, "io_uring_file").io_uring_inode, 16764u);
	// An inode of 0 (a kernel that does not fill it) is still shown.
	EXPECT_EQ(must_parse(iter_bytes(1, 2), "epoll").epoll_inode, 0u);
}

TEST(LinkInfo, TargetNameStopsAtNul)
{
	const std::string t("task_file\0garbage", 17);
	EXPECT_EQ(must_parse(iter_bytes(1, 2), t).target_name, "task_file");
}

TEST(LinkInfo, OtherTypes)
{
	Bytes b(16, 0);
	put<std::uint32_t>(b, 0, BPF_LINK_TYPE_TRACING);
	put<std::uint32_t>(b, 4, 8);
	put<std::uint32_t>(b, 8, 9);
	LinkDesc d = must_parse(b, "ignored");
	EXPECT_EQ(d.type_name, "tracing");
	EXPECT_EQ(d.id, 8u);
	EXPECT_EQ(d.prog_id, 9u);
	EXPECT_FALSE(d.is_iter());
	EXPECT_EQ(d.target_name, "");

	put<std::uint32_t>(b, 0, 9999);
	d = must_parse(b, "");
	EXPECT_EQ(d.type, 9999u);
	EXPECT_EQ(d.type_name, "");
}

TEST(LinkInfo, TooShort)
{
	EXPECT_FALSE(parse_link_info(Bytes(11, 0), "x"));
	Bytes b = iter_bytes(1, 2);
	b.resize(kLinkInfoMinSize - 1);
	auto d = parse_link_info(b, "task_file");
	ASSERT_FALSE(d);
	EXPECT_NE(d.error().message.find("too short"), std::string::npos);
	b.resize(kLinkInfoMinSize);
	EXPECT_TRUE(parse_link_info(b, "task_file"));
}

// ---------------------------------------------------------------- procfs

TEST(Mountinfo, BpfMounts)
{
	const std::string text =
		"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
		"42 23 0:39 / /sys/fs/bpf rw,relatime shared:7 - bpf bpf rw\n"
		"43 23 0:40 / /run/bpf rw - tmpfs bpf rw\n" // source "bpf", fstype tmpfs
		"44 22 0:41 / /mnt/my\\040bpf\\134x rw master:3 shared:9 - bpf none rw,mode=700\n"
		"45 22 0:39 / /sys/fs/bpf rw - bpf bpf rw\n" // mounted twice
		"46 22 0:42 /sub /srv/b rw - bpf bpf rw";    // no final newline
	const std::vector<std::string> want{"/sys/fs/bpf", "/mnt/my bpf\\x", "/srv/b"};
	EXPECT_EQ(parse_bpf_mounts(text), want);
	EXPECT_TRUE(parse_bpf_mounts("").empty());
	EXPECT_TRUE(parse_bpf_mounts("garbage\n1 2 3\n- bpf\n").empty());
}

TEST(Fdinfo, LinkId)
{
	EXPECT_EQ(parse_fdinfo_link_id(
			  "pos:\t0\nflags:\t02000000\nmnt_id:\t17\nino:\t1038\n"
			  "link_type:\titer\nlink_id:\t498\nprog_tag:\t3a162e5596a10532\n"
			  "prog_id:\t4019\ntarget_name:\ttask_file\ntask_type:\tALL\n"),
		  498u);
	EXPECT_EQ(parse_fdinfo_link_id("link_id: 7"), 7u);
	// a map or a prog fd: no link_id line
	EXPECT_FALSE(parse_fdinfo_link_id("pos:\t0\nmap_type:\tarray\nmap_id:\t5\n"));
	EXPECT_FALSE(parse_fdinfo_link_id("prog_type:\ttracing\nprog_id:\t3\n"));
	EXPECT_FALSE(parse_fdinfo_link_id("link_id:\tx\n"));
	EXPECT_FALSE(parse_fdinfo_link_id("link_id:\t12x\n"));
	EXPECT_FALSE(parse_fdinfo_link_id("link_id:\n"));
	EXPECT_FALSE(parse_fdinfo_link_id("xlink_id:\t4\n"));
	EXPECT_FALSE(parse_fdinfo_link_id(""));
}

// ---------------------------------------------------------------- uringdump's programs

TEST(Uringdump, Programs)
{
	EXPECT_TRUE(is_uringdump_prog("dump_task_file", "task_file"));
	EXPECT_TRUE(is_uringdump_prog("dump_pinned", "ksym"));
	EXPECT_TRUE(is_uringdump_prog("dump_pinned", "bpf_map_elem"));
	EXPECT_FALSE(is_uringdump_prog("dump_task_file", "task"));
	EXPECT_FALSE(is_uringdump_prog("dump_pinned", "task_file"));
	EXPECT_FALSE(is_uringdump_prog("dump_io_uring_f", "io_uring_file")); // native: link info
	EXPECT_FALSE(is_uringdump_prog("", "task_file"));
}

TEST(Uringdump, Rodata)
{
	Bytes sec(40, 0);
	put<std::uint64_t>(sec, 0, 0xdeadbeefULL); // id_key0
	put<std::uint32_t>(sec, 24, 4321);         // target_pid
	put<std::int32_t>(sec, 28, 9);             // target_fd
	std::vector<RodataVar> vars{{"id_key0", 0, 8}, {"target_pid", 24, 4}, {"target_fd", 28, 4}};
	EXPECT_EQ(decode_uringdump_rodata(vars, sec), (UringdumpTarget{4321u, 9}));

	put<std::int32_t>(sec, 28, -1); // the whole process
	EXPECT_EQ(decode_uringdump_rodata(vars, sec), (UringdumpTarget{4321u, std::nullopt}));

	put<std::uint32_t>(sec, 24, 0); // no pid
	EXPECT_EQ(decode_uringdump_rodata(vars, sec), (UringdumpTarget{}));

	// absent, mis-sized or out of range: unset
	put<std::uint32_t>(sec, 24, 5);
	put<std::int32_t>(sec, 28, 3);
	EXPECT_EQ(decode_uringdump_rodata({}, sec), UringdumpTarget{});
	std::vector<RodataVar> bad{{"target_pid", 24, 8}, {"target_fd", 38, 4}};
	EXPECT_EQ(decode_uringdump_rodata(bad, sec), UringdumpTarget{});
	std::vector<RodataVar> huge{{"target_pid", 0xfffffffeu, 4}, {"target_fd", 37, 4}};
	EXPECT_EQ(decode_uringdump_rodata(huge, sec),
		  (UringdumpTarget{std::nullopt, std::nullopt}));
	EXPECT_EQ(decode_uringdump_rodata(vars, Bytes{}), UringdumpTarget{});
}

// ---------------------------------------------------------------- rendering

namespace {

LinkDesc sample_uringdump()
{
	LinkDesc l;
	l.id = 491;
	l.type = kLinkTypeIter;
	l.type_name = "iter";
	l.prog_id = 3921;
	l.target_name = "task_file";
	l.pid = 1234;
	l.prog_name = "dump_task_file";
	l.uringdump = UringdumpTarget{1234u, 5};
	l.pinned = {"/sys/fs/bpf/a", "/sys/fs/bpf/dir/b"};
	l.pids = {{100, "demo"}, {200, "sh"}};
	return l;
}

LinkDesc sample_io_uring()
{
	PatchedLinkInfo info;
	std::memset(&info, 0, sizeof(info));
	info.type = BPF_LINK_TYPE_ITER;
	info.id = 12;
	info.prog_id = 37;
	info.iter.io_uring.inode = 16764;
	return must_parse(bytes_of(info), "io_uring_file");
}

} // namespace

TEST(RenderLinks, PlainUringdump)
{
	EXPECT_EQ(plain(sample_uringdump()),
		  "491: iter  prog 3921  target_name task_file  pid 1234  \n"
		  "\turingdump pid 1234  fd 5\n"
		  "\tpinned /sys/fs/bpf/a\n"
		  "\tpinned /sys/fs/bpf/dir/b\n"
		  "\tpids demo(100), sh(200)\n");
	LinkDesc l = sample_uringdump();
	l.uringdump->fd.reset();
	l.pinned.clear();
	l.pids.clear();
	EXPECT_EQ(plain(l), "491: iter  prog 3921  target_name task_file  pid 1234  \n"
			    "\turingdump pid 1234  all fds\n");
	l.uringdump = UringdumpTarget{};
	l.pid.reset();
	EXPECT_EQ(plain(l), "491: iter  prog 3921  target_name task_file  \n"
			    "\turingdump all processes\n");
}

TEST(RenderLinks, PlainLikeBpftool)
{
	// bpftool 7.1: "491: iter  prog 3921  target_name task_file  "
	LinkDesc l;
	l.id = 491;
	l.type = kLinkTypeIter;
	l.type_name = "iter";
	l.prog_id = 3921;
	l.target_name = "task_file";
	EXPECT_EQ(plain(l), "491: iter  prog 3921  target_name task_file  \n");

	EXPECT_EQ(plain(sample_io_uring()),
		  "12: iter  prog 37  target_name io_uring_file  io_uring_inode 16764  \n");

	PatchedLinkInfo info;
	std::memset(&info, 0, sizeof(info));
	info.type = BPF_LINK_TYPE_ITER;
	info.id = 13;
	info.prog_id = 38;
	info.iter.epoll.inode = 1234;
	EXPECT_EQ(plain(must_parse(bytes_of(info), "epoll")),
		  "13: iter  prog 38  target_name epoll  epoll_inode 1234  \n");

	std::memset(&info, 0, sizeof(info));
	info.type = BPF_LINK_TYPE_ITER;
	info.id = 14;
	info.prog_id = 39;
	info.iter.map.map_id = 3;
	EXPECT_EQ(plain(must_parse(bytes_of(info), "bpf_map_elem")),
		  "14: iter  prog 39  target_name bpf_map_elem  map_id 3  \n");

	struct bpf_link_info k;
	std::memset(&k, 0, sizeof(k));
	k.type = BPF_LINK_TYPE_ITER;
	k.id = 15;
	k.prog_id = 40;
	k.iter.cgroup.cgroup_id = 1;
	k.iter.cgroup.order = BPF_CGROUP_ITER_SELF_ONLY;
	EXPECT_EQ(plain(must_parse(bytes_of(k, sizeof(k)), "cgroup")),
		  "15: iter  prog 40  target_name cgroup  cgroup_id 1  order self_only  \n");

	LinkDesc t;
	t.id = 3;
	t.type = 2;
	t.type_name = "tracing";
	t.prog_id = 4;
	t.pinned = {"/sys/fs/bpf/t"};
	EXPECT_EQ(plain(t), "3: tracing  prog 4  \n\tpinned /sys/fs/bpf/t\n");
	t.type = 77;
	t.type_name.clear();
	t.pinned.clear();
	EXPECT_EQ(plain(t), "3: type 77  prog 4  \n");
}

TEST(RenderLinks, JsonCompact)
{
	EXPECT_EQ(
		json(sample_uringdump(), false),
		R"({"id":491,"type":"iter","prog_id":3921,"target_name":"task_file","pid":1234,)"
		R"("uringdump":{"pid":1234,"fd":5},"pinned":["/sys/fs/bpf/a","/sys/fs/bpf/dir/b"],)"
		R"("pids":[{"pid":100,"comm":"demo"},{"pid":200,"comm":"sh"}]})"
		"\n");
	EXPECT_EQ(json(sample_io_uring(), false),
		  R"({"id":12,"type":"iter","prog_id":37,"target_name":"io_uring_file",)"
		  R"("io_uring_inode":16764,"pinned":[],"pids":[]})"
		  "\n");
	LinkDesc l = sample_uringdump();
	l.uringdump = UringdumpTarget{};
	l.pid.reset();
	l.pinned.clear();
	l.pids.clear();
	EXPECT_EQ(json(l, false),
		  R"({"id":491,"type":"iter","prog_id":3921,"target_name":"task_file",)"
		  R"("uringdump":{"pid":null,"fd":null},"pinned":[],"pids":[]})"
		  "\n");
	LinkDesc t;
	t.id = 3;
	t.type = 77;
	t.prog_id = 4;
	EXPECT_EQ(json(t, false), R"({"id":3,"type":77,"prog_id":4,"pinned":[],"pids":[]})"
				  "\n");
}

TEST(RenderLinks, JsonPretty)
{
	EXPECT_EQ(json(sample_uringdump(), true), R"({
  "id": 491,
  "type": "iter",
  "prog_id": 3921,
  "target_name": "task_file",
  "pid": 1234,
  "uringdump": {
    "pid": 1234,
    "fd": 5
  },
  "pinned": [
    "/sys/fs/bpf/a",
    "/sys/fs/bpf/dir/b"
  ],
  "pids": [
    {
      "pid": 100,
      "comm": "demo"
    },
    {
      "pid": 200,
      "comm": "sh"
    }
  ]
}
)");
}

TEST(RenderLinks, JsonArray)
{
	std::vector<LinkDesc> links;
	std::ostringstream empty, emptyp;
	render_links_json(links, empty, false);
	render_links_json(links, emptyp, true);
	EXPECT_EQ(empty.str(), "[]\n");
	EXPECT_EQ(emptyp.str(), "[]\n");

	links = {sample_io_uring(), sample_uringdump()};
	std::ostringstream out, outp;
	render_links_json(links, out, false);
	render_links_json(links, outp, true);
	EXPECT_EQ(out.str().substr(0, 20), R"([{"id":12,"type":"it)");
	for (const std::string& text : {out.str(), outp.str()}) {
		Json::Value v;
		Json::CharReaderBuilder b;
		std::string errs;
		std::istringstream in(text);
		ASSERT_TRUE(Json::parseFromStream(b, in, &v, &errs)) << errs;
		ASSERT_TRUE(v.isArray());
		ASSERT_EQ(v.size(), 2u);
		EXPECT_EQ(v[0]["io_uring_inode"].asUInt64(), 16764u);
		EXPECT_EQ(v[1]["uringdump"]["fd"].asInt(), 5);
		EXPECT_EQ(v[1]["pids"][1]["comm"].asString(), "sh");
	}

	std::ostringstream txt;
	render_links_plain(links, txt);
	EXPECT_EQ(txt.str(), plain(links[0]) + plain(links[1]));
}

TEST(RenderLinks, JsonEscapes)
{
	LinkDesc l;
	l.id = 1;
	l.type = 2;
	l.type_name = "tracing";
	l.prog_id = 3;
	l.pinned = {std::string("/sys/fs/bpf/a\"b\\c\n\x01\xff\xc3\xa9")};
	l.pids = {{7, "t\tab"}};
	const std::string out = json(l, false);
	EXPECT_EQ(out, "{\"id\":1,\"type\":\"tracing\",\"prog_id\":3,"
		       "\"pinned\":[\"/sys/fs/bpf/a\\\"b\\\\c\\n\\u0001\xef\xbf\xbd\xc3\xa9\"],"
		       "\"pids\":[{\"pid\":7,\"comm\":\"t\\tab\"}]}\n");
	Json::Value v;
	Json::CharReaderBuilder b;
	std::string errs;
	std::istringstream in(out);
	ASSERT_TRUE(Json::parseFromStream(b, in, &v, &errs)) << errs;
	EXPECT_EQ(v["pinned"][0].asString(), "/sys/fs/bpf/a\"b\\c\n\x01\xef\xbf\xbd\xc3\xa9");
}
