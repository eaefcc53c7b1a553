// The usage texts.  A synopsis line changes here, in README.md ("##
// Commands"), in man/uringdump.8.rst (SYNOPSIS) and in
// bash-completion/uringdump together; the unit tests compare the first two.
#include "cli/usage.hpp"

namespace uringdump {
namespace {

constexpr std::string_view kIterGrammar = "       MAP := { id MAP_ID | pinned FILE | name NAME }\n"
					  "       FD  := { FD_NUM | PID:FD_NUM }\n";

constexpr std::string_view kDumpHelp =
	"Dump every io_uring and epoll instance of the given processes: ring setup,\n"
	"registered files (with the fds that hold the same file), registered buffers,\n"
	"registered eventfd, SQPOLL details, and each epoll's watched targets with the\n"
	"fds that hold them now.  Reads kernel state through a BPF task_file iterator.\n"
	"\n"
	"Options:\n"
	"  -j, --json        JSON output\n"
	"  -p, --pretty      pretty-printed JSON (implies --json)\n"
	"  -a, --all         dump every process (kernel threads and processes that\n"
	"                    exit meanwhile are skipped)\n"
	"  -f, --freeze      stop the target's threads (ptrace) during the dump for an\n"
	"                    exact snapshot; they are always released\n"
	"      --requests N  list up to N of each kind of what each ring holds: CQEs\n"
	"                    not reaped, overflowed CQEs, waiting polls, armed\n"
	"                    timeouts and linked timeouts, io-wq work (1-65536)\n"
	"      --no-cache    load the BPF programs for this run only: neither use nor\n"
	"                    create the load cache (see `uringdump cache help`)\n"
	"      --btf FILE    load against the BTF in FILE instead of\n"
	"                    /sys/kernel/btf/vmlinux\n"
	"  -v, --verbose     print libbpf diagnostics to stderr\n"
	"  -h, --help        show this help\n"
	"  -V, --version     show the version\n"
	"\n"
	"Without --freeze the dump is best effort: a live process may change while it\n"
	"is read.  Needs root, or CAP_BPF and CAP_PERFMON (and CAP_SYS_PTRACE for\n"
	"--freeze).\n"
	"\n"
	"Environment:\n"
	"  URINGDUMP_SPILL_BYTES=N\n"
	"                    initial size in bytes of the BPF ring buffer that carries\n"
	"                    the records of large tables: a power of two from the page\n"
	"                    size to 1 GiB (0 or unset: 16 MiB); a dump that overflows\n"
	"                    it is retried with a larger one\n"
	"  URINGDUMP_SPILL_MAX_BYTES=N\n"
	"                    the largest that ring buffer grows to, likewise (0 or\n"
	"                    unset: 1 GiB); a dump that overflows it fails (exit 1)\n"
	"\n"
	"Commands: `pin` pins an iterator for PID (or one ring/epoll fd) in bpffs;\n"
	"every later read of PATH (`cat`, `uringdump read`) is a fresh dump.  `read`\n"
	"renders a pinned iterator or a file saved from one.  `link show` lists BPF\n"
	"iterator links like bpftool, with their pins and holders.  `iter pin` is\n"
	"bpftool's iter pin with the io_uring/epoll iterator series.  `cache` shows\n"
	"or clears the load cache of verified programs that makes later runs fast.\n"
	"`checkpoint` saves a process's rings and epolls to an image directory;\n"
	"`restore` recreates them in a holder process.\n"
	"`uringdump COMMAND --help` describes each.\n"
	"\n"
	"Exit status: 0 ok (also when nothing is found), 1 failure, 2 usage,\n"
	"3 bad target (no such process, exited, kernel thread), 4 permission,\n"
	"5 environment (BTF missing or unreadable), 6 not restorable (restore).\n";

constexpr std::string_view kPinHelp =
	"Pin an iterator that dumps process PID (or only its io_uring or epoll fd FD)\n"
	"at PATH, which must be in a bpffs mount and must not exist.  Every later read\n"
	"of PATH (cat PATH, uringdump read PATH) is a fresh dump, whatever its size.\n"
	"Remove the pin with rm PATH.\n"
	"\n"
	"Options:\n"
	"      --native      use the native iterators for PID:FD (kernels with the\n"
	"                    proposal's targets only; default: when available).  An\n"
	"                    epoll gets one epoll iterator at PATH; a ring gets a\n"
	"                    directory PATH with the pins PATH/files (io_uring_file)\n"
	"                    and PATH/buffers (io_uring_buf): uringdump read PATH\n"
	"                    joins them; remove it with rm -r PATH\n"
	"      --core        always use the CO-RE iterator\n"
	"      --btf FILE    load against the BTF in FILE instead of\n"
	"                    /sys/kernel/btf/vmlinux\n"
	"  -v, --verbose     print libbpf diagnostics to stderr\n"
	"  -h, --help        show this help\n";

constexpr std::string_view kReadHelp =
	"Render the dump that a pinned iterator produces when read (a fresh dump\n"
	"at each read), or a file saved from one with cat PATH > FILE.  PATH may be\n"
	"the directory of a native ring pin (PATH/files and PATH/buffers): both are\n"
	"read and shown as one ring.  A pin is read again from the start, for up to\n"
	"3 seconds, while a newer reader of it overtakes this one, or while a\n"
	"native ring iterator cannot run because the ring's uring_lock is held\n"
	"(EDEADLK).\n"
	"\n"
	"Options:\n"
	"  -j, --json        JSON output\n"
	"  -p, --pretty      pretty-printed JSON (implies --json)\n"
	"  -h, --help        show this help\n";

constexpr std::string_view kLinkHelp =
	"List the BPF iterator links like `bpftool link show`: id, type, prog,\n"
	"target_name and the target's parameters (map_id, pid or tid, cgroup_id and\n"
	"order, io_uring_inode, epoll_inode), then every bpffs path that pins the\n"
	"link (pinned) and the processes holding an fd of it (pids).  Iterators\n"
	"created by `uringdump pin` also show the process and fd they dump.\n"
	"`id ID` shows that one link, of any type.\n"
	"\n"
	"Options:\n"
	"  -j, --json        JSON output (bpftool's field names)\n"
	"  -p, --pretty      pretty-printed JSON (implies --json)\n"
	"  -h, --help        show this help\n"
	"\n"
	"Needs CAP_SYS_ADMIN (root).  Exit status: 0 ok, 1 failure, 2 usage,\n"
	"3 no such link, 4 permission.\n";

constexpr std::string_view kIterHelp =
	"Load the BPF object OBJ, attach its first iterator program (section\n"
	"iter/TARGET) with the parameter given, and pin the link at PATH, like\n"
	"`bpftool iter pin` with the io_uring/epoll iterator series.  PATH must be\n"
	"in a bpffs mount and must not exist.  map: bpf_map_elem-style targets;\n"
	"io_uring_fd: io_uring_buf and io_uring_file; epoll_fd: epoll; pid, tid:\n"
	"task, task_file and task_vma.  FD_NUM is an fd open in uringdump;\n"
	"PID:FD_NUM an fd of process PID, copied with pidfd_getfd(2).  Keywords\n"
	"may be abbreviated.  Prints nothing on success; `cat PATH` reads the\n"
	"iterator, `rm PATH` removes it.\n"
	"\n"
	"Options:\n"
	"  -v, --verbose     print libbpf diagnostics to stderr\n"
	"  -h, --help        show this help\n";

constexpr std::string_view kCacheHelp =
	"A dump run as root keeps its loaded, verified BPF programs pinned in bpffs,\n"
	"at /sys/fs/bpf/uringdump/cache/KEY, and later runs attach new iterator links\n"
	"to them instead of loading again (the verifier's time is most of a one-shot\n"
	"dump's).  KEY is a hash of the BPF object, the libbpf version and the\n"
	"running kernel (release, version, boot id, BTF size): another build or\n"
	"kernel makes its own entry and removes the others.  Each run writes fresh\n"
	"keys for its opaque ids, and gets its own ring buffer and file map.  One run\n"
	"uses an entry at a time (flock on its directory); a run that finds it busy\n"
	"loads its own programs.  Runs with --no-cache or --btf, and runs that are not\n"
	"root, neither use nor create the cache.\n"
	"\n"
	"`show` lists the entries: path, key, whether it is this build's (current),\n"
	"complete (ready) and in use (busy), and its pins.  `clear` removes every\n"
	"entry not in use; the next dump loads and caches again.\n"
	"\n"
	"Options:\n"
	"  -j, --json        JSON output (show)\n"
	"  -p, --pretty      pretty-printed JSON (implies --json)\n"
	"  -h, --help        show this help\n"
	"\n"
	"Needs root.  Exit status: 0 ok, 1 failure (an entry in use was not removed),\n"
	"2 usage, 4 permission, 5 bpffs not mounted (show).\n";

constexpr std::string_view kCheckpointHelp =
	"Write an image of process PID's io_uring and epoll instances to DIR (which\n"
	"must not exist, or be empty): DIR/manifest.json with what restore needs\n"
	"(ring setup, registered file slots, registered buffers with their bytes in\n"
	"DIR/buffers/, eventfd, personalities with their groups, restrictions,\n"
	"provided-buffer groups (legacy groups' buffers in order; buffer rings'\n"
	"head, tail and memory), epoll items, and each file's type, path, open\n"
	"flags, offset and eventfd counter) and\n"
	"DIR/dump.json, the dump as `uringdump --json PID` prints it.  The manifest\n"
	"is written last: a directory without one is not an image.\n"
	"\n"
	"Options:\n"
	"  -f, --freeze      stop the target's threads while the kernel state, the\n"
	"                    buffers and the offsets are read: an exact, consistent\n"
	"                    image (without it, a live process may change meanwhile)\n"
	"      --no-cache    load the BPF programs for this run only\n"
	"      --btf FILE    load against the BTF in FILE\n"
	"  -v, --verbose     print libbpf diagnostics to stderr\n"
	"  -h, --help        show this help\n"
	"\n"
	"Not in the image (and so not restored): SQEs and CQEs in the rings,\n"
	"in-flight requests; the counts are saved and restore reports them.\n"
	"Needs root.  Exit status: 0 ok, 1 failure (the instances changed while\n"
	"read: use --freeze; DIR not empty), 2 usage, 3 bad target (no io_uring\n"
	"or epoll), 4 permission, 5 environment.\n";

constexpr std::string_view kRestoreHelp =
	"Start a holder process that recreates every io_uring and epoll of the\n"
	"image in DIR at the same fd numbers: rings with the same entries, flags,\n"
	"SQPOLL cpu and idle time, ATTACH_WQ sharing, registered file table (slot\n"
	"for slot), registered buffers at the same addresses with the same bytes,\n"
	"registered eventfd, personalities (same ids and credentials), restrictions,\n"
	"provided-buffer groups (buffer rings at the same addresses, their head\n"
	"where it was); epolls with every item's tfd, events and data.  The files\n"
	"they refer to are placed at their fd numbers too.  When all is in place\n"
	"the holder writes its pid to FILE and waits for SIGTERM: inspect it\n"
	"(uringdump PID) or take its fds (pidfd_getfd).  uringdump prints what was\n"
	"restored and what was not, and exits.\n"
	"\n"
	"Files come from the live source with --files-from PID (pidfd_getfd of the\n"
	"fd that held each file at checkpoint, checked to be the same file still).\n"
	"A file only a ring's table holds is taken with --kill-source: PID is\n"
	"stopped, an IORING_OP_FIXED_FD_INSTALL submitted on its ring (Linux 6.8+;\n"
	"this moves the ring's queue indices) installs the file in the holder, and\n"
	"PID is killed once every file is taken.  Otherwise regular files and\n"
	"directories reopen by path with their open flags and offset, eventfds are\n"
	"recreated with their counter; any other file fails the restore.\n"
	"\n"
	"Options:\n"
	"  -j, --json            the report as JSON: holder, pidfile, restored,\n"
	"                        not_restored\n"
	"  -p, --pretty          pretty-printed JSON (implies --json)\n"
	"      --pidfile FILE    where the holder writes its pid (required)\n"
	"      --files-from PID  take files from the running process PID\n"
	"      --kill-source     take ring-only files through PID's rings, then kill\n"
	"                        PID (with --files-from)\n"
	"  -h, --help            show this help\n"
	"\n"
	"Exit status: 0 the holder runs, 1 failure (malformed or foreign image),\n"
	"2 usage, 3 no such source process, 4 permission, 6 not restorable (a file\n"
	"that cannot be had, an address range taken, a kernel without the\n"
	"feature): the message names the ring, slot, item or file, and no holder is\n"
	"left running.\n";

constexpr Command kCommands[] = {Command::Dump,       Command::Pin,    Command::Read,
				 Command::Link,       Command::Iter,   Command::Cache,
				 Command::Checkpoint, Command::Restore};

// "Usage: " before the first line, its width in blanks before the others.
void append_lines(std::string& out, const std::vector<std::string_view>& lines, bool& first)
{
	for (std::string_view l : lines) {
		out += first ? "Usage: " : "       ";
		out += l;
		out += '\n';
		first = false;
	}
}

} // namespace

std::vector<std::string_view> command_synopsis(Command cmd)
{
	switch (cmd) {
	case Command::Dump:
		return {"uringdump [dump] [-j|-p] [-f] [--requests N] [--no-cache] [--btf FILE] "
			"[-v] "
			"PID...",
			"uringdump [dump] [-j|-p] [--requests N] [--no-cache] [--btf FILE] [-v] "
			"--all"};
	case Command::Pin:
		return {"uringdump pin PID[:FD] PATH [--native|--core] [--btf FILE] [-v]"};
	case Command::Read: return {"uringdump read PATH [-j|-p]"};
	case Command::Link: return {"uringdump link show [id ID] [-j|-p]"};
	case Command::Iter:
		return {"uringdump iter pin OBJ PATH [map MAP | io_uring_fd FD | epoll_fd FD | "
			"pid PID | tid TID] [-v]"};
	case Command::Cache: return {"uringdump cache { show [-j|-p] | clear }"};
	case Command::Checkpoint:
		return {"uringdump checkpoint [-f] [--no-cache] [--btf FILE] [-v] PID DIR"};
	case Command::Restore:
		return {"uringdump restore DIR --pidfile FILE [--files-from PID [--kill-source]] "
			"[-j|-p]"};
	}
	return {};
}

std::string usage_synopsis()
{
	std::string out;
	bool first = true;
	for (Command c : kCommands)
		append_lines(out, command_synopsis(c), first);
	return out;
}

std::string help_text(Command cmd)
{
	std::string out;
	bool first = true;
	switch (cmd) {
	case Command::Dump:
		out = usage_synopsis();
		out += '\n';
		out += kDumpHelp;
		break;
	case Command::Pin:
		append_lines(out, command_synopsis(cmd), first);
		out += '\n';
		out += kPinHelp;
		break;
	case Command::Read:
		append_lines(out, command_synopsis(cmd), first);
		out += '\n';
		out += kReadHelp;
		break;
	case Command::Link:
		append_lines(out, command_synopsis(cmd), first);
		append_lines(out, {"uringdump link help"}, first);
		out += '\n';
		out += kLinkHelp;
		break;
	case Command::Iter:
		append_lines(out, command_synopsis(cmd), first);
		append_lines(out, {"uringdump iter help"}, first);
		out += '\n';
		out += kIterGrammar;
		out += '\n';
		out += kIterHelp;
		break;
	case Command::Cache:
		append_lines(out, command_synopsis(cmd), first);
		append_lines(out, {"uringdump cache help"}, first);
		out += '\n';
		out += kCacheHelp;
		break;
	case Command::Checkpoint:
		append_lines(out, command_synopsis(cmd), first);
		out += '\n';
		out += kCheckpointHelp;
		break;
	case Command::Restore:
		append_lines(out, command_synopsis(cmd), first);
		out += '\n';
		out += kRestoreHelp;
		break;
	}
	return out;
}

std::string usage_hint()
{
	return usage_synopsis() + "Try 'uringdump --help' for more information.\n";
}

} // namespace uringdump
