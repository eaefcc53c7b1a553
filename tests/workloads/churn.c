// SPDX-License-Identifier: GPL-2.0-only
/*
 * churn: keeps changing its state while it runs.
 *  - a ring with a 64-slot registered file table: slots 0..15 always hold the
 *    same files; slots 16..63 flip between an eventfd (always the same one per
 *    slot) and empty through IORING_REGISTER_FILES_UPDATE.
 *  - an epoll with 8 items that always stay, and up to 200 more (one eventfd
 *    per candidate, data 0xc000000000000000 | k) added and removed in a loop.
 * The truth gives the fixed parts and the bounds of the changing ones:
 * "churn": {"ring": {...}, "epoll": {...}} with every candidate slot/item.
 * Usage: churn TRUTH.json [ops_per_step=N]
 */
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "wl.h"

#define NSLOTS 64
#define FIXED_SLOTS 16
#define FIXED_ITEMS 8
#define CHURN_ITEMS 200

struct state {
	struct io_uring ring;
	int slot_fd[NSLOTS];
	bool slot_on[NSLOTS];
	int ep;
	int item_fd[CHURN_ITEMS];
	bool item_on[CHURN_ITEMS];
	unsigned rnd;
	int ops;
	unsigned long long steps;
};

static unsigned next_rand(struct state *s)
{
	s->rnd = s->rnd * 1103515245u + 12345u;
	return s->rnd >> 8;
}

static uint64_t churn_data(int k) { return 0xc000000000000000ULL | (unsigned)k; }
static uint32_t churn_events(int k) { return EPOLLIN | (k % 2 ? EPOLLET : 0); }

static void step(void *arg)
{
	struct state *s = arg;
	for (int op = 0; op < s->ops; op++) {
		int slot = FIXED_SLOTS + (int)(next_rand(s) % (NSLOTS - FIXED_SLOTS));
		int fd = s->slot_on[slot] ? -1 : s->slot_fd[slot];
		int ret = io_uring_register_files_update(&s->ring, (unsigned)slot, &fd, 1);
		if (ret != 1)
			wl_check_ret(ret < 0 ? ret : -5, "io_uring_register_files_update");
		s->slot_on[slot] = !s->slot_on[slot];

		int k = (int)(next_rand(s) % CHURN_ITEMS);
		struct epoll_event ev = {.events = churn_events(k), .data.u64 = churn_data(k)};
		if (epoll_ctl(s->ep, s->item_on[k] ? EPOLL_CTL_DEL : EPOLL_CTL_ADD, s->item_fd[k], &ev) < 0)
			wl_die("epoll_ctl");
		s->item_on[k] = !s->item_on[k];
	}
	s->steps++;
	if (s->steps % 64 == 0)
		usleep(100); /* let the heartbeat thread and the dumper breathe */
}

int main(int argc, char **argv)
{
	static struct state s;
	const char *truth = wl_init(argc, argv, "churn");
	struct io_uring_params p;
	int fds[NSLOTS];

	s.ops = argc > 2 ? atoi(argv[2]) : 4;
	if (s.ops <= 0)
		s.ops = 4;
	s.rnd = 12345;
	memset(&p, 0, sizeof(p));
	wl_check_ret(io_uring_queue_init_params(8, &s.ring, &p), "io_uring_queue_init_params");
	for (int i = 0; i < NSLOTS; i++) {
		s.slot_fd[i] = eventfd(0, EFD_CLOEXEC);
		if (s.slot_fd[i] < 0)
			wl_die("eventfd");
		s.slot_on[i] = i < FIXED_SLOTS || i % 2 == 0;
		fds[i] = s.slot_on[i] ? s.slot_fd[i] : -1;
	}
	wl_check_ret(io_uring_register_files(&s.ring, fds, NSLOTS), "io_uring_register_files");

	s.ep = epoll_create1(EPOLL_CLOEXEC);
	if (s.ep < 0)
		wl_die("epoll_create1");
	int fixed_fd[FIXED_ITEMS];
	for (int i = 0; i < FIXED_ITEMS; i++) {
		/* the fixed items watch the fixed slots' eventfds */
		fixed_fd[i] = s.slot_fd[i];
		struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u64 = 0xf000000000000000ULL | (unsigned)i};
		if (epoll_ctl(s.ep, EPOLL_CTL_ADD, fixed_fd[i], &ev) < 0)
			wl_die("epoll_ctl");
	}
	for (int k = 0; k < CHURN_ITEMS; k++) {
		s.item_fd[k] = eventfd(0, EFD_CLOEXEC);
		if (s.item_fd[k] < 0)
			wl_die("eventfd");
		s.item_on[k] = k % 3 == 0;
		struct epoll_event ev = {.events = churn_events(k), .data.u64 = churn_data(k)};
		if (s.item_on[k] && epoll_ctl(s.ep, EPOLL_CTL_ADD, s.item_fd[k], &ev) < 0)
			wl_die("epoll_ctl");
	}

	struct jw w;
	jw_open(&w, truth);
	jw_obj(&w, NULL);
	jw_str(&w, "workload", "churn");
	jw_int(&w, "pid", getpid());
	jw_str(&w, "comm", "churn");
	jw_obj(&w, "churn");
	jw_obj(&w, "ring");
	jw_int(&w, "fd", s.ring.ring_fd);
	jw_u64(&w, "setup_flags", p.flags);
	jw_u64(&w, "sq_entries", p.sq_entries);
	jw_u64(&w, "cq_entries", p.cq_entries);
	jw_int(&w, "nr", NSLOTS);
	jw_int(&w, "used_min", FIXED_SLOTS);
	jw_int(&w, "used_max", NSLOTS);
	jw_arr(&w, "slots");
	for (int i = 0; i < NSLOTS; i++) {
		struct wl_finfo fi;
		char label[32];
		wl_finfo(s.slot_fd[i], &fi);
		snprintf(label, sizeof(label), "slot%d", i);
		jw_obj(&w, NULL);
		jw_int(&w, "index", i);
		jw_bool(&w, "always", i < FIXED_SLOTS);
		jw_finfo(&w, &fi, label);
		jw_int_list(&w, "fds", &s.slot_fd[i], 1);
		jw_end_obj(&w);
	}
	jw_end_arr(&w);
	jw_end_obj(&w);
	jw_obj(&w, "epoll");
	jw_int(&w, "fd", s.ep);
	jw_int(&w, "items_min", FIXED_ITEMS);
	jw_int(&w, "items_max", FIXED_ITEMS + CHURN_ITEMS);
	jw_arr(&w, "items");
	for (int i = 0; i < FIXED_ITEMS + CHURN_ITEMS; i++) {
		bool fixed = i < FIXED_ITEMS;
		int k = i - FIXED_ITEMS;
		int fd = fixed ? fixed_fd[i] : s.item_fd[k];
		struct wl_finfo fi;
		char label[32];
		wl_finfo(fd, &fi);
		if (fixed)
			snprintf(label, sizeof(label), "slot%d", i);
		else
			snprintf(label, sizeof(label), "item%d", k);
		jw_obj(&w, NULL);
		jw_bool(&w, "always", fixed);
		jw_int(&w, "tfd", fd);
		jw_u64(&w, "events", (fixed ? EPOLLIN | EPOLLOUT : churn_events(k)) | EPOLLERR | EPOLLHUP);
		jw_u64(&w, "data", fixed ? 0xf000000000000000ULL | (unsigned)i : churn_data(k));
		jw_finfo(&w, &fi, label);
		jw_int_list(&w, "fds", &fd, 1);
		jw_end_obj(&w);
	}
	jw_end_arr(&w);
	jw_end_obj(&w);
	jw_end_obj(&w);
	jw_end_obj(&w);
	jw_close(&w);

	return wl_ready_and_loop(step, &s);
}
