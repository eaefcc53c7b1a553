// SPDX-License-Identifier: GPL-2.0-only
/*
 * big: large tables, built within RLIMIT_NOFILE (20000 hard here):
 *  - registered files: rings whose tables hold `files` files in total (default
 *    65,536), each table as large as RLIMIT_NOFILE allows (`ring_max`, 0 = the
 *    hard limit).  Every slot holds its own pipe end (pipes are created in
 *    batches, registered with IORING_REGISTER_FILES_UPDATE, then closed: the
 *    table keeps them alive); every 1000th slot (index % 1000 == 999) is left
 *    empty; the file of every 5000th slot keeps an fd.
 *  - registered buffers: one ring with `bufs` buffers (default 16,384) carved
 *    from one mmap, one buffer per page with varying offsets and lengths.
 *  - an epoll with `items` items (default 200,000): an item is keyed by
 *    (file, fd), so one eventfd per round is dup'ed to up to 16,384 fd numbers,
 *    each dup is added, then the dups are closed: the items stay while the
 *    eventfd lives (its first fd, the "anchor", stays open and is watched too).
 * Usage: big TRUTH.json [files=N] [ring_max=N] [bufs=N] [items=N]
 * The truth lists every slot and every item (ring slots inline, items by
 * reference into "files").
 */
#include <errno.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "wl.h"

#define MAX_RINGS 64
#define DUP_BASE 2000
#define DUP_SPAN 16384
#define MAX_ROUNDS 4096
#define FD_MARGIN 64 /* fds for stdio, truth, heartbeat, rings, anchors' headroom */

/* Sized to the machine (main): dup span and pipe batch fit RLIMIT_NOFILE. */
static long dup_span = DUP_SPAN;
static unsigned batch = 4096;

struct slot {
	unsigned long long ino; /* pipe inode, 0 = empty slot */
	int fd;                 /* fd kept open, -1 = none */
	char end;               /* 'r' or 'w' */
};

struct ring {
	struct io_uring r;
	struct io_uring_params p;
	unsigned nr;
	struct slot *slots;
};

static long arg(int argc, char **argv, const char *key, long def)
{
	size_t kl = strlen(key);
	for (int i = 2; i < argc; i++)
		if (strncmp(argv[i], key, kl) == 0 && argv[i][kl] == '=')
			return strtol(argv[i] + kl + 1, NULL, 0);
	return def;
}

static void ring_init(struct ring *r, unsigned flags)
{
	memset(&r->p, 0, sizeof(r->p));
	r->p.flags = flags;
	wl_check_ret(io_uring_queue_init_params(4, &r->r, &r->p), "io_uring_queue_init_params");
}

static void fill_files(struct ring *r, unsigned nr)
{
	static int fds[2 * 4096]; /* batch pipes at a time: 2 * batch fds */
	const unsigned BATCH = batch;

	r->nr = nr;
	r->slots = calloc(nr, sizeof(*r->slots));
	if (!r->slots)
		wl_die("calloc");
	wl_check_ret(io_uring_register_files_sparse(&r->r, nr), "io_uring_register_files_sparse");
	for (unsigned off = 0; off < nr; off += 2 * BATCH) {
		unsigned n = nr - off < 2 * BATCH ? nr - off : 2 * BATCH;
		for (unsigned i = 0; i < n; i += 2) {
			int p[2];
			struct stat st;
			if (pipe(p) < 0)
				wl_die("pipe");
			if (fstat(p[0], &st) < 0)
				wl_die("fstat");
			for (unsigned k = 0; k < 2 && i + k < n; k++) {
				unsigned idx = off + i + k;
				fds[i + k] = p[k];
				if (idx % 1000 == 999) {
					fds[i + k] = -1; /* empty slot */
					continue;
				}
				r->slots[idx].ino = (unsigned long long)st.st_ino;
				r->slots[idx].end = k ? 'w' : 'r';
				r->slots[idx].fd = idx % 5000 == 0 ? p[k] : -1;
			}
			if (i + 1 >= n)
				close(p[1]); /* odd table size: the write end is unused */
			/* an empty slot's pipe end is not registered: close it below */
			if (fds[i] < 0)
				close(p[0]);
			if (i + 1 < n && fds[i + 1] < 0)
				close(p[1]);
		}
		int ret = io_uring_register_files_update(&r->r, off, fds, n);
		if (ret != (int)n)
			wl_check_ret(ret < 0 ? ret : -EIO, "io_uring_register_files_update");
		for (unsigned i = 0; i < n; i++) {
			unsigned idx = off + i;
			if (fds[i] >= 0 && r->slots[idx].fd < 0)
				close(fds[i]);
		}
		/* move the kept fds down, out of the range the epoll part dup2()s over */
		for (unsigned i = 0; i < n; i++) {
			struct slot *sl = &r->slots[off + i];
			if (sl->fd >= 0 && fds[i] >= 0) {
				int low = dup(sl->fd);
				if (low < 0 || low >= DUP_BASE)
					wl_die("dup kept fd");
				close(sl->fd);
				sl->fd = low;
			}
		}
	}
}

int main(int argc, char **argv)
{
	static struct ring rings[MAX_RINGS];
	static struct ring bufring;
	static int anchors[MAX_ROUNDS];
	static unsigned long long round_items[MAX_ROUNDS];
	const char *truth = wl_init(argc, argv, "big");
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		wl_die("getrlimit");
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		wl_die("setrlimit");
	/* Fit the fd limit: the epoll part dup2()s onto fds DUP_BASE.. and the
	 * file part opens 2 * batch pipe ends at once. */
	long fd_room = (long)(rl.rlim_cur > 1u << 20 ? 1u << 20 : rl.rlim_cur) - DUP_BASE - FD_MARGIN;
	if (fd_room < 64) {
		fprintf(stderr, "big: RLIMIT_NOFILE %llu is too small (needs at least %d)\n",
			(unsigned long long)rl.rlim_cur, DUP_BASE + FD_MARGIN + 64);
		errno = EMFILE;
		wl_die("RLIMIT_NOFILE");
	}
	if (dup_span > fd_room)
		dup_span = fd_room;
	if ((long)batch * 2 > fd_room)
		batch = (unsigned)(fd_room / 2);
	/* and the epoll watch limit (per user): leave room for other processes */
	long max_watches = 0;
	FILE *mw = fopen("/proc/sys/fs/epoll/max_user_watches", "r");
	if (mw) {
		if (fscanf(mw, "%ld", &max_watches) != 1)
			max_watches = 0;
		fclose(mw);
	}

	long files = arg(argc, argv, "files", 65536);
	long ring_max = arg(argc, argv, "ring_max", 0);
	long nbufs = arg(argc, argv, "bufs", 16384);
	long nitems = arg(argc, argv, "items", 200000);
	long asked_items = nitems;
	if (max_watches > 0 && nitems > max_watches / 2)
		nitems = max_watches / 2;
	if (ring_max <= 0 || ring_max > (long)rl.rlim_max)
		ring_max = rl.rlim_max > 1u << 20 ? 1 << 20 : (long)rl.rlim_max;
	/* each round keeps one eventfd (its anchor) open below DUP_BASE */
	if (nitems > dup_span * (DUP_BASE / 2))
		nitems = dup_span * (DUP_BASE / 2);
	fprintf(stderr, "big: sized to RLIMIT_NOFILE %llu and max_user_watches %ld: tables of up to %ld files, "
		"%ld items (%ld asked), %ld dup'ed fds and %u pipes at a time\n",
		(unsigned long long)rl.rlim_cur, max_watches, ring_max, nitems, asked_items, dup_span, batch);
	int nrings = (int)((files + ring_max - 1) / ring_max);
	if (nrings > MAX_RINGS) {
		errno = E2BIG;
		wl_die("too many rings");
	}

	/* ---- registered files ---- */
	static const unsigned flag_sets[] = {0, IORING_SETUP_CLAMP, IORING_SETUP_SUBMIT_ALL,
					     IORING_SETUP_COOP_TASKRUN};
	long left = files;
	for (int i = 0; i < nrings; i++) {
		unsigned nr = (unsigned)(left < ring_max ? left : ring_max);
		ring_init(&rings[i], flag_sets[i % 4]);
		fill_files(&rings[i], nr);
		left -= nr;
	}

	/* ---- registered buffers ---- */
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct iovec *iov = calloc((size_t)(nbufs ? nbufs : 1), sizeof(*iov));
	ring_init(&bufring, 0);
	if (nbufs > 0) {
		char *region = mmap(NULL, (size_t)nbufs * page, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (region == MAP_FAILED || !iov)
			wl_die("mmap");
		for (long i = 0; i < nbufs; i++) {
			iov[i].iov_base = region + (size_t)i * page + (size_t)(i % 8) * 64;
			iov[i].iov_len = 64 + (size_t)((i * 37) % 3000);
		}
		wl_check_ret(io_uring_register_buffers(&bufring.r, iov, (unsigned)nbufs),
			     "io_uring_register_buffers");
	}

	/* ---- the epoll ---- */
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		wl_die("epoll_create1");
	int rounds = 0;
	long added = 0;
	struct stat efst;
	while (added < nitems) {
		if (rounds >= MAX_ROUNDS) {
			errno = E2BIG;
			wl_die("too many rounds");
		}
		int a = eventfd(0, EFD_CLOEXEC);
		if (a < 0)
			wl_die("eventfd");
		anchors[rounds] = a;
		long want = nitems - added;
		/* the anchor itself is one item */
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = ((unsigned long long)rounds << 40) | 0x8000000000000000ULL | (unsigned)a};
		if (epoll_ctl(ep, EPOLL_CTL_ADD, a, &ev) < 0)
			wl_die("EPOLL_CTL_ADD anchor");
		added++;
		want--;
		long span = want < dup_span ? want : dup_span;
		for (long k = 0; k < span; k++) {
			int tfd = DUP_BASE + (int)k;
			if (dup2(a, tfd) < 0)
				wl_die("dup2");
			ev.events = EPOLLIN | (k % 2 ? EPOLLET : 0) | (k % 3 == 0 ? EPOLLOUT : 0);
			ev.data.u64 = ((unsigned long long)rounds << 40) | 0x8000000000000000ULL | (unsigned)tfd;
			if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) < 0)
				wl_die("EPOLL_CTL_ADD");
		}
		for (long k = 0; k < span; k++)
			close(DUP_BASE + (int)k);
		added += span;
		round_items[rounds] = (unsigned long long)span;
		rounds++;
	}
	if (rounds && fstat(anchors[0], &efst) < 0)
		wl_die("fstat");

	/* ---- truth ---- */
	struct jw w;
	char label[64], path[64], dev[32];
	jw_open(&w, truth);
	jw_obj(&w, NULL);
	jw_str(&w, "workload", "big");
	jw_int(&w, "pid", getpid());
	jw_str(&w, "comm", "big");
	jw_obj(&w, "params");
	jw_int(&w, "files", files);
	jw_int(&w, "ring_max", ring_max);
	jw_int(&w, "bufs", nbufs);
	jw_int(&w, "items", nitems);
	jw_int(&w, "items_asked", asked_items);
	jw_int(&w, "rlimit_nofile", (long long)rl.rlim_cur);
	jw_int(&w, "max_user_watches", max_watches);
	jw_int(&w, "dup_span", dup_span);
	jw_end_obj(&w);

	/* the pipes' device: one pipefs superblock */
	{
		int p[2];
		struct stat st;
		if (pipe(p) < 0 || fstat(p[0], &st) < 0)
			wl_die("pipe");
		snprintf(dev, sizeof(dev), "%u:%u", major(st.st_dev), minor(st.st_dev));
		close(p[0]);
		close(p[1]);
	}
	jw_obj(&w, "files");
	for (int r = 0; r < rounds; r++) {
		struct wl_finfo fi;
		wl_finfo(anchors[r], &fi);
		snprintf(label, sizeof(label), "efd%d", r);
		jw_obj(&w, label);
		jw_finfo(&w, &fi, label);
		jw_int_list(&w, "fds", &anchors[r], 1);
		jw_end_obj(&w);
	}
	jw_end_obj(&w);

	jw_arr(&w, "rings");
	for (int i = 0; i <= nrings; i++) {
		struct ring *r = i < nrings ? &rings[i] : &bufring;
		struct wl_finfo fi;
		char name[32];
		snprintf(name, sizeof(name), i < nrings ? "files%d" : "bufs", i);
		wl_finfo(r->r.ring_fd, &fi);
		jw_obj(&w, NULL);
		jw_str(&w, "name", name);
		jw_finfo(&w, &fi, name);
		jw_int_list(&w, "fds", &r->r.ring_fd, 1);
		jw_int(&w, "fd", r->r.ring_fd);
		jw_u64(&w, "setup_flags", r->p.flags);
		jw_u64(&w, "sq_entries", r->p.sq_entries);
		jw_u64(&w, "cq_entries", r->p.cq_entries);
		jw_null(&w, "sqpoll");
		jw_null(&w, "eventfd");
		jw_obj(&w, "registered_files");
		jw_int(&w, "nr", r->nr);
		jw_arr(&w, "slots");
		for (unsigned s = 0; s < r->nr; s++) {
			const struct slot *sl = &r->slots[s];
			if (!sl->ino) {
				jw_null(&w, NULL);
				continue;
			}
			snprintf(label, sizeof(label), "r%ds%u", i, s);
			snprintf(path, sizeof(path), "pipe:[%llu]", sl->ino);
			jw_obj(&w, NULL);
			jw_int(&w, "index", s);
			jw_str(&w, "file", label);
			jw_str(&w, "type", "fifo");
			jw_str(&w, "path", path);
			jw_u64(&w, "inode", sl->ino);
			jw_str(&w, "dev", dev);
			jw_int_list(&w, "fds", &sl->fd, sl->fd >= 0 ? 1 : 0);
			jw_end_obj(&w);
		}
		jw_end_arr(&w);
		jw_end_obj(&w);
		jw_obj(&w, "registered_buffers");
		jw_int(&w, "nr", r == &bufring ? nbufs : 0);
		jw_arr(&w, "slots");
		for (long b = 0; r == &bufring && b < nbufs; b++) {
			jw_obj(&w, NULL);
			jw_int(&w, "index", b);
			jw_u64(&w, "addr", (unsigned long long)(uintptr_t)iov[b].iov_base);
			jw_u64(&w, "len", iov[b].iov_len);
			jw_bvecs(&w, iov[b].iov_base, iov[b].iov_len);
			jw_end_obj(&w);
		}
		jw_end_arr(&w);
		jw_end_obj(&w);
		jw_end_obj(&w);
	}
	jw_end_arr(&w);

	jw_arr(&w, "epolls");
	{
		struct wl_finfo fi;
		wl_finfo(ep, &fi);
		jw_obj(&w, NULL);
		jw_str(&w, "name", "big_ep");
		jw_finfo(&w, &fi, "big_ep");
		jw_int_list(&w, "fds", &ep, 1);
		jw_int(&w, "fd", ep);
		jw_arr(&w, "items");
		for (int r = 0; r < rounds; r++) {
			snprintf(label, sizeof(label), "efd%d", r);
			unsigned long long hi = ((unsigned long long)r << 40) | 0x8000000000000000ULL;
			jw_obj(&w, NULL);
			jw_int(&w, "tfd", anchors[r]);
			jw_u64(&w, "events", EPOLLIN | EPOLLERR | EPOLLHUP);
			jw_u64(&w, "data", hi | (unsigned)anchors[r]);
			jw_str(&w, "ref", label);
			jw_end_obj(&w);
			for (unsigned long long k = 0; k < round_items[r]; k++) {
				int tfd = DUP_BASE + (int)k;
				unsigned ev = EPOLLIN | EPOLLERR | EPOLLHUP | (k % 2 ? EPOLLET : 0) |
					      (k % 3 == 0 ? EPOLLOUT : 0);
				jw_obj(&w, NULL);
				jw_int(&w, "tfd", tfd);
				jw_u64(&w, "events", ev);
				jw_u64(&w, "data", hi | (unsigned)tfd);
				jw_str(&w, "ref", label);
				jw_end_obj(&w);
			}
		}
		jw_end_arr(&w);
		jw_end_obj(&w);
	}
	jw_end_arr(&w);
	jw_end_obj(&w);
	jw_close(&w);

	free(iov);
	return wl_ready_and_wait();
}
