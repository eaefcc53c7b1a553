// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * uringdump: the live CO-RE task_file iterator.  For each fd of a visited
 * process it writes one UD_REC_FD record; for an io_uring it adds the ring's
 * setup (UD_REC_RING), its registered file and buffer tables (every slot)
 * closed by UD_REC_TABLE_END; for an epoll every item of the interest list.
 * Every referenced file is described once per stream (UD_REC_FILE, PATH).
 *
 * Size: all output of one iterator step (one fd) must fit the seq buffer
 * (32 KiB).  The first `seq_budget` spillable records of a step go to the
 * seq file; the rest go to the `spill` ring buffer, which the loader drains
 * between read()s.  END says how many records were dropped, so no
 * truncation is ever silent.
 *
 * The producers are in lib/; this program owns the maps and globals they
 * need (listed at the top of each lib header).
 */
#define UD_SEEN_DIRECT_MAPPED
#include "lib/state.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ---- configuration ----------------------------------------------------- */
const volatile __u32 seq_budget = 384; /* spillable records per step in seq */
const volatile __u32 seen_mask;        /* entries of the loader's `seen` array - 1 */

/*
 * Set by the loader before each dump, not at load: a loaded program is kept
 * in bpffs and reused by later runs (src/kernel/load_cache.hpp), each with
 * keys of its own.  id_key1 is odd.
 */
__u64 id_key0, id_key1, run_id;
__s32 target_fd; /* dump only this fd (-1: all) */
__u32 hz;        /* CONFIG_HZ, when the loader knows it */
__u32 req_max;   /* requests of each kind listed per ring (--requests) */
__u32 list_max; /* checkpoint: legacy groups' buffers and personalities' groups listed, ring pages located */
__u64 vmemmap_at; /* address of the kernel's vmemmap_base (kallsyms), 0: the fixed VMEMMAP_START */

/*
 * ---- output state (one stream at a time) ------------------------------
 * The spill ring buffer and the `seen` hash are created by the loader and
 * put in slot 0 of these outer maps: a dump that needs a larger ring buffer
 * gets one without a new load, and a program kept in the load cache keeps
 * them (src/kernel/live_program.hpp).
 */
struct spill_ring {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 12); /* the loader's own are larger */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct spill_ring);
} spill_slot SEC(".maps");

/*
 * Direct-mapped (lib/file.bpf.h): a cached program keeps its `seen` from
 * run to run (entries are marked by stream, gen, so old ones never count);
 * a stream with more files than slots, or two files in one slot, describes
 * some files again.  BPF_F_INNER_MAP: the loader's array is larger than
 * this template (seen_mask + 1 entries).
 */
struct seen_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_INNER_MAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct seen_entry)); /* (as a type, BTF keeps only a forward) */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct seen_array);
} seen_slot SEC(".maps");

/* NULL when the loader installed none: records are then counted as dropped */
static __always_inline void *ud_spill_map(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&spill_slot, &zero);
}

static __always_inline void *ud_seen_map(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&seen_slot, &zero);
}

static __always_inline __u32 ud_seen_mask(void)
{
	return seen_mask;
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, UD_SCR_NR);
	__type(key, __u32);
	__type(value, union ud_any);
} scratch_recs SEC(".maps");

/* the stream's bookkeeping (lib/emit.bpf.h) */
__u64 gen;
__u64 tot_records, tot_spilled, tot_dropped;
__u64 call;
__u64 cur_seq;
__u64 step_records, step_spilled, step_dropped;
__u32 step_spillable;
bool step_overflow;
__u64 opaque_zero; /* always 0: see opaque() */
/* 1 + the session whose first object opened its stream (0: none yet) */
__u64 opened_session;

/*
 * Set by the loader before each run (not .rodata: they change per run):
 * visit only the threads of filter_tgid (0: every process); with
 * only_thread_tables, only fd tables that are not the leader's.
 */
__u32 filter_tgid;
__u32 only_thread_tables;
__u64 dump_gen; /* one value per dump: rings walked by any of its streams */

/* reach (lib/reach.bpf.h): rings walked in this dump, rings left to walk */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1 << 16);
	__type(key, __u64);
	__type(value, __u64);
} walked_rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256); /* UD_PENDING_MAX */
	__type(key, __u32);
	__type(value, struct ud_pending_ring);
} pending_rings SEC(".maps");

__u32 pending_nr;
__u64 pending_lost;

/* the task of the last TASK record, and the step that wrote it */
__u32 last_tgid;
__u64 last_task_seq;

#include "lib/epoll.bpf.h"
#include "lib/ring.bpf.h"
#include "lib/reach.bpf.h"

/* the epoll walk's state (lib/epoll.bpf.h) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ep_walk);
} ep_walks SEC(".maps");

static __always_inline struct ep_walk *ep_walk_state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ep_walks, &zero);
}

/*
 * Start of a call of the walks below; true when it opens the stream.
 * meta->seq_num counts objects, not calls: it is 0 for the first object
 * and, when the walk has exactly one object (a process with one fd, a
 * pid-bound walk), for the final call too, which must not open the stream
 * again.  That final call counts as a step after the first.
 */
static __always_inline bool walk_step_begin(struct bpf_iter_meta *meta, bool final)
{
	__u64 seq_num = meta->seq_num;
	__u64 session = meta->session_id + 1;

	if (seq_num == 0 && final && opened_session == session) {
		step_begin(1);
		return false;
	}
	step_begin(seq_num);
	if (seq_num != 0)
		return false;
	opened_session = final ? 0 : session;
	return true;
}

SEC("iter/task_file")
int dump_task_file(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	union ud_any *r = scratch(UD_SCR_HDR);
	__u32 kind;

	if (!r)
		return 0; /* iterator programs must return 0 or 1 */

	if (walk_step_begin(ctx->meta, !task || !file)) {
		last_tgid = 0;
		last_task_seq = (__u64)-1;
		emit_stream(seq);
	}

	if (!task || !file) {
		/* the final call: close the stream */
		emit_end(seq, 0);
		step_end();
		return 0;
	}

	__u32 pid = BPF_CORE_READ(task, tgid);
	struct files_struct *files = BPF_CORE_READ(task, files);
	__u64 table_id = 0;

	if (filter_tgid && pid != filter_tgid)
		goto out;
	/* a thread with a table of its own (the walk skips threads sharing the leader's) */
	if (files != BPF_CORE_READ(task, group_leader, files))
		table_id = mix((__u64)files);
	if (only_thread_tables && !table_id)
		goto out;

	if (pid != last_tgid || last_task_seq == cur_seq) {
		rec_init(r, UD_REC_TASK, pid);
		r->task.tid = BPF_CORE_READ(task, pid);
		r->task.ppid = BPF_CORE_READ(task, real_parent, tgid);
		BPF_CORE_READ_STR_INTO(&r->task.comm, task, comm);
		if (emit(seq, r, false))
			goto out;
		last_tgid = pid;
		last_task_seq = cur_seq;
	}

	/*
	 * ctx->file is a trusted pointer that the verifier will not let us mix
	 * into an id; read its value as a number and use that from here on.
	 */
	__u64 faddr = 0;

	bpf_probe_read_kernel(&faddr, sizeof(faddr), &ctx->file);
	file = (struct file *)faddr;
	if (!file)
		goto out;

	if (emit_fd(seq, r, pid, ctx->fd, file, &kind, table_id, BPF_CORE_READ(task, pid)))
		goto out;

	/* every fd is reported (they resolve files to fds); tables only for the target */
	if (target_fd >= 0 && ctx->fd != (__u32)target_fd)
		goto out;
	describe_target_file(seq, pid, file, kind);
	if (kind == UD_FK_IO_URING) {
		ring_walked(file);
		walk_ring(seq, pid, file, true);
	} else if (kind == UD_FK_EPOLL) {
		struct ep_walk *w = ep_walk_state();

		if (w)
			walk_epoll(seq, pid, file, w);
	}
out:
	step_end();
	return 0;
}

#define UD_PF_KTHREAD 0x00200000 /* PF_KTHREAD */

/*
 * Every thread of the visited processes: THREAD, and its registered ring
 * table (RINGREF; a ring not described yet in this stream is walked).
 */
SEC("iter/task")
int dump_threads(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (walk_step_begin(ctx->meta, !task))
		emit_stream(seq);
	/* rings the mappings walk and earlier steps left */
	walk_pending(seq);
	if (!task) {
		emit_end(seq, 0);
		step_end();
		return 0;
	}

	__u32 pid = BPF_CORE_READ(task, tgid);

	if ((!filter_tgid || pid == filter_tgid) && !(BPF_CORE_READ(task, flags) & UD_PF_KTHREAD))
		walk_thread(seq, pid, task);
	step_end();
	return 0;
}

/* Every mapping of a ring's memory (MAP; a ring not described yet is walked). */
SEC("iter/task_vma")
int dump_maps(struct bpf_iter__task_vma *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct vm_area_struct *vma = ctx->vma;

	if (walk_step_begin(ctx->meta, !task || !vma))
		emit_stream(seq);
	if (!task || !vma) {
		emit_end(seq, 0);
		step_end();
		return 0;
	}

	__u32 pid = BPF_CORE_READ(task, tgid);
	__u64 vaddr = 0;

	if (!filter_tgid || pid == filter_tgid) {
		/* a trusted pointer: use its value (see dump_task_file) */
		bpf_probe_read_kernel(&vaddr, sizeof(vaddr), &ctx->vma);
		walk_vma(seq, pid, (struct vm_area_struct *)vaddr);
	}
	step_end();
	return 0;
}
