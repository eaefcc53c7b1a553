// SPDX-License-Identifier: GPL-2.0-only
/*
 * vm-probe: sanity of a vmtest guest, run before the workloads.  Checks what
 * uringdump needs from the kernel: io_uring_setup and epoll work, the bpf
 * syscall answers, the kernel's BTF is readable and bpffs is mounted.
 * Prints one line per check ("ok ..." / "FAIL ..."); exits 1 if one failed.
 * Built -static so it runs in the busybox initramfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static int failures;

static void report(int ok, const char *what, const char *detail)
{
	printf("%s %s%s%s\n", ok ? "ok" : "FAIL", what, detail[0] ? ": " : "", detail);
	if (!ok)
		failures++;
}

static void check_io_uring(void)
{
	struct io_uring_params p;
	char detail[128];
	long fd;

	memset(&p, 0, sizeof(p));
	fd = syscall(__NR_io_uring_setup, 4, &p);
	if (fd < 0) {
		snprintf(detail, sizeof(detail), "io_uring_setup: %s", strerror(errno));
		report(0, "io_uring", detail);
		return;
	}
	snprintf(detail, sizeof(detail), "sq_entries %u, features 0x%x", p.sq_entries, p.features);
	report(1, "io_uring", detail);
	close((int)fd);
}

static void check_epoll(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);

	report(ep >= 0, "epoll", ep >= 0 ? "" : strerror(errno));
	if (ep >= 0)
		close(ep);
}

static void check_bpf(void)
{
	union bpf_attr attr;
	long r;

	/* BPF_MAP_GET_NEXT_ID from 0: ENOENT (no maps) or 0 both mean "bpf works". */
	memset(&attr, 0, sizeof(attr));
	r = syscall(__NR_bpf, BPF_MAP_GET_NEXT_ID, &attr, sizeof(attr));
	report(r == 0 || errno == ENOENT, "bpf syscall", r == 0 || errno == ENOENT ? "" : strerror(errno));
}

static void check_btf(void)
{
	struct stat st;
	char detail[64];

	if (stat("/sys/kernel/btf/vmlinux", &st) != 0) {
		report(0, "btf", strerror(errno));
		return;
	}
	snprintf(detail, sizeof(detail), "%lld bytes", (long long)st.st_size);
	report(st.st_size > 0, "btf", detail);
}

static void check_bpffs(void)
{
	struct statfs sfs;

	if (statfs("/sys/fs/bpf", &sfs) != 0) {
		report(0, "bpffs", strerror(errno));
		return;
	}
	report(sfs.f_type == BPF_FS_MAGIC, "bpffs", sfs.f_type == BPF_FS_MAGIC ? "" : "not bpf");
}

int main(void)
{
	struct utsname u;

	if (uname(&u) == 0)
		printf("kernel %s %s\n", u.release, u.version);
	check_io_uring();
	check_epoll();
	check_bpf();
	check_btf();
	check_bpffs();
	return failures ? 1 : 0;
}
