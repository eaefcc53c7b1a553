/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * io_uring: a ring's RING record (setup, SQPOLL, eventfd) and the walks of
 * its registered file and buffer tables (RFILE, RBUF, one per slot, empty
 * ones included, closed by TABLE_END).  The tables' layouts are behind
 * lib/compat.bpf.h.
 *
 * Needs from the including program: what lib/file.bpf.h needs.
 */
#ifndef URINGDUMP_LIB_RING_BPF_H
#define URINGDUMP_LIB_RING_BPF_H

#include "lib/file.bpf.h"
#include "lib/pbuf.bpf.h"
#include "lib/personality.bpf.h"
#include "lib/requests.bpf.h"
#include "lib/ring_regs.bpf.h"
#include "lib/ring_state.bpf.h"

#define IORING_SETUP_SQ_AFF (1U << 2)

/* A walk over the slots of one table, as a bpf_loop context. */
struct table_walk {
	struct seq_file *seq;
	__u32 pid;
	__u64 ring_id;
	void *base;  /* the table's slots (ud_ring_files / ud_ring_bufs) */
	void *tags;  /* before 6.13: the table's tags (ud_table_tags) */
	__u32 first; /* index of the first slot of this walk */
	__u32 count; /* slots done */
};

/* One RFILE record: slot `i` of a ring's file table (fp: file_ptr, 0 = empty). */
static __always_inline int emit_rfile(struct seq_file *seq, __u32 pid, __u64 ring_id, __u32 i,
				      unsigned long fp, __u64 tag)
{
	struct file *f = ud_file_ptr_file(fp);
	union ud_any *r = scratch(UD_SCR_ITEM);

	if (!r)
		return -1;

	if (f)
		describe_file(seq, pid, f);
	rec_init(r, UD_REC_RFILE, pid);
	r->rfile.ring_id = ring_id;
	r->rfile.index = i;
	r->rfile.tag = tag;
	if (f)
		r->rfile.file_id = mix((__u64)f);
	else
		r->h.flags |= UD_SLOT_EMPTY;
	return emit(seq, r, true);
}

static long rfile_step(__u32 step, void *data)
{
	struct table_walk *t = data;
	__u32 i = t->first + step;
	__u64 tag = 0;
	unsigned long fp;

	if (!room_for_unit(t->seq))
		return 1;
	fp = ud_file_slot(t->base, i, t->tags, &tag);
	if (emit_rfile(t->seq, t->pid, t->ring_id, i, fp, tag))
		return 1;
	t->count++;
	return 0;
}

/* One RBUF record: slot `i` of a ring's buffer table (imu NULL: empty). */
static __always_inline int emit_rbuf(struct seq_file *seq, __u32 pid, __u64 ring_id, __u32 i,
				     struct io_mapped_ubuf *imu, __u64 tag)
{
	union ud_any *r = scratch(UD_SCR_ITEM);

	if (!r)
		return -1;

	rec_init(r, UD_REC_RBUF, pid);
	r->rbuf.ring_id = ring_id;
	r->rbuf.index = i;
	if (imu)
		r->rbuf.addr = BPF_CORE_READ(imu, ubuf);
	/* empty slots: no node (6.13+) or the dummy buffer whose ubuf is -1 */
	if (!imu || r->rbuf.addr == (__u64)-1) {
		r->h.flags |= UD_SLOT_EMPTY;
		r->rbuf.addr = 0;
	} else {
		r->rbuf.len = ud_imu_len(imu, r->rbuf.addr);
		r->rbuf.nr_bvecs = BPF_CORE_READ(imu, nr_bvecs);
		r->rbuf.tag = tag;
	}
	return emit(seq, r, true);
}

static long rbuf_step(__u32 step, void *data)
{
	struct table_walk *t = data;
	__u32 i = t->first + step;
	struct io_mapped_ubuf *imu;
	__u64 tag = 0;

	if (!room_for_unit(t->seq))
		return 1;
	imu = ud_buf_slot(t->base, i, t->tags, &tag);
	if (emit_rbuf(t->seq, t->pid, t->ring_id, i, imu, tag))
		return 1;
	t->count++;
	return 0;
}

/*
 * Write the RING record of `file` and return where its tables are:
 * files[] (or nodes[]) and buffers, with their sizes.  Returns emit()'s status.
 */
static __always_inline int emit_ring(struct seq_file *seq, __u32 pid, struct file *file,
				     struct io_ring_ctx *ctx, void **files, __u32 *nr_files,
				     void **bufs, __u32 *nr_bufs)
{
	union ud_any *r = scratch(UD_SCR_HDR);

	if (!r)
		return -1;

	*files = ud_ring_files(ctx, nr_files);
	*bufs = ud_ring_bufs(ctx, nr_bufs);
	if (!*files)
		*nr_files = 0;
	if (!*bufs)
		*nr_bufs = 0;

	rec_init(r, UD_REC_RING, pid);
	r->ring.file_id = mix((__u64)file);
	r->ring.setup_flags = BPF_CORE_READ(ctx, flags);
	r->ring.sq_entries = BPF_CORE_READ(ctx, sq_entries);
	r->ring.cq_entries = BPF_CORE_READ(ctx, cq_entries);
	r->ring.nr_files = *nr_files;
	r->ring.nr_bufs = *nr_bufs;
	r->ring.sq_thread_idle = BPF_CORE_READ(ctx, sq_thread_idle);
	r->ring.sq_cpu = -1;

	struct io_sq_data *sqd = BPF_CORE_READ(ctx, sq_data);

	if (sqd) {
		r->h.flags |= UD_RING_HAS_SQ_DATA;
		r->ring.sq_group_id = mix((__u64)sqd);
		/* without SQ_AFF, newer kernels store the cpu the thread last ran on */
		if (r->ring.setup_flags & IORING_SETUP_SQ_AFF)
			r->ring.sq_cpu = BPF_CORE_READ(sqd, sq_cpu);
		r->ring.sq_thread_pid = BPF_CORE_READ(sqd, thread, pid);
	}
	struct io_ev_fd *ev = BPF_CORE_READ(ctx, io_ev_fd);

	if (ev) {
		r->h.flags |= UD_RING_HAS_EVFD;
		r->ring.evfd_id = mix((__u64)BPF_CORE_READ(ev, cq_ev_fd));
		if (BPF_CORE_READ_BITFIELD_PROBED(ev, eventfd_async))
			r->h.flags |= UD_RING_EVFD_ASYNC;
	}
	if (emit(seq, r, false))
		return -1;
	__u64 ring_id = r->ring.file_id;

	if (emit_ring_state(seq, pid, ring_id, ctx))
		return -1;
	return emit_ring_regs(seq, pid, ring_id, ctx);
}

/*
 * What a ring registered, after its tables: personalities, buffer groups;
 * then, when asked, the requests and completions it holds.  lists (a
 * constant): a checkpoint's lists may be written (personalities' groups,
 * legacy buffers, ring pages: lib/personality.bpf.h, lib/pbuf.bpf.h).
 */
static __always_inline void walk_ring_regs(struct seq_file *seq, __u32 pid, __u64 ring_id,
					   struct io_ring_ctx *ctx, bool lists)
{
	walk_personalities(seq, pid, ring_id, ctx, lists);
	walk_pbufs(seq, pid, ring_id, ctx, lists);
	walk_requests(seq, pid, ring_id, ctx);
}

/* The live iterator: a whole ring in one step (what does not fit spills). */
static __always_inline void walk_ring(struct seq_file *seq, __u32 pid, struct file *file,
				      bool lists)
{
	struct io_ring_ctx *ctx = BPF_CORE_READ(file, private_data);
	struct table_walk t = { .seq = seq,
				.pid = pid,
				.ring_id = mix((__u64)file),
				.first = opaque(0),
				.count = opaque(0) };
	__u32 nr_files, nr_bufs;
	void *files, *bufs;

	if (emit_ring(seq, pid, file, ctx, &files, &nr_files, &bufs, &nr_bufs))
		return;

	t.base = files;
	t.tags = ud_table_tags(ctx, true);
	bpf_loop(nr_files, rfile_step, &t, 0);
	if (table_end(seq, pid, t.ring_id, UD_TABLE_RFILE, t.count, nr_files))
		return;

	t.base = bufs;
	t.tags = ud_table_tags(ctx, false);
	t.count = opaque(0);
	bpf_loop(nr_bufs, rbuf_step, &t, 0);
	if (table_end(seq, pid, t.ring_id, UD_TABLE_RBUF, t.count, nr_bufs))
		return;
	walk_ring_regs(seq, pid, t.ring_id, ctx, lists);
}

#endif /* URINGDUMP_LIB_RING_BPF_H */
