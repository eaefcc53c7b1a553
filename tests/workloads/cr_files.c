// SPDX-License-Identifier: GPL-2.0-only
/*
 * cr_files: io_uring and epoll state that restore can rebuild without the
 * source (only regular files and eventfds): a ring with a sparse registered
 * file table (tags), two registered buffers with known bytes (tags), a
 * registered eventfd and a personality; a second ring whose registered
 * buffer was unmapped after registration; an epoll watching two eventfds
 * (one EPOLLET) and the ring.  Usage: cr_files DIR; writes DIR/data.bin,
 * DIR/log.txt, then DIR/ready, and waits for SIGTERM.
 */
#include <fcntl.h>
#include <liburing.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

static void die(const char *what, int err)
{
	fprintf(stderr, "cr_files: %s: %s\n", what, strerror(err < 0 ? -err : err));
	exit(1);
}

static int open_in(const char *dir, const char *name, int flags)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, flags | O_CREAT, 0644);
	if (fd < 0)
		die(path, errno);
	return fd;
}

int main(int argc, char **argv)
{
	static struct io_uring ring, ring2;
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char data[8192];
	int ret;

	if (argc != 2) {
		fprintf(stderr, "usage: cr_files DIR\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 3);
	int dfd = open_in(argv[1], "data.bin", O_RDWR | O_TRUNC);
	if (write(dfd, data, sizeof(data)) != (ssize_t)sizeof(data))
		die("write data.bin", errno);
	int log = open_in(argv[1], "log.txt", O_WRONLY | O_APPEND | O_TRUNC);
	if (write(log, "hello", 5) != 5)
		die("write log.txt", errno);
	int efd = eventfd(5, EFD_NONBLOCK);
	int sem = eventfd(2, EFD_SEMAPHORE);
	if (efd < 0 || sem < 0)
		die("eventfd", errno);

	ret = io_uring_queue_init(8, &ring, 0);
	if (ret < 0)
		die("io_uring_queue_init", ret);
	int files[3] = {dfd, -1, log};
	__u64 ftags[3] = {11, 0, 33};
	ret = io_uring_register_files_tags(&ring, files, ftags, 3);
	if (ret < 0)
		die("register files", ret);

	unsigned char *bufs = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bufs == MAP_FAILED)
		die("mmap", errno);
	for (size_t i = 0; i < page; i++)
		bufs[i] = (unsigned char)("cr-buffer-0 "[i % 12]);
	memset(bufs + page, 0xa5, page);
	struct iovec iov[2] = {{bufs, page}, {bufs + page, page}};
	__u64 btags[2] = {0x100, 0x200};
	ret = io_uring_register_buffers_tags(&ring, iov, btags, 2);
	if (ret < 0)
		die("register buffers", ret);
	ret = io_uring_register_eventfd(&ring, efd);
	if (ret < 0)
		die("register eventfd", ret);
	ret = io_uring_register_personality(&ring);
	if (ret < 0)
		die("register personality", ret);

	/* a buffer whose memory is gone: the kernel keeps the pages */
	ret = io_uring_queue_init(4, &ring2, 0);
	if (ret < 0)
		die("io_uring_queue_init", ret);
	void *gone = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (gone == MAP_FAILED)
		die("mmap", errno);
	memset(gone, 0x5a, page);
	struct iovec g = {gone, page};
	ret = io_uring_register_buffers(&ring2, &g, 1);
	if (ret < 0)
		die("register buffers", ret);
	munmap(gone, page);

	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1111};
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev))
		die("epoll", errno);
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = 0x2222;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, sem, &ev))
		die("epoll", errno);
	ev.events = EPOLLIN;
	ev.data.u64 = 0x3333;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, ring.ring_fd, &ev))
		die("epoll", errno);

	char ready[4096];
	snprintf(ready, sizeof(ready), "%s/ready", argv[1]);
	FILE *f = fopen(ready, "w");
	if (!f || fprintf(f, "ring %d ring2 %d epoll %d data %d log %d buffers %p\n", ring.ring_fd,
			  ring2.ring_fd, ep, dfd, log, (void *)bufs) < 0 ||
	    fclose(f))
		die(ready, errno);
	for (;;)
		pause();
}
