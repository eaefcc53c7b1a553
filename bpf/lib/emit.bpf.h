/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Writing records: to the seq file, or, in a live dump, past a step's
 * budget, to the `spill` ring buffer that the loader drains; the stream's
 * bookkeeping (steps the kernel keeps or re-runs), the opaque ids, and the
 * records every stream has (STREAM, TABLE_END, END).
 *
 * Needs from the including program, defined before the include (types in
 * lib/state.bpf.h):
 *   __u64 id_key0, id_key1, run_id; __u32 hz;  (the loader's: .rodata, or
 *                         .bss written before each dump)
 *   const volatile __u32 seq_budget;
 *   the stream's bookkeeping, in .bss (not static: see opaque()):
 *     __u64 gen;            stream generation, bumped at seq_num 0
 *     __u64 tot_records, tot_spilled, tot_dropped;  of the stream's kept steps
 *     __u64 call;           invocation counter
 *     __u64 cur_seq;        meta->seq_num of this call
 *     __u64 step_records, step_spilled, step_dropped;  of this call
 *     __u32 step_spillable; spillable records written to seq in this call
 *     bool step_overflow;   a seq write failed: the kernel re-runs this step
 *     __u64 opaque_zero;    always 0 (never written)
 *   void *ud_spill_map(void)  the BPF_MAP_TYPE_RINGBUF that spilled records
 *                     go to (NULL: none, the records count as dropped)
 *   map scratch_recs  BPF_MAP_TYPE_PERCPU_ARRAY, __u32 -> union ud_any,
 *                     UD_SCR_NR entries
 * and optionally, before the include:
 *   UD_PIN_MODE       a pinned stream: everything goes to the seq file (no
 *                     spill), and a step stops before a unit that might not
 *                     fit (room_for_unit)
 *   UD_STREAM_SOURCE  STREAM.source (default UD_SOURCE_TASK_FILE)
 */
#ifndef URINGDUMP_LIB_EMIT_BPF_H
#define URINGDUMP_LIB_EMIT_BPF_H

#include "lib/state.bpf.h"

#define MAX_LOOP (1U << 23) /* bpf_loop's own limit */
#ifdef UD_PIN_MODE
/* a path must fit one step with room to spare: about 6 KiB of PATH records */
#define MAX_PATH_STEPS 96
#else
#define MAX_PATH_STEPS 1024 /* chunks and mount crossings of one path */
#endif

/* UD_REC_STREAM.source: the native programs define UD_SOURCE_NATIVE. */
#ifndef UD_STREAM_SOURCE
#define UD_STREAM_SOURCE UD_SOURCE_TASK_FILE
#endif

#ifndef container_of
#define container_of(ptr, type, member) ((type *)((void *)(ptr) - __builtin_offsetof(type, member)))
#endif

static __always_inline union ud_any *scratch(__u32 which)
{
	return bpf_map_lookup_elem(&scratch_recs, &which);
}

/*
 * v, through opaque_zero: always 0, but unknown to the verifier (and, a
 * global that is not static, to the compiler).  Kernels before 6.7 verify a bpf_loop
 * callback once, with the loop state as the caller left it: a field that
 * starts as a constant (a walk's mode, a NULL name) makes the verifier
 * treat the other branches as dead and remove them.  Walk states are
 * initialised through opaque() so that every branch stays.
 */
static __always_inline __u64 opaque(__u64 v)
{
	return v + opaque_zero;
}

/* Keyed bijective mix of a kernel address: an opaque id, 0 stays 0. */
static __always_inline __u64 mix(__u64 x)
{
	if (!x)
		return 0;
	x ^= id_key0;
	x *= id_key1;
	x ^= x >> 31;
	x *= 0x9e3779b97f4a7c15ULL;
	x ^= x >> 29;
	return x ? x : 1;
}

static __always_inline void rec_init(union ud_any *r, __u16 type, __u32 pid)
{
	__builtin_memset(r, 0, sizeof(*r));
	r->h.type = type;
	r->h.pid = pid;
}

/*
 * Write one record.  Non-spillable records always go to the seq file;
 * spillable ones go there only within the step's budget.  Returns -1 when
 * the seq file overflowed: the step's output is discarded by the kernel and
 * the step re-run, so the caller may stop early.
 */
static __always_inline int emit(struct seq_file *seq, union ud_any *r, bool spillable)
{
	if (step_overflow)
		return -1;
#ifdef UD_PIN_MODE
	spillable = false; /* a pinned stream is read by cat: everything goes to seq */
#endif
	if (!spillable || step_spillable < seq_budget) {
		if (bpf_seq_write(seq, r, UD_REC_SIZE)) {
			step_overflow = true;
			return -1;
		}
		if (spillable)
			step_spillable++;
		step_records++;
		return 0;
	}
	void *ring = ud_spill_map();

	/* no wakeup: the loader consumes without waiting (a drain thread while
	 * read() runs, then once more), and a wakeup per record would cost the
	 * walk more than the record */
	if (!ring || bpf_ringbuf_output(ring, r, UD_REC_SIZE, BPF_RB_NO_WAKEUP)) {
		step_dropped++;
		return 0;
	}
	step_spilled++;
	step_records++;
	return 0;
}

/*
 * Pinned streams are cut into steps that each fit the seq buffer: a step
 * stops before a unit (one fd, slot or item, with its FILE and PATH
 * records) that might not fit.  Live streams spill instead.
 */
#define UNIT_WORST ((MAX_PATH_STEPS + 8) * UD_REC_SIZE)

static __always_inline bool room_for_unit(struct seq_file *seq)
{
#ifdef UD_PIN_MODE
	return BPF_CORE_READ(seq, size) - BPF_CORE_READ(seq, count) >= UNIT_WORST;
#else
	return true;
#endif
}

/*
 * Start of a call.  The kernel discards a step's seq output exactly when a
 * seq write of that step overflowed (step_overflow), and then runs the step
 * again with the same seq_num: only kept steps are added to the totals.
 */
static __always_inline void step_begin(__u64 seq_num)
{
	call++;
	if (seq_num == 0) {
		gen++;
		tot_records = tot_spilled = tot_dropped = 0;
	}
	cur_seq = seq_num;
	step_records = step_spilled = step_dropped = 0;
	step_spillable = 0;
	step_overflow = false;
}

/* End of a call: the kernel keeps the step unless it overflowed. */
static __always_inline void step_end(void)
{
	if (step_overflow)
		return;
	tot_records += step_records;
	tot_spilled += step_spilled;
	tot_dropped += step_dropped;
}

/* The STREAM record that opens a stream. */
static __always_inline void emit_stream(struct seq_file *seq)
{
	union ud_any *r = scratch(UD_SCR_HDR);

	if (!r)
		return;

	rec_init(r, UD_REC_STREAM, 0);
	r->stream.magic = UD_MAGIC;
	r->stream.version = UD_VERSION;
	r->stream.rec_size = UD_REC_SIZE;
	r->stream.layout = ud_has_rsrc_nodes() ? UD_LAYOUT_RSRC_NODE : UD_LAYOUT_FIXED_FILE;
	r->stream.source = UD_STREAM_SOURCE;
	r->stream.run_id = run_id;
	r->stream.hz = hz;
	emit(seq, r, false);
}

/*
 * The END record that closes a stream (flags: UD_END_*), counting the
 * stream's records up to and including itself.  Returns emit()'s status.
 */
static __always_inline int emit_end(struct seq_file *seq, __u16 flags)
{
	union ud_any *r = scratch(UD_SCR_HDR);

	if (!r)
		return -1;

	rec_init(r, UD_REC_END, 0);
	r->h.flags = flags;
	r->end.records = tot_records + step_records + 1;
	r->end.spilled = tot_spilled + step_spilled;
	r->end.dropped = tot_dropped + step_dropped;
	return emit(seq, r, false);
}

/*
 * The TABLE_END record of a table (enum ud_table) of owner: count records
 * written, expected of them (fewer: the table is incomplete).
 */
static __always_inline int table_end(struct seq_file *seq, __u32 pid, __u64 owner, __u32 table,
				     __u32 count, __u32 expected)
{
	union ud_any *r = scratch(UD_SCR_HDR);

	if (!r)
		return -1;

	rec_init(r, UD_REC_TABLE_END, pid);
	r->tend.owner_id = owner;
	r->tend.table = table;
	r->tend.count = count;
	if (count != expected)
		r->h.flags |= UD_TABLE_INCOMPLETE;
	return emit(seq, r, false);
}

#endif /* URINGDUMP_LIB_EMIT_BPF_H */
