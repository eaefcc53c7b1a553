/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Readers of one pinned iterator: the pinned programs (uringdump_pin.bpf.c
 * and the native ones, uringdump_native.bpf.c) keep their stream state in
 * globals, which every reader of the pin shares.  The newest reader takes
 * the state over; an overtaken reader gets one END record flagged
 * UD_END_CONCURRENT (its stream is unusable: "read it again") and nothing
 * more, and the newer reader's state is left alone.  Steps run one at a
 * time (a cmpxchg'd owner: BPF atomics, -mcpu=v3).
 *
 * Needs from the including program, defined before the include:
 *   __u64 busy;      (.bss) the session id of the reader whose step runs, 0: none
 *   map overtaken    BPF_MAP_TYPE_LRU_HASH, __u64 (session id) -> __u8: the
 *                    overtaken readers that got their END already
 */
#ifndef URINGDUMP_LIB_PIN_READERS_BPF_H
#define URINGDUMP_LIB_PIN_READERS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "uringdump.h"

/* The lone END of an overtaken reader (session sid), written once. */
static __always_inline void end_overtaken(struct seq_file *seq, __u64 sid)
{
	struct ud_rec_end e = {};
	__u8 one = 1;

	if (bpf_map_lookup_elem(&overtaken, &sid))
		return;
	e.h.type = UD_REC_END;
	e.h.flags = UD_END_CONCURRENT;
	if (bpf_seq_write(seq, &e, sizeof(e)) == 0)
		bpf_map_update_elem(&overtaken, &sid, &one, BPF_ANY);
}

/*
 * One step at a time (busy: the session id of the reader whose step is
 * running, 0 when none).  A reader that starts, or takes the state over,
 * only does so between two steps; a step that finds another one running
 * waits briefly, and gives up ("read it again") if it cannot get in.
 */
static long try_enter(__u32 i, void *data)
{
	__u64 *sid = data;

	return __sync_val_compare_and_swap(&busy, 0, *sid) == 0 ? 1 : 0;
}

static __always_inline bool enter(__u64 sid)
{
	if (__sync_val_compare_and_swap(&busy, 0, sid) == 0)
		return true;
	bpf_loop(1 << 16, try_enter, &sid, 0);
	return busy == sid;
}

static __always_inline void leave(void)
{
	__sync_lock_test_and_set(&busy, 0);
}

#endif /* URINGDUMP_LIB_PIN_READERS_BPF_H */
