/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A lockless walk of an xarray's present entries in index order, for
 * indices below 2^18 (root node shifts 0, 6 and 12: every u16 id the
 * io_uring xarrays hold, personalities and buffer groups).  The walk reads
 * the nodes itself (include/linux/xarray.h, lib/xarray.c): a head that is
 * not a node is the one entry at index 0; a node's slot holds an entry, a
 * child node (internal, tagged 2) or nothing.  One bpf_loop step visits one
 * leaf slot or skips one empty subtree, so a walk costs the slots of the
 * leaf nodes that exist, not the index range.
 *
 * Use: ud_xa_start() on the xarray's xa_head, then in a bpf_loop callback
 * ud_xa_next() until it returns UD_XA_DONE; UD_XA_ENTRY gives an entry.
 * UD_XA_STEPS steps always suffice (at most 2^16 leaf slots + 64 + 4096
 * skips for ids below 2^16).
 *
 * Needs from the including program: what lib/emit.bpf.h needs (opaque()).
 */
#ifndef URINGDUMP_LIB_XARRAY_BPF_H
#define URINGDUMP_LIB_XARRAY_BPF_H

#include "lib/emit.bpf.h"

#define UD_XA_CHUNK_SHIFT 6
#define UD_XA_CHUNK 64
#define UD_XA_MAX_SHIFT 12
#define UD_XA_STEPS (1u << 17)

/* internal entries end in binary 10; nodes are above 4096 */
static __always_inline bool ud_xa_is_node(__u64 entry)
{
	return (entry & 3) == 2 && entry > 4096;
}

struct ud_xa_cursor {
	__u64 root;  /* the root node, or the single entry when shift is UD_XA_SINGLE */
	__u32 shift; /* of the root node */
	__u32 pos;   /* next index */
	__u32 limit; /* indices below it */
	__u32 pad;
};

#define UD_XA_SINGLE 0xffu

enum { UD_XA_ENTRY, UD_XA_SKIP, UD_XA_DONE };

/* Start a walk of the xarray whose xa_head is head; false: nothing to walk. */
static __always_inline bool ud_xa_start(struct ud_xa_cursor *c, __u64 head)
{
	__u8 shift = 0;

	c->pos = opaque(0); /* see lib/emit.bpf.h: changed by bpf_loop callbacks */
	if (!head)
		return false;
	if (!ud_xa_is_node(head)) {
		if ((head & 3) == 2)
			return false; /* another internal entry: not expected at the head */
		c->root = head;
		c->shift = UD_XA_SINGLE;
		c->limit = 1;
		return true;
	}
	struct xa_node *root = (struct xa_node *)(head - 2);

	c->root = (__u64)root;
	bpf_core_read(&shift, sizeof(shift), &root->shift);
	if (shift > UD_XA_MAX_SHIFT || shift % UD_XA_CHUNK_SHIFT)
		return false;
	c->shift = shift;
	c->limit = UD_XA_CHUNK << shift;
	return true;
}

/* One step: UD_XA_ENTRY with *entry and *index, UD_XA_SKIP, or UD_XA_DONE. */
static __always_inline int ud_xa_next(struct ud_xa_cursor *c, __u64 *entry, __u32 *index)
{
	__u32 pos = c->pos, shift = c->shift;
	__u64 node = c->root, e = 0;

	if (pos >= c->limit)
		return UD_XA_DONE;
	if (shift == UD_XA_SINGLE) {
		c->pos = 1;
		*entry = node;
		*index = 0;
		return UD_XA_ENTRY;
	}
	for (int level = 0; level < 3; level++) {
		__u32 slot = (pos >> (shift & 31)) & (UD_XA_CHUNK - 1);

		bpf_core_read(&e, sizeof(e), &((struct xa_node *)node)->slots[slot]);
		if (!shift)
			break;
		if (!ud_xa_is_node(e)) {
			/* nothing below this slot: skip its subtree */
			c->pos = ((pos >> (shift & 31)) + 1) << (shift & 31);
			return UD_XA_SKIP;
		}
		node = e - 2;
		shift -= UD_XA_CHUNK_SHIFT;
	}
	c->pos = pos + 1;
	if (!e || (e & 3) == 2)
		return UD_XA_SKIP; /* empty, or a retry/sibling entry */
	*entry = e;
	*index = pos;
	return UD_XA_ENTRY;
}

#endif /* URINGDUMP_LIB_XARRAY_BPF_H */
