/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A ring's registered personalities (UD_REC_PERSONALITY): the entries of
 * the ctx->personalities xarray (ids below 2^16), each a struct cred.
 * When the loader asks (list_max > 0: a checkpoint), each is followed by
 * its supplementary groups (UD_REC_PERS_GROUPS).  Lockless, like every
 * walk here.
 *
 * Needs from the including program: what lib/emit.bpf.h needs, and
 * `__u32 list_max` (the loader's: .rodata, or .bss written before each dump).
 */
#ifndef URINGDUMP_LIB_PERSONALITY_BPF_H
#define URINGDUMP_LIB_PERSONALITY_BPF_H

#include "lib/emit.bpf.h"
#include "lib/xarray.bpf.h"

#define UD_NGROUPS_MAX 65536 /* NGROUPS_MAX */

struct groups_emit {
	struct seq_file *seq;
	__u64 ring_id;
	__u64 gids; /* address of group_info.gid[0] */
	__u32 pid;
	__u32 id;
	__u32 n; /* groups */
};

/* Record i: groups 10i.. of the personality. */
static long groups_step(__u32 i, void *data)
{
	struct groups_emit *g = data;
	union ud_any *r;
	__u32 first = i * UD_PERS_GROUPS_PER_REC, k;

	if (first >= g->n)
		return 1;
	k = g->n - first;
	if (k > UD_PERS_GROUPS_PER_REC)
		k = UD_PERS_GROUPS_PER_REC;
	r = scratch(UD_SCR_PATH);
	if (!r)
		return 1;
	rec_init(r, UD_REC_PERS_GROUPS, g->pid);
	r->h.flags = k;
	r->pers_groups.ring_id = g->ring_id;
	r->pers_groups.id = g->id;
	r->pers_groups.first = first;
	/* kgid_t is one u32; the bound is checked where the verifier sees it */
	__u64 size = (__u64)k * 4;

	asm volatile("" : "+r"(size));
	if (size == 0 || size > sizeof(r->pers_groups.gids) ||
	    bpf_probe_read_kernel(r->pers_groups.gids, size, (void *)(g->gids + first * 4)))
		return 1;
	return emit(g->seq, r, true) ? 1 : 0;
}

/* list: a constant (see lib/pbuf.bpf.h): the groups may be listed (list_max). */
static __always_inline int emit_personality(struct seq_file *seq, __u32 pid, __u64 ring_id,
					    __u32 id, struct cred *cred, bool list)
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
	if (emit(seq, r, true))
		return -1;
	if (list && list_max && r->pers.ngroups) {
		struct group_info *gi = BPF_CORE_READ(cred, group_info);
		/* opaque: see lib/emit.bpf.h */
		struct groups_emit g = { .seq = seq,
					 .ring_id = ring_id,
					 .gids = (__u64)&gi->gid,
					 .pid = pid,
					 .id = id,
					 .n = opaque(r->pers.ngroups) };

		if (g.n > UD_NGROUPS_MAX)
			g.n = UD_NGROUPS_MAX;
		bpf_loop(UD_NGROUPS_MAX / UD_PERS_GROUPS_PER_REC + 1, groups_step, &g, 0);
	}
	return 0;
}

struct pers_walk {
	struct seq_file *seq;
	__u64 ring_id;
	struct ud_xa_cursor c;
	__u32 pid;
};

static __always_inline long pers_one(struct pers_walk *w, bool list)
{
	__u64 entry = 0;
	__u32 id = 0;
	int st = ud_xa_next(&w->c, &entry, &id);

	if (st == UD_XA_DONE)
		return 1;
	if (st == UD_XA_ENTRY &&
	    emit_personality(w->seq, w->pid, w->ring_id, id, (struct cred *)entry, list))
		return 1;
	return 0;
}

static long pers_step(__u32 i, void *data)
{
	return pers_one(data, false);
}

static long pers_step_list(__u32 i, void *data)
{
	return pers_one(data, true);
}

/* list: a constant (see emit_personality) */
static __always_inline void walk_personalities(struct seq_file *seq, __u32 pid, __u64 ring_id,
					       struct io_ring_ctx *ctx, bool list)
{
	struct pers_walk w = { .seq = seq, .ring_id = ring_id, .pid = pid };

	if (ud_xa_start(&w.c, (__u64)BPF_CORE_READ(ctx, personalities.xa_head)))
		bpf_loop(UD_XA_STEPS, list ? pers_step_list : pers_step, &w, 0);
}

#endif /* URINGDUMP_LIB_PERSONALITY_BPF_H */
