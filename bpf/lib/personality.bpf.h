/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A ring's registered personalities (UD_REC_PERSONALITY): the entries of
 * the ctx->personalities xarray (ids below 2^16), each a struct cred.
 * Lockless, like every walk here.
 *
 * Needs from the including program: what lib/emit.bpf.h needs.
 */
#ifndef URINGDUMP_LIB_PERSONALITY_BPF_H
#define URINGDUMP_LIB_PERSONALITY_BPF_H

#include "lib/emit.bpf.h"
#include "lib/xarray.bpf.h"

static __always_inline int emit_personality(struct seq_file *seq, __u32 pid, __u64 ring_id,
					    __u32 id, struct cred *cred)
{
	union ud_any *r = scratch(UD_SCR_FILE);

	if (!r)
		return -1;
	rec_init(r, UD_REC_PERSONALITY, pid);
	r->pers.ring_id = ring_id;
	r->pers.id = id;
	r->pers.uid = BPF_CORE_READ(cred, uid.val);
	r->pers.gid = BPF_CORE_READ(cred, gid.val);
	r->pers.euid = BPF_CORE_READ(cred, euid.val);
	r->pers.egid = BPF_CORE_READ(cred, egid.val);
	r->pers.fsuid = BPF_CORE_READ(cred, fsuid.val);
	r->pers.fsgid = BPF_CORE_READ(cred, fsgid.val);
	r->pers.ngroups = BPF_CORE_READ(cred, group_info, ngroups);
	/* kernel_cap_t: two u32 words before 6.3, one u64 after: the same 8 bytes */
	bpf_probe_read_kernel(&r->pers.cap_permitted, 8, &cred->cap_permitted);
	bpf_probe_read_kernel(&r->pers.cap_effective, 8, &cred->cap_effective);
	return emit(seq, r, true);
}

struct pers_walk {
	struct seq_file *seq;
	__u64 ring_id;
	struct ud_xa_cursor c;
	__u32 pid;
};

static long pers_step(__u32 i, void *data)
{
	struct pers_walk *w = data;
	__u64 entry = 0;
	__u32 id = 0;
	int st = ud_xa_next(&w->c, &entry, &id);

	if (st == UD_XA_DONE)
		return 1;
	if (st == UD_XA_ENTRY &&
	    emit_personality(w->seq, w->pid, w->ring_id, id, (struct cred *)entry))
		return 1;
	return 0;
}

static __always_inline void walk_personalities(struct seq_file *seq, __u32 pid, __u64 ring_id,
					       struct io_ring_ctx *ctx)
{
	struct pers_walk w = { .seq = seq, .ring_id = ring_id, .pid = pid };

	if (ud_xa_start(&w.c, (__u64)BPF_CORE_READ(ctx, personalities.xa_head)))
		bpf_loop(UD_XA_STEPS, pers_step, &w, 0);
}

#endif /* URINGDUMP_LIB_PERSONALITY_BPF_H */
