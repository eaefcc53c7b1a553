// SPDX-License-Identifier: GPL-2.0
/* fd-holder: open an io_uring instance and an epoll instance for the bpftool
 * tests, without liburing.
 *
 *   fd-holder wait          print "RING_FD EPOLL_FD RING_INO EPOLL_INO" and a
 *                           newline, then hold the fds until stdin reaches EOF
 *   fd-holder exec CMD ...  run CMD with the fds inherited and RING_FD,
 *                           EPOLL_FD, RING_INO, EPOLL_INO in its environment
 */
#include <linux/io_uring.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int setenv_num(const char *name, unsigned long long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", val);
	return setenv(name, buf, 1);
}

int main(int argc, char **argv)
{
	struct io_uring_params params;
	struct stat ring_st, ep_st;
	int ring, ep;
	char c;

	if (argc < 2 || (strcmp(argv[1], "wait") && strcmp(argv[1], "exec")) ||
	    (!strcmp(argv[1], "exec") && argc < 3)) {
		fprintf(stderr, "usage: fd-holder wait | fd-holder exec CMD [ARG]...\n");
		return 2;
	}
	memset(&params, 0, sizeof(params));
	ring = syscall(__NR_io_uring_setup, 4, &params);
	if (ring < 0) {
		perror("fd-holder: io_uring_setup");
		return 1;
	}
	/* io_uring fds are close-on-exec; these are meant to be inherited */
	if (fcntl(ring, F_SETFD, 0)) {
		perror("fd-holder: fcntl");
		return 1;
	}
	ep = epoll_create1(0);
	if (ep < 0) {
		perror("fd-holder: epoll_create1");
		return 1;
	}
	if (fstat(ring, &ring_st) || fstat(ep, &ep_st)) {
		perror("fd-holder: fstat");
		return 1;
	}
	if (!strcmp(argv[1], "exec")) {
		if (setenv_num("RING_FD", ring) || setenv_num("EPOLL_FD", ep) ||
		    setenv_num("RING_INO", ring_st.st_ino) ||
		    setenv_num("EPOLL_INO", ep_st.st_ino)) {
			perror("fd-holder: setenv");
			return 1;
		}
		execvp(argv[2], argv + 2);
		perror("fd-holder: exec");
		return 127;
	}
	printf("%d %d %llu %llu\n", ring, ep, (unsigned long long)ring_st.st_ino,
	       (unsigned long long)ep_st.st_ino);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}
