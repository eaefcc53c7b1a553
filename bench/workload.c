// SPDX-License-Identifier: GPL-2.0-only
/*
 * The benchmark's target process: N files (7 of 8 eventfds, 1 of 8 pipe read
 * ends), every one of them watched by ONE epoll (data = the file's index) and
 * registered in an io_uring file table.  Of the files that keep an fd, one in
 * four (i % 4 == 0) also gets a dup()ed fd; one in ten (i % 10 == 9) is
 * closed right after registration (the ring's table keeps it alive, its epoll
 * item stays with a stale tfd).
 *
 * RLIMIT_NOFILE is 20000 (hard) here, so larger N are built the way
 * KERNEL-FACTS section 7 describes: files are created in batches, added to
 * the epoll, registered (IORING_REGISTER_FILES_UPDATE) and, beyond the first
 * `kept` files, closed -- the ring tables keep them alive, the epoll items are
 * keyed by (file, fd) so reused fd numbers give distinct items.  One ring
 * table holds at most `ring_max` (<= RLIMIT_NOFILE) slots: N > ring_max uses
 * several rings.
 *
 * Usage: workload OUT N [kept=15000] [ring_max=20000] [entries=64]
 * Writes OUT (a summary, one "key value" per line), then OUT.files: one line
 * per file "index type tfd ring_fd slot fd..." (the fds that hold it, none
 * when closed), then creates OUT.ready and waits for SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#define BATCH 1024
#define DATA_TAG 0x5ab0000000000000ULL

struct file_rec {
	int tfd;     /* fd at registration (epoll tfd) */
	int fd;      /* -1: closed */
	int dup_fd;  /* -1: none */
	unsigned ring, slot;
	char type;   /* 'e' eventfd, 'p' pipe read end */
};

static void die(const char *what)
{
	fprintf(stderr, "workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void die_ret(int ret, const char *what)
{
	if (ret < 0) {
		errno = -ret;
		die(what);
	}
}

static long arg(int argc, char **argv, const char *key, long def)
{
	size_t kl = strlen(key);
	for (int i = 3; i < argc; i++)
		if (strncmp(argv[i], key, kl) == 0 && argv[i][kl] == '=')
			return strtol(argv[i] + kl + 1, NULL, 0);
	return def;
}

static volatile sig_atomic_t stop;
static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: workload OUT N [kept=N] [ring_max=N] [entries=N]\n");
		return 2;
	}
	const char *out = argv[1];
	long n = strtol(argv[2], NULL, 0);
	long kept = arg(argc, argv, "kept", 15000);
	long ring_max = arg(argc, argv, "ring_max", 20000);
	unsigned entries = (unsigned)arg(argc, argv, "entries", 64);
	struct rlimit rl;

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("getrlimit");
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setrlimit");
	if (ring_max > (long)rl.rlim_cur)
		ring_max = (long)rl.rlim_cur;
	if (kept > n)
		kept = n;
	if (n <= 0 || ring_max <= 0) {
		errno = EINVAL;
		die("N");
	}

	struct file_rec *files = calloc((size_t)n, sizeof(*files));
	unsigned nrings = (unsigned)((n + ring_max - 1) / ring_max);
	struct io_uring *rings = calloc(nrings, sizeof(*rings));
	if (!files || !rings)
		die("calloc");

	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	for (unsigned r = 0; r < nrings; r++) {
		long left = n - (long)r * ring_max;
		unsigned size = (unsigned)(left < ring_max ? left : ring_max);
		die_ret(io_uring_queue_init(entries, &rings[r], 0), "io_uring_queue_init");
		die_ret(io_uring_register_files_sparse(&rings[r], size), "io_uring_register_files_sparse");
	}

	static int batch[BATCH];
	for (long base = 0; base < n; base += BATCH) {
		long cnt = n - base < BATCH ? n - base : BATCH;
		/* a batch never straddles two rings: ring_max is a multiple of BATCH or larger than n */
		for (long k = 0; k < cnt; k++) {
			long i = base + k;
			struct file_rec *f = &files[i];
			int fd;
			if (i % 8 == 7) {
				int p[2];
				if (pipe2(p, O_CLOEXEC) < 0)
					die("pipe2");
				close(p[1]);
				fd = p[0];
				f->type = 'p';
			} else {
				fd = eventfd(0, EFD_CLOEXEC);
				if (fd < 0)
					die("eventfd");
				f->type = 'e';
			}
			struct epoll_event ev = {
				.events = EPOLLIN | (i % 2 ? EPOLLET : 0) | (i % 3 == 0 ? EPOLLOUT : 0),
				.data.u64 = DATA_TAG | (unsigned long long)i,
			};
			if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
				die("EPOLL_CTL_ADD");
			f->tfd = fd;
			f->fd = fd;
			f->dup_fd = -1;
			f->ring = (unsigned)(i / ring_max);
			f->slot = (unsigned)(i % ring_max);
			batch[k] = fd;
		}
		/* register the batch, possibly split over two rings */
		long k = 0;
		while (k < cnt) {
			long i = base + k;
			unsigned r = (unsigned)(i / ring_max);
			long room = ring_max - (long)files[i].slot;
			long m = cnt - k < room ? cnt - k : room;
			int ret = io_uring_register_files_update(&rings[r], files[i].slot, batch + k, (unsigned)m);
			if (ret != (int)m)
				die_ret(ret < 0 ? ret : -EIO, "io_uring_register_files_update");
			k += m;
		}
		for (k = 0; k < cnt; k++) {
			long i = base + k;
			if (i >= kept || i % 10 == 9) {
				close(files[i].fd);
				files[i].fd = -1;
			}
		}
	}
	/* dups of kept files, after the closes: they reuse freed numbers */
	for (long i = 0; i < kept; i++) {
		if (i % 4 != 0 || files[i].fd < 0)
			continue;
		int d = fcntl(files[i].fd, F_DUPFD_CLOEXEC, 0);
		if (d < 0)
			die("dup");
		files[i].dup_fd = d;
	}

	/* ---- summary ---- */
	long live = -1, dups = 0, closed = 0, pipes = 0; /* -1: the DIR's own fd */
	DIR *dir = opendir("/proc/self/fd");
	if (!dir)
		die("/proc/self/fd");
	for (struct dirent *de; (de = readdir(dir));)
		live += de->d_name[0] != '.';
	closedir(dir);
	for (long i = 0; i < n; i++) {
		dups += files[i].dup_fd >= 0;
		closed += files[i].fd < 0;
		pipes += files[i].type == 'p';
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s.files", out);
	FILE *ff = fopen(path, "w");
	if (!ff)
		die(path);
	for (long i = 0; i < n; i++) {
		const struct file_rec *f = &files[i];
		fprintf(ff, "%ld %c %d %d %u", i, f->type, f->tfd, rings[f->ring].ring_fd, f->slot);
		if (f->fd >= 0)
			fprintf(ff, " %d", f->fd);
		if (f->dup_fd >= 0)
			fprintf(ff, " %d", f->dup_fd);
		fputc('\n', ff);
	}
	if (fclose(ff))
		die(path);

	FILE *fs = fopen(out, "w");
	if (!fs)
		die(out);
	fprintf(fs, "pid %d\nn %ld\nepoll_fd %d\nrings %u\nring_max %ld\nentries %u\n", getpid(), n, ep,
		nrings, ring_max, entries);
	fprintf(fs, "ring_fds");
	for (unsigned r = 0; r < nrings; r++)
		fprintf(fs, " %d", rings[r].ring_fd);
	fprintf(fs, "\nfiles %ld\npipes %ld\neventfds %ld\nepoll_items %ld\nring_slots %ld\n", n, pipes,
		n - pipes, n, n);
	fprintf(fs, "kept %ld\ndup_fds %ld\nclosed %ld\nlive_fds %ld\ndata_tag %llu\n", kept, dups,
		closed, live, DATA_TAG);
	if (fclose(fs))
		die(out);
	free(files);

	snprintf(path, sizeof(path), "%s.ready", out);
	int rfd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (rfd < 0)
		die(path);
	close(rfd);
	while (!stop)
		pause();
	return 0;
}
