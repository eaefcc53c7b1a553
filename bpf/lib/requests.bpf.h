/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a ring holds besides its setup (UD_REC_REQ), when the loader asks
 * (req_max > 0): up to req_max of each kind, each kind closed by a summary
 * record saying how many were written and whether more exist.
 *  - CQEs posted and not reaped: rings->cqes[] from cq.head to cq.tail
 *    (16 bytes each, 32 with IORING_SETUP_CQE32);
 *  - the CQ overflow list (struct io_overflow_cqe), oldest first;
 *  - waiting polls: the cancel hash (ctx->cancel_table, and on 6.1 - 6.12
 *    ctx->cancel_table_locked) of io_kiocb.hash_node: IORING_OP_POLL_ADD
 *    and the internal (async) polls of other requests;
 *  - armed timeouts (ctx->timeout_list) and linked timeouts
 *    (ctx->ltimeout_list) of struct io_timeout, which lives in its
 *    request's command area (io_kiocb.cmd).
 *  - io-wq work: for each task using the ring (ctx->tctx_list), the work
 *    queued in its io-wq and what each of its workers runs (io_worker.
 *    cur_work), the ring's own requests only (io_kiocb.ctx); layouts in
 *    lib/compat.bpf.h.
 * Not found here: IOPOLL requests (ctx->iopoll_list).  Lockless: a ring in use changes while it is read.
 * The layouts read are the same on 6.1, 6.12, 6.18 and 7.x.
 *
 * Needs from the including program: what lib/emit.bpf.h needs, and
 * `__u32 req_max` (the loader's: .rodata, or .bss written before each dump).
 */
#ifndef URINGDUMP_LIB_REQUESTS_BPF_H
#define URINGDUMP_LIB_REQUESTS_BPF_H

#include "lib/emit.bpf.h"

#define UD_IORING_SETUP_CQE32 (1U << 11)
#define UD_IORING_OP_POLL_ADD 6
#define UD_REQ_HASH_STEPS (1U << 17) /* buckets (at most 2^15) + entries */

struct req_walk {
	struct seq_file *seq;
	__u64 ring_id;
	__u64 base; /* CQEs: rings->cqes; lists: the list head; hash: the buckets */
	__u64 pos;  /* lists and hash: the current node (0: none yet) */
	__u32 pid;
	__u32 head;   /* CQEs: cq.head */
	__u32 mask;   /* CQEs: cq_entries - 1; hash: buckets - 1 */
	__u32 shift;  /* CQEs: 4 or 5 (log2 of the CQE size) */
	__u32 bucket; /* hash: the current bucket */
	__u32 n;      /* records written */
	__u32 kind;
	__u32 done; /* the walk reached the end */
	/* io-wq: the ring's tasks (ctx->tctx_list), each one's io-wq lists */
	__u64 ctx;  /* the ring: work of other rings is skipped */
	__u64 node; /* the current io_tctx_node (its ctx_node) */
	__u64 wq;   /* its task's io_wq, 0: take the next task */
	__u32 list; /* 0, 1: queued work (bounded, unbounded); 2, 3: workers */
	__u32 pad;
};

static __always_inline int emit_req(struct req_walk *w, __u32 index, __u8 opcode, __u64 user_data,
				    __s32 res, __u32 cflags)
{
	union ud_any *r = scratch(UD_SCR_FILE);

	if (!r)
		return -1;
	rec_init(r, UD_REC_REQ, w->pid);
	r->req.ring_id = w->ring_id;
	r->req.kind = w->kind;
	r->req.index = index;
	r->req.opcode = opcode;
	r->req.user_data = user_data;
	r->req.res = res;
	r->req.cqe_flags = cflags;
	if (emit(w->seq, r, true))
		return -1;
	w->n++;
	return 0;
}

static __always_inline int req_summary(struct req_walk *w)
{
	union ud_any *r = scratch(UD_SCR_FILE);

	if (!r)
		return -1;
	rec_init(r, UD_REC_REQ, w->pid);
	r->h.flags = UD_REQ_SUMMARY | (w->done ? 0 : UD_REQ_INCOMPLETE);
	r->req.ring_id = w->ring_id;
	r->req.kind = w->kind;
	r->req.index = w->n;
	return emit(w->seq, r, true);
}

/* A request's opcode and user_data. */
static __always_inline int emit_inflight(struct req_walk *w, struct io_kiocb *req)
{
	__u8 op = BPF_CORE_READ(req, opcode);

	if (w->kind == UD_REQ_APOLL && op == UD_IORING_OP_POLL_ADD)
		w->kind = UD_REQ_POLL;
	else if (w->kind == UD_REQ_POLL && op != UD_IORING_OP_POLL_ADD)
		w->kind = UD_REQ_APOLL;
	return emit_req(w, w->n, op, BPF_CORE_READ(req, cqe.user_data), 0, 0);
}

static long cqe_step(__u32 i, void *data)
{
	struct req_walk *w = data;
	__u32 pos = w->head + i;
	struct io_uring_cqe cqe = {};

	if (bpf_probe_read_kernel(&cqe, sizeof(cqe),
				  (void *)(w->base + ((__u64)(pos & w->mask) << (w->shift & 7)))))
		return 1;
	return emit_req(w, pos, 0, cqe.user_data, cqe.res, cqe.flags) ? 1 : 0;
}

/* Lists of struct list_head: w->base the head, nodes at offset `off` of their entry. */
static __always_inline __u64 list_next(struct req_walk *w)
{
	__u64 next = 0;

	if (bpf_probe_read_kernel(&next, sizeof(next), (void *)w->pos) || !next ||
	    next == w->base) {
		w->done = next == w->base;
		return 0;
	}
	w->pos = next;
	return next;
}

static long overflow_entry_step(__u32 i, void *data)
{
	struct req_walk *w = data;
	__u64 node = list_next(w);
	struct io_overflow_cqe *ocqe = (void *)node; /* list is its first member */
	struct io_uring_cqe cqe = {};

	if (!node || w->n >= req_max)
		return 1;
	if (bpf_core_read(&cqe, sizeof(cqe), &ocqe->cqe))
		return 1;
	return emit_req(w, w->n, 0, cqe.user_data, cqe.res, cqe.flags) ? 1 : 0;
}

static long timeout_step(__u32 i, void *data)
{
	struct req_walk *w = data;
	__u64 node = list_next(w);

	if (!node || w->n >= req_max)
		return 1;
	/* the node is io_timeout.list; the io_timeout is the request's io_kiocb.cmd */
	__u64 req = node - bpf_core_field_offset(struct io_timeout, list) -
		    bpf_core_field_offset(struct io_kiocb, cmd);

	return emit_inflight(w, (struct io_kiocb *)req) ? 1 : 0;
}

/* The cancel hash: buckets of hlist_head, entries io_kiocb.hash_node. */
static long hash_step(__u32 i, void *data)
{
	struct req_walk *w = data;
	__u64 next = 0;

	if (!w->pos) {
		if (w->bucket > w->mask) {
			w->done = true;
			return 1;
		}
		__u64 b = w->base + (__u64)w->bucket * bpf_core_type_size(struct io_hash_bucket) +
			  bpf_core_field_offset(struct io_hash_bucket, list);

		w->bucket++;
		if (bpf_probe_read_kernel(&next, sizeof(next), (void *)b)) /* hlist_head.first */
			return 1;
		w->pos = next;
		return 0;
	}
	if (w->n >= req_max)
		return 1;
	__u64 req = w->pos - bpf_core_field_offset(struct io_kiocb, hash_node);

	w->kind = UD_REQ_POLL;
	if (emit_inflight(w, (struct io_kiocb *)req))
		return 1;
	if (bpf_probe_read_kernel(&next, sizeof(next), (void *)w->pos)) /* hlist_node.next */
		return 1;
	w->pos = next;
	return 0;
}

/* One element of an io-wq list, or the start of the next list or task. */
static long iowq_step(__u32 i, void *data)
{
	struct req_walk *w = data;
	struct io_wq *wq = (struct io_wq *)w->wq;
	__u64 next = 0, req = 0, lh;

	if (!wq) {
		if (bpf_probe_read_kernel(&next, sizeof(next), (void *)w->node) || !next)
			return 1;
		if (next == w->base) {
			w->done = 1;
			return 1;
		}
		w->node = next;
		struct io_tctx_node *tn =
			(void *)(next - bpf_core_field_offset(struct io_tctx_node, ctx_node));
		struct task_struct *task = BPF_CORE_READ(tn, task);

		w->wq = task ? (__u64)BPF_CORE_READ(task, io_uring, io_wq) : 0;
		w->list = 0;
		w->pos = 0;
		return 0;
	}
	if (w->list > 3) {
		w->wq = 0;
		return 0;
	}
	lh = w->list < 2 ? ud_iowq_work_list(wq, w->list) : ud_iowq_workers(wq, w->list - 2);
	if (!w->pos) {
		/* io_wq_work_list.first, list_head.next: both the first member */
		if (lh)
			bpf_probe_read_kernel(&next, sizeof(next), (void *)lh);
		if (!next || next == lh)
			w->list++;
		else
			w->pos = next;
		return 0;
	}
	if (w->list < 2) {
		/* an io_wq_work_node: io_wq_work.list, in io_kiocb.work */
		req = w->pos - bpf_core_field_offset(struct io_wq_work, list) -
		      bpf_core_field_offset(struct io_kiocb, work);
		w->kind = UD_REQ_IOWQ_QUEUED;
	} else {
		struct io_worker *wk =
			(void *)(w->pos - bpf_core_field_offset(struct io_worker, all_list));
		__u64 cur = (__u64)BPF_CORE_READ(wk, cur_work);

		if (cur)
			req = cur - bpf_core_field_offset(struct io_kiocb, work);
		w->kind = UD_REQ_IOWQ_RUNNING;
	}
	if (req && (__u64)BPF_CORE_READ((struct io_kiocb *)req, ctx) == w->ctx) {
		if (w->n >= req_max)
			return 1;
		if (emit_inflight(w, (struct io_kiocb *)req))
			return 1;
	}
	/* io_wq_work_node.next and list_head.next: the first member */
	if (bpf_probe_read_kernel(&next, sizeof(next), (void *)w->pos))
		return 1;
	if (!next || next == lh) {
		w->list++;
		w->pos = 0;
	} else {
		w->pos = next;
	}
	return 0;
}

#define UD_IOWQ_STEPS (1U << 20) /* tasks x 5 + queued work + workers */

struct io_ring_ctx___locked_hash {
	struct io_hash_table cancel_table_locked;
} __attribute__((preserve_access_index));

/* The polls of one cancel table; n counts on from earlier tables. */
static __always_inline void walk_hash(struct req_walk *w, struct io_hash_table *t)
{
	__u32 bits = BPF_CORE_READ(t, hash_bits);

	w->base = (__u64)BPF_CORE_READ(t, hbs);
	w->pos = opaque(0); /* opaque: see lib/emit.bpf.h (6.1's callback verification) */
	w->bucket = opaque(0);
	w->done = !w->base;
	if (!w->base || bits > 15)
		return;
	w->mask = (1U << bits) - 1;
	bpf_loop(UD_REQ_HASH_STEPS, hash_step, w, 0);
}

static __always_inline void walk_requests(struct seq_file *seq, __u32 pid, __u64 ring_id,
					  struct io_ring_ctx *ctx)
{
	/* every field a callback changes starts opaque: see lib/emit.bpf.h */
	struct req_walk w = { .seq = seq, .ring_id = ring_id, .pid = pid, .n = opaque(0) };
	struct io_rings *rings = BPF_CORE_READ(ctx, rings);

	if (!req_max)
		return;
	/* CQEs posted, not reaped */
	w.kind = UD_REQ_CQE;
	if (rings) {
		__u32 tail = BPF_CORE_READ(rings, cq.tail);
		__u32 pending;

		w.head = BPF_CORE_READ(rings, cq.head);
		w.mask = BPF_CORE_READ(ctx, cq_entries) - 1;
		w.shift = BPF_CORE_READ(ctx, flags) & UD_IORING_SETUP_CQE32 ? 5 : 4;
		w.base = (__u64)rings + bpf_core_field_offset(struct io_rings, cqes);
		pending = tail - w.head;
		w.done = pending <= req_max;
		bpf_loop(pending < req_max ? pending : req_max, cqe_step, &w, 0);
	}
	if (req_summary(&w))
		return;
	/* the overflow list */
	w.kind = UD_REQ_OVERFLOW;
	w.n = opaque(0);
	w.done = opaque(0);
	w.base = w.pos = (__u64)&ctx->cq_overflow_list;
	bpf_loop(req_max + 1, overflow_entry_step, &w, 0);
	if (req_summary(&w))
		return;
	/* polls: the kind of each is set from its opcode */
	w.kind = UD_REQ_POLL;
	w.n = opaque(0);
	walk_hash(&w, &ctx->cancel_table);
	__u32 done = w.done;
	struct io_ring_ctx___locked_hash *o = (void *)ctx;

	if (bpf_core_field_exists(o->cancel_table_locked)) {
		walk_hash(&w, (struct io_hash_table *)&o->cancel_table_locked);
		done = done && w.done;
	}
	w.done = done;
	w.kind = UD_REQ_POLL; /* the summary covers both poll kinds */
	if (req_summary(&w))
		return;
	/* timeouts, linked timeouts */
	w.kind = UD_REQ_TIMEOUT;
	w.n = opaque(0);
	w.done = opaque(0);
	w.base = w.pos = (__u64)&ctx->timeout_list;
	bpf_loop(req_max + 1, timeout_step, &w, 0);
	if (req_summary(&w))
		return;
	w.kind = UD_REQ_LINK_TIMEOUT;
	w.n = opaque(0);
	w.done = opaque(0);
	w.base = w.pos = (__u64)&ctx->ltimeout_list;
	bpf_loop(req_max + 1, timeout_step, &w, 0);
	if (req_summary(&w))
		return;
	/* io-wq work of the tasks using the ring; the summary covers both kinds */
	w.n = opaque(0);
	w.done = opaque(0);
	w.ctx = (__u64)ctx;
	w.base = w.node = (__u64)&ctx->tctx_list;
	w.wq = opaque(0);
	w.pos = opaque(0);
	w.list = opaque(0);
	bpf_loop(UD_IOWQ_STEPS, iowq_step, &w, 0);
	w.kind = UD_REQ_IOWQ_QUEUED;
	req_summary(&w);
}

#endif /* URINGDUMP_LIB_REQUESTS_BPF_H */
