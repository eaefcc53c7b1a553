// SPDX-License-Identifier: GPL-2.0-only
/*
 * cr_check: uses a restored holder's instances from outside, as a restorer
 * would after taking its fds with pidfd_getfd(2).
 *
 *   cr_check ring PID FD ENTRIES {read|write} SLOT BUF ADDR LEN OFF
 *       READ_FIXED / WRITE_FIXED of LEN bytes between fixed file SLOT (at
 *       offset OFF) and registered buffer BUF at address ADDR (an address
 *       in PID, inside that buffer); prints the CQE's result.
 *   cr_check select PID FD ENTRIES BGID
 *       a read of /dev/null with IOSQE_BUFFER_SELECT from provided-buffer
 *       group BGID: the kernel hands out the group's next buffer (no byte
 *       lands in it); prints "bid=N" (or "res=ERR" when none is given).
 *   cr_check epoll PID FD
 *       epoll_wait(timeout 0) on the epoll; prints "data=0x.. events=0x.."
 *       per ready item.
 *   cr_check mem PID ADDR LEN FILE
 *       compares LEN bytes of PID's memory at ADDR with FILE; prints
 *       "equal" (exit 0) or "differ" (exit 1).  For guests without python.
 */
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

static int take(const char *pid, const char *fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, atoi(pid), 0);
	int got = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, atoi(fd), 0);

	if (got < 0) {
		perror("cr_check: pidfd_getfd");
		exit(1);
	}
	return got;
}

/* Maps ring FD of PID (ENTRIES SQ entries, default flags) as liburing's. */
static int map_ring(const char *pid, const char *fdarg, const char *entries_arg,
		    struct io_uring *ring)
{
	struct io_uring_params p;
	int fd = take(pid, fdarg);
	unsigned entries = (unsigned)strtoul(entries_arg, NULL, 0);

	/* The ring's offsets are those of any ring of the same size and flags. */
	memset(&p, 0, sizeof(p));
	int probe = (int)syscall(__NR_io_uring_setup, entries, &p);
	if (probe < 0) {
		perror("cr_check: io_uring_setup");
		return -1;
	}
	close(probe);
	int ret = io_uring_queue_mmap(fd, &p, ring);
	if (ret < 0) {
		fprintf(stderr, "cr_check: io_uring_queue_mmap: %s\n", strerror(-ret));
		return -1;
	}
	/*
	 * What io_uring_queue_init does after mapping, and a restored ring
	 * (whose memory restore does not touch) needs: the SQ index array
	 * filled, liburing's copy of the SQ tail, the features.
	 */
	for (unsigned i = 0; i < *ring->sq.kring_entries; i++)
		ring->sq.array[i] = i;
	ring->sq.sqe_head = ring->sq.sqe_tail = *ring->sq.ktail;
	ring->features = p.features;
	return 0;
}

/* Submits the one SQE prepared in ring and returns its CQE (0), or -1. */
static int run_one(struct io_uring *ring, struct io_uring_cqe *out)
{
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts = {.tv_sec = 10};
	int ret = io_uring_submit(ring);

	if (ret != 1) {
		fprintf(stderr, "cr_check: submit: %s\n", ret < 0 ? strerror(-ret) : "not taken");
		return -1;
	}
	ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	if (ret < 0) {
		fprintf(stderr, "cr_check: no completion: %s\n", strerror(-ret));
		return -1;
	}
	*out = *cqe;
	io_uring_cqe_seen(ring, cqe);
	return 0;
}

static int check_ring(char **argv)
{
	struct io_uring ring;
	struct io_uring_cqe cqe;
	int slot = atoi(argv[6]);
	int buf = atoi(argv[7]);
	unsigned long long addr = strtoull(argv[8], NULL, 0);
	unsigned len = (unsigned)strtoul(argv[9], NULL, 0);
	unsigned long long off = strtoull(argv[10], NULL, 0);

	if (map_ring(argv[2], argv[3], argv[4], &ring))
		return 1;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	if (!strcmp(argv[5], "read"))
		io_uring_prep_read_fixed(sqe, slot, (void *)(unsigned long)addr, len, off, buf);
	else
		io_uring_prep_write_fixed(sqe, slot, (void *)(unsigned long)addr, len, off, buf);
	sqe->flags |= IOSQE_FIXED_FILE;
	if (run_one(&ring, &cqe))
		return 1;
	printf("%d\n", cqe.res);
	return 0;
}

static int check_select(char **argv)
{
	struct io_uring ring;
	struct io_uring_cqe cqe;
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (null < 0 || map_ring(argv[2], argv[3], argv[4], &ring))
		return 1;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, null, NULL, 0, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = (unsigned short)atoi(argv[5]);
	if (run_one(&ring, &cqe))
		return 1;
	if (cqe.res < 0 || !(cqe.flags & IORING_CQE_F_BUFFER))
		printf("res=%d\n", cqe.res);
	else
		printf("bid=%u\n", cqe.flags >> IORING_CQE_BUFFER_SHIFT);
	return 0;
}

static int check_epoll(char **argv)
{
	struct epoll_event ev[64];
	int fd = take(argv[2], argv[3]);
	int n = epoll_wait(fd, ev, 64, 0);

	if (n < 0) {
		perror("cr_check: epoll_wait");
		return 1;
	}
	for (int i = 0; i < n; i++)
		printf("data=0x%llx events=0x%x\n", (unsigned long long)ev[i].data.u64,
		       ev[i].events);
	return 0;
}

static int check_mem(char **argv)
{
	char path[64];
	unsigned long long addr = strtoull(argv[3], NULL, 0);
	size_t len = (size_t)strtoull(argv[4], NULL, 0);
	char *a = malloc(len + 1), *b = malloc(len + 1);
	int mem, file;

	snprintf(path, sizeof(path), "/proc/%s/mem", argv[2]);
	mem = open(path, O_RDONLY);
	file = open(argv[5], O_RDONLY);
	if (!a || !b || mem < 0 || file < 0) {
		perror("cr_check: open");
		return 2;
	}
	if (pread(mem, a, len, (off_t)addr) != (ssize_t)len || read(file, b, len + 1) != (ssize_t)len ||
	    memcmp(a, b, len) != 0) {
		printf("differ\n");
		return 1;
	}
	printf("equal\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "mem"))
		return check_mem(argv);
	if (argc == 11 && !strcmp(argv[1], "ring"))
		return check_ring(argv);
	if (argc == 4 && !strcmp(argv[1], "epoll"))
		return check_epoll(argv);
	if (argc == 6 && !strcmp(argv[1], "select"))
		return check_select(argv);
	fprintf(stderr, "usage: cr_check ring PID FD ENTRIES {read|write} SLOT BUF ADDR LEN OFF\n"
			"       cr_check epoll PID FD\n"
			"       cr_check select PID FD ENTRIES BGID\n"
			"       cr_check mem PID ADDR LEN FILE\n");
	return 2;
}
