/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Holding an io_uring's ->uring_lock from userspace, for the -EDEADLK tests
 * of the native io_uring iterators: an IORING_REGISTER_FILES_UPDATE whose
 * argument lies on a userfaultfd-registered page that is never populated
 * blocks in copy_from_user() with ->uring_lock held, until the page is
 * provided.  The ring must have a registered file table.
 *
 * Header-only (static functions) for native-test.c and ring-lock-holder.c.
 */
#ifndef URING_LOCK_H
#define URING_LOCK_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>

struct uring_lock_hold {
	int ring;
	int uffd;
	void *page;
	pthread_t thread;
	int ret;		/* the registration's result, after release */
};

static void *uring_lock_blocker(void *p)
{
	struct uring_lock_hold *h = p;

	/* copy_from_user() of the update faults on the userfaultfd page */
	h->ret = (int)syscall(__NR_io_uring_register, h->ring, IORING_REGISTER_FILES_UPDATE,
			      h->page, 1);
	return NULL;
}

/*
 * Returns 0 once a thread holds ring's ->uring_lock (its registration is
 * blocked in the fault), else -1 with *why saying which step failed (errno
 * set).  Undo with uring_lock_release().
 */
static int uring_lock_hold(struct uring_lock_hold *h, int ring, const char **why)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	struct uffd_msg msg;
	struct pollfd pfd;

	memset(h, 0, sizeof(*h));
	h->ring = ring;
	h->uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (h->uffd < 0 || ioctl(h->uffd, UFFDIO_API, &api)) {
		*why = "userfaultfd";
		return -1;
	}
	h->page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h->page == MAP_FAILED) {
		*why = "mmap";
		close(h->uffd);
		return -1;
	}
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)h->page;
	reg.range.len = 4096;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(h->uffd, UFFDIO_REGISTER, &reg)) {
		*why = "UFFDIO_REGISTER";
		goto fail;
	}
	if (pthread_create(&h->thread, NULL, uring_lock_blocker, h)) {
		*why = "pthread_create";
		goto fail;
	}
	pfd.fd = h->uffd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 20000) != 1 || read(h->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT) {
		*why = "the registration did not fault on the page";
		errno = ETIMEDOUT;
		return -1;	/* the thread is stuck: the caller dies */
	}
	return 0;
fail:
	munmap(h->page, 4096);
	close(h->uffd);
	return -1;
}

/* Provides the page: the registration finishes and drops ->uring_lock. */
static int uring_lock_release(struct uring_lock_hold *h)
{
	struct uffdio_zeropage zero;

	memset(&zero, 0, sizeof(zero));
	zero.range.start = (uintptr_t)h->page;
	zero.range.len = 4096;
	if (ioctl(h->uffd, UFFDIO_ZEROPAGE, &zero))
		return -1;
	pthread_join(h->thread, NULL);
	munmap(h->page, 4096);
	close(h->uffd);
	return 0;
}

#endif
