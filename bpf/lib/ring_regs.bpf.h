/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a ring registered besides its file and buffer tables
 * (UD_REC_RING_REGS): its restrictions, its io-wq worker limits, NAPI
 * busy polling and the counter of its registered eventfd.
 *
 * Needs from the including program: what lib/emit.bpf.h needs.
 */
#ifndef URINGDUMP_LIB_RING_REGS_BPF_H
#define URINGDUMP_LIB_RING_REGS_BPF_H

#include "lib/emit.bpf.h"

static __always_inline int emit_ring_regs(struct seq_file *seq, __u32 pid, __u64 ring_id,
					  struct io_ring_ctx *ctx)
{
	union ud_any *r = scratch(UD_SCR_ITEM);
	bool op = false, reg = false;

	if (!r)
		return -1;

	rec_init(r, UD_REC_RING_REGS, pid);
	r->regs.ring_id = ring_id;

	struct io_restriction *res = &ctx->restrictions;

	ud_restricted(res, &op, &reg);
	if (op)
		r->h.flags |= UD_REGS_SQE_RESTRICTED;
	if (reg)
		r->h.flags |= UD_REGS_REG_RESTRICTED;
	if (op || reg) {
		bpf_probe_read_kernel(&r->regs.register_ops, sizeof(__u64), &res->register_op);
		r->regs.sqe_ops[0] = ud_sqe_op_word(res, 0);
		r->regs.sqe_ops[1] = ud_sqe_op_word(res, 1);
		r->regs.sqe_flags_allowed = BPF_CORE_READ(res, sqe_flags_allowed);
		r->regs.sqe_flags_required = BPF_CORE_READ(res, sqe_flags_required);
	}
	r->regs.iowq_bounded = BPF_CORE_READ(ctx, iowq_limits[0]);
	r->regs.iowq_unbounded = BPF_CORE_READ(ctx, iowq_limits[1]);
	if (ud_napi(ctx, &r->regs.napi_busy_poll_us, &r->regs.napi_prefer_busy_poll,
		    &r->regs.napi_tracking))
		r->h.flags |= UD_REGS_NAPI;

	struct io_ev_fd *ev = BPF_CORE_READ(ctx, io_ev_fd);

	if (ev) {
		struct eventfd_ctx *e = BPF_CORE_READ(ev, cq_ev_fd);

		if (e && !bpf_core_read(&r->regs.evfd_count, sizeof(__u64), &e->count))
			r->h.flags |= UD_REGS_HAS_EVFD_COUNT;
	}
	return emit(seq, r, false);
}

#endif /* URINGDUMP_LIB_RING_REGS_BPF_H */
