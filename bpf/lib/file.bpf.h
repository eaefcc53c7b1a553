/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Files: what kind a struct file is, the FD record of an fd, and the FILE
 * (identity) and PATH records that describe a file once per stream.
 *
 * Needs from the including program, defined before the include: what
 * lib/emit.bpf.h needs, and
 *   void *ud_seen_map(void)  a BPF_MAP_TYPE_HASH, __u64 (struct file
 *             address) -> struct seen_val: the files already described in
 *             this stream (NULL: none, every file is described again);
 *             or, when the program defines UD_SEEN_DIRECT_MAPPED, a
 *             BPF_MAP_TYPE_ARRAY of struct seen_entry indexed by a hash of
 *             the address, and
 *   __u32 ud_seen_mask(void)  its max_entries - 1 (a power of two - 1)
 */
#ifndef URINGDUMP_LIB_FILE_BPF_H
#define URINGDUMP_LIB_FILE_BPF_H

#include "lib/emit.bpf.h"

#define ANON_INODE_FS_MAGIC 0x09041934
#define PIPEFS_MAGIC 0x50495045
#define SOCKFS_MAGIC 0x534F434B
#define NSFS_MAGIC 0x6e736673
#define PIDFS_MAGIC 0x50494446

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000

struct anon_name {
	char s[16];
};

static __always_inline bool name_is(const struct anon_name *n, const char *lit, int len)
{
	for (int i = 0; i < len; i++)
		if (n->s[i] != lit[i])
			return false;
	return true;
}

/*
 * The kind (enum ud_file_kind) of f, whose inode has i_mode `mode` and
 * whose superblock has s_magic `magic`; for an anon inode, the dentry's
 * name in *name.
 */
static __always_inline __u32 kind_of(struct file *f, __u32 mode, __u32 magic,
				     struct anon_name *name)
{
	if (magic == ANON_INODE_FS_MAGIC) {
		const unsigned char *dn = BPF_CORE_READ(f, f_path.dentry, d_name.name);

		bpf_probe_read_kernel_str(name->s, sizeof(name->s), dn);
		if (name_is(name, "[io_uring]", 11))
			return UD_FK_IO_URING;
		if (name_is(name, "[eventpoll]", 12))
			return UD_FK_EPOLL;
		if (name_is(name, "[eventfd]", 10))
			return UD_FK_EVENTFD;
		return UD_FK_ANON;
	}
	switch (mode & S_IFMT) {
	case S_IFREG:
		return UD_FK_REG;
	case S_IFDIR:
		return UD_FK_DIR;
	case S_IFCHR:
		return UD_FK_CHR;
	case S_IFBLK:
		return UD_FK_BLK;
	case S_IFIFO:
		return UD_FK_FIFO;
	case S_IFSOCK:
		return UD_FK_SOCK;
	case S_IFLNK:
		return UD_FK_LNK;
	}
	return UD_FK_OTHER;
}

/*
 * The kind of f (enum ud_file_kind); the superblock's magic in *magic and,
 * for an anon inode, the dentry's name in *name.
 */
static __always_inline __u32 file_kind(struct file *f, struct anon_name *name, __u32 *magic)
{
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	__u32 mode = BPF_CORE_READ(inode, i_mode);

	*magic = (__u32)BPF_CORE_READ(inode, i_sb, s_magic);
	return kind_of(f, mode, *magic, name);
}

/*
 * The fields of f's FILE record in r (all but the header and the id), each
 * pointer read once: a FILE is written for most items of a large table,
 * and each probe read is a helper call.  The superblock's magic in *magic.
 */
static __always_inline void file_fields(union ud_any *r, struct file *f, __u32 *magic)
{
	struct anon_name name = {};
	struct inode *inode = BPF_CORE_READ(f, f_inode);
	struct super_block *sb = BPF_CORE_READ(inode, i_sb);
	__u32 mode = BPF_CORE_READ(inode, i_mode);

	*magic = (__u32)BPF_CORE_READ(sb, s_magic);
	r->file.kind = kind_of(f, mode, *magic, &name);
	r->file.mode = mode;
	r->file.ino = BPF_CORE_READ(inode, i_ino);
	r->file.dev = BPF_CORE_READ(sb, s_dev);
	r->file.f_flags = BPF_CORE_READ(f, f_flags);
	__builtin_memcpy(r->file.anon_name, name.s, sizeof(name.s));
}

#ifdef UD_SEEN_DIRECT_MAPPED
/*
 * Has FILE of `f` been written already in this stream (by a kept step, or
 * earlier in this call)?  Direct-mapped: each slot remembers the last file
 * hashed to it, so a lookup is one array access, no hash-bucket walk and no
 * LRU bookkeeping.  A file whose slot another file took since is described
 * again: a duplicate, which the decoder collapses, never a missing FILE.
 * The slot is the address in 64-byte units, not a hash of it: the epoll
 * tree is walked in address order and a ring's files were mostly allocated
 * in slot order, so consecutive lookups touch neighbouring entries rather
 * than a random cache line and page of the 16 MiB array each (a tenth to a
 * fifth of a walk's time at 10^4..10^6 files); files in pages that share
 * address bits 12..24 take each other's slots (some 5% more FILE records
 * than a hash gave on the bench workloads).
 */
static __always_inline bool file_described(__u64 f)
{
	void *seen = ud_seen_map();

	if (!seen)
		return false;
	__u32 slot = (__u32)(f >> 6) & ud_seen_mask();
	struct seen_entry *v = bpf_map_lookup_elem(seen, &slot);

	if (!v)
		return false;
	if (v->file == f && v->when.gen == gen &&
	    (v->when.seq_num < cur_seq || v->when.call == call))
		return true;
	v->file = f;
	v->when.gen = gen;
	v->when.seq_num = cur_seq;
	v->when.call = call;
	return false;
}
#else
/* Has FILE of `f` been written already in this stream (by a kept step, or earlier in this call)? */
static __always_inline bool file_described(__u64 f)
{
	void *seen = ud_seen_map();

	if (!seen)
		return false;
	struct seen_val *v = bpf_map_lookup_elem(seen, &f);
	struct seen_val nv = { gen, cur_seq, call };

	if (v && v->gen == gen && (v->seq_num < cur_seq || v->call == call))
		return true;
	if (!v || v->gen != gen || v->seq_num != cur_seq || v->call != call)
		bpf_map_update_elem(seen, &f, &nv, BPF_ANY);
	return false;
}
#endif

struct path_walk {
	struct seq_file *seq;
	__u32 pid;
	__u64 file_id;
	struct dentry *d;  /* current component */
	struct mount *mnt; /* mount of d */
	struct dentry *mnt_root;
	const unsigned char *name; /* d's name, NULL until loaded */
	__u32 len;
	__u32 off; /* bytes of name already emitted */
	__u16 comp;
	bool deleted;
};

/*
 * One step of the walk from a file's dentry up to the root of the mount
 * tree: cross a mount, or emit one UD_NAME_CHUNK of the current component.
 * One chunk per bpf_loop call keeps the callback small for the verifier.
 */
static long path_step(__u32 i, void *data)
{
	struct path_walk *w = data;
	/* local copies: BPF_CORE_READ relocates every member access it sees */
	struct dentry *d = w->d;
	struct mount *mnt = w->mnt;
	union ud_any *r = scratch(UD_SCR_PATH);

	if (!r)
		return 1;
	__u32 n;

	if (!d)
		return 1;
	if (!w->name) {
		struct dentry *parent = BPF_CORE_READ(d, d_parent);

		if (d == w->mnt_root || d == parent) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

			if (!up || up == mnt)
				return 1; /* the root of the mount tree */
			w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
			w->mnt = up;
			w->mnt_root = BPF_CORE_READ(up, mnt.mnt_root);
			return 0;
		}
		w->name = BPF_CORE_READ(d, d_name.name);
		w->len = BPF_CORE_READ(d, d_name.len);
		if (w->len > 255)
			w->len = 255;
		w->off = 0;
	}

	n = w->len - w->off;
	if (n > UD_NAME_CHUNK)
		n = UD_NAME_CHUNK;
	rec_init(r, UD_REC_PATH, w->pid);
	r->path.file_id = w->file_id;
	r->path.comp = w->comp;
	r->path.off = w->off / UD_NAME_CHUNK;
	r->path.len = n;
	if (n) {
		/* names are NUL-terminated: never read past the end */
		bpf_probe_read_kernel_str(r->path.name, UD_NAME_CHUNK, w->name + w->off);
		if (n == UD_NAME_CHUNK) /* the _str helper kept the last byte for NUL */
			bpf_probe_read_kernel(&r->path.name[UD_NAME_CHUNK - 1], 1,
					      w->name + w->off + UD_NAME_CHUNK - 1);
	}
	w->off += n;
	if (w->off >= w->len)
		r->h.flags |= UD_PATH_LAST_CHUNK;
	if (w->comp == 0 && w->deleted)
		r->h.flags |= UD_PATH_DELETED;
	if (i + 1 >= MAX_PATH_STEPS)
		r->h.flags |= UD_PATH_TRUNCATED;
	if (emit(w->seq, r, true))
		return 1;
	if (w->off >= w->len) {
		w->comp++;
		w->d = BPF_CORE_READ(d, d_parent);
		w->name = NULL;
	}
	return 0;
}

/*
 * The FILE record of an anon-inode file (a ring reached without an fd),
 * once per stream: no PATH, and none of describe_file()'s path-walk state
 * on the stack of a nested walk.
 */
static __always_inline void describe_anon_file(struct seq_file *seq, __u32 pid, struct file *f)
{
	union ud_any *r = scratch(UD_SCR_FILE);
	__u32 magic;

	if (!r || !f || file_described((__u64)f))
		return;
	rec_init(r, UD_REC_FILE, pid);
	file_fields(r, f, &magic);
	r->file.file_id = mix((__u64)f);
	emit(seq, r, true);
}

/*
 * Describe `f` (FILE, and PATH for files with a real path) once per stream.
 * Returns whether this call described it (false: already described, or no
 * file).
 */
static __always_inline bool describe_file_once(struct seq_file *seq, __u32 pid, struct file *f)
{
	union ud_any *r = scratch(UD_SCR_FILE);

	if (!r)
		return false;
	__u32 magic; /* classifies the file; not part of the record */
	__u64 id = mix((__u64)f);

	if (!f || file_described((__u64)f))
		return false;
	rec_init(r, UD_REC_FILE, pid);
	file_fields(r, f, &magic);
	r->file.file_id = id;
	if (emit(seq, r, true))
		return true;

	if (magic == ANON_INODE_FS_MAGIC || magic == PIPEFS_MAGIC || magic == SOCKFS_MAGIC ||
	    magic == NSFS_MAGIC || magic == PIDFS_MAGIC)
		return true; /* pseudo files: the reader derives the name */

	struct vfsmount *vm = BPF_CORE_READ(f, f_path.mnt);
	struct path_walk w = {
		.seq = seq,
		.pid = pid,
		.file_id = id,
		.d = BPF_CORE_READ(f, f_path.dentry),
		.mnt = container_of(vm, struct mount, mnt),
		.mnt_root = BPF_CORE_READ(vm, mnt_root),
		.name = (const unsigned char *)opaque(0),
		.len = opaque(0),
		.off = opaque(0),
		.comp = opaque(0),
	};
	/* unlinked: d_hash.pprev is NULL and the dentry is not a root */
	struct dentry *d = w.d;

	w.deleted = !BPF_CORE_READ(d, d_hash.pprev) && BPF_CORE_READ(d, d_parent) != d;
	bpf_loop(MAX_PATH_STEPS, path_step, &w, 0);
	return true;
}

static __always_inline void describe_file(struct seq_file *seq, __u32 pid, struct file *f)
{
	describe_file_once(seq, pid, f);
}

/*
 * The FD record, written in r (the caller's UD_SCR_HDR record: a second
 * lookup of it here costs the 6.1 verifier a quarter more work): fd of
 * process pid refers to `file` (a value, not a trusted pointer), whose kind
 * is returned in *kind.  Returns emit()'s status.
 */
static __always_inline int emit_fd(struct seq_file *seq, union ud_any *r, __u32 pid, __u32 fd,
				   struct file *file, __u32 *kind, __u64 table_id, __u32 table_tid)
{
	struct anon_name name = {};
	__u32 magic;

	*kind = file_kind(file, &name, &magic);
	rec_init(r, UD_REC_FD, pid);
	r->fd.fd = fd;
	r->fd.kind = *kind;
	r->fd.file_id = mix((__u64)file);
	if (*kind == UD_FK_EVENTFD)
		r->fd.aux_id = mix((__u64)BPF_CORE_READ(file, private_data));
	if (table_id) {
		r->h.flags |= UD_FD_THREAD_TABLE;
		r->fd.table_id = table_id;
		r->fd.table_tid = table_tid;
	}
	return emit(seq, r, false);
}

/*
 * The FILE of a target fd whose kind has state of its own (a ring, an epoll,
 * an eventfd that a ring may register): described right after its FD.
 */
static __always_inline void describe_target_file(struct seq_file *seq, __u32 pid, struct file *file,
						 __u32 kind)
{
	if (kind == UD_FK_IO_URING || kind == UD_FK_EPOLL || kind == UD_FK_EVENTFD)
		describe_file(seq, pid, file);
}

#endif /* URINGDUMP_LIB_FILE_BPF_H */
