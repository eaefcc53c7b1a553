// SPDX-License-Identifier: GPL-2.0-only
/*
 * ring_reach: rings and epolls that the leader's fd table does not show.
 *   regfd    registered with IORING_REGISTER_RING_FDS, then its fd closed
 *            (held by the main thread's registered ring table and its mappings)
 *   regonly  IORING_SETUP_REGISTERED_FD_ONLY | NO_MMAP (6.5+): never had an
 *            fd, lives in the registered ring table only
 *   mapped   its fd closed: held by its SQ/CQ/SQE mappings only
 *   thread   created by a thread that called unshare(CLONE_FILES), with an
 *            epoll and an eventfd, in that thread's own fd table, which a
 *            second thread shares
 *   shared   an ordinary ring (fd in the leader's table) that another thread
 *            registered in its own registered ring table
 * Every ring has a different sq_entries so that the truth can name it.  The
 * truth also records what procfs says (the io_uring lines of
 * /proc/self/maps, /proc/self/task/TID/fd of the table's threads) as an
 * independent oracle.  Usage: ring_reach TRUTH.json
 */
#include <errno.h>
#include <linux/io_uring.h>
#include <liburing.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wl.h"

#define SETUP_NO_MMAP (1U << 14)
#define SETUP_REGISTERED_FD_ONLY (1U << 15)

/* struct io_uring_params with the NO_MMAP user_addr fields (newer than some headers) */
struct params_v2 {
	__u32 sq_entries, cq_entries, flags, sq_thread_cpu, sq_thread_idle, features, wq_fd;
	__u32 resv[3];
	struct {
		__u32 head, tail, ring_mask, ring_entries, flags, dropped, array, resv1;
		__u64 user_addr;
	} sq_off;
	struct {
		__u32 head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1;
		__u64 user_addr;
	} cq_off;
};

struct reach_ring {
	const char *name;
	unsigned entries;
	int fd;         /* -1: none */
	int fd_tid;     /* the thread whose table holds fd (0: the leader's) */
	int reg_tid;    /* registered in this thread's table (0: not registered) */
	int reg_index;
	bool mapped;    /* the process maps its memory */
	bool present;   /* built (false: the kernel cannot) */
	const char *why; /* when not present */
};

static struct reach_ring rings[5] = {
	{.name = "regfd", .entries = 2},  {.name = "regonly", .entries = 4},
	{.name = "mapped", .entries = 8}, {.name = "thread", .entries = 16},
	{.name = "shared", .entries = 32},
};
enum { R_REGFD, R_REGONLY, R_MAPPED, R_THREAD, R_SHARED, R_NR };

static struct io_uring ur[R_NR];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int stage;
static int t1_tid, t2_tid, t3_tid;
static int t1_epfd = -1, t1_evfd = -1;

static int gettid_(void)
{
	return (int)syscall(SYS_gettid);
}

static void advance(int to)
{
	pthread_mutex_lock(&mu);
	stage = to;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void wait_stage(int at_least)
{
	pthread_mutex_lock(&mu);
	while (stage < at_least)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* T2: shares T1's own table (created by T1 after its unshare) */
static void *t2_main(void *arg)
{
	(void)arg;
	t2_tid = gettid_();
	advance(2);
	return idle_thread(NULL);
}

/* T1: a table of its own with a ring, an epoll and an eventfd */
static void *t1_main(void *arg)
{
	pthread_t t2;

	(void)arg;
	t1_tid = gettid_();
	WL_CHECK(unshare(CLONE_FILES));
	wl_check_ret(io_uring_queue_init(rings[R_THREAD].entries, &ur[R_THREAD], 0), "queue_init thread");
	rings[R_THREAD].fd = ur[R_THREAD].ring_fd;
	rings[R_THREAD].fd_tid = t1_tid;
	rings[R_THREAD].mapped = true;
	rings[R_THREAD].present = true;
	t1_evfd = eventfd(3, 0);
	WL_CHECK(t1_evfd);
	t1_epfd = epoll_create1(0);
	WL_CHECK(t1_epfd);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x7431};
	WL_CHECK(epoll_ctl(t1_epfd, EPOLL_CTL_ADD, t1_evfd, &ev));
	if (pthread_create(&t2, NULL, t2_main, NULL))
		wl_die("pthread_create t2");
	wait_stage(2);
	advance(3);
	return idle_thread(NULL);
}

/* T3: shares the leader's table, registers ring "shared" in its own ring table */
static void *t3_main(void *arg)
{
	(void)arg;
	t3_tid = gettid_();
	int ret = io_uring_register_ring_fd(&ur[R_SHARED]);
	if (ret != 1)
		wl_check_ret(ret < 0 ? ret : -EIO, "register_ring_fd shared");
	rings[R_SHARED].reg_tid = t3_tid;
	rings[R_SHARED].reg_index = ur[R_SHARED].enter_ring_fd;
	advance(4);
	return idle_thread(NULL);
}

/* regonly: NO_MMAP | REGISTERED_FD_ONLY, rings in our own pages */
static void make_regonly(void)
{
	struct reach_ring *r = &rings[R_REGONLY];
	long page = sysconf(_SC_PAGESIZE);
	void *sq = aligned_alloc((size_t)page, (size_t)page);
	void *sqes = aligned_alloc((size_t)page, (size_t)page);
	struct params_v2 p;

	if (!sq || !sqes)
		wl_die("aligned_alloc");
	memset(sq, 0, (size_t)page);
	memset(sqes, 0, (size_t)page);
	memset(&p, 0, sizeof(p));
	p.flags = SETUP_NO_MMAP | SETUP_REGISTERED_FD_ONLY;
	p.sq_off.user_addr = (__u64)(unsigned long)sqes;
	p.cq_off.user_addr = (__u64)(unsigned long)sq;
	long ret = syscall(__NR_io_uring_setup, r->entries, &p);
	if (ret < 0) {
		r->why = errno == EINVAL ? "IORING_SETUP_NO_MMAP|REGISTERED_FD_ONLY need 6.5"
					 : strerror(errno);
		fprintf(stderr, "ring_reach: regonly: %s\n", r->why);
		return;
	}
	r->present = true;
	r->reg_tid = gettid_();
	r->reg_index = (int)ret;
	r->fd = -1;
}

static void jw_ring_truth(struct jw *w, const struct reach_ring *r)
{
	jw_obj(w, NULL);
	jw_str(w, "name", r->name);
	jw_int(w, "sq_entries", r->entries);
	jw_bool(w, "present", r->present);
	if (!r->present) {
		jw_str(w, "unsupported", r->why ? r->why : "?");
		jw_end_obj(w);
		return;
	}
	if (r->fd >= 0 && r->fd_tid == 0)
		jw_int_list(w, "fds", &r->fd, 1);
	else
		jw_int_list(w, "fds", NULL, 0);
	jw_arr(w, "thread_fds");
	if (r->fd >= 0 && r->fd_tid != 0) {
		jw_obj(w, NULL);
		jw_int(w, "tid", r->fd_tid);
		jw_int(w, "fd", r->fd);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_arr(w, "registered");
	if (r->reg_tid) {
		jw_obj(w, NULL);
		jw_int(w, "tid", r->reg_tid);
		jw_int(w, "index", r->reg_index);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_bool(w, "mapped", r->mapped);
	jw_end_obj(w);
}

/* The [start, end) of every io_uring mapping, as /proc/self/maps lists them. */
static void jw_proc_maps(struct jw *w)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];

	if (!f)
		wl_die("/proc/self/maps");
	jw_arr(w, "proc_maps");
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end, off;

		if (!strstr(line, "[io_uring]"))
			continue;
		if (sscanf(line, "%llx-%llx %*s %llx", &start, &end, &off) != 3)
			continue;
		jw_obj(w, NULL);
		jw_u64(w, "start", start);
		jw_u64(w, "end", end);
		jw_u64(w, "offset", off);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	fclose(f);
}

/* The io_uring/epoll fds of a thread's table, as /proc/self/task/TID/fd shows them. */
static void jw_task_fds(struct jw *w, int tid)
{
	char path[64], link[128];
	int rings_fds[64], ep_fds[64], nr = 0, ne = 0;

	for (int fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/task/%d/fd/%d", tid, fd);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = 0;
		if (strstr(link, "[io_uring]") && nr < 64)
			rings_fds[nr++] = fd;
		else if (strstr(link, "[eventpoll]") && ne < 64)
			ep_fds[ne++] = fd;
	}
	jw_obj(w, NULL);
	jw_int(w, "tid", tid);
	jw_fds(w, "io_uring_fds", rings_fds, nr);
	jw_fds(w, "epoll_fds", ep_fds, ne);
	jw_end_obj(w);
}

int main(int argc, char **argv)
{
	const char *truth = wl_init(argc, argv, "ring_reach");
	pthread_t t1, t3;
	int ret;

	for (int i = 0; i < R_NR; i++)
		rings[i].fd = -1;

	/* regfd: registered, then its fd closed (the mappings stay) */
	wl_check_ret(io_uring_queue_init(rings[R_REGFD].entries, &ur[R_REGFD], 0), "queue_init regfd");
	ret = io_uring_register_ring_fd(&ur[R_REGFD]);
	if (ret != 1)
		wl_check_ret(ret < 0 ? ret : -EIO, "register_ring_fd regfd");
	rings[R_REGFD].reg_tid = gettid_();
	rings[R_REGFD].reg_index = ur[R_REGFD].enter_ring_fd;
	WL_CHECK(close(ur[R_REGFD].ring_fd));
	rings[R_REGFD].mapped = true;
	rings[R_REGFD].present = true;

	make_regonly();

	/* mapped: fd closed, mappings kept */
	wl_check_ret(io_uring_queue_init(rings[R_MAPPED].entries, &ur[R_MAPPED], 0), "queue_init mapped");
	WL_CHECK(close(ur[R_MAPPED].ring_fd));
	rings[R_MAPPED].mapped = true;
	rings[R_MAPPED].present = true;

	/* shared: an fd in the leader's table, registered by thread T3 */
	wl_check_ret(io_uring_queue_init(rings[R_SHARED].entries, &ur[R_SHARED], 0), "queue_init shared");
	rings[R_SHARED].fd = ur[R_SHARED].ring_fd;
	rings[R_SHARED].mapped = true;
	rings[R_SHARED].present = true;

	if (pthread_create(&t1, NULL, t1_main, NULL))
		wl_die("pthread_create t1");
	wait_stage(3);
	if (pthread_create(&t3, NULL, t3_main, NULL))
		wl_die("pthread_create t3");
	wait_stage(4);

	struct jw w;
	jw_open(&w, truth);
	jw_obj(&w, NULL);
	jw_str(&w, "workload", "ring_reach");
	jw_int(&w, "pid", getpid());
	jw_str(&w, "comm", "ring_reach");
	jw_obj(&w, "reach");
	jw_arr(&w, "rings");
	for (int i = 0; i < R_NR; i++)
		jw_ring_truth(&w, &rings[i]);
	jw_end_arr(&w);
	jw_arr(&w, "epolls");
	jw_obj(&w, NULL);
	jw_str(&w, "name", "thread_ep");
	jw_int(&w, "tid", t1_tid);
	jw_int(&w, "fd", t1_epfd);
	jw_int(&w, "items", 1);
	jw_end_obj(&w);
	jw_end_arr(&w);
	jw_arr(&w, "threads");
	jw_obj(&w, NULL);
	jw_int(&w, "tid", getpid());
	jw_str(&w, "table", "leader");
	jw_end_obj(&w);
	jw_obj(&w, NULL);
	jw_int(&w, "tid", t1_tid);
	jw_str(&w, "table", "own");
	jw_end_obj(&w);
	jw_obj(&w, NULL);
	jw_int(&w, "tid", t2_tid);
	jw_str(&w, "table", "t1's");
	jw_int(&w, "shares_with", t1_tid);
	jw_end_obj(&w);
	jw_obj(&w, NULL);
	jw_int(&w, "tid", t3_tid);
	jw_str(&w, "table", "leader");
	jw_end_obj(&w);
	jw_end_arr(&w);
	jw_proc_maps(&w);
	jw_arr(&w, "proc_task_fds");
	jw_task_fds(&w, getpid());
	jw_task_fds(&w, t1_tid);
	jw_end_arr(&w);
	jw_end_obj(&w);
	jw_end_obj(&w);
	jw_close(&w);

	return wl_ready_and_wait();
}
