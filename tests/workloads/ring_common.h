/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Ring bookkeeping shared by the workloads that build io_uring rings:
 * what was set up and registered, and how to write it into the truth file.
 */
#ifndef URINGDUMP_WL_RING_COMMON_H
#define URINGDUMP_WL_RING_COMMON_H

#include <liburing.h>
#include <stdbool.h>
#include <sys/uio.h>

#include "wl.h"

#define WLR_MAX_SLOTS 64

struct wl_ring {
	const char *name; /* also the ring's file label */
	struct io_uring r;
	struct io_uring_params p;
	int fd;
	/* SQPOLL */
	int sq_cpu;        /* -1 when not bound */
	unsigned idle_ms;  /* as requested; multiples of 20 ms are exact for HZ 100/250/300/1000 */
	int sq_tid;        /* the iou-sqp thread */
	const char *group; /* label shared by rings that share the SQPOLL thread */
	/* eventfd */
	const char *ev_label; /* NULL = none */
	bool ev_async;
	/* registered files: label of the file per slot, NULL = empty */
	int nfiles;
	const char *slot[WLR_MAX_SLOTS];
	int slot_reg_fd[WLR_MAX_SLOTS];
	/* registered buffers */
	int nbufs;
	bool buf_used[WLR_MAX_SLOTS];
	struct iovec buf[WLR_MAX_SLOTS];
};

/* io_uring_queue_init_params + bookkeeping; tracks the ring fd as a file. */
void wlr_init(struct wl_ring *r, const char *name, unsigned entries, struct io_uring_params *p);
/* Registers the files named by labels (NULL = empty slot, -1) densely. */
void wlr_register_files(struct wl_ring *r, int n, const char *const *labels);
/* Registers buffers: used[i] false = empty slot (sparse registration when any
 * slot is empty).  Returns false when the kernel refused sparse buffers. */
bool wlr_register_buffers(struct wl_ring *r, int n, const struct iovec *iov, const bool *used);
void wlr_register_eventfd(struct wl_ring *r, const char *label, bool async);
/* Finds the SQPOLL thread started by this ring: the iou-sqp thread that is
 * not in known[0..nknown). */
void wlr_find_sq_thread(struct wl_ring *r, const int *known, int nknown);
void jw_ring(struct jw *w, const struct wl_ring *r);

#endif
