// SPDX-License-Identifier: GPL-2.0-only
/*
 * epoll_basic: epolls watching pipes, sockets, eventfds, other anon inodes
 * (timerfd, signalfd, inotify), a nested chain of epolls, an io_uring; items
 * whose registration fd was moved (dup2 + close), closed (file alive through a
 * dup), or now names another file; one file watched through two fds; EPOLLET,
 * EPOLLONESHOT, EPOLLEXCLUSIVE, EPOLLWAKEUP, EPOLL_CTL_MOD, 64-bit data with
 * high bits set; an empty epoll.  Usage: epoll_basic TRUTH.json
 */
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <netinet/in.h>
#include <unistd.h>

#include "ring_common.h"
#include "wl.h"

int main(int argc, char **argv)
{
	static struct wl_epoll e1, e2, e3, e4, empty;
	static struct wl_ring ring;
	struct io_uring_params p;
	int a[2], b[2], c[2], d[2], s[2];
	const char *truth = wl_init(argc, argv, "epoll_basic");

	wle_init(&e1, "e1", EPOLL_CLOEXEC);
	wle_init(&e2, "e2", 0);
	wle_init(&e3, "e3", 0);
	wle_init(&empty, "empty", 0);
	memset(&p, 0, sizeof(p));
	wlr_init(&ring, "ring", 4, &p);

	WL_CHECK(pipe(a));
	wl_track("pipe_a_r", a[0]);
	wl_track("pipe_a_w", a[1]);
	WL_CHECK(pipe2(b, O_NONBLOCK));
	wl_track("pipe_b_r", b[0]);
	wl_track("pipe_b_w", b[1]);
	WL_CHECK(pipe(c));
	wl_track("pipe_c_r", c[0]);
	wl_track("pipe_c_w", c[1]);
	WL_CHECK(pipe(d));
	wl_track("pipe_d_r", d[0]);
	wl_track("pipe_d_w", d[1]);
	WL_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s));
	wl_track("unix_a", s[0]);
	wl_track("unix_b", s[1]);
	int efd = eventfd(0, EFD_NONBLOCK);
	wl_track("efd", efd);
	int efd_nested = eventfd(3, 0);
	wl_track("efd_nested", efd_nested);
	int moved = eventfd(0, 0);
	wl_track("efd_moved", moved);
	int closed = socket(AF_INET, SOCK_DGRAM, 0);
	wl_track("udp_closed", closed);
	int twice = eventfd(0, EFD_SEMAPHORE);
	wl_track("efd_twice", twice);
	int tmfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	wl_track("timerfd", tmfd);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR2);
	int sigfd = signalfd(-1, &mask, SFD_NONBLOCK);
	wl_track("signalfd", sigfd);
	int ino = inotify_init1(IN_NONBLOCK);
	wl_track("inotify", ino);

	/* nested chain: e4 -> e1 -> e2 -> e3 */
	wle_add(&e3, d[0], EPOLLIN, 0x3333);
	wle_add(&e2, e3.fd, EPOLLIN, 0x2222);
	wle_add(&e2, efd_nested, EPOLLIN | EPOLLET, 0xfedcba9876543210ULL);

	wle_add(&e1, a[0], EPOLLIN, 1);
	wle_add(&e1, a[1], EPOLLOUT | EPOLLET, 0xdeadbeefcafebabeULL);
	wle_add(&e1, s[0], EPOLLIN | EPOLLRDHUP | EPOLLONESHOT, 0x8000000000000000ULL);
	wle_add(&e1, s[1], EPOLLIN | EPOLLOUT | EPOLLEXCLUSIVE, 0x7fffffffffffffffULL);
	wle_add(&e1, efd, EPOLLIN | EPOLLWAKEUP, 0xffffffffffffffffULL);
	wle_add(&e1, e2.fd, EPOLLIN, 0x1122334455667788ULL);
	wle_add(&e1, ring.fd, EPOLLIN | EPOLLOUT, 0xa5a5a5a5a5a5a5a5ULL);
	wle_add(&e1, moved, EPOLLIN, 8);
	wle_add(&e1, closed, EPOLLIN | EPOLLPRI, 9);
	wle_add(&e1, b[0], EPOLLIN | EPOLLRDNORM, 10);
	wle_add(&e1, twice, EPOLLIN, 11);
	int twice2 = wl_dup(twice, 0);
	wle_add(&e1, twice2, EPOLLOUT, 12);
	wle_add(&e1, c[1], EPOLLOUT, 13);
	wle_mod(&e1, c[1], EPOLLIN | EPOLLOUT | EPOLLET, 0x1300000000000013ULL);
	wle_add(&e1, tmfd, EPOLLIN, 14);
	wle_add(&e1, sigfd, EPOLLIN, 15);
	wle_add(&e1, ino, EPOLLIN | EPOLLET, 16);
	wle_add(&e1, b[1], EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND, 0);

	/* e4 watches e1 (and a pipe) */
	wle_init(&e4, "e4", 0);
	wle_add(&e4, e1.fd, EPOLLIN, 0x4444);
	wle_add(&e4, a[0], EPOLLIN | EPOLLPRI, 0x4000000000000001ULL);

	/* item 8: target moved to fd 90, registration fd closed */
	wl_dup2(moved, 90);
	wl_close(moved);
	/* item 9: registration fd closed, file alive through a dup */
	wl_dup(closed, 0);
	wl_close(closed);
	/* item 10: the registration number now holds another file (/dev/null) */
	wl_dup(b[0], 110);
	int devnull = open("/dev/null", O_RDONLY);
	wl_track("devnull", devnull);
	wl_dup2(devnull, b[0]);
	wl_close(devnull);
	/* e1 is held by two fds */
	wl_dup(e1.fd, 60);

	struct jw w;
	jw_open(&w, truth);
	jw_obj(&w, NULL);
	jw_str(&w, "workload", "epoll_basic");
	jw_int(&w, "pid", getpid());
	jw_str(&w, "comm", "epoll_basic");
	jw_arr(&w, "rings");
	jw_ring(&w, &ring);
	jw_end_arr(&w);
	jw_arr(&w, "epolls");
	jw_epoll(&w, &e1);
	jw_epoll(&w, &e2);
	jw_epoll(&w, &e3);
	jw_epoll(&w, &e4);
	jw_epoll(&w, &empty);
	jw_end_arr(&w);
	jw_end_obj(&w);
	jw_close(&w);

	return wl_ready_and_wait();
}
