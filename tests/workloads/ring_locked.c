// SPDX-License-Identifier: GPL-2.0-only
/*
 * ring_locked: a ring whose uring_lock stays held.  A thread registers
 * buffers over memory registered with userfaultfd (missing pages, never
 * resolved): io_uring_register() holds the ring's uring_lock while it pins
 * the pages, and the pin waits on the fault forever.  Since 6.15
 * /proc/PID/fdinfo prints nothing for the ring then (it only try-locks);
 * the dump must still show the ring, its tables and its progress.
 * The truth records what the workload set up and whether its own fdinfo
 * came out empty.  Usage: ring_locked TRUTH.json
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ring_common.h"
#include "wl.h"

static struct wl_ring ring;
static void *region;
static size_t region_len;
static _Atomic int locker_done;
static int locker_ret;

static void *locker(void *arg)
{
	struct iovec iov = {region, region_len};

	(void)arg;
	/* blocks in the kernel, uring_lock held, until the process exits */
	locker_ret = io_uring_register_buffers(&ring.r, &iov, 1);
	fprintf(stderr, "ring_locked: register_buffers returned %d\n", locker_ret);
	locker_done = 1;
	return NULL;
}

/* Does /proc/self/fdinfo/FD show the ring's progress (SqHead)? */
static bool fdinfo_has_state(int fd)
{
	char path[64], buf[8192];
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY);
	if (f < 0)
		wl_die(path);
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n < 0)
		wl_die("read fdinfo");
	buf[n] = 0;
	return strstr(buf, "SqHead:") != NULL;
}

int main(int argc, char **argv)
{
	const char *truth = wl_init(argc, argv, "ring_locked");
	struct io_uring_params p;
	pthread_t t;
	int pfd[2];

	memset(&p, 0, sizeof(p));
	wlr_init(&ring, "locked", 4, &p);
	WL_CHECK(pipe(pfd));
	wl_track("pipe_r", pfd[0]);
	const char *slots[1] = {"pipe_r"};
	wlr_register_files(&ring, 1, slots);
	/* two completions nobody reaps */
	for (int i = 0; i < 2; i++)
		io_uring_prep_nop(io_uring_get_sqe(&ring.r));
	if (io_uring_submit_and_wait(&ring.r, 2) != 2)
		wl_die("submit");

	/* memory whose pages fault into a userfaultfd nobody serves */
	long uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		wl_die("userfaultfd");
	struct uffdio_api api = {.api = UFFD_API};
	WL_CHECK(ioctl((int)uffd, UFFDIO_API, &api));
	region_len = 4 * (size_t)sysconf(_SC_PAGESIZE);
	region = mmap(NULL, region_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (region == MAP_FAILED)
		wl_die("mmap");
	struct uffdio_register reg = {
		.range = {.start = (unsigned long)region, .len = region_len},
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	WL_CHECK(ioctl((int)uffd, UFFDIO_REGISTER, &reg));
	if (pthread_create(&t, NULL, locker, NULL))
		wl_die("pthread_create");

	/* the fault arrives once the register call pins the pages, lock held;
	 * a kernel whose pinning does not wait on a userfault (6.1) fails the
	 * registration with EFAULT at once instead */
	struct pollfd pf = {.fd = (int)uffd, .events = POLLIN};
	bool held = false;
	for (int i = 0; i < 100 && !held && !locker_done; i++) {
		struct uffd_msg msg;

		if (poll(&pf, 1, 100) != 1 || !(pf.revents & POLLIN))
			continue;
		held = read((int)uffd, &msg, sizeof(msg)) == sizeof(msg) &&
		       msg.event == UFFD_EVENT_PAGEFAULT;
	}
	if (locker_done)
		held = false; /* the registration returned: nothing holds the lock */
	const char *why = NULL;
	if (!held) {
		why = locker_done ? "the registration failed at once (EFAULT): this kernel's pinning does not wait on a userfault, the lock is not held"
				  : "no userfault within 10 s";
		if (!locker_done)
			wl_die(why);
	}
	bool has_state = fdinfo_has_state(ring.fd);
	fprintf(stderr, "ring_locked: uring_lock %s; fdinfo %s\n", held ? "held" : "not held",
		has_state ? "shows the ring's state" : "shows nothing (6.15+)");

	struct jw w;
	jw_open(&w, truth);
	jw_obj(&w, NULL);
	jw_str(&w, "workload", "ring_locked");
	jw_int(&w, "pid", getpid());
	jw_str(&w, "comm", "ring_locked");
	jw_obj(&w, "locked");
	jw_int(&w, "fd", ring.fd);
	jw_int(&w, "sq_entries", 4);
	jw_int(&w, "cq_pending", 2);
	jw_int(&w, "nr_files", 1);
	jw_bool(&w, "fdinfo_empty", !has_state);
	jw_bool(&w, "held", held);
	if (why)
		jw_str(&w, "not_held", why);
	jw_end_obj(&w);
	jw_end_obj(&w);
	jw_close(&w);

	return wl_ready_and_wait();
}
