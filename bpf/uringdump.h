/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * uringdump record stream: the one definition shared by the BPF iterators
 * (bpf/ *.bpf.c) and the C++ decoder (src/records.hpp).
 *
 * A stream is a sequence of fixed-size, little-endian, 64-byte records.
 * It starts with one UD_REC_STREAM record and ends with one UD_REC_END
 * record; a stream without its END record is truncated.  Records that did
 * not fit an iterator's seq buffer are "spilled" into a BPF ring buffer and
 * carry the same format; UD_REC_TABLE_END tells how many records of each
 * table exist, so a reader always knows whether it has all of them.
 *
 * Identity: no kernel address ever appears in a record.  A kernel object
 * (struct file, eventfd_ctx, io_sq_data) is named by an opaque 64-bit id,
 * a keyed bijective mix of its address; equal objects give equal ids within
 * one program load, different objects give different ids.  0 means "none".
 */
#ifndef URINGDUMP_RECORDS_H
#define URINGDUMP_RECORDS_H

#ifdef __BPF__
/* vmlinux.h provides __u8.. __u64 */
#else
#include <linux/types.h>
#endif

#define UD_MAGIC 0x504d4455u /* "UDMP" little-endian */
/*
 * Version 1: types STREAM..END (1-12).  Version 2 adds types 13-20 and
 * fields in what version 1 left as padding; a version-1 stream keeps
 * reading, a stream newer than the reader is refused.  Within version 2,
 * fields are added only where earlier version-2 writers put 0 and 0 means
 * "not set" (RFILE/RBUF tag, RING_REGS NAPI), so either side reads the other.
 */
#define UD_VERSION 2u
#define UD_REC_SIZE 64u
#define UD_COMM_LEN 16
#define UD_NAME_CHUNK 40 /* bytes of a path component per UD_REC_PATH */

enum ud_rec_type {
	UD_REC_STREAM = 1,     /* first record of a stream */
	UD_REC_TASK = 2,       /* a process (thread group) whose fd table follows */
	UD_REC_FD = 3,         /* one fd of the current process */
	UD_REC_FILE = 4,       /* identity of a struct file that is referenced */
	UD_REC_PATH = 5,       /* one chunk of one path component of a FILE */
	UD_REC_RING = 6,       /* an io_uring instance (its setup and state) */
	UD_REC_RFILE = 7,      /* one slot of a ring's registered file table */
	UD_REC_RBUF = 8,       /* one slot of a ring's registered buffer table */
	UD_REC_EPOLL = 9,      /* an epoll instance */
	UD_REC_EPITEM = 10,    /* one item of an epoll's interest list */
	UD_REC_TABLE_END = 11, /* closes a RFILE/RBUF/EPITEM table */
	UD_REC_END = 12,       /* last record of a stream */
	UD_REC_V1_MAX = 13,    /* version 1 streams hold only types below this */
	/* version 2 */
	UD_REC_THREAD = 13,      /* a thread: its fd table and io_uring task context */
	UD_REC_RINGREF = 14,     /* a slot of a thread's registered ring table */
	UD_REC_MAP = 15,         /* a mapping of a ring's memory in a process */
	UD_REC_RING_STATE = 16,  /* a ring's SQ/CQ positions, pending entries, overflow */
	UD_REC_REQ = 17,         /* a request or completion a ring holds */
	UD_REC_PERSONALITY = 18, /* a registered personality (credentials) */
	UD_REC_RING_REGS = 19,   /* restrictions, io-wq, NAPI, eventfd count, SQPOLL mask */
	UD_REC_PBUF = 20,        /* a provided-buffer group (ring or legacy) */
	UD_REC_PBUF_BUF = 21,    /* one buffer of a legacy provided-buffer group */
	UD_REC_PERS_GROUPS = 22, /* up to 10 supplementary groups of a personality */
	UD_REC_MAX = 23,
};

/* What the kernel layout detection chose (UD_REC_STREAM.layout). */
enum ud_layout {
	UD_LAYOUT_UNKNOWN = 0,
	UD_LAYOUT_FIXED_FILE = 1, /* <= 6.12: file_table.files[], user_bufs[] */
	UD_LAYOUT_RSRC_NODE = 2,  /* >= 6.13: file_table.data.nodes[], buf_table.nodes[] */
};

/* Where a stream comes from (UD_REC_STREAM.source). */
enum ud_source {
	UD_SOURCE_TASK_FILE = 1, /* CO-RE task_file iterator */
	UD_SOURCE_NATIVE = 2,    /* io_uring_file / io_uring_buf / epoll targets */
};

/* Kind of a file, as far as the iterator can tell. */
enum ud_file_kind {
	UD_FK_OTHER = 0,
	UD_FK_REG = 1,
	UD_FK_DIR = 2,
	UD_FK_CHR = 3,
	UD_FK_BLK = 4,
	UD_FK_FIFO = 5, /* pipes and FIFOs */
	UD_FK_SOCK = 6,
	UD_FK_LNK = 7,
	UD_FK_IO_URING = 8,
	UD_FK_EPOLL = 9,
	UD_FK_EVENTFD = 10,
	UD_FK_ANON = 11, /* another anon inode: name in UD_REC_FILE.anon_name */
};

/* Table kinds (UD_REC_TABLE_END.table). */
enum ud_table {
	UD_TABLE_RFILE = 1,
	UD_TABLE_RBUF = 2,
	UD_TABLE_EPITEM = 3,
};

/* Every record starts with this. */
struct ud_hdr {
	__u16 type;  /* enum ud_rec_type */
	__u16 flags; /* per type, 0 unless stated */
	__u32 pid;   /* thread group id of the process the record belongs to */
};

struct ud_rec_stream {
	struct ud_hdr h;
	__u32 magic;    /* UD_MAGIC */
	__u16 version;  /* UD_VERSION */
	__u16 rec_size; /* UD_REC_SIZE */
	__u32 layout;   /* enum ud_layout */
	__u32 source;   /* enum ud_source */
	__u64 run_id;   /* random per program load; ids are meaningful within it */
	__u32 hz;       /* kernel CONFIG_HZ when known, else 0 */
	__u8 pad[28];
};

struct ud_rec_task {
	struct ud_hdr h;
	__u32 tid; /* the task the iterator visited (may be a thread) */
	__u32 ppid;
	char comm[UD_COMM_LEN];
	__u8 pad[32];
};

/* h.flags of UD_REC_FD (version 2) */
#define UD_FD_THREAD_TABLE 0x1 /* the fd is in a thread's own table, not the leader's */

struct ud_rec_fd {
	struct ud_hdr h;
	__u32 fd;
	__u32 kind;    /* enum ud_file_kind */
	__u64 file_id; /* id of the struct file */
	__u64 aux_id;  /* eventfd: id of its eventfd_ctx (see RING.evfd_id) */
	/* version 2, with UD_FD_THREAD_TABLE (else 0) */
	__u64 table_id;  /* id of the thread's files_struct (see THREAD.files_id) */
	__u32 table_tid; /* the thread the walk visited the table through */
	__u8 pad[20];
};

struct ud_rec_file {
	struct ud_hdr h;
	__u32 kind; /* enum ud_file_kind */
	__u32 mode; /* inode i_mode */
	__u64 file_id;
	__u64 ino;          /* inode number, as fstat() st_ino */
	__u32 dev;          /* superblock s_dev (kernel dev_t encoding) */
	__u32 f_flags;      /* open flags */
	__u8 reserved[8];   /* 0 (version 1 writers put i_rdev and s_magic here) */
	char anon_name[16]; /* anon inode dentry name, e.g. "[eventfd]", else "" */
};

/* h.flags of UD_REC_PATH */
#define UD_PATH_LAST_CHUNK 0x1 /* last chunk of this component */
#define UD_PATH_ROOT 0x2       /* comp is the last (outermost) component */
#define UD_PATH_TRUNCATED 0x4  /* the walk stopped at its depth limit */
#define UD_PATH_DELETED 0x8    /* comp 0 only: the file was unlinked */

/*
 * Paths are walked from the file up to the root: component 0 is the
 * basename.  A path is "/" + components joined in reverse order.  A file
 * without PATH records is a pseudo file (pipe, socket, anon inode) whose
 * name is derived from kind, ino and anon_name.
 */
struct ud_rec_path {
	struct ud_hdr h;
	__u64 file_id;
	__u16 comp; /* component index, 0 = basename */
	__u8 off;   /* byte offset of this chunk in the component / UD_NAME_CHUNK */
	__u8 len;   /* bytes used in name[] */
	__u8 pad[4];
	char name[UD_NAME_CHUNK];
};

/* h.flags of UD_REC_RING */
#define UD_RING_EVFD_ASYNC 0x1
#define UD_RING_HAS_EVFD 0x2
#define UD_RING_HAS_SQ_DATA 0x4

struct ud_rec_ring {
	struct ud_hdr h;
	__u64 file_id;     /* the ring's struct file */
	__u32 setup_flags; /* ctx->flags (IORING_SETUP_*) */
	__u32 sq_entries;
	__u32 cq_entries;
	__u32 nr_files;       /* size of the registered file table */
	__u32 nr_bufs;        /* size of the registered buffer table */
	__s32 sq_cpu;         /* SQPOLL: sq_data->sq_cpu, -1 if unbound */
	__u32 sq_thread_idle; /* jiffies (see STREAM.hz) */
	__u32 sq_thread_pid;  /* SQPOLL thread's pid, 0 if none */
	__u64 sq_group_id;    /* id of the io_sq_data shared by ATTACH_WQ rings, 0 if none */
	__u64 evfd_id;        /* id of the registered eventfd_ctx, 0 if none */
};

/* h.flags of UD_REC_RFILE / UD_REC_RBUF */
#define UD_SLOT_EMPTY 0x1

struct ud_rec_rfile {
	struct ud_hdr h;
	__u64 ring_id; /* file_id of the ring */
	__u64 file_id; /* 0 for an empty slot */
	__u32 index;
	__u32 reserved; /* 0 (version 1 writers put file_ptr's flag bits here) */
	__u64 tag;      /* version 2: the slot's tag (IORING_REGISTER_FILES2), 0: none */
	__u8 pad[24];
};

struct ud_rec_rbuf {
	struct ud_hdr h;
	__u64 ring_id;
	__u64 addr; /* user address of the buffer */
	__u64 len;
	__u32 index;
	__u32 nr_bvecs;
	__u8 reserved[8]; /* 0 (version 1 writers put acct_pages here) */
	__u64 tag;        /* version 2: the slot's tag (IORING_REGISTER_BUFFERS2), 0: none */
	__u8 pad[8];
};

struct ud_rec_epoll {
	struct ud_hdr h;
	__u64 file_id; /* the epoll's struct file */
	__u8 pad[48];
};

struct ud_rec_epitem {
	struct ud_hdr h;
	__u64 ep_id;   /* file_id of the epoll */
	__u64 file_id; /* the watched file */
	__u64 data;    /* epoll_event.data */
	__u32 tfd;     /* fd number at registration time (may be stale) */
	__u32 events;  /* epoll_event.events */
	__u32 index;   /* position in the walk, 0-based */
	__u8 pad[20];
};

/*
 * Version 2: how a process reaches its rings.  THREAD: every thread of a
 * visited process (iter/task).  RINGREF: a non-empty slot of a thread's
 * registered ring table (IORING_REGISTER_RING_FDS).  MAP: a mapping whose
 * file is an io_uring (iter/task_vma).  A ring reached through a RINGREF or
 * a MAP is walked (RING, RFILE, RBUF) in the same stream.
 */

/* h.flags of UD_REC_THREAD */
#define UD_THREAD_LEADER 0x1    /* tid == tgid */
#define UD_THREAD_OWN_TABLE 0x2 /* its files_struct is not the leader's */
#define UD_THREAD_IO_WORKER 0x4 /* an io_uring worker or SQPOLL thread (PF_IO_WORKER) */
#define UD_THREAD_HAS_TCTX 0x8  /* has an io_uring task context */
#define UD_THREAD_NO_FILES 0x10 /* no files_struct (exiting) */
#define UD_THREAD_HAS_IOWQ 0x20 /* has an io-wq: iowq_cpus is its CPU affinity */

struct ud_rec_thread {
	struct ud_hdr h;
	__u32 tid;
	__u32 nr_regrings; /* non-empty slots of its registered ring table */
	__u64 files_id;    /* id of its files_struct: threads sharing a table share it */
	char comm[UD_COMM_LEN];
	/* version 2, with UD_THREAD_HAS_IOWQ (else 0) */
	__u64 iowq_cpus; /* CPUs 0-63 its io-wq workers may run on (IORING_REGISTER_IOWQ_AFF) */
	__u8 pad[16];
};

#define UD_RINGREF_SLOTS 16 /* IO_RINGFD_REG_MAX */

struct ud_rec_ringref {
	struct ud_hdr h;
	__u32 tid;     /* the thread whose table holds the ring */
	__u32 index;   /* slot, as IORING_ENTER_REGISTERED_RING's fd argument */
	__u64 ring_id; /* file_id of the ring */
	__u8 pad[40];
};

struct ud_rec_map {
	struct ud_hdr h;
	__u64 ring_id; /* file_id of the ring whose memory is mapped */
	__u64 start;   /* user address range [start, end) */
	__u64 end;
	__u64 offset;   /* mmap offset (IORING_OFF_SQ_RING, _CQ_RING, _SQES, _PBUF_RING...) */
	__u32 vm_flags; /* low 32 bits of vm_flags (VM_READ 0x1, VM_WRITE 0x2, VM_SHARED 0x8) */
	__u8 pad[20];
};

/*
 * Version 2: a ring's progress, written right after its RING record.
 * Positions are the free-running 32-bit counters the kernel and the
 * application advance (masked by entries - 1 to index the rings).
 */

/* h.flags of UD_REC_RING_STATE */
#define UD_RS_NO_RINGS 0x1         /* the ring's shared memory was not readable: positions are 0 */
#define UD_RS_OVERFLOW_PARTIAL 0x2 /* the overflow list walk stopped at its limit */

struct ud_rec_ring_state {
	struct ud_hdr h;
	__u64 ring_id;        /* file_id of the ring */
	__u32 sq_head;        /* io_rings.sq.head: SQEs the kernel consumed */
	__u32 sq_tail;        /* io_rings.sq.tail: SQEs the application queued */
	__u32 cq_head;        /* io_rings.cq.head: CQEs the application reaped */
	__u32 cq_tail;        /* io_rings.cq.tail: CQEs the kernel posted */
	__u32 cached_sq_head; /* ctx->cached_sq_head */
	__u32 cached_cq_tail; /* ctx->cached_cq_tail */
	__u32 sq_flags; /* io_rings.sq_flags (IORING_SQ_NEED_WAKEUP 1, CQ_OVERFLOW 2, TASKRUN 4) */
	__u32 cq_flags; /* io_rings.cq_flags (IORING_CQ_EVENTFD_DISABLED 1) */
	__u32 cq_overflow;   /* io_rings.cq_overflow: CQEs lost */
	__u32 sq_dropped;    /* io_rings.sq_dropped: invalid SQEs skipped */
	__u32 overflow_list; /* CQEs waiting on ctx->cq_overflow_list */
	__u32 submitter_tid; /* IORING_SETUP_SINGLE_ISSUER: the submitter task's tid, else 0 */
};

/*
 * Version 2: what a ring registered besides files and buffers, written
 * after RING_STATE.
 */

/* h.flags of UD_REC_RING_REGS */
#define UD_REGS_SQE_RESTRICTED 0x1 /* SQE opcode restrictions registered */
#define UD_REGS_REG_RESTRICTED 0x2 /* register opcode restrictions registered */
#define UD_REGS_HAS_EVFD_COUNT 0x4 /* evfd_count is the registered eventfd's counter */
#define UD_REGS_NAPI 0x8           /* NAPI busy polling registered (IORING_REGISTER_NAPI) */

/* RING_REGS.napi_tracking, as enum io_uring_napi_tracking_strategy */
#define UD_NAPI_TRACKING_DYNAMIC 0
#define UD_NAPI_TRACKING_STATIC 1
#define UD_NAPI_TRACKING_INACTIVE 255

struct ud_rec_ring_regs {
	struct ud_hdr h;
	__u64 ring_id;              /* file_id of the ring */
	__u64 register_ops;         /* allowed IORING_REGISTER_* opcodes, bit N = opcode N */
	__u64 sqe_ops[2];           /* allowed IORING_OP_* opcodes, bits 0-127 */
	__u8 sqe_flags_allowed;     /* IOSQE_* flags an SQE may carry */
	__u8 sqe_flags_required;    /* IOSQE_* flags every SQE must carry */
	__u8 napi_prefer_busy_poll; /* with UD_REGS_NAPI: 1 if preferred */
	__u8 napi_tracking;         /* with UD_REGS_NAPI: UD_NAPI_TRACKING_* */
	__u32 iowq_bounded;      /* IORING_REGISTER_IOWQ_MAX_WORKERS: bounded workers, 0 default */
	__u32 iowq_unbounded;    /* unbounded workers, 0 default */
	__u32 napi_busy_poll_us; /* with UD_REGS_NAPI: busy poll timeout, microseconds */
	__u64 evfd_count;        /* the registered eventfd's counter */
};

/* A registered personality (IORING_REGISTER_PERSONALITY), after the tables. */
struct ud_rec_personality {
	struct ud_hdr h;
	__u64 ring_id;                            /* file_id of the ring */
	__u32 id;                                 /* the personality id SQEs name */
	__u32 ngroups;                            /* supplementary groups */
	__u32 uid, gid, euid, egid, fsuid, fsgid; /* as the initial user namespace sees them */
	__u64 cap_permitted;
	__u64 cap_effective;
};

/*
 * A personality's supplementary groups, when the loader asks (list_max >
 * 0: a checkpoint), after its PERSONALITY record: ngroups of them, 10 a
 * record, h.flags of them in this one.
 */
#define UD_PERS_GROUPS_PER_REC 10
struct ud_rec_pers_groups {
	struct ud_hdr h;
	__u64 ring_id;                      /* file_id of the ring */
	__u32 id;                           /* the personality */
	__u32 first;                        /* index of gids[0] among the personality's groups */
	__u32 gids[UD_PERS_GROUPS_PER_REC]; /* as the initial user namespace sees them */
};

/*
 * A provided-buffer group (IORING_REGISTER_PBUF_RING or IORING_OP_PROVIDE_BUFFERS),
 * after the personalities.  A buffer ring: entries, the kernel's head and
 * the application's tail (read from the ring's shared memory); kernel
 * memory (IOU_PBUF_RING_MMAP) is mapped at mmap_offset, user memory's
 * address is not kept by the kernel: when the loader asks (list_max > 0,
 * a checkpoint), ring_pfn names the first page of the ring's memory so
 * that the process's mapping of it can be found (/proc/PID/pagemap).  A
 * legacy group: count buffers; when the loader asks, followed by its first
 * list_max buffers (UD_REC_PBUF_BUF) in the order the kernel hands them out.
 */

/* h.flags of UD_REC_PBUF */
#define UD_PBUF_RING 0x1           /* a buffer ring (else a legacy group) */
#define UD_PBUF_KERNEL_MEM 0x2     /* ring memory allocated by the kernel (IOU_PBUF_RING_MMAP) */
#define UD_PBUF_INC 0x4            /* incremental consumption (IOU_PBUF_RING_INC) */
#define UD_PBUF_NO_TAIL 0x8        /* the ring's memory was not readable: tail is 0 */
#define UD_PBUF_COUNT_PARTIAL 0x10 /* the legacy list walk stopped at its limit */

struct ud_rec_pbuf {
	struct ud_hdr h;
	__u64 ring_id;     /* file_id of the ring */
	__u64 mmap_offset; /* UD_PBUF_KERNEL_MEM: IORING_OFF_PBUF_RING | bgid << 16, else 0 */
	__u32 bgid;        /* buffer group id (IOSQE_BUFFER_SELECT's buf_group) */
	__u32 entries;     /* ring: its size (a power of 2); legacy: 0 */
	__u32 count;       /* ring: tail - head (buffers available); legacy: buffers in the group */
	__u16 head;        /* ring: the kernel's consumer position */
	__u16 tail;        /* ring: the application's producer position */
	__u64 ring_pfn;    /* ring, when asked: page frame of its memory's first page, 0 unknown */
	__u8 pad[16];
};

/* h.flags of UD_REC_PBUF_BUF */
#define UD_PBUF_BUF_LAST 0x1 /* the group's last buffer listed: the list ended (not list_max) */

/* One buffer of a legacy group (IORING_OP_PROVIDE_BUFFERS), after its PBUF record. */
struct ud_rec_pbuf_buf {
	struct ud_hdr h;
	__u64 ring_id; /* file_id of the ring */
	__u64 addr;    /* the buffer's user address */
	__u32 bgid;
	__u32 len;
	__u32 pos; /* position in the group's list: 0 is handed out first */
	__u16 bid; /* buffer id the CQE names */
	__u8 pad[26];
};

/*
 * A request or completion a ring holds (written only when the loader asks,
 * uringdump --requests N): up to N of each kind, after the buffer groups,
 * each kind closed by a summary record.
 */
enum ud_req_kind {
	UD_REQ_CQE = 1,          /* a CQE posted and not reaped (index: its CQ position) */
	UD_REQ_OVERFLOW = 2,     /* a CQE waiting on the overflow list (index: list position) */
	UD_REQ_POLL = 3,         /* an IORING_OP_POLL_ADD waiting (the cancel hash) */
	UD_REQ_APOLL = 4,        /* another request waiting on an internal poll */
	UD_REQ_TIMEOUT = 5,      /* an IORING_OP_TIMEOUT armed */
	UD_REQ_LINK_TIMEOUT = 6, /* an IORING_OP_LINK_TIMEOUT armed */
	UD_REQ_IOWQ_QUEUED = 7,  /* queued for an io-wq worker of a task using the ring */
	UD_REQ_IOWQ_RUNNING = 8, /* an io-wq worker's current work */
	UD_REQ_KIND_MAX = 9,
};

/* h.flags of UD_REC_REQ */
#define UD_REQ_SUMMARY 0x1    /* closes kind: index = records of it written */
#define UD_REQ_INCOMPLETE 0x2 /* with SUMMARY: more of the kind exist than were written */

struct ud_rec_req {
	struct ud_hdr h;
	__u64 ring_id;   /* file_id of the ring */
	__u64 user_data; /* the SQE's or CQE's user_data */
	__s32 res;       /* CQE: result */
	__u32 cqe_flags; /* CQE: flags (IORING_CQE_F_*) */
	__u32 index;     /* CQE: its position (cq head + n); others: order of the walk */
	__u8 kind;       /* enum ud_req_kind */
	__u8 opcode;     /* in-flight requests: IORING_OP_* */
	__u16 reserved;
	__u8 pad[24];
};

/* h.flags of UD_REC_TABLE_END */
#define UD_TABLE_INCOMPLETE 0x1 /* the walk stopped early (loop limit, race) */

struct ud_rec_table_end {
	struct ud_hdr h;
	__u64 owner_id; /* ring_id or ep_id */
	__u32 table;    /* enum ud_table */
	__u32 count;    /* records of this table that were produced */
	__u32 spilled;  /* of those, sent to the ring buffer */
	__u32 dropped;  /* of those, lost because the ring buffer was full */
	__u8 pad[32];
};

/* h.flags of UD_REC_END (pinned streams) */
#define UD_END_TARGET_GONE 0x1 /* the process the pin dumps no longer exists */
/* 0x2 is not used */
#define UD_END_CONCURRENT 0x4 /* another reader of the same pin interfered */

struct ud_rec_end {
	struct ud_hdr h;
	__u64 records; /* records produced in this stream, END included */
	__u64 spilled; /* of those, sent to the ring buffer */
	__u64 dropped; /* lost: the ring buffer was full or absent */
	__u8 pad[32];
};

#ifdef __cplusplus
#define UD_ASSERT_SIZE(t) static_assert(sizeof(struct t) == UD_REC_SIZE, #t)
#else
#define UD_ASSERT_SIZE(t) _Static_assert(sizeof(struct t) == UD_REC_SIZE, #t)
#endif
UD_ASSERT_SIZE(ud_rec_stream);
UD_ASSERT_SIZE(ud_rec_task);
UD_ASSERT_SIZE(ud_rec_fd);
UD_ASSERT_SIZE(ud_rec_file);
UD_ASSERT_SIZE(ud_rec_path);
UD_ASSERT_SIZE(ud_rec_ring);
UD_ASSERT_SIZE(ud_rec_rfile);
UD_ASSERT_SIZE(ud_rec_rbuf);
UD_ASSERT_SIZE(ud_rec_epoll);
UD_ASSERT_SIZE(ud_rec_epitem);
UD_ASSERT_SIZE(ud_rec_table_end);
UD_ASSERT_SIZE(ud_rec_end);
UD_ASSERT_SIZE(ud_rec_thread);
UD_ASSERT_SIZE(ud_rec_ringref);
UD_ASSERT_SIZE(ud_rec_map);
UD_ASSERT_SIZE(ud_rec_ring_state);
UD_ASSERT_SIZE(ud_rec_ring_regs);
UD_ASSERT_SIZE(ud_rec_personality);
UD_ASSERT_SIZE(ud_rec_pbuf);
UD_ASSERT_SIZE(ud_rec_pbuf_buf);
UD_ASSERT_SIZE(ud_rec_pers_groups);
UD_ASSERT_SIZE(ud_rec_req);

#endif /* URINGDUMP_RECORDS_H */
