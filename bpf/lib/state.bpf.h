/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The types of the state an entry program defines for the producers of
 * bpf/lib/: types only, no variables, no functions.  An entry program
 * includes this, defines its maps and globals with these types (each lib
 * header lists what it needs at its top), then includes the producers.
 */
#ifndef URINGDUMP_LIB_STATE_BPF_H
#define URINGDUMP_LIB_STATE_BPF_H

#include "lib/compat.bpf.h"
#include "uringdump.h"

/* Any record: the value of the `scratch_recs` map. */
union ud_any {
	struct ud_hdr h;
	struct ud_rec_stream stream;
	struct ud_rec_task task;
	struct ud_rec_fd fd;
	struct ud_rec_file file;
	struct ud_rec_path path;
	struct ud_rec_ring ring;
	struct ud_rec_rfile rfile;
	struct ud_rec_rbuf rbuf;
	struct ud_rec_epoll epoll;
	struct ud_rec_epitem epitem;
	struct ud_rec_table_end tend;
	struct ud_rec_end end;
	struct ud_rec_thread thread;
	struct ud_rec_ringref ringref;
	struct ud_rec_map map;
	struct ud_rec_ring_state rstate;
	struct ud_rec_ring_regs regs;
	struct ud_rec_personality pers;
	struct ud_rec_pbuf pbuf;
	struct ud_rec_pbuf_buf pbuf_buf;
	struct ud_rec_pers_groups pers_groups;
	struct ud_rec_req req;
};

_Static_assert(sizeof(union ud_any) == UD_REC_SIZE, "records are UD_REC_SIZE bytes");

/*
 * Scratch records, one per nesting level, kept off the 512-byte BPF stack:
 * headers (main step, ring, epoll, TABLE_END), table items, FILE, PATH.
 * Per CPU, so that two readers of one pinned iterator never tear a record.
 * The entries of `scratch_recs` (max_entries UD_SCR_NR).
 */
enum { UD_SCR_HDR, UD_SCR_ITEM, UD_SCR_FILE, UD_SCR_PATH, UD_SCR_NR };

/* The value of the `seen` map: when a struct file's FILE record was written. */
struct seen_val {
	__u64 gen;
	__u64 seq_num;
	__u64 call;
};

/* A slot of a direct-mapped `seen` array (lib/file.bpf.h). */
struct seen_entry {
	__u64 file; /* struct file address, 0: free */
	struct seen_val when;
};

/* A ring the mappings walk found, for the threads walk (lib/reach.bpf.h). */
struct ud_pending_ring {
	__u64 ring; /* struct file address, 0: none */
	__u32 pid;
	__u32 pad;
};

#endif /* URINGDUMP_LIB_STATE_BPF_H */
