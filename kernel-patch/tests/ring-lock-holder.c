// SPDX-License-Identifier: GPL-2.0
/*
 * ring-lock-holder: a process whose io_uring's ->uring_lock can be held on
 * demand, for uringdump's -EDEADLK handling on the native io_uring
 * iterators (kernel-patch/tests/suites/20-uringdump.sh).  Static, for the
 * test guest.
 *
 * usage: ring-lock-holder DIR
 *        ring-lock-holder -x CMD [ARG...]
 * Sets up a ring with two registered files (/dev/null, /) and one
 * registered buffer, and an epoll watching the ring.  Then either writes
 * "PID RINGFD" to DIR/ready and waits for signals:
 *   SIGUSR1  hold ->uring_lock (uring-lock.h); DIR/state becomes "held"
 *   SIGUSR2  release it; DIR/state becomes "free"
 *   SIGTERM  release and exit 0
 * or (-x) executes CMD with the ring and the epoll inherited, their fd
 * numbers in RING_FD and EPOLL_FD (for `bpftool iter pin ... io_uring_fd
 * $RING_FD`, the inherited-fd form; an io_uring_file link keeps the ring,
 * and so the epoll's item, alive after the process).  Errors go to stderr,
 * exit status 1.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/uio.h>

#include "uring-lock.h"

static const char *dir;

static void die(const char *what)
{
	fprintf(stderr, "ring-lock-holder: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void put(const char *name, const char *text)
{
	char path[4096], tmp[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) || rename(tmp, path))
		die(path);
}

int main(int argc, char **argv)
{
	static char mem[8192] __attribute__((aligned(4096)));
	struct io_uring_params p;
	struct uring_lock_hold hold;
	struct iovec iov = { .iov_base = mem, .iov_len = sizeof(mem) };
	const char *why = "";
	bool held = false;
	char line[64];
	sigset_t set;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x5eed };
	int ring, files[2], sig, ep;
	bool exec_mode = argc > 2 && !strcmp(argv[1], "-x");

	if (argc != 2 && !exec_mode) {
		fprintf(stderr, "usage: ring-lock-holder DIR | -x CMD [ARG...]\n");
		return 2;
	}
	dir = argv[1];
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		die("sigprocmask");

	memset(&p, 0, sizeof(p));
	ring = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (ring < 0)
		die("io_uring_setup");
	files[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	files[1] = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (files[0] < 0 || files[1] < 0)
		die("open");
	if (syscall(__NR_io_uring_register, ring, IORING_REGISTER_FILES, files, 2))
		die("IORING_REGISTER_FILES");
	if (syscall(__NR_io_uring_register, ring, IORING_REGISTER_BUFFERS, &iov, 1))
		die("IORING_REGISTER_BUFFERS");
	ep = epoll_create1(0);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, ring, &ev))
		die("epoll");
	if (exec_mode) {
		snprintf(line, sizeof(line), "%d", ring);
		setenv("RING_FD", line, 1);
		snprintf(line, sizeof(line), "%d", ep);
		setenv("EPOLL_FD", line, 1);
		if (fcntl(ring, F_SETFD, 0))	/* io_uring_setup() sets O_CLOEXEC */
			die("fcntl");
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		execvp(argv[2], argv + 2);
		die(argv[2]);
	}
	snprintf(line, sizeof(line), "%d %d\n", (int)getpid(), ring);
	put("state", "free\n");
	put("ready", line);

	for (;;) {
		if (sigwait(&set, &sig))
			die("sigwait");
		if (sig == SIGUSR1 && !held) {
			if (uring_lock_hold(&hold, ring, &why))
				die(why);
			held = true;
			put("state", "held\n");
		} else if ((sig == SIGUSR2 || sig == SIGTERM) && held) {
			if (uring_lock_release(&hold))
				die("UFFDIO_ZEROPAGE");
			held = false;
			put("state", "free\n");
		}
		if (sig == SIGTERM)
			return 0;
	}
}
