/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A ring's registered personalities (UD_REC_PERSONALITY): the entries of
 * the ctx->personalities xarray, each a struct cred.  The walk reads the
 * xarray's nodes itself: the root's entry (index 0), a root node of shift 0
 * (indices below 64) or of shift 6 (below 4096); personality ids from 4096
 * on are not shown.  Lockless, like every walk here.
 *
 * Needs from the including program: what lib/emit.bpf.h needs.
 */
#ifndef URINGDUMP_LIB_PERSONALITY_BPF_H
#define URINGDUMP_LIB_PERSONALITY_BPF_H

#include "lib/emit.bpf.h"

#define UD_XA_CHUNK 64

/* include/linux/xarray.h: internal entries end in binary 10; nodes are above 4096 */
static __always_inline bool ud_xa_is_node(__u64 entry)
{
	return (entry & 3) == 2 && entry > 4096;
}

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
	__u64 node; /* root node address */
	__u32 pid;
	__u32 shift; /* of the root node: 0 or 6 */
};

static long pers_step(__u32 i, void *data)
{
	struct pers_walk *w = data;
	struct xa_node *node = (struct xa_node *)w->node;
	__u64 entry = 0;

	if (w->shift) {
		__u64 child = 0;

		bpf_core_read(&child, sizeof(child), &node->slots[(i / UD_XA_CHUNK) & 63]);
		if (!ud_xa_is_node(child))
			return 0;
		node = (struct xa_node *)(child - 2);
	}
	bpf_core_read(&entry, sizeof(entry), &node->slots[i % UD_XA_CHUNK]);
	if (!entry || (entry & 3) == 2)
		return 0; /* empty, or another internal entry */
	if (emit_personality(w->seq, w->pid, w->ring_id, i, (struct cred *)entry))
		return 1;
	return 0;
}

static __always_inline void walk_personalities(struct seq_file *seq, __u32 pid, __u64 ring_id,
					       struct io_ring_ctx *ctx)
{
	__u64 head = (__u64)BPF_CORE_READ(ctx, personalities.xa_head);
	struct pers_walk w = { .seq = seq, .ring_id = ring_id, .pid = pid };
	__u8 shift = 0;

	if (!head)
		return;
	if (!ud_xa_is_node(head)) {
		if ((head & 3) != 2)
			emit_personality(seq, pid, ring_id, 0, (struct cred *)head);
		return;
	}
	struct xa_node *root = (struct xa_node *)(head - 2);

	w.node = (__u64)root;
	bpf_core_read(&shift, sizeof(shift), &root->shift);
	if (shift > 6)
		return; /* ids from 4096 on: not shown (see above) */
	w.shift = shift + opaque(0);
	bpf_loop(shift ? UD_XA_CHUNK * UD_XA_CHUNK : UD_XA_CHUNK, pers_step, &w, 0);
}

#endif /* URINGDUMP_LIB_PERSONALITY_BPF_H */
