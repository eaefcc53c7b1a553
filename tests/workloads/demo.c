// SPDX-License-Identifier: GPL-2.0-only
/*
 * demo: a compact workload for `make demo`.  A ring with a few registered
 * files (one closed after registration, one dup'ed, an empty slot), registered
 * buffers (one slot empty), a registered eventfd; an SQPOLL ring; an epoll
 * watching a pipe, a socket, an eventfd and a nested epoll.
 * Usage: demo            prints its pid and waits for Ctrl-C / SIGTERM
 *        demo TRUTH.json  also writes the truth file and TRUTH.json.ready
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ring_common.h"
#include "wl.h"

int main(int argc, char **argv)
{
	static struct wl_ring ring, sq;
	static struct wl_epoll ep, inner;
	struct io_uring_params p;
	int pfd[2], sv[2];
	char *args[2] = {argv[0], "-"};
	const char *truth = wl_init(2, argc > 1 ? argv : args, "demo");
	char path[4400];

	snprintf(path, sizeof(path), "%s/notes.txt", wl_dir());
	int reg = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	wl_track("notes", reg);
	wl_cleanup_file(path);
	snprintf(path, sizeof(path), "%s/closed.log", wl_dir());
	int closed = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	wl_track("closed_log", closed);
	wl_cleanup_file(path);
	WL_CHECK(pipe(pfd));
	wl_track("pipe_r", pfd[0]);
	wl_track("pipe_w", pfd[1]);
	WL_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	wl_track("sock_a", sv[0]);
	wl_track("sock_b", sv[1]);
	wl_track("evfd", eventfd(0, EFD_NONBLOCK));

	memset(&p, 0, sizeof(p));
	wlr_init(&ring, "ring", 8, &p);
	const char *slots[6] = {"notes", "closed_log", "pipe_r", NULL, "sock_a", "notes"};
	wlr_register_files(&ring, 6, slots);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	char *bufs = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bufs == MAP_FAILED)
		wl_die("mmap");
	memset(bufs, 0, 4 * page);
	struct iovec iov[3] = {{bufs, page}, {0, 0}, {bufs + 2 * page, 2 * page}};
	bool used[3] = {true, false, true};
	if (!wlr_register_buffers(&ring, 3, iov, used)) {
		struct iovec dense[2] = {iov[0], iov[2]};
		bool all[2] = {true, true};
		wlr_register_buffers(&ring, 2, dense, all);
	}
	wlr_register_eventfd(&ring, "evfd", false);

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQPOLL;
	p.sq_thread_idle = 1000;
	wlr_init(&sq, "sqpoll", 4, &p);
	wlr_find_sq_thread(&sq, NULL, 0);

	wle_init(&inner, "inner", 0);
	wle_add(&inner, pfd[1], EPOLLOUT, 0x1);
	wle_init(&ep, "ep", 0);
	wle_add(&ep, pfd[0], EPOLLIN, 0x10);
	wle_add(&ep, sv[1], EPOLLIN | EPOLLRDHUP | EPOLLET, 0xdeadbeef00000020ULL);
	wle_add(&ep, wl_by_label("evfd")->fds[0], EPOLLIN, 0x30);
	wle_add(&ep, inner.fd, EPOLLIN, 0x40);

	wl_close(closed);                    /* alive only through the ring */
	wl_dup(wl_by_label("sock_a")->fds[0], 0); /* two fds */

	if (strcmp(truth, "-") != 0) {
		struct jw w;
		jw_open(&w, truth);
		jw_obj(&w, NULL);
		jw_str(&w, "workload", "demo");
		jw_int(&w, "pid", getpid());
		jw_str(&w, "comm", "demo");
		jw_arr(&w, "rings");
		jw_ring(&w, &ring);
		jw_ring(&w, &sq);
		jw_end_arr(&w);
		jw_arr(&w, "epolls");
		jw_epoll(&w, &ep);
		jw_epoll(&w, &inner);
		jw_end_arr(&w);
		jw_end_obj(&w);
		jw_close(&w);
	}
	return wl_ready_and_wait();
}
