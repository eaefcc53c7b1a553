// SPDX-License-Identifier: GPL-2.0-only
/*
 * exiter: a process that exits on its own, for the error tests.
 * Usage: exiter [DELAY_US] [plain]
 * Unless "plain", it first builds a ring (with registered files) and an epoll,
 * then sleeps DELAY_US microseconds (default 0) and exits 0.
 */
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long delay = argc > 1 ? strtol(argv[1], NULL, 0) : 0;
	int plain = argc > 2 && strcmp(argv[2], "plain") == 0;
	struct io_uring ring;

	if (!plain) {
		int fds[64];
		int ep = epoll_create1(0);
		if (ep < 0 || io_uring_queue_init(4, &ring, 0) < 0)
			return 1;
		for (int i = 0; i < 64; i++) {
			struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (unsigned)i};
			fds[i] = eventfd(0, 0);
			if (fds[i] < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0)
				return 1;
		}
		if (io_uring_register_files(&ring, fds, 64) < 0)
			return 1;
	}
	if (delay > 0)
		usleep((useconds_t)delay);
	return 0;
}
