// SPDX-License-Identifier: GPL-2.0
/* A task_file iterator for the bpftool tests: one line "PID FD" per open
 * file descriptor of the tasks it walks (thread group leaders only).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("iter/task_file")
int dump_task_file(struct bpf_iter__task_file *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (!task || !ctx->file || task->pid != task->tgid)
		return 0;
	BPF_SEQ_PRINTF(seq, "%d %u\n", task->tgid, ctx->fd);
	return 0;
}
