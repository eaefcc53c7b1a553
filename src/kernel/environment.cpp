// Privilege and BTF checks, libbpf logging and the per-load seeds.
#include "kernel/environment.hpp"

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
#include <cstdlib>

#include "base/errors.hpp"
#include "base/procfs.hpp"
#include "kernel/bpf_ptr.hpp"

namespace uringdump {
namespace {

constexpr const char* kVmlinuxBtf = "/sys/kernel/btf/vmlinux";

bool g_verbose = false;

int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list args)
{
	(void)level;
	if (!g_verbose)
		return 0;
	return std::vfprintf(stderr, fmt, args);
}

bool has_cap(const __user_cap_data_struct (&data)[2], int cap)
{
	return (data[cap / 32].effective & (1u << (cap % 32))) != 0;
}

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

std::string format_bytes(std::size_t bytes)
{
	if (bytes >= (1u << 30) && bytes % (1u << 30) == 0)
		return std::to_string(bytes >> 30) + " GiB";
	if (bytes >= (1u << 20) && bytes % (1u << 20) == 0)
		return std::to_string(bytes >> 20) + " MiB";
	if (bytes >= (1u << 10) && bytes % (1u << 10) == 0)
		return std::to_string(bytes >> 10) + " KiB";
	return std::to_string(bytes) + " bytes";
}

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
		if (uname(&u) == 0)
			text = read_text_file(std::string("/boot/config-") + u.release)
				       .value_or("");
	}
	auto pos = text.find("\nCONFIG_HZ=");
	if (pos == std::string::npos)
		return 0;
	return static_cast<unsigned>(std::strtoul(text.c_str() + pos + 11, nullptr, 10));
}

const char* libbpf_version()
{
	return libbpf_version_string();
}

const char* core_btf_path(const LoadOptions& opts)
{
	return opts.btf_path ? opts.btf_path->c_str() : kVmlinuxBtf;
}

void setup_libbpf(bool verbose)
{
	g_verbose = verbose;
	libbpf_set_print(libbpf_print);
}

Error load_error(const LoadOptions& opts, const std::string& what, int err)
{
	if (err == -EPERM || err == EPERM)
		return make_error(Exit::Permission, "permission denied loading " + what +
							    ": run as root or with CAP_BPF and "
							    "CAP_PERFMON");
	std::string msg = "cannot load " + what + ": " + errno_text(err);
	if (opts.btf_path)
		msg += " (with BTF from " + *opts.btf_path + ")";
	if (!opts.verbose)
		msg += "; run with -v for the verifier log";
	return make_error(Exit::Failure, msg);
}

bool kernel_has_native_iterators(const LoadOptions& opts)
{
	BtfPtr b(opts.btf_path ? btf__parse(opts.btf_path->c_str(), nullptr)
			       : btf__load_vmlinux_btf());
	if (!b)
		return false;
	return btf__find_by_name_kind(b.get(), "bpf_iter__io_uring_file", BTF_KIND_STRUCT) > 0 &&
	       btf__find_by_name_kind(b.get(), "bpf_iter__epoll", BTF_KIND_STRUCT) > 0;
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
	// The kernel's own BTF is needed even with --btf: libbpf finds the
	// iterator's attach point (bpf_iter_task_file) in it.
	if (::access(kVmlinuxBtf, R_OK) != 0)
		return make_error(Exit::Environment,
				  std::string("kernel BTF is missing (") + kVmlinuxBtf +
					  "): BPF iterators need a kernel built with "
					  "CONFIG_DEBUG_INFO_BTF");
	if (opts.btf_path) {
		if (::access(opts.btf_path->c_str(), R_OK) != 0)
			return make_error(Exit::Environment,
					  "BTF file " + *opts.btf_path + ": " + errno_text(errno));
		BtfPtr b(btf__parse(opts.btf_path->c_str(), nullptr));
		if (!b) {
			char why[128];
			libbpf_strerror(-errno, why, sizeof(why));
			return make_error(
				Exit::Environment,
				"BTF file " + *opts.btf_path +
					" is not valid BTF (raw BTF or an ELF file with .BTF): " +
					why);
		}
	}
	return {};
}

} // namespace uringdump
