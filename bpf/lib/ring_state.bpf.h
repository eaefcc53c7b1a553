/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A ring's progress (UD_REC_RING_STATE): the SQ and CQ positions in the
 * memory it shares with the application, the kernel's cached positions, the
 * flags and counters of that memory, the length of the CQ overflow list and
 * the SINGLE_ISSUER submitter.  Read without the ring's locks: a ring in use
 * moves while it is read (see CONCURRENCY in the man page).
 *
 * Needs from the including program: what lib/emit.bpf.h needs.
 */
#ifndef URINGDUMP_LIB_RING_STATE_BPF_H
#define URINGDUMP_LIB_RING_STATE_BPF_H

#include "lib/emit.bpf.h"

#define UD_OVERFLOW_MAX (1U << 20) /* overflow entries counted at most */

struct overflow_walk {
	__u64 head; /* address of ctx->cq_overflow_list */
	__u64 pos;  /* current list node */
	__u32 count;
	bool done;
};

static long overflow_step(__u32 i, void *data)
{
	struct overflow_walk *w = data;
	struct list_head *node = (struct list_head *)w->pos;
	__u64 next = 0;

	if (bpf_core_read(&next, sizeof(next), &node->next) || !next) {
		w->done = true; /* unreadable: stop (the count is what was seen) */
		return 1;
	}
	if (next == w->head) {
		w->done = true;
		return 1;
	}
	w->count++;
	w->pos = next;
	return 0;
}

static __always_inline int emit_ring_state(struct seq_file *seq, __u32 pid, __u64 ring_id,
					   struct io_ring_ctx *ctx)
{
	union ud_any *r = scratch(UD_SCR_ITEM);

	if (!r)
		return -1;

	rec_init(r, UD_REC_RING_STATE, pid);
	r->rstate.ring_id = ring_id;
	r->rstate.cached_sq_head = BPF_CORE_READ(ctx, cached_sq_head);
	r->rstate.cached_cq_tail = BPF_CORE_READ(ctx, cached_cq_tail);

	struct io_rings *rings = BPF_CORE_READ(ctx, rings);

	if (rings) {
		r->rstate.sq_head = BPF_CORE_READ(rings, sq.head);
		r->rstate.sq_tail = BPF_CORE_READ(rings, sq.tail);
		r->rstate.cq_head = BPF_CORE_READ(rings, cq.head);
		r->rstate.cq_tail = BPF_CORE_READ(rings, cq.tail);
		r->rstate.sq_flags = BPF_CORE_READ(rings, sq_flags.counter);
		r->rstate.cq_flags = BPF_CORE_READ(rings, cq_flags);
		r->rstate.cq_overflow = BPF_CORE_READ(rings, cq_overflow);
		r->rstate.sq_dropped = BPF_CORE_READ(rings, sq_dropped);
	} else {
		r->h.flags |= UD_RS_NO_RINGS;
	}

	struct task_struct *sub = BPF_CORE_READ(ctx, submitter_task);

	if (sub)
		r->rstate.submitter_tid = BPF_CORE_READ(sub, pid);

	struct overflow_walk w = {
		.head = (__u64)&ctx->cq_overflow_list,
		.pos = (__u64)&ctx->cq_overflow_list,
		.count = opaque(0),
		.done = opaque(0),
	};

	bpf_loop(UD_OVERFLOW_MAX, overflow_step, &w, 0);
	r->rstate.overflow_list = w.count;
	if (!w.done)
		r->h.flags |= UD_RS_OVERFLOW_PARTIAL;
	return emit(seq, r, false);
}

#endif /* URINGDUMP_LIB_RING_STATE_BPF_H */
