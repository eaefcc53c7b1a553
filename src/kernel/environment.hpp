// What every BPF load of uringdump shares: the load options, the checks of
// the environment (privileges, BTF), libbpf's logging, and the .rodata seeds
// of the opaque ids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "base/result.hpp"

namespace uringdump {

struct LoadOptions {
	std::optional<std::string> btf_path;    // instead of /sys/kernel/btf/vmlinux
	bool verbose = false;                   // libbpf diagnostics on stderr
	std::size_t spill_bytes = 16u << 20;    // initial ring buffer size
	std::size_t max_spill_bytes = 1u << 30; // the largest it grows to
	int target_fd = -1;                     // only this fd of each process
	std::uint32_t req_max = 0;              // requests listed per kind and ring (--requests)
	// checkpoint: up to list_max buffers of each legacy provided-buffer
	// group and every personality's supplementary groups listed, buffer
	// ring pages located (0: none of it)
	std::uint32_t list_max = 0;
	bool use_cache = true; // the load cache of live programs (--no-cache)
};

// Checks that the environment can load the iterator (privileges, BTF) and
// returns a one-line error naming the cause otherwise.
Status check_environment(const LoadOptions& opts, bool need_ptrace);

// The version of the libbpf uringdump runs with ("1.1.2").
const char* libbpf_version();

// The BTF that CO-RE relocates against: --btf FILE, or the kernel's own
// vmlinux BTF.  Naming the latter explicitly keeps libbpf from also walking
// the kernel modules' BTF objects, which needs CAP_SYS_ADMIN: with only
// CAP_BPF and CAP_PERFMON the load would fail ("failed to iterate BTF
// objects").  io_uring and epoll are never modules.
const char* core_btf_path(const LoadOptions& opts);

// Routes libbpf's messages to stderr when verbose, drops them otherwise.
void setup_libbpf(bool verbose);

// A load failure of a BPF object as one line: EPERM names the privileges,
// anything else suggests -v for the verifier log.  `what` names the object
// ("the BPF iterator", "the pinned iterator").
Error load_error(const LoadOptions& opts, const std::string& what, int err);

// A byte count as "4 KiB", "16 MiB", "1 GiB" (powers of two), or "N bytes".
std::string format_bytes(std::size_t bytes);

// 64 random bits (the per-load keys of the opaque ids).
std::uint64_t random_u64();

// Does the running kernel (or `btf_path`) have the native iterator targets
// (bpf_iter__io_uring_file, bpf_iter__io_uring_buf, bpf_iter__epoll)?
bool kernel_has_native_iterators(const LoadOptions& opts);

// CONFIG_HZ of the running kernel from /proc/config.gz or /boot/config-*,
// 0 when unknown.
unsigned kernel_hz();

// The .rodata every uringdump BPF object shares: fresh keys for the opaque
// ids (id_key1 odd, so the mix stays a bijection), a run id, and the
// kernel's HZ.
template <class Rodata>
void seed_rodata(Rodata* ro)
{
	ro->id_key0 = random_u64();
	ro->id_key1 = random_u64() | 1;
	ro->run_id = random_u64();
	ro->hz = kernel_hz();
}

} // namespace uringdump
