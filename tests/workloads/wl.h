/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared helpers of the e2e workloads in tests/workloads.
 *
 * Every workload: builds real kernel state (io_uring rings, epolls), writes a
 * JSON "truth" file describing exactly what it built (path = argv[1]), creates
 * argv[1] + ".ready", then idles until SIGTERM/SIGINT.  While idle a second
 * thread writes a heartbeat counter to argv[1] + ".hb" every 20 ms, so a test
 * can tell that the process still runs (e.g. after uringdump --freeze).
 */
#ifndef URINGDUMP_WL_H
#define URINGDUMP_WL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* ---- errors ---- */
void wl_die(const char *what) __attribute__((noreturn));
#define WL_CHECK(expr)                                                         \
	do {                                                                   \
		if ((expr) < 0)                                                \
			wl_die(#expr);                                         \
	} while (0)
/* liburing calls return -errno */
void wl_check_ret(int ret, const char *what);

/* ---- minimal streaming JSON writer ---- */
struct jw {
	FILE *f;
	int depth;
	bool need_comma[64];
};
void jw_open(struct jw *w, const char *path);
void jw_close(struct jw *w);
void jw_obj(struct jw *w, const char *key); /* key NULL inside arrays */
void jw_end_obj(struct jw *w);
void jw_arr(struct jw *w, const char *key);
void jw_end_arr(struct jw *w);
void jw_int(struct jw *w, const char *key, long long v);
void jw_u64(struct jw *w, const char *key, unsigned long long v);
void jw_str(struct jw *w, const char *key, const char *s);
void jw_bool(struct jw *w, const char *key, bool v);
void jw_null(struct jw *w, const char *key);
void jw_int_list(struct jw *w, const char *key, const int *v, int n);

/* ---- file identity, as the truth file describes it ---- */
struct wl_finfo {
	char type[16];  /* regular, directory, chardev, fifo, socket, eventfd, ... */
	char path[4096];/* readlink(/proc/self/fd/N) */
	unsigned long long ino;
	char dev[32];   /* "MAJOR:MINOR" */
};
void wl_finfo(int fd, struct wl_finfo *out);
/* Writes "file": label, "type", "path", "inode", "dev" into the current object. */
void jw_finfo(struct jw *w, const struct wl_finfo *fi, const char *label);
/* The thread ids (in this process) whose comm starts with prefix. */
int wl_threads_named(const char *prefix, int *tids, int max);
/* Sorts and writes "fds": [..]. */
void jw_fds(struct jw *w, const char *key, int *fds, int n);

/* ---- a registry of the files a workload opened, and which fds hold them ---- */
struct wl_file {
	char label[40];      /* unique per struct file in the truth */
	struct wl_finfo fi;  /* captured when tracked */
	int fds[32];         /* fds that hold it now */
	int nfds;
};
/* Tracks the file behind fd (captures its identity now). */
struct wl_file *wl_track(const char *label, int fd);
/* dup(fd) / fcntl(F_DUPFD, min) / dup2(fd, newfd) keeping the registry right. */
int wl_dup(int fd, int min);
int wl_dup2(int fd, int newfd);
/* close(fd), keeping the registry right. */
void wl_close(int fd);
struct wl_file *wl_by_fd(int fd);
struct wl_file *wl_by_label(const char *label);
/* Writes file/type/path/inode/dev and "fds" of f into the current object. */
void jw_file(struct jw *w, const struct wl_file *f);

/* ---- epoll bookkeeping ---- */
#define WLE_MAX_ITEMS 64
struct wl_epitem {
	const char *target; /* label of the watched file */
	int tfd;            /* fd number used with EPOLL_CTL_ADD */
	uint32_t events;    /* as the kernel stores them */
	uint64_t data;
};
struct wl_epoll {
	const char *name;   /* also the epoll's file label */
	int fd;
	int nitems;
	struct wl_epitem items[WLE_MAX_ITEMS];
};
/* The events the kernel keeps for an ADD/MOD with `req`. */
uint32_t wle_expected_events(uint32_t req);
void wle_init(struct wl_epoll *e, const char *name, int flags);
void wle_add(struct wl_epoll *e, int tfd, uint32_t events, uint64_t data);
void wle_mod(struct wl_epoll *e, int tfd, uint32_t events, uint64_t data);
void jw_epoll(struct jw *w, const struct wl_epoll *e);

/* The highest CPU in this process's affinity mask (a cpuset may forbid
 * others: an SQPOLL thread bound to one fails to start), 0 when unknown. */
int wl_last_allowed_cpu(void);

/* ---- what the kernel makes of a registered buffer ---- */
struct wl_bvecs {
	unsigned long pages; /* pages the buffer spans */
	long nr_bvecs;       /* the bio_vecs the running kernel keeps; -1 = unknown */
	unsigned long large; /* pages of it that lie in large folios */
	const char *rule;    /* how nr_bvecs follows from the pages (or why unknown) */
};
/* Computes, after registration (the pages are pinned then), what nr_bvecs the
 * running kernel must report for the buffer [addr, addr + len): one bio_vec
 * per page on 6.1; since 6.4 one for pages that all lie in one folio, and
 * since 6.11 one per folio when the buffer covers equal large folios end to
 * end (io_check_coalesce_buffer).  Folios come from /proc/self/pagemap and
 * /proc/kpageflags (root); a kernel without transparent huge pages has only
 * order-0 folios of anonymous memory (the workloads use no hugetlbfs). */
void wl_buffer_bvecs(const void *addr, size_t len, struct wl_bvecs *out);
/* Writes "pages", "nr_bvecs" (null when unknown) and "bvecs_rule". */
void jw_bvecs(struct jw *w, const void *addr, size_t len);

/* ---- lifecycle ---- */
/* Call first: blocks SIGTERM/SIGINT, remembers argv[1]; exits 2 without it. */
const char *wl_init(int argc, char **argv, const char *name);
/* A directory for the workload's regular files: argv[1] + ".d" (or a
 * temporary directory when argv[1] is "-"); removed again at exit. */
const char *wl_dir(void);
/* Remember a file to unlink at exit (inside wl_dir()). */
void wl_cleanup_file(const char *path);
/* Creates the ready file, starts the heartbeat thread, waits for
 * SIGTERM/SIGINT, cleans up, and returns the exit status (0). */
int wl_ready_and_wait(void);
/* Same, but calls step() in the main thread between signal checks
 * (for workloads that keep changing their state). */
int wl_ready_and_loop(void (*step)(void *), void *arg);
/* In a child right after fork(): it becomes a workload of its own with
 * truth file `truth` and name `comm`; it gets SIGTERM when the parent dies. */
void wl_become_child(const char *truth, const char *comm);
/* Waits up to 30 s for path to exist. */
void wl_wait_for_file(const char *path);
/* Path of the truth file; "-" for demo mode. */
const char *wl_truth_path(void);

#endif
