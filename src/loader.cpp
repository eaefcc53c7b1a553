// Loading the CO-RE iterator, running it per process and collecting records.
#include "loader.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "bpf_ptr.hpp"
#include "unique_fd.hpp"
#include "uringdump.skel.h"

namespace uringdump {
namespace {

constexpr const char* kVmlinuxBtf = "/sys/kernel/btf/vmlinux";
constexpr std::size_t kMaxSpillBytes = std::size_t{1} << 30;
constexpr std::size_t kReadChunk = 1u << 16;

bool g_verbose = false;

int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list args)
{
	(void)level;
	if (!g_verbose)
		return 0;
	return std::vfprintf(stderr, fmt, args);
}

std::string errno_text(int err)
{
	return std::strerror(err < 0 ? -err : err);
}

// Every libbpf object is owned.
using Skel = BpfPtr<uringdump_bpf, uringdump_bpf__destroy>;
using Link = LinkPtr;
using Ring = RingBufferPtr;

} // namespace

std::uint64_t random_u64()
{
	std::uint64_t v = 0;
	if (getrandom(&v, sizeof(v), 0) != sizeof(v)) {
		// getrandom cannot fail for 8 bytes once the pool is ready; keep
		// ids opaque anyway.
		v = static_cast<std::uint64_t>(getpid()) * 0x9e3779b97f4a7c15ULL ^
		    reinterpret_cast<std::uintptr_t>(&v);
	}
	return v;
}

namespace {

bool has_cap(const __user_cap_data_struct (&data)[2], int cap)
{
	return (data[cap / 32].effective & (1u << (cap % 32))) != 0;
}

int on_spill(void* ctx, void* data, std::size_t size)
{
	auto* out = static_cast<std::vector<std::uint8_t>*>(ctx);
	const auto* p = static_cast<const std::uint8_t*>(data);
	out->insert(out->end(), p, p + size);
	return 0;
}

// One loaded program with its ring buffer.
class Loaded {
public:
	static Result<Loaded> open(const LoadOptions& opts, std::size_t spill_bytes);

	// Runs one iterator (bound to `pid`, or over every task when pid is 0)
	// and appends its stream and what it spilled.
	Status run(pid_t pid, std::vector<std::uint8_t>& stream, std::vector<std::uint8_t>& spill);

private:
	Skel skel_;
};

Result<Loaded> Loaded::open(const LoadOptions& opts, std::size_t spill_bytes)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	if (opts.btf_path)
		oo.btf_custom_path = opts.btf_path->c_str();

	Loaded l;
	l.skel_.reset(uringdump_bpf__open_opts(&oo));
	if (!l.skel_)
		return make_error(Exit::Failure,
				  "cannot open the BPF object: " + errno_text(errno));

	auto* ro = l.skel_->rodata;
	seed_rodata(ro);
	ro->target_fd = opts.target_fd;

	int err = bpf_map__set_max_entries(l.skel_->maps.spill, static_cast<__u32>(spill_bytes));
	if (err)
		return make_error(Exit::Failure, "cannot size the ring buffer: " + errno_text(err));

	err = uringdump_bpf__load(l.skel_.get());
	if (err) {
		if (err == -EPERM)
			return make_error(
				Exit::Permission,
				"permission denied loading the BPF iterator: run as root or "
				"with CAP_BPF and CAP_PERFMON");
		std::string msg = "cannot load the BPF iterator: " + errno_text(err);
		if (opts.btf_path)
			msg += " (with BTF from " + *opts.btf_path + ")";
		if (!opts.verbose)
			msg += "; run with -v for the verifier log";
		return make_error(Exit::Failure, msg);
	}
	return l;
}

Status Loaded::run(pid_t pid, std::vector<std::uint8_t>& stream, std::vector<std::uint8_t>& spill)
{
	union bpf_iter_link_info info;
	std::memset(&info, 0, sizeof(info));
	LIBBPF_OPTS(bpf_iter_attach_opts, ao);
	if (pid > 0) {
		// Bound to the thread-group leader only: threads share its fd
		// table, and 6.1's pid-bound task_file walk across threads ends
		// its stream in the middle (a final call after the first thread).
		info.task.tid = static_cast<__u32>(pid);
		ao.link_info = &info;
		ao.link_info_len = sizeof(info);
	}
	Link link(bpf_program__attach_iter(skel_->progs.dump_task_file, &ao));
	if (!link) {
		int err = errno;
		if (pid > 0 && (err == ESRCH || err == ENOENT))
			return make_error(Exit::Target, "no such process: " + std::to_string(pid));
		return make_error(Exit::Failure,
				  "cannot attach the task_file iterator: " + errno_text(err));
	}
	UniqueFd iter(bpf_iter_create(bpf_link__fd(link.get())));
	if (!iter)
		return make_error(Exit::Failure,
				  "cannot create the iterator: " + errno_text(errno));

	Ring ring(ring_buffer__new(bpf_map__fd(skel_->maps.spill), on_spill, &spill, nullptr));
	if (!ring)
		return make_error(Exit::Failure,
				  "cannot open the ring buffer: " + errno_text(errno));

	std::vector<std::uint8_t> buf(kReadChunk);
	for (;;) {
		ssize_t n = ::read(iter.get(), buf.data(), buf.size());
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return make_error(Exit::Failure,
					  "reading the iterator failed: " + errno_text(errno));
		}
		// Drain between reads: one read covers a few steps only.
		ring_buffer__consume(ring.get());
		if (n == 0)
			break;
		stream.insert(stream.end(), buf.begin(), buf.begin() + n);
	}
	ring_buffer__consume(ring.get());
	return {};
}

// How many records the ring buffer lost, from the stream's END record
// (read before decoding, which rejects streams with drops).
std::uint64_t dropped_in(const std::vector<std::uint8_t>& stream)
{
	auto end = peek_end(stream);
	return end ? end->dropped : 0;
}

// One dump of every requested pid with an already loaded program.
Result<DumpRecords> dump_once(Loaded& loaded, const DumpRequest& req, std::size_t spill_bytes,
			      std::uint64_t& dropped)
{
	DumpRecords out;
	out.spill_bytes = spill_bytes;
	std::vector<std::uint8_t> spill;
	std::vector<pid_t> pids = req.pids;
	if (pids.empty())
		pids.push_back(0);
	dropped = 0;
	for (pid_t pid : pids) {
		std::vector<std::uint8_t> stream;
		if (auto st = loaded.run(pid, stream, spill); !st)
			return st.error();
		if (std::uint64_t d = dropped_in(stream)) {
			dropped += d;
			continue; // the caller retries with a larger ring buffer
		}
		auto recs = decode_stream(stream);
		if (!recs)
			return make_error(Exit::Failure, "iterator output for pid " +
								 std::to_string(pid) + ": " +
								 recs.error().message);
		out.records.insert(out.records.end(), recs->begin(), recs->end());
		out.streams++;
	}
	if (dropped)
		return out;
	auto spilled = decode_spill(spill);
	if (!spilled)
		return make_error(Exit::Failure, "ring buffer records: " + spilled.error().message);
	out.records.insert(out.records.end(), spilled->begin(), spilled->end());
	return out;
}

// dump_once, again while a lockless walk met a table changing under it and
// said so (TABLE_END incomplete) and nothing was dropped: up to kRaceRetries
// more times, before the table reports "complete": false.
Result<DumpRecords> dump_settled(Loaded& loaded, const DumpRequest& req, std::size_t spill_bytes,
				 std::uint64_t& dropped)
{
	for (int races = 0;; races++) {
		auto out = dump_once(loaded, req, spill_bytes, dropped);
		if (!out || dropped != 0 || !has_incomplete_table(out->records) ||
		    races == kRaceRetries)
			return out;
		if (req.load.verbose)
			std::fprintf(stderr, "uringdump: a table changed while it was read, "
					     "dumping again\n");
	}
}

} // namespace

unsigned kernel_hz()
{
	std::string text;
	if (gzFile gz = gzopen("/proc/config.gz", "rb")) {
		char buf[1 << 14];
		int n;
		while ((n = gzread(gz, buf, sizeof(buf))) > 0)
			text.append(buf, static_cast<std::size_t>(n));
		gzclose(gz);
	} else {
		struct utsname u;
		if (uname(&u) == 0) {
			std::ifstream in(std::string("/boot/config-") + u.release);
			std::stringstream ss;
			ss << in.rdbuf();
			text = ss.str();
		}
	}
	auto pos = text.find("\nCONFIG_HZ=");
	if (pos == std::string::npos)
		return 0;
	return static_cast<unsigned>(std::strtoul(text.c_str() + pos + 11, nullptr, 10));
}

void setup_libbpf(bool verbose)
{
	g_verbose = verbose;
	libbpf_set_print(libbpf_print);
}

bool kernel_has_native_iterators(const LoadOptions& opts)
{
	btf* b = opts.btf_path ? btf__parse(opts.btf_path->c_str(), nullptr)
			       : btf__load_vmlinux_btf();
	if (!b)
		return false;
	bool has = btf__find_by_name_kind(b, "bpf_iter__io_uring_file", BTF_KIND_STRUCT) > 0 &&
		   btf__find_by_name_kind(b, "bpf_iter__epoll", BTF_KIND_STRUCT) > 0;
	btf__free(b);
	return has;
}

Status check_environment(const LoadOptions& opts, bool need_ptrace)
{
	setup_libbpf(opts.verbose);
	if (geteuid() != 0) {
		__user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
		__user_cap_data_struct data[2] = {};
		bool ok = syscall(SYS_capget, &hdr, data) == 0;
		bool bpf = ok && (has_cap(data, 39 /* CAP_BPF */) || has_cap(data, CAP_SYS_ADMIN));
		bool perfmon =
			ok && (has_cap(data, 38 /* CAP_PERFMON */) || has_cap(data, CAP_SYS_ADMIN));
		bool ptrace = ok && has_cap(data, CAP_SYS_PTRACE);
		if (!bpf || !perfmon || (need_ptrace && !ptrace))
			return make_error(
				Exit::Permission,
				std::string(
					"permission denied: uringdump needs root, or CAP_BPF and "
					"CAP_PERFMON") +
					(need_ptrace ? " and CAP_SYS_PTRACE (for --freeze)" : "") +
					" to load BPF iterators");
	}
	if (opts.btf_path) {
		if (::access(opts.btf_path->c_str(), R_OK) != 0)
			return make_error(Exit::Environment,
					  "BTF file " + *opts.btf_path + ": " + errno_text(errno));
		btf* b = btf__parse(opts.btf_path->c_str(), nullptr);
		if (!b) {
			char why[128];
			libbpf_strerror(-errno, why, sizeof(why));
			return make_error(
				Exit::Environment,
				"BTF file " + *opts.btf_path +
					" is not valid BTF (raw BTF or an ELF file with .BTF): " +
					why);
		}
		btf__free(b);
	} else if (::access(kVmlinuxBtf, R_OK) != 0) {
		return make_error(
			Exit::Environment,
			std::string("kernel BTF is missing (") + kVmlinuxBtf +
				"): the kernel needs CONFIG_DEBUG_INFO_BTF, or pass --btf FILE");
	}
	return {};
}

Result<DumpRecords> dump_records(const DumpRequest& req)
{
	setup_libbpf(req.load.verbose);

	std::size_t spill = req.load.spill_bytes;
	for (;;) {
		// The ring buffer's size is fixed at load: a larger one needs a
		// new load, a race only a new run (dump_settled).
		auto loaded = Loaded::open(req.load, spill);
		if (!loaded)
			return loaded.error();
		std::uint64_t dropped = 0;
		auto out = dump_settled(*loaded, req, spill, dropped);
		if (!out || dropped == 0)
			return out;
		if (spill >= kMaxSpillBytes)
			return make_error(Exit::Failure,
					  "dump incomplete: " + std::to_string(dropped) +
						  " records did not fit a ring buffer of " +
						  std::to_string(spill >> 20) + " MiB");
		spill *= 4;
		if (req.load.verbose)
			std::fprintf(stderr,
				     "uringdump: %llu records dropped, retrying with a %zu MiB "
				     "ring buffer\n",
				     static_cast<unsigned long long>(dropped), spill >> 20);
	}
}

} // namespace uringdump
