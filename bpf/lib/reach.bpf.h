/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reach: the ways a process holds rings besides its leader's fd table.
 * THREAD records (one per thread, with the id of its fd table), RINGREF
 * records (a thread's registered ring table, IORING_REGISTER_RING_FDS) and
 * MAP records (a mapping of a ring's memory).  A ring reached this way that
 * the stream has not described yet is walked like one reached by an fd.
 *
 * Needs from the including program: what lib/ring.bpf.h needs, and
 *   __u64 dump_gen;              per dump, set by the loader
 *   map walked_rings             LRU hash, __u64 (struct file address) -> dump_gen
 *   map pending_rings            array of UD_PENDING_MAX struct ud_pending_ring
 *   __u32 pending_nr; __u64 pending_lost;
 */
#ifndef URINGDUMP_LIB_REACH_BPF_H
#define URINGDUMP_LIB_REACH_BPF_H

#include "lib/ring.bpf.h"

#define UD_PF_IO_WORKER 0x00000010 /* PF_IO_WORKER */
#define UD_PENDING_MAX 256         /* rings held only by mappings, per dump */

/* vm_flags where the kernel has it as a plain word (0 otherwise). */
static __always_inline __u64 ud_vma_flags(struct vm_area_struct *vma)
{
	if (bpf_core_field_exists(vma->vm_flags))
		return BPF_CORE_READ(vma, vm_flags);
	return 0;
}

/*
 * Has this dump (dump_gen, set by the loader before each dump) walked the
 * ring already?  Marks it walked.  Every stream of one dump shares this.
 */
static __always_inline bool ring_walked(struct file *ring)
{
	__u64 key = (__u64)ring;
	__u64 *v = bpf_map_lookup_elem(&walked_rings, &key);

	if (v && *v == dump_gen)
		return true;
	bpf_map_update_elem(&walked_rings, &key, (__u64 *)&dump_gen, BPF_ANY);
	return false;
}

/* A ring the dump reached without an fd: describe and walk it once. */
static __always_inline void reach_ring(struct seq_file *seq, __u32 pid, struct file *ring)
{
	if (ring_walked(ring))
		return;
	describe_anon_file(seq, pid, ring);
	walk_ring(seq, pid, ring, false); /* not checkpointed: no buffer lists */
}

/*
 * Rings left for the threads walk to walk at the start of its next step:
 * those the mappings walk found (iter/task_vma must not walk a ring itself:
 * a large ring's output makes the kernel show the same mapping again and
 * again) and those of registered ring tables (a walk inside that table's
 * bpf_loop callback nests one frame too deep for 6.1).
 */
static __always_inline void ring_pending(__u32 pid, struct file *ring)
{
	__u64 key = (__u64)ring;
	__u64 *v = bpf_map_lookup_elem(&walked_rings, &key);

	if (v && *v == dump_gen)
		return;
	__u32 i = pending_nr;

	if (i >= UD_PENDING_MAX) {
		pending_lost++;
		return;
	}
	struct ud_pending_ring *slot = bpf_map_lookup_elem(&pending_rings, &i);

	if (!slot)
		return;
	slot->ring = key;
	slot->pid = pid;
	pending_nr = i + 1;
}

struct pending_walk {
	struct seq_file *seq;
};

static long pending_step(__u32 i, void *data)
{
	struct pending_walk *w = data;
	struct ud_pending_ring *slot = bpf_map_lookup_elem(&pending_rings, &i);
	struct file *ring;
	__u32 pid;

	if (!slot || !slot->ring)
		return 1;
	ring = (struct file *)slot->ring;
	pid = slot->pid;
	slot->ring = 0;
	reach_ring(w->seq, pid, ring);
	return 0;
}

/* The rings the mappings walk left (at the start of the threads walk). */
static __always_inline void walk_pending(struct seq_file *seq)
{
	struct pending_walk w = { .seq = seq };
	__u32 n = pending_nr;

	if (n > UD_PENDING_MAX)
		n = UD_PENDING_MAX;
	bpf_loop(n, pending_step, &w, 0);
	pending_nr = 0;
}

/* The THREAD record of task (a thread of process pid). */
static __always_inline int emit_thread(struct seq_file *seq, __u32 pid, struct task_struct *task,
				       struct io_uring_task *tctx, __u32 nr_regrings)
{
	union ud_any *r = scratch(UD_SCR_HDR);

	if (!r)
		return -1;

	struct files_struct *files = BPF_CORE_READ(task, files);
	struct files_struct *leader_files = BPF_CORE_READ(task, group_leader, files);
	__u32 tid = BPF_CORE_READ(task, pid);

	rec_init(r, UD_REC_THREAD, pid);
	r->thread.tid = tid;
	r->thread.nr_regrings = nr_regrings;
	r->thread.files_id = mix((__u64)files);
	BPF_CORE_READ_STR_INTO(&r->thread.comm, task, comm);
	if (tid == pid)
		r->h.flags |= UD_THREAD_LEADER;
	if (!files)
		r->h.flags |= UD_THREAD_NO_FILES;
	else if (files != leader_files)
		r->h.flags |= UD_THREAD_OWN_TABLE;
	if (BPF_CORE_READ(task, flags) & UD_PF_IO_WORKER)
		r->h.flags |= UD_THREAD_IO_WORKER;
	if (tctx)
		r->h.flags |= UD_THREAD_HAS_TCTX;
	if (ud_iowq_cpus(tctx, &r->thread.iowq_cpus))
		r->h.flags |= UD_THREAD_HAS_IOWQ;
	return emit(seq, r, false);
}

/* The registered ring table of one thread, as a bpf_loop context. */
struct regring_walk {
	struct seq_file *seq;
	__u32 pid;
	__u32 tid;
	struct io_uring_task *tctx;
	__u32 count; /* non-empty slots */
	bool emit;   /* false: count only */
};

static long regring_step(__u32 i, void *data)
{
	struct regring_walk *w = data;
	struct io_uring_task *tctx = w->tctx;
	struct file *ring = NULL;

	if (i >= UD_RINGREF_SLOTS)
		return 1;
	if (bpf_core_read(&ring, sizeof(ring), &tctx->registered_rings[i]) || !ring)
		return 0;
	w->count++;
	if (!w->emit)
		return 0;

	union ud_any *r = scratch(UD_SCR_ITEM);

	if (!r)
		return 1;
	rec_init(r, UD_REC_RINGREF, w->pid);
	r->ringref.tid = w->tid;
	r->ringref.index = i;
	r->ringref.ring_id = mix((__u64)ring);
	if (emit(w->seq, r, false))
		return 1;
	/* walked by a later step (walk_pending): not in this nested callback */
	ring_pending(w->pid, ring);
	return 0;
}

/*
 * THREAD of task, then RINGREF per registered ring (a ring not walked yet is
 * left for walk_pending).  Not inlined: its state stays off the frame that
 * walk_pending's nested walks add to (the 512-byte limit of 6.1 counts
 * every frame of a call chain).
 */
static __noinline void walk_thread(struct seq_file *seq, __u32 pid, struct task_struct *task)
{
	struct io_uring_task *tctx = BPF_CORE_READ(task, io_uring);
	struct regring_walk w = {
		.seq = seq,
		.pid = pid,
		.tid = BPF_CORE_READ(task, pid),
		.tctx = tctx,
		.count = opaque(0),
		.emit = opaque(0),
	};

	if (tctx)
		bpf_loop(UD_RINGREF_SLOTS, regring_step, &w, 0);
	if (emit_thread(seq, pid, task, tctx, w.count))
		return;
	if (!w.count)
		return;
	w.emit = true;
	w.count = opaque(0);
	bpf_loop(UD_RINGREF_SLOTS, regring_step, &w, 0);
}

/* A MAP record when vma maps a ring's memory (and the ring, if new). */
static __always_inline void walk_vma(struct seq_file *seq, __u32 pid, struct vm_area_struct *vma)
{
	struct file *f = BPF_CORE_READ(vma, vm_file);
	struct anon_name name = {};
	__u32 magic;

	if (!f)
		return;
	/* cheap test first: only anon-inode files can be rings */
	if (BPF_CORE_READ(f, f_inode, i_sb, s_magic) != ANON_INODE_FS_MAGIC)
		return;
	if (file_kind(f, &name, &magic) != UD_FK_IO_URING)
		return;

	union ud_any *r = scratch(UD_SCR_ITEM);

	if (!r)
		return;
	rec_init(r, UD_REC_MAP, pid);
	r->map.ring_id = mix((__u64)f);
	r->map.start = BPF_CORE_READ(vma, vm_start);
	r->map.end = BPF_CORE_READ(vma, vm_end);
	r->map.offset = (__u64)BPF_CORE_READ(vma, vm_pgoff) << 12;
	r->map.vm_flags = (__u32)ud_vma_flags(vma);
	if (emit(seq, r, false))
		return;
	ring_pending(pid, f);
}

#endif /* URINGDUMP_LIB_REACH_BPF_H */
