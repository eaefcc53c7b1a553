// SPDX-License-Identifier: GPL-2.0-only
/*
 * ring_flags: rings created with the newest IORING_SETUP_* flags, each only
 * when the running kernel accepts it (io_uring_setup fails with EINVAL on
 * older ones): HYBRID_IOPOLL (6.13), CQE_MIXED (6.18), SQE_MIXED (6.19),
 * SQ_REWIND (7.0, needs NO_SQARRAY), and one plain ring that every kernel
 * has.  The rings are set up with the raw syscall and never mapped:
 * liburing 2.3 knows none of these flags.  The truth lists the rings that
 * exist, so the dump must name each flag the kernel has.
 * Usage: ring_flags TRUTH.json
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ring_common.h"
#include "wl.h"

#define SETUP_NO_SQARRAY (1U << 16)
#define SETUP_HYBRID_IOPOLL (1U << 17)
#define SETUP_CQE_MIXED (1U << 18)
#define SETUP_SQE_MIXED (1U << 19)
#define SETUP_SQ_REWIND (1U << 20)

/* A ring with `flags`, or false when the kernel refuses them with EINVAL. */
static bool try_ring(struct wl_ring *r, const char *name, unsigned entries, unsigned flags)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	r->p.flags = flags;
	int fd = (int)syscall(__NR_io_uring_setup, entries, &r->p);
	if (fd < 0) {
		if (errno != EINVAL)
			wl_die(name);
		fprintf(stderr, "ring_flags: %s: flags 0x%x not supported here\n", name, flags);
		return false;
	}
	r->fd = fd;
	r->sq_cpu = -1;
	wl_track(name, fd);
	return true;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		unsigned entries;
		unsigned flags;
	} want[] = {
		{"plain", 2, 0}, /* every kernel: the process always has a ring */
		{"hybrid", 4, IORING_SETUP_IOPOLL | SETUP_HYBRID_IOPOLL},
		{"cqe_mixed", 8, SETUP_CQE_MIXED},
		{"sqe_mixed", 8, SETUP_SQE_MIXED},
		{"sq_rewind", 16, SETUP_NO_SQARRAY | SETUP_SQ_REWIND},
		{"all_new", 4, SETUP_NO_SQARRAY | SETUP_CQE_MIXED | SETUP_SQE_MIXED | SETUP_SQ_REWIND},
	};
	static struct wl_ring rings[sizeof(want) / sizeof(want[0])];
	bool made[sizeof(want) / sizeof(want[0])];
	const char *truth = wl_init(argc, argv, "ring_flags");

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		made[i] = try_ring(&rings[i], want[i].name, want[i].entries, want[i].flags);

	struct jw w;
	jw_open(&w, truth);
	jw_obj(&w, NULL);
	jw_str(&w, "workload", "ring_flags");
	jw_int(&w, "pid", getpid());
	jw_str(&w, "comm", "ring_flags");
	jw_arr(&w, "rings");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (made[i])
			jw_ring(&w, &rings[i]);
	jw_end_arr(&w);
	jw_arr(&w, "epolls");
	jw_end_arr(&w);
	jw_end_obj(&w);
	jw_close(&w);

	return wl_ready_and_wait();
}
