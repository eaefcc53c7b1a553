// SPDX-License-Identifier: GPL-2.0-only
/*
 * grow: state that grows on demand, for tests that read the same pinned
 * iterator twice.  A ring with a sparse registered file table of GROW_SLOTS
 * slots (the first GROW_INITIAL used) and an epoll with GROW_INITIAL items.
 * Every SIGUSR1 creates a pipe, puts its read end into the next empty slot
 * (IORING_REGISTER_FILES_UPDATE) and adds its write end to the epoll, then
 * rewrites the truth file (atomically) and writes the number of SIGUSR1s
 * handled so far to TRUTH.json.gen.  Once the table is full, further SIGUSR1s
 * only bump the counter.  Usage: grow TRUTH.json
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "ring_common.h"
#include "wl.h"

#define GROW_SLOTS 16
#define GROW_INITIAL 2

static struct wl_ring ring;
static struct wl_epoll ep;
static int generation;
static int grown;

static void write_truth(void)
{
	char tmp[4200], gen[4200];
	const char *truth = wl_truth_path();
	struct jw w;

	snprintf(tmp, sizeof(tmp), "%s.tmp", truth);
	jw_open(&w, tmp);
	jw_obj(&w, NULL);
	jw_str(&w, "workload", "grow");
	jw_int(&w, "pid", getpid());
	jw_str(&w, "comm", "grow");
	jw_int(&w, "generation", generation);
	jw_arr(&w, "rings");
	jw_ring(&w, &ring);
	jw_end_arr(&w);
	jw_arr(&w, "epolls");
	jw_epoll(&w, &ep);
	jw_end_arr(&w);
	jw_end_obj(&w);
	jw_close(&w);
	if (rename(tmp, truth) < 0)
		wl_die("rename truth");

	snprintf(tmp, sizeof(tmp), "%s.gen.tmp", truth);
	snprintf(gen, sizeof(gen), "%s.gen", truth);
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", generation) < 0 || fclose(f) != 0)
		wl_die(tmp);
	if (rename(tmp, gen) < 0)
		wl_die("rename gen");
}

/* One more pipe: read end into the next slot, write end into the epoll. */
static void grow_once(void)
{
	char label[40];
	int p[2];

	if (GROW_INITIAL + grown >= GROW_SLOTS)
		return;
	WL_CHECK(pipe(p));
	snprintf(label, sizeof(label), "grow%d_r", grown);
	wl_track(label, p[0]);
	snprintf(label, sizeof(label), "grow%d_w", grown);
	wl_track(label, p[1]);

	int slot = GROW_INITIAL + grown;
	wl_check_ret(io_uring_register_files_update(&ring.r, (unsigned)slot, &p[0], 1),
		     "io_uring_register_files_update");
	ring.slot[slot] = wl_by_fd(p[0])->label;
	ring.slot_reg_fd[slot] = p[0];

	wle_add(&ep, p[1], EPOLLOUT, 0x6700000000000000ULL | (unsigned)grown);
	grown++;
}

static void step(void *arg)
{
	sigset_t set;
	struct timespec ts = {0, 50 * 1000 * 1000};

	(void)arg;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigtimedwait(&set, NULL, &ts) == SIGUSR1) {
		grow_once();
		generation++;
		write_truth();
	}
}

int main(int argc, char **argv)
{
	const char *labels[GROW_SLOTS] = {0};
	struct io_uring_params p;
	sigset_t set;
	int a[2];

	wl_init(argc, argv, "grow");
	/* blocked in every thread (the heartbeat thread inherits the mask):
	 * the main thread takes it with sigtimedwait */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		wl_die("sigprocmask");

	memset(&p, 0, sizeof(p));
	wlr_init(&ring, "ring", 4, &p);
	wle_init(&ep, "ep", 0);

	WL_CHECK(pipe(a));
	wl_track("pipe_a_r", a[0]);
	wl_track("pipe_a_w", a[1]);
	int efd = open("/dev/null", O_RDONLY);
	wl_track("devnull", efd);
	labels[0] = "pipe_a_r";
	labels[1] = "devnull";
	wlr_register_files(&ring, GROW_SLOTS, labels);

	wle_add(&ep, a[0], EPOLLIN, 0x1);
	wle_add(&ep, ring.fd, EPOLLIN, 0x2);

	write_truth();
	return wl_ready_and_loop(step, NULL);
}
