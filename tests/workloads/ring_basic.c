// SPDX-License-Identifier: GPL-2.0-only
/*
 * ring_basic: several io_uring rings with registered files of many types
 * (sparse table, a file registered then closed, dup'ed and moved files),
 * registered buffers (sparse when the kernel allows it), registered eventfds
 * (one async), SQPOLL rings (one bound to a CPU, an ATTACH_WQ pair sharing one
 * SQPOLL thread), a non-SQPOLL ring attached with ATTACH_WQ, a disabled ring,
 * and an epoll watching a ring.  Usage: ring_basic TRUTH.json
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ring_common.h"
#include "wl.h"

static int open_in_dir(const char *name, int flags)
{
	char path[4400];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", wl_dir(), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, name, strlen(name)) < 0 || close(fd) < 0)
		wl_die(path);
	wl_cleanup_file(path);
	fd = open(path, flags);
	if (fd < 0)
		wl_die(path);
	return fd;
}

int main(int argc, char **argv)
{
	static struct wl_ring main_r, second, third, attach, evclosed, sq_a, sq_b, sq_aff;
	static struct wl_epoll ep;
	struct io_uring_params p;
	int pfd[2], sv[2], known[8], nknown = 0;
	int sq_cpu = wl_last_allowed_cpu();
	const char *truth = wl_init(argc, argv, "ring_basic");

	/* ---- files of several types ---- */
	wl_track("reg_a", open_in_dir("a.txt", O_RDWR));
	int closed_fd = open_in_dir("closed.txt", O_RDWR);
	wl_track("reg_closed", closed_fd);
	int dup_fd = open_in_dir("dup.txt", O_RDONLY);
	wl_track("reg_dup", dup_fd);
	int moved_fd = open_in_dir("moved.txt", O_WRONLY);
	wl_track("reg_moved", moved_fd);
	wl_track("dir", open(wl_dir(), O_RDONLY | O_DIRECTORY));
	WL_CHECK(pipe(pfd));
	wl_track("pipe_r", pfd[0]);
	wl_track("pipe_w", pfd[1]);
	wl_track("evfd_slot", eventfd(0, EFD_NONBLOCK));
	WL_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	wl_track("unix_a", sv[0]);
	wl_track("unix_b", sv[1]);
	wl_track("tcp", socket(AF_INET, SOCK_STREAM, 0));
	wl_track("devnull", open("/dev/null", O_RDWR));
	wl_track("ev_main", eventfd(0, 0));
	wl_track("ev_second", eventfd(5, EFD_CLOEXEC));
	int ev_gone = eventfd(0, 0);
	wl_track("ev_gone", ev_gone);

	/* ---- an epoll watching a pipe and (below) the main ring ---- */
	wle_init(&ep, "ep", EPOLL_CLOEXEC);
	wle_add(&ep, pfd[0], EPOLLIN, 7);

	/* ---- ring "main": sparse 16-slot table, sparse buffers, async eventfd ---- */
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN |
		  IORING_SETUP_TASKRUN_FLAG;
	p.cq_entries = 64;
	wlr_init(&main_r, "main", 8, &p);
	const char *main_slots[16] = {
		"reg_a", NULL, "pipe_r", "pipe_w", "evfd_slot", "unix_a", "tcp", "devnull",
		NULL, "reg_closed", "reg_dup", "reg_moved", "dir", "ep", "reg_a", NULL,
	};
	wlr_register_files(&main_r, 16, main_slots);
	wle_add(&ep, main_r.fd, EPOLLIN | EPOLLOUT, 0x5151515151515151ULL);

	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *region = mmap(NULL, 16 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		wl_die("mmap");
	memset(region, 0x5a, 16 * page);
	char *heap = aligned_alloc(page, 16 * page);
	if (!heap)
		wl_die("aligned_alloc");
	memset(heap, 0x11, 16 * page);
	struct iovec iov[8] = {
		{region, page},
		{0, 0},
		{region + 2 * page + 100, 1000},
		{heap, 16 * page},
		{0, 0},
		{0, 0},
		{0, 0},
		{region + 4 * page, 4 * page + 17},
	};
	bool used[8] = {true, false, true, true, false, false, false, true};
	if (!wlr_register_buffers(&main_r, 8, iov, used)) {
		/* no sparse buffer tables on this kernel: register densely */
		struct iovec dense[4] = {iov[0], iov[2], iov[3], iov[7]};
		bool all[4] = {true, true, true, true};
		wlr_register_buffers(&main_r, 4, dense, all);
	}
	wlr_register_eventfd(&main_r, "ev_main", true);
	wl_dup(main_r.fd, 200); /* the ring is held by two fds */

	/* ---- ring "second": dense table sharing a file with main, eventfd dup'ed ---- */
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	wlr_init(&second, "second", 4, &p);
	const char *second_slots[3] = {"reg_a", "unix_b", "pipe_r"};
	wlr_register_files(&second, 3, second_slots);
	/* a buffer across two transparent huge pages when the kernel gives
	 * them: the kernel coalesces its bio_vecs on 6.11+ (the truth says
	 * what the pages turned out to be) */
	size_t huge = 2u << 20;
	char *thp = mmap(NULL, 3 * huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (thp == MAP_FAILED)
		wl_die("mmap (huge)");
	thp = (char *)(((uintptr_t)thp + huge - 1) & ~(uintptr_t)(huge - 1));
	madvise(thp, 2 * huge, MADV_HUGEPAGE); /* advice only: fails without THP */
	memset(thp, 0x33, 2 * huge);
	struct iovec iov2[3] = {{region + 9 * page, 512},
				{region + 10 * page + 8, 3 * page},
				{thp + huge - 3 * page + 40, 5 * page}};
	bool used2[3] = {true, true, true};
	wlr_register_buffers(&second, 3, iov2, used2);
	{
		struct wl_bvecs b;
		wl_buffer_bvecs(iov2[2].iov_base, iov2[2].iov_len, &b);
		fprintf(stderr, "ring_basic: huge-page buffer: %lu pages, %lu in large folios, nr_bvecs %ld (%s)\n",
			b.pages, b.large, b.nr_bvecs, b.rule);
	}
	wlr_register_eventfd(&second, "ev_second", false);
	wl_dup(wl_by_label("ev_second")->fds[0], 0);

	/* ---- ring "third": disabled, clamped, nothing registered ---- */
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_R_DISABLED | IORING_SETUP_CLAMP | IORING_SETUP_CQSIZE;
	p.cq_entries = 1u << 30; /* clamped */
	wlr_init(&third, "third", 100000, &p);

	/* ---- ring "attach": ATTACH_WQ to main without SQPOLL (no SQPOLL group) ---- */
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_ATTACH_WQ;
	p.wq_fd = (unsigned)main_r.fd;
	wlr_init(&attach, "attach", 2, &p);
	wlr_register_eventfd(&attach, "ev_main", false); /* main's eventfd, not async here */

	/* ---- ring "evclosed": its registered eventfd's only fd is closed ---- */
	memset(&p, 0, sizeof(p));
	wlr_init(&evclosed, "evclosed", 2, &p);
	wlr_register_eventfd(&evclosed, "ev_gone", true);

	/* ---- SQPOLL pair sharing one thread ---- */
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL;
	p.sq_thread_idle = 2000;
	wlr_init(&sq_a, "sq_a", 8, &p);
	wlr_find_sq_thread(&sq_a, known, nknown);
	known[nknown++] = sq_a.sq_tid;
	sq_a.group = "sqg_a";

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_ATTACH_WQ;
	p.sq_thread_idle = 2000;
	p.wq_fd = (unsigned)sq_a.fd;
	wlr_init(&sq_b, "sq_b", 16, &p);
	sq_b.sq_tid = sq_a.sq_tid;
	sq_b.group = "sqg_a";
	const char *sqb_slots[2] = {"devnull", NULL};
	wlr_register_files(&sq_b, 2, sqb_slots);

	/* ---- SQPOLL bound to the last CPU this process may run on ---- */
	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL | IORING_SETUP_SQ_AFF;
	p.sq_thread_cpu = (unsigned)sq_cpu;
	p.sq_thread_idle = 1240;
	wlr_init(&sq_aff, "sq_aff", 4, &p);
	wlr_find_sq_thread(&sq_aff, known, nknown);
	known[nknown++] = sq_aff.sq_tid;
	sq_aff.group = "sqg_aff";

	/* ---- change the fds behind registered files ---- */
	/* reg_closed: registered, then closed; its number now holds another file */
	wl_close(closed_fd);
	int reuse = open_in_dir("reuse.txt", O_RDONLY);
	wl_track("reg_reuse", reuse);
	wl_dup2(reuse, closed_fd);
	wl_close(reuse);
	/* ev_gone: the ring keeps the eventfd context, no fd holds the file */
	wl_close(ev_gone);
	/* reg_dup: held by three fds */
	wl_dup(dup_fd, 0);
	wl_dup(dup_fd, 100);
	/* reg_moved: moved to fd 150, registration fd closed */
	wl_dup2(moved_fd, 150);
	wl_close(moved_fd);

	/* ---- truth ---- */
	struct jw w;
	jw_open(&w, truth);
	jw_obj(&w, NULL);
	jw_str(&w, "workload", "ring_basic");
	jw_int(&w, "pid", getpid());
	jw_str(&w, "comm", "ring_basic");
	jw_arr(&w, "rings");
	jw_ring(&w, &main_r);
	jw_ring(&w, &second);
	jw_ring(&w, &third);
	jw_ring(&w, &attach);
	jw_ring(&w, &evclosed);
	jw_ring(&w, &sq_a);
	jw_ring(&w, &sq_b);
	jw_ring(&w, &sq_aff);
	jw_end_arr(&w);
	jw_arr(&w, "epolls");
	jw_epoll(&w, &ep);
	jw_end_arr(&w);
	jw_end_obj(&w);
	jw_close(&w);

	return wl_ready_and_wait();
}
