/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A ring's provided-buffer groups (UD_REC_PBUF), in bgid order: 6.1's
 * io_bl array first (groups 0-63), then the io_bl_xa xarray.  Layouts in
 * lib/compat.bpf.h.  A legacy group's buffers are counted by walking its
 * list where the kernel does not count them (before 6.18), up to
 * UD_PBUF_LIST_MAX (then UD_PBUF_COUNT_PARTIAL).  When the loader asks
 * (list_max > 0: a checkpoint), a legacy group's first list_max buffers
 * follow its record (UD_REC_PBUF_BUF) and a ring's record names the page
 * frame of its memory.  Lockless.
 *
 * Needs from the including program: what lib/emit.bpf.h needs, and
 *   __u32 list_max;     buffers listed per legacy group (0: none, no pfn)
 *   __u64 vmemmap_at;   address of vmemmap_base (0: the fixed VMEMMAP_START)
 * (the loader's: .rodata, or .bss written before each dump).
 */
#ifndef URINGDUMP_LIB_PBUF_BPF_H
#define URINGDUMP_LIB_PBUF_BPF_H

#include "lib/emit.bpf.h"
#include "lib/xarray.bpf.h"

#define UD_PBUF_LIST_MAX (1u << 20)
#define UD_IORING_OFF_PBUF_RING 0x80000000ULL
#define UD_IORING_OFF_PBUF_SHIFT 16

struct list_count {
	__u64 head; /* address of the list_head */
	__u64 cur;
	__u32 n;
	__u32 done;
};

static long list_count_step(__u32 i, void *data)
{
	struct list_count *c = data;
	__u64 next = 0;

	/* list_head.next is its first member */
	if (bpf_probe_read_kernel(&next, sizeof(next), (void *)c->cur) || !next)
		return 1;
	if (next == c->head) {
		c->done = 1;
		return 1;
	}
	c->n++;
	c->cur = next;
	return 0;
}

/* x86-64's VMEMMAP_START without CONFIG_RANDOMIZE_MEMORY (4-level paging) */
#define UD_VMEMMAP_START 0xffffea0000000000ULL

/* The page frame number of a struct page (0: unknown). */
static __always_inline __u64 page_pfn(__u64 page)
{
	__u64 base = UD_VMEMMAP_START;
	__u64 size = bpf_core_type_size(struct page);

	if (!page || !size)
		return 0;
	if (vmemmap_at && bpf_probe_read_kernel(&base, sizeof(base), (void *)vmemmap_at))
		return 0;
	if (page < base)
		return 0;
	return (page - base) / size;
}

struct list_emit {
	struct seq_file *seq;
	__u64 ring_id;
	__u64 head; /* address of the list_head */
	__u64 cur;
	__u32 pid;
	__u32 bgid;
	__u32 n;
	__u32 done;
};

/* One buffer of a legacy group's list (struct io_buffer starts with its list_head). */
static long list_emit_step(__u32 i, void *data)
{
	struct list_emit *c = data;
	struct io_buffer *buf;
	union ud_any *r;
	__u64 next = 0, after = 0;

	if (bpf_probe_read_kernel(&next, sizeof(next), (void *)c->cur) || !next)
		return 1;
	if (next == c->head) {
		c->done = 1;
		return 1;
	}
	r = scratch(UD_SCR_PATH);
	if (!r)
		return 1;
	buf = (struct io_buffer *)next;
	rec_init(r, UD_REC_PBUF_BUF, c->pid);
	r->pbuf_buf.ring_id = c->ring_id;
	r->pbuf_buf.bgid = c->bgid;
	r->pbuf_buf.pos = c->n;
	r->pbuf_buf.addr = BPF_CORE_READ(buf, addr);
	r->pbuf_buf.len = BPF_CORE_READ(buf, len);
	r->pbuf_buf.bid = BPF_CORE_READ(buf, bid);
	/* the list's last buffer: the listing is complete */
	if (!bpf_probe_read_kernel(&after, sizeof(after), (void *)next) && after == c->head)
		r->h.flags |= UD_PBUF_BUF_LAST;
	if (emit(c->seq, r, true))
		return 1;
	c->n++;
	c->cur = next;
	return 0;
}

/*
 * The PBUF record of group bgid (bl).  all: emit a legacy group even when
 * empty (an xarray entry is a group that exists; a 6.1 array slot is not).
 * list: the walk may list buffers and locate ring pages (list_max); a
 * constant, so that walks that never do (rings reached through a thread)
 * do not pay the verifier for it.
 */
static __always_inline int emit_pbuf(struct seq_file *seq, __u32 pid, __u64 ring_id, __u32 bgid,
				     struct io_buffer_list *bl, bool all, bool list)
{
	union ud_any *r = scratch(UD_SCR_FILE);
	__u16 kind = ud_bl_kind(bl);

	if (!r)
		return -1;
	rec_init(r, UD_REC_PBUF, pid);
	r->pbuf.ring_id = ring_id;
	r->pbuf.bgid = bgid;
	r->h.flags = kind;
	if (kind & UD_PBUF_RING) {
		void *br = BPF_CORE_READ(bl, buf_ring);
		__u16 tail = 0;

		r->pbuf.entries = (__u32)BPF_CORE_READ(bl, mask) + 1;
		r->pbuf.head = BPF_CORE_READ(bl, head);
		/* struct io_uring_buf_ring: tail is the u16 at offset 14 */
		if (!br || bpf_probe_read_kernel(&tail, sizeof(tail), br + 14))
			r->h.flags |= UD_PBUF_NO_TAIL;
		r->pbuf.tail = tail;
		r->pbuf.count = (__u16)(tail - r->pbuf.head);
		if (kind & UD_PBUF_KERNEL_MEM)
			r->pbuf.mmap_offset =
				UD_IORING_OFF_PBUF_RING | ((__u64)bgid << UD_IORING_OFF_PBUF_SHIFT);
		if (list && list_max)
			r->pbuf.ring_pfn = page_pfn(ud_bl_first_page(bl));
	} else {
		int nbufs = ud_bl_nbufs(bl);

		if (nbufs >= 0) {
			r->pbuf.count = nbufs;
		} else {
			/* opaque: see lib/emit.bpf.h */
			struct list_count c = { .head = (__u64)&bl->buf_list,
						.cur = (__u64)&bl->buf_list,
						.n = opaque(0),
						.done = opaque(0) };

			bpf_loop(UD_PBUF_LIST_MAX, list_count_step, &c, 0);
			r->pbuf.count = c.n;
			if (!c.done)
				r->h.flags |= UD_PBUF_COUNT_PARTIAL;
		}
		if (!r->pbuf.count && !all)
			return 0;
	}
	if (emit(seq, r, true))
		return -1;
	if (list && !(kind & UD_PBUF_RING) && list_max) {
		/* opaque: see lib/emit.bpf.h */
		struct list_emit c = { .seq = seq,
				       .ring_id = ring_id,
				       .head = (__u64)&bl->buf_list,
				       .cur = (__u64)&bl->buf_list,
				       .pid = pid,
				       .bgid = bgid,
				       .n = opaque(0),
				       .done = opaque(0) };

		bpf_loop(list_max < UD_PBUF_LIST_MAX ? list_max : UD_PBUF_LIST_MAX, list_emit_step,
			 &c, 0);
	}
	return 0;
}

struct pbuf_walk {
	struct seq_file *seq;
	__u64 ring_id;
	__u64 base; /* 6.1's io_bl array */
	struct ud_xa_cursor c;
	__u32 pid;
	__u32 stride;
};

static __always_inline long pbuf_array_one(__u32 i, struct pbuf_walk *w, bool list)
{
	return emit_pbuf(w->seq, w->pid, w->ring_id, i,
			 (struct io_buffer_list *)(w->base + (__u64)i * w->stride), false, list)
		       ? 1
		       : 0;
}

static __always_inline long pbuf_xa_one(struct pbuf_walk *w, bool list)
{
	__u64 entry = 0;
	__u32 bgid = 0;
	int st = ud_xa_next(&w->c, &entry, &bgid);

	if (st == UD_XA_DONE)
		return 1;
	if (st == UD_XA_ENTRY &&
	    emit_pbuf(w->seq, w->pid, w->ring_id, bgid, (struct io_buffer_list *)entry, true, list))
		return 1;
	return 0;
}

static long pbuf_array_step(__u32 i, void *data)
{
	return pbuf_array_one(i, data, false);
}

static long pbuf_array_step_list(__u32 i, void *data)
{
	return pbuf_array_one(i, data, true);
}

static long pbuf_xa_step(__u32 i, void *data)
{
	return pbuf_xa_one(data, false);
}

static long pbuf_xa_step_list(__u32 i, void *data)
{
	return pbuf_xa_one(data, true);
}

/* list: a constant (see emit_pbuf) */
static __always_inline void walk_pbufs(struct seq_file *seq, __u32 pid, __u64 ring_id,
				       struct io_ring_ctx *ctx, bool list)
{
	struct pbuf_walk w = { .seq = seq, .ring_id = ring_id, .pid = pid };

	w.base = (__u64)ud_bl_array(ctx, &w.stride);
	if (w.base)
		bpf_loop(UD_BGID_ARRAY, list ? pbuf_array_step_list : pbuf_array_step, &w, 0);
	if (ud_xa_start(&w.c, (__u64)BPF_CORE_READ(ctx, io_bl_xa.xa_head)))
		bpf_loop(UD_XA_STEPS, list ? pbuf_xa_step_list : pbuf_xa_step, &w, 0);
}

#endif /* URINGDUMP_LIB_PBUF_BPF_H */
