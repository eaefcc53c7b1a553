// SPDX-License-Identifier: GPL-2.0
/*
 * native-test: checks of the io_uring_buf, io_uring_file and epoll iterators
 * of the kernel-patch/ series, run inside the test guest (static binary).
 *
 * usage: native-test [-b BPFTOOL -o OBJDIR] [-v]
 *   -b BPFTOOL  also pin the iterators with `BPFTOOL iter pin ... io_uring_fd
 *               FD / epoll_fd FD` (OBJDIR holds iters-{buf,file,epoll}.bpf.o)
 *               and check `BPFTOOL link show` and `BPFTOOL -j link show`
 *   -v          libbpf diagnostics on stderr
 *
 * Prints "PASS name" or "FAIL name: why" per check, then
 * "native-test: N passed, N failed"; exit status 0 when nothing failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "iters.skel.h"
#include "uring-lock.h"

#define PAGE 4096UL

static int passed, failed;
static bool verbose;
static bool expect_libbpf_errors;	/* attach failures that are the test */

static void result(bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void result(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		printf("PASS %s\n", name);
	} else {
		failed++;
		printf("FAIL %s: ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
	fflush(stdout);
}

static void die(const char *what)
{
	printf("FAIL setup: %s: %s\n", what, strerror(errno));
	printf("native-test: %d passed, %d failed\n", passed, failed + 1);
	exit(1);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose && (level != LIBBPF_WARN || expect_libbpf_errors))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* ---- small utilities ---- */

struct buf {
	char *s;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			die("realloc");
	}
	memcpy(b->s + b->len, data, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	buf_add(b, tmp, (size_t)n);
}

/* Read @fd to EOF in reads of @chunk bytes; -errno of a failed read. */
static int read_all(int fd, size_t chunk, struct buf *out)
{
	char tmp[65536];
	ssize_t n;

	if (chunk > sizeof(tmp))
		chunk = sizeof(tmp);
	out->len = 0;
	buf_add(out, "", 0);
	for (;;) {
		n = read(fd, tmp, chunk);
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		buf_add(out, tmp, (size_t)n);
	}
}

/* A new iterator fd of @link, read to EOF; -errno on failure. */
static int iter_read(struct bpf_link *link, size_t chunk, struct buf *out)
{
	int fd, ret;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return -errno;
	ret = read_all(fd, chunk, out);
	close(fd);
	return ret;
}

static unsigned long long ino_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		die("fstat");
	return (unsigned long long)st.st_ino;
}

/* The value of "KEY:\t%llu" in /proc/self/fdinfo/FD, or -1 if absent. */
static long long fdinfo_value(int fd, const char *key)
{
	char path[64], line[256];
	long long val = -1;
	size_t klen = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			val = strtoll(line + klen + 1, NULL, 10);
	fclose(f);
	return val;
}

/* Page frame number of the page at @addr from /proc/self/pagemap, or 0. */
static unsigned long long pfn_of(void *addr)
{
	uint64_t ent = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return 0;
	if (pread(fd, &ent, sizeof(ent), (off_t)((uintptr_t)addr / PAGE * 8)) != sizeof(ent))
		ent = 0;
	close(fd);
	if (!(ent >> 63))
		return 0;
	return ent & ((1ULL << 55) - 1);
}

static int cmp_lines(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* @s with its lines sorted (for outputs whose order is the kernel's). */
static char *sorted_lines(const char *s)
{
	char *copy = strdup(s), *line, *save = NULL, **v = NULL, *out;
	size_t n = 0, i, len = strlen(s) + 2;

	if (!copy)
		die("strdup");
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		v = realloc(v, (n + 1) * sizeof(*v));
		if (!v)
			die("realloc");
		v[n++] = line;
	}
	qsort(v, n, sizeof(*v), cmp_lines);
	out = calloc(1, len);
	if (!out)
		die("calloc");
	for (i = 0; i < n; i++) {
		strcat(out, v[i]);
		strcat(out, "\n");
	}
	free(v);
	free(copy);
	return out;
}

static int count_substr(const char *s, const char *sub)
{
	int n = 0;

	while ((s = strstr(s, sub))) {
		n++;
		s += strlen(sub);
	}
	return n;
}

/* ---- io_uring without liburing ---- */

static int ring_setup(void)
{
	struct io_uring_params p;
	int fd;

	memset(&p, 0, sizeof(p));
	fd = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (fd < 0)
		die("io_uring_setup");
	return fd;
}

static int ring_register(int ring, unsigned int op, const void *arg, unsigned int nr)
{
	return (int)syscall(__NR_io_uring_register, ring, op, arg, nr);
}

/* ---- link creation ---- */

enum target { T_BUF, T_FILE, T_EPOLL };

static struct bpf_link *attach(struct iters_bpf *skel, enum target t, int fd)
{
	union bpf_iter_link_info linfo;
	struct bpf_program *prog;
	LIBBPF_OPTS(bpf_iter_attach_opts, opts);

	memset(&linfo, 0, sizeof(linfo));
	switch (t) {
	case T_BUF:
		linfo.io_uring.io_uring_fd = (__u32)fd;
		prog = skel->progs.dump_bufs;
		break;
	case T_FILE:
		linfo.io_uring.io_uring_fd = (__u32)fd;
		prog = skel->progs.dump_files;
		break;
	default:
		linfo.epoll.epoll_fd = (__u32)fd;
		prog = skel->progs.dump_epoll;
		break;
	}
	opts.link_info = &linfo;
	opts.link_info_len = sizeof(linfo);
	return bpf_program__attach_iter(prog, &opts);
}

static const char *target_name[] = { "io_uring_buf", "io_uring_file", "epoll" };

/* Link info and fdinfo of @link name the instance behind @fd. */
static void check_link_info(struct bpf_link *link, enum target t, int fd)
{
	struct bpf_link_info info;
	__u32 len = sizeof(info);
	char name[64], tname[32];
	unsigned long long want = ino_of(fd), got;
	long long fdinfo;
	int lfd = bpf_link__fd(link);

	snprintf(name, sizeof(name), "%s link_info inode", target_name[t]);
	memset(&info, 0, sizeof(info));
	memset(tname, 0, sizeof(tname));
	info.iter.target_name = (__u64)(uintptr_t)tname;
	info.iter.target_name_len = sizeof(tname);
	if (bpf_obj_get_info_by_fd(lfd, &info, &len)) {
		result(false, name, "BPF_OBJ_GET_INFO_BY_FD: %s", strerror(errno));
		return;
	}
	got = t == T_EPOLL ? info.iter.epoll.inode : info.iter.io_uring.inode;
	result(info.type == BPF_LINK_TYPE_ITER && !strcmp(tname, target_name[t]) && got == want,
	       name, "type %u target '%s' inode %llu, want iter '%s' inode %llu (fstat)",
	       info.type, tname, got, target_name[t], want);

	snprintf(name, sizeof(name), "%s fdinfo inode", target_name[t]);
	fdinfo = fdinfo_value(lfd, t == T_EPOLL ? "epoll_inode" : "io_uring_inode");
	result(fdinfo >= 0 && (unsigned long long)fdinfo == want, name,
	       "fdinfo says %lld, fstat says %llu", fdinfo, want);
}

/* Full read equals @want (or, @sorted, equals it up to line order), and
 * 1-byte reads give exactly the full read.
 */
static void check_output(struct bpf_link *link, const char *what, const char *want, bool sorted)
{
	struct buf full = { 0 }, bytes = { 0 };
	char name[64];
	int ret;

	snprintf(name, sizeof(name), "%s output", what);
	ret = iter_read(link, 65536, &full);
	if (ret) {
		result(false, name, "read: %s", strerror(-ret));
	} else if (sorted) {
		char *a = sorted_lines(full.s), *b = sorted_lines(want);

		result(!strcmp(a, b), name, "got\n%swant (any order)\n%s", full.s, want);
		free(a);
		free(b);
	} else {
		result(!strcmp(full.s, want), name, "got\n%swant\n%s", full.s, want);
	}

	snprintf(name, sizeof(name), "%s 1-byte reads", what);
	ret = iter_read(link, 1, &bytes);
	if (ret)
		result(false, name, "read: %s", strerror(-ret));
	else
		result(full.s && !strcmp(bytes.s, full.s), name, "got\n%swant\n%s", bytes.s,
		       full.s ? full.s : "");
	free(full.s);
	free(bytes.s);
}

/* ---- EDEADLK: a registration blocked in a page fault holds uring_lock ---- */

static void check_edeadlk(struct bpf_link *files, struct bpf_link *bufs, int ring)
{
	struct uring_lock_hold hold;
	struct buf out = { 0 };
	const char *why = "";
	int ret;

	if (uring_lock_hold(&hold, ring, &why)) {
		result(false, "EDEADLK", "%s: %s", why, strerror(errno));
		if (errno == ETIMEDOUT)
			die("uring_lock_hold");
		return;
	}
	ret = iter_read(files, 65536, &out);
	result(ret == -EDEADLK, "io_uring_file EDEADLK while uring_lock is held",
	       "read gave %s", ret ? strerror(-ret) : "data");
	ret = iter_read(bufs, 65536, &out);
	result(ret == -EDEADLK, "io_uring_buf EDEADLK while uring_lock is held",
	       "read gave %s", ret ? strerror(-ret) : "data");
	if (uring_lock_release(&hold))
		die("UFFDIO_ZEROPAGE");
	ret = iter_read(files, 65536, &out);
	result(ret == 0, "io_uring_file readable once uring_lock is free", "read: %s",
	       strerror(-ret));
	free(out.s);
}

/*
 * ---- a ring reading an iterator bound to itself (IORING_OP_READ) ----
 * io_uring issues the read with ->uring_lock held: the iterator's trylock
 * fails and the read completes with -EDEADLK, or io_uring punts the read to
 * io-wq (no FMODE_NOWAIT), where the lock is free and it returns data.
 * Either way it completes: a hang here is the deadlock the trylock avoids.
 */
static void check_self_read(struct iters_bpf *skel)
{
	struct io_uring_params p;
	struct io_uring_sqe *sqes, *sqe;
	struct io_uring_cqe *cqe;
	struct bpf_link *link;
	static char data[65536];
	size_t sq_size, cq_size;
	unsigned int tail, idx, head;
	char *sq, *cq;
	int ring, efd, ifd, ret;

	memset(&p, 0, sizeof(p));
	ring = (int)syscall(__NR_io_uring_setup, 4, &p);
	efd = eventfd(0, EFD_CLOEXEC);
	if (ring < 0 || efd < 0 || ring_register(ring, IORING_REGISTER_FILES, &efd, 1))
		die("self-read ring");
	link = attach(skel, T_FILE, ring);
	ifd = link ? bpf_iter_create(bpf_link__fd(link)) : -1;
	if (ifd < 0)
		die("self-read iterator");
	sq_size = p.sq_off.array + p.sq_entries * sizeof(__u32);
	cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP)
		sq_size = cq_size = sq_size > cq_size ? sq_size : cq_size;
	sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
		  IORING_OFF_SQ_RING);
	cq = (p.features & IORING_FEAT_SINGLE_MMAP) ? sq :
	     mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
		  IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		die("self-read mmap");

	tail = *(unsigned int *)(sq + p.sq_off.tail);
	idx = tail & *(unsigned int *)(sq + p.sq_off.ring_mask);
	sqe = &sqes[idx];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_READ;
	sqe->fd = ifd;
	sqe->addr = (uintptr_t)data;
	sqe->len = sizeof(data);
	sqe->off = (__u64)-1;	/* the file position: a seq_file reads in order */
	sqe->user_data = 42;
	((unsigned int *)(sq + p.sq_off.array))[idx] = idx;
	__atomic_store_n((unsigned int *)(sq + p.sq_off.tail), tail + 1, __ATOMIC_RELEASE);
	ret = (int)syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0);
	if (ret != 1) {
		result(false, "a ring reading an iterator bound to itself completes",
		       "io_uring_enter: %d %s", ret, strerror(errno));
	} else {
		head = __atomic_load_n((unsigned int *)(cq + p.cq_off.head), __ATOMIC_ACQUIRE);
		cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes) +
		      (head & *(unsigned int *)(cq + p.cq_off.ring_mask));
		ret = cqe->res;
		result(cqe->user_data == 42 && (ret == -EDEADLK || ret > 0),
		       ret == -EDEADLK ? "a ring reading an iterator bound to itself completes (EDEADLK)" :
					 "a ring reading an iterator bound to itself completes (data, via io-wq)",
		       "user_data %llu, res %d (%s)", (unsigned long long)cqe->user_data, ret,
		       ret < 0 ? strerror(-ret) : "data");
	}
	munmap(sqes, p.sq_entries * sizeof(*sqes));
	if (cq != sq)
		munmap(cq, cq_size);
	munmap(sq, sq_size);
	close(ifd);
	bpf_link__destroy(link);
	close(ring);
	close(efd);
}

/* ---- epoll: resuming after a partial read when the tree changed ---- */

struct item {
	int fd;
	struct epoll_event ev;
};

static void check_epoll_resume(struct bpf_link *link, int ep, const struct item *items,
			       int nitems)
{
	struct buf head = { 0 }, rest = { 0 };
	struct epoll_event ev = { .events = EPOLLIN };
	char line[128], c;
	int fd, i, victim = -1, added;
	struct epoll_event victim_ev = { 0 };
	ssize_t n;
	size_t len = 0;

	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		die("bpf_iter_create");
	/* the first line, byte by byte: the kernel holds nothing more */
	while (len < sizeof(line) - 1 && (n = read(fd, &c, 1)) == 1) {
		line[len++] = c;
		if (c == '\n')
			break;
	}
	line[len] = '\0';
	buf_add(&head, line, len);
	/* remove an item that was not shown yet, add a new one */
	for (i = 0; i < nitems && victim < 0; i++) {
		char pat[32];

		snprintf(pat, sizeof(pat), "tfd=%d ", items[i].fd);
		if (!strstr(line, pat)) {
			victim = items[i].fd;
			victim_ev = items[i].ev;
		}
	}
	added = eventfd(0, EFD_CLOEXEC);
	ev.data.u64 = 0x5eed;
	if (victim < 0 || added < 0 || epoll_ctl(ep, EPOLL_CTL_DEL, victim, NULL) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, added, &ev))
		die("epoll_ctl");
	if (read_all(fd, 1, &rest))
		die("read");
	close(fd);
	buf_add(&head, rest.s, rest.len);

	/* every item present throughout exactly once, the removed one never */
	{
		bool ok = count_substr(head.s, "epoll end\n") == 1;
		char why[256] = "";

		for (i = 0; i < nitems; i++) {
			char pat[32];
			int want = items[i].fd == victim ? 0 : 1;

			snprintf(pat, sizeof(pat), "tfd=%d ", items[i].fd);
			if (count_substr(head.s, pat) != want) {
				ok = false;
				snprintf(why, sizeof(why), "tfd %d seen %d times, want %d",
					 items[i].fd, count_substr(head.s, pat), want);
			}
		}
		result(ok, "epoll resumes after a partial read across changes", "%s; output\n%s",
		       why, head.s);
	}
	/* restore */
	if (epoll_ctl(ep, EPOLL_CTL_DEL, added, NULL) ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, victim, &victim_ev))
		die("epoll_ctl");
	close(added);
	free(head.s);
	free(rest.s);
}

/* ---- bpftool ---- */

/* Run BPFTOOL ARGS... (NULL-terminated) with @keep fds inherited; stdout
 * into @out; exit status or -1.
 */
static int run_tool(const char *tool, const char *const *args, const int *keep, int nkeep,
		    struct buf *out)
{
	const char *argv[16];
	int pipefd[2], status, i;
	pid_t pid;

	argv[0] = tool;
	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	if (pipe(pipefd))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		dup2(pipefd[1], 1);
		for (i = 0; i < nkeep; i++)
			fcntl(keep[i], F_SETFD, 0);
		execv(tool, (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	read_all(pipefd[0], 4096, out);
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static void check_bpftool(const char *tool, const char *objdir, int ring, int ep,
			  const char *want_files, const char *want_epoll)
{
	static const struct {
		const char *obj, *pin, *param;
		enum target t;
	} pins[] = {
		{ "iters-file.bpf.o", "/sys/fs/bpf/kp_native_file", "io_uring_fd", T_FILE },
		{ "iters-buf.bpf.o", "/sys/fs/bpf/kp_native_buf", "io_uring_fd", T_BUF },
		{ "iters-epoll.bpf.o", "/sys/fs/bpf/kp_native_epoll", "epoll_fd", T_EPOLL },
	};
	unsigned long long ring_ino = ino_of(ring), ep_ino = ino_of(ep);
	struct buf out = { 0 }, plain = { 0 }, json = { 0 };
	int keep[2] = { ring, ep };
	char obj[512], fdnum[16], name[96], pat[96];
	unsigned int i;

	if (access(tool, X_OK)) {
		printf("SKIP bpftool: %s not found\n", tool);
		return;
	}
	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		const char *args[8];
		int st;

		unlink(pins[i].pin);
		snprintf(obj, sizeof(obj), "%s/%s", objdir, pins[i].obj);
		snprintf(fdnum, sizeof(fdnum), "%d", pins[i].t == T_EPOLL ? ep : ring);
		args[0] = "iter";
		args[1] = "pin";
		args[2] = obj;
		args[3] = pins[i].pin;
		args[4] = pins[i].param;
		args[5] = fdnum;
		args[6] = NULL;
		st = run_tool(tool, args, keep, 2, &out);
		snprintf(name, sizeof(name), "bpftool iter pin %s %s", target_name[pins[i].t],
			 pins[i].param);
		result(st == 0, name, "exit status %d", st);
	}

	/* the pinned iterators read like the ones made here */
	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		int fd = open(pins[i].pin, O_RDONLY), ret;

		snprintf(name, sizeof(name), "read pinned %s", target_name[pins[i].t]);
		if (fd < 0) {
			result(false, name, "open: %s", strerror(errno));
			continue;
		}
		ret = read_all(fd, 7, &out);
		close(fd);
		if (pins[i].t == T_FILE) {
			result(!ret && !strcmp(out.s, want_files), name, "got\n%swant\n%s", out.s,
			       want_files);
		} else if (pins[i].t == T_EPOLL) {
			char *a = sorted_lines(out.s), *b = sorted_lines(want_epoll);

			result(!ret && !strcmp(a, b), name, "got\n%swant\n%s", out.s, want_epoll);
			free(a);
			free(b);
		} else {
			result(!ret && strstr(out.s, "buf end "), name, "read: %s, got\n%s",
			       strerror(-ret), out.s);
		}
	}

	{
		const char *args_plain[] = { "link", "show", NULL };
		const char *args_json[] = { "-j", "link", "show", NULL };
		int st1 = run_tool(tool, args_plain, NULL, 0, &plain);
		int st2 = run_tool(tool, args_json, NULL, 0, &json);

		snprintf(pat, sizeof(pat), "target_name io_uring_file  io_uring_inode %llu", ring_ino);
		result(!st1 && strstr(plain.s, pat), "bpftool link show io_uring_inode",
		       "no '%s' in\n%s", pat, plain.s);
		snprintf(pat, sizeof(pat), "target_name epoll  epoll_inode %llu", ep_ino);
		result(!st1 && strstr(plain.s, pat), "bpftool link show epoll_inode",
		       "no '%s' in\n%s", pat, plain.s);
		snprintf(pat, sizeof(pat), "\"io_uring_inode\":%llu", ring_ino);
		result(!st2 && count_substr(json.s, pat) >= 2, "bpftool -j link show io_uring_inode",
		       "want '%s' twice (buf and file links) in\n%s", pat, json.s);
		snprintf(pat, sizeof(pat), "\"epoll_inode\":%llu", ep_ino);
		result(!st2 && strstr(json.s, pat), "bpftool -j link show epoll_inode",
		       "no '%s' in\n%s", pat, json.s);
	}
	for (i = 0; i < sizeof(pins) / sizeof(pins[0]); i++)
		unlink(pins[i].pin);
	free(out.s);
	free(plain.s);
	free(json.s);
}

int main(int argc, char **argv)
{
	const char *bpftool = NULL, *objdir = ".";
	struct iters_bpf *skel;
	struct bpf_link *lbuf, *lfile, *lep, *bad;
	struct buf want_files = { 0 }, want_bufs = { 0 }, want_epoll = { 0 }, out = { 0 };
	struct iovec iov[3];
	struct epoll_event ev;
	int ring, ring2, ep, ep2, efd, efd2, pipefd[2], tmpf, dupfd, opt, i, ret;
	int files[5];
	int tfds[4];
	struct item items[4];
	void *mem0, *mem1;

	while ((opt = getopt(argc, argv, "b:o:v")) != -1) {
		switch (opt) {
		case 'b':
			bpftool = optarg;
			break;
		case 'o':
			objdir = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			fprintf(stderr, "usage: native-test [-b BPFTOOL -o OBJDIR] [-v]\n");
			return 2;
		}
	}
	libbpf_set_print(libbpf_print);
	setvbuf(stdout, NULL, _IOLBF, 0);

	skel = iters_bpf__open_and_load();
	result(skel != NULL, "load the iterator programs", "%s", strerror(errno));
	if (!skel) {
		printf("native-test: %d passed, %d failed\n", passed, failed);
		return 1;
	}

	/* a ring with registered files (two empty slots) and buffers (one empty) */
	ring = ring_setup();
	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0 || pipe2(pipefd, O_CLOEXEC))
		die("eventfd/pipe");
	tmpf = open("/tmp/kp-native-file", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (tmpf < 0)
		die("open /tmp/kp-native-file");
	files[0] = efd;
	files[1] = -1;
	files[2] = pipefd[0];
	files[3] = tmpf;
	files[4] = -1;
	if (ring_register(ring, IORING_REGISTER_FILES, files, 5))
		die("IORING_REGISTER_FILES");
	for (i = 0; i < 5; i++) {
		if (files[i] < 0)
			buf_printf(&want_files, "file %d empty\n", i);
		else
			buf_printf(&want_files, "file %d ino=%llu\n", i, ino_of(files[i]));
	}
	buf_printf(&want_files, "file end 5 nr=5\n");

	mem0 = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mem1 = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem0 == MAP_FAILED || mem1 == MAP_FAILED)
		die("mmap");
	memset(mem0, 1, 2 * PAGE);
	memset(mem1, 2, PAGE);
	iov[0].iov_base = mem0;
	iov[0].iov_len = 2 * PAGE;
	iov[1].iov_base = NULL;		/* an empty slot */
	iov[1].iov_len = 0;
	iov[2].iov_base = (char *)mem1 + 512;
	iov[2].iov_len = 1000;
	if (ring_register(ring, IORING_REGISTER_BUFFERS, iov, 3))
		die("IORING_REGISTER_BUFFERS");
	buf_printf(&want_bufs, "buf 0 addr=0x%lx len=%u pfn=%llu\n", (unsigned long)mem0,
		   (unsigned int)(2 * PAGE), pfn_of(mem0));
	buf_printf(&want_bufs, "buf 1 empty\n");
	buf_printf(&want_bufs, "buf 2 addr=0x%lx len=1000 pfn=%llu\n",
		   (unsigned long)mem1 + 512, pfn_of(mem1));
	buf_printf(&want_bufs, "buf end 3 nr=3\n");

	/* an epoll: an eventfd, a pipe under two fds, a ring, another epoll */
	ep = epoll_create1(0);
	ep2 = epoll_create1(0);
	dupfd = dup(pipefd[0]);
	if (ep < 0 || ep2 < 0 || dupfd < 0)
		die("epoll_create1/dup");
	tfds[0] = efd;
	tfds[1] = pipefd[0];
	tfds[2] = dupfd;
	tfds[3] = ring;
	for (i = 0; i < 4; i++) {
		ev.events = EPOLLIN | (i == 1 ? EPOLLET : 0);
		ev.data.u64 = 0x1000ULL + (unsigned long long)i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, tfds[i], &ev))
			die("EPOLL_CTL_ADD");
		items[i].fd = tfds[i];
		items[i].ev = ev;
		/* epoll_ctl() adds EPOLLERR and EPOLLHUP to every item */
		buf_printf(&want_epoll, "item tfd=%d ino=%llu events=0x%x data=0x%llx\n", tfds[i],
			   ino_of(tfds[i]), ev.events | EPOLLERR | EPOLLHUP,
			   (unsigned long long)ev.data.u64);
	}
	ev.events = EPOLLIN;
	ev.data.u64 = 0x2000;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, ep2, &ev))
		die("EPOLL_CTL_ADD epoll");
	buf_printf(&want_epoll, "item tfd=%d ino=%llu events=0x%x data=0x2000\n", ep2,
		   ino_of(ep2), EPOLLIN | EPOLLERR | EPOLLHUP);
	buf_printf(&want_epoll, "epoll end\n");
	/* the open fds of the items, for the resume test (not dupfd) */
	items[2].fd = ep2;
	items[2].ev = ev;

	result(ino_of(ep) != ino_of(ep2), "epoll instances have inodes of their own",
	       "both have inode %llu", ino_of(ep));

	/* links */
	lbuf = attach(skel, T_BUF, ring);
	lfile = attach(skel, T_FILE, ring);
	lep = attach(skel, T_EPOLL, ep);
	result(lbuf && lfile && lep, "attach with io_uring_fd and epoll_fd", "%s",
	       strerror(errno));
	if (!lbuf || !lfile || !lep) {
		printf("native-test: %d passed, %d failed\n", passed, failed);
		return 1;
	}
	check_link_info(lbuf, T_BUF, ring);
	check_link_info(lfile, T_FILE, ring);
	check_link_info(lep, T_EPOLL, ep);

	/* wrong fds are refused at attach */
	expect_libbpf_errors = true;
	bad = attach(skel, T_FILE, ep);
	ret = bad ? 0 : -errno;
	result(ret == -EOPNOTSUPP, "io_uring_file refuses an epoll fd", "attach gave %s",
	       ret ? strerror(-ret) : "a link");
	bpf_link__destroy(bad);
	bad = attach(skel, T_BUF, pipefd[0]);
	ret = bad ? 0 : -errno;
	result(ret == -EOPNOTSUPP, "io_uring_buf refuses a pipe fd", "attach gave %s",
	       ret ? strerror(-ret) : "a link");
	bpf_link__destroy(bad);
	bad = attach(skel, T_EPOLL, ring);
	ret = bad ? 0 : -errno;
	result(ret == -EOPNOTSUPP, "epoll refuses a ring fd", "attach gave %s",
	       ret ? strerror(-ret) : "a link");
	bpf_link__destroy(bad);
	bad = attach(skel, T_EPOLL, 999);
	ret = bad ? 0 : -errno;
	result(ret == -EBADF, "epoll refuses a closed fd", "attach gave %s",
	       ret ? strerror(-ret) : "a link");
	bpf_link__destroy(bad);
	expect_libbpf_errors = false;

	/* contents, full and 1-byte reads */
	check_output(lfile, "io_uring_file", want_files.s, false);
	check_output(lbuf, "io_uring_buf", want_bufs.s, false);
	check_output(lep, "epoll", want_epoll.s, true);
	result(pfn_of(mem0) != 0, "pagemap gives the pfn to compare with", "pfn 0");

	/* a stale tfd: the item of a closed fd stays while its file lives */
	close(dupfd);
	check_output(lep, "epoll after closing a tfd", want_epoll.s, true);

	/* a link pinned in bpffs: open() gives an iterator */
	{
		const char *pin = "/sys/fs/bpf/kp_native_pinned_file";
		int fd;

		unlink(pin);
		ret = bpf_link__pin(lfile, pin);
		fd = ret ? -1 : open(pin, O_RDONLY);
		ret = fd < 0 ? -errno : read_all(fd, 3, &out);
		result(!ret && !strcmp(out.s, want_files.s), "read a pinned io_uring_file link",
		       "%s, got\n%s", strerror(-ret), ret ? "" : out.s);
		if (fd >= 0)
			close(fd);
		bpf_link__unpin(lfile);
	}

	check_epoll_resume(lep, ep, items, 4);
	check_edeadlk(lfile, lbuf, ring);
	check_self_read(skel);

	/* the link keeps a ring alive that nothing else refers to */
	ring2 = ring_setup();
	efd2 = eventfd(0, EFD_CLOEXEC);
	if (efd2 < 0 || ring_register(ring2, IORING_REGISTER_FILES, &efd2, 1))
		die("ring2");
	{
		struct bpf_link *l2 = attach(skel, T_FILE, ring2), *l3 = attach(skel, T_BUF, ring2);
		char want[128];

		snprintf(want, sizeof(want), "file 0 ino=%llu\nfile end 1 nr=1\n", ino_of(efd2));
		close(ring2);
		close(efd2);
		ret = l2 ? iter_read(l2, 65536, &out) : -errno;
		result(!ret && !strcmp(out.s, want), "the link pins its ring",
		       "after close(ring): %s, got\n%s", strerror(-ret), ret ? "" : out.s);
		ret = l3 ? iter_read(l3, 65536, &out) : -errno;
		result(!ret && !strcmp(out.s, "buf end 0 nr=0\n"), "an empty table: the final call only",
		       "%s, got\n%s", strerror(-ret), ret ? "" : out.s);
		bpf_link__destroy(l2);
		bpf_link__destroy(l3);
	}

	if (bpftool)
		check_bpftool(bpftool, objdir, ring, ep, want_files.s, want_epoll.s);

	bpf_link__destroy(lbuf);
	bpf_link__destroy(lfile);
	bpf_link__destroy(lep);
	iters_bpf__destroy(skel);
	printf("native-test: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
