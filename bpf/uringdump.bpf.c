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
 */
#include "dump.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("iter/task_file")
int dump_task_file(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	union ud_any *r = scratch(UD_SCR_HDR);

	if (!r)
		return 0; /* iterator programs must return 0 or 1 */

	step_begin(ctx->meta->seq_num);
	if (ctx->meta->seq_num == 0)
		emit_stream(seq);

	if (!task || !file) {
		/* the final call: close the stream */
		rec_init(r, UD_REC_END, 0);
		r->end.records = tot_records + step_records + 1;
		r->end.spilled = tot_spilled + step_spilled;
		r->end.dropped = tot_dropped + step_dropped;
		emit(seq, r, false);
		step_end();
		return 0;
	}

	__u32 pid = BPF_CORE_READ(task, tgid);

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

	struct anon_name name = {};
	__u32 magic;
	__u32 kind = file_kind(file, &name, &magic);

	rec_init(r, UD_REC_FD, pid);
	r->fd.fd = ctx->fd;
	r->fd.kind = kind;
	r->fd.file_id = mix((__u64)file);
	if (kind == UD_FK_EVENTFD)
		r->fd.aux_id = mix((__u64)BPF_CORE_READ(file, private_data));
	if (emit(seq, r, false))
		goto out;

	/* every fd is reported (they resolve files to fds); tables only for the target */
	if (target_fd >= 0 && ctx->fd != (__u32)target_fd)
		goto out;
	if (kind == UD_FK_IO_URING || kind == UD_FK_EPOLL || kind == UD_FK_EVENTFD)
		describe_file(seq, pid, file);
	if (kind == UD_FK_IO_URING)
		walk_ring(seq, pid, file);
	else if (kind == UD_FK_EPOLL)
		walk_epoll(seq, pid, file);
out:
	step_end();
	return 0;
}
