// `uringdump restore DIR --pidfile FILE [--files-from PID]`: forks the
// holder, which restores the image (restore/) into itself, writes FILE and
// waits for SIGTERM; uringdump reports what the holder did and exits.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "base/errors.hpp"
#include "cli/cli.hpp"
#include "image/store.hpp"
#include "render/json_writer.hpp"
#include "restore/providers.hpp"
#include "restore/restore.hpp"

namespace uringdump {
namespace {

// The holder's report on the pipe: "ok\n" or "error CODE\n", then lines.
void write_all(int fd, const std::string& s)
{
	std::size_t done = 0;
	while (done < s.size()) {
		const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		done += static_cast<std::size_t>(n);
	}
}

Status write_pidfile(const std::string& path, pid_t pid)
{
	const std::string tmp = path + ".tmp";
	const std::string text = std::to_string(pid) + "\n";
	UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	if (!fd)
		return make_error(Exit::Failure, "--pidfile " + path + ": " + errno_text(errno));
	const bool ok =
		::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
	fd.reset();
	if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
		std::remove(tmp.c_str());
		return make_error(Exit::Failure, "--pidfile " + path + ": writing failed");
	}
	return {};
}

[[noreturn]] void holder(const Image& img, FileProvider& files, const std::string& dir,
			 const std::string& pidfile, int report)
{
	::prctl(PR_SET_NAME, "uringdump-hold", 0, 0, 0);
	::setsid();
	sigset_t wait_for;
	sigemptyset(&wait_for);
	sigaddset(&wait_for, SIGTERM);
	sigaddset(&wait_for, SIGINT);
	sigprocmask(SIG_BLOCK, &wait_for, nullptr);

	RestoreOptions opts;
	opts.image_dir = dir;
	opts.keep = {&report};
	RestoreReport rep;
	Status st = restore(img, files, opts, rep);
	if (st)
		st = write_pidfile(pidfile, ::getpid());
	if (!st) {
		write_all(report, "error " + std::to_string(static_cast<int>(st.error().code)) +
					  "\n" + st.error().message + "\n");
		::_exit(static_cast<int>(st.error().code));
	}
	std::string text = "ok\n";
	for (const auto& l : rep.done)
		text += "restored: " + l + "\n";
	for (const auto& l : rep.not_restored)
		text += "not restored: " + l + "\n";
	write_all(report, text);
	::close(report);
	int sig = 0;
	sigwait(&wait_for, &sig);
	::unlink(pidfile.c_str());
	::_exit(0);
}

// The holder's report lines ("restored: ...", "not restored: ...") as
// {"holder", "pidfile", "restored": [...], "not_restored": [...]}.
void print_json_report(const std::string& lines, pid_t holder, const std::string& pidfile,
		       bool pretty)
{
	std::vector<std::string> done, lost;
	std::size_t at = 0;
	while (at < lines.size()) {
		std::size_t eol = lines.find('\n', at);
		if (eol == std::string::npos)
			eol = lines.size();
		const std::string line = lines.substr(at, eol - at);
		at = eol + 1;
		if (line.rfind("restored: ", 0) == 0)
			done.push_back(line.substr(10));
		else if (line.rfind("not restored: ", 0) == 0)
			lost.push_back(line.substr(14));
	}
	JsonWriter w(std::cout, pretty);
	w.begin_object();
	w.key("holder");
	w.number(holder);
	w.key("pidfile");
	w.string(pidfile);
	w.key("restored");
	w.begin_array();
	for (const auto& l : done)
		w.string(l);
	w.end_array();
	w.key("not_restored");
	w.begin_array();
	for (const auto& l : lost)
		w.string(l);
	w.end_array();
	w.end_object();
	w.finish();
}

} // namespace

int cmd_restore(int argc, char** argv)
{
	auto args = parse_options(command_options(Command::Restore), argc, argv, 1,
				  command_rules(Command::Restore));
	if (!args)
		return fail(args.error());
	if (args->has(Opt::Help))
		return print_help(Command::Restore);
	if (args->operands.size() != 1)
		return fail(make_error(Exit::Usage, "restore needs one image DIR"));
	auto pidfile = args->value(Opt::Pidfile);
	if (!pidfile || pidfile->empty())
		return fail(make_error(Exit::Usage, "restore needs --pidfile FILE"));
	const std::string dir = args->operands[0];

	auto img = load_image(dir);
	if (!img)
		return fail(img.error());

	std::unique_ptr<FileProvider> files;
	if (auto from = args->value(Opt::FilesFrom)) {
		auto pid = parse_pid(*from, "--files-from pid");
		if (!pid)
			return fail(pid.error());
		auto src = SourceFiles::open(*pid, *img, args->has(Opt::KillSource));
		if (!src)
			return fail(src.error());
		files = std::make_unique<SourceFiles>(std::move(*src));
	} else {
		if (args->has(Opt::KillSource))
			return fail(
				make_error(Exit::Usage, "--kill-source needs --files-from PID"));
		files = std::make_unique<ReopenFiles>();
	}

	int pipefd[2];
	if (::pipe2(pipefd, O_CLOEXEC) != 0)
		return fail(make_error(Exit::Failure, "pipe: " + errno_text(errno)));
	std::fflush(nullptr);
	const pid_t child = ::fork();
	if (child < 0)
		return fail(make_error(Exit::Failure, "fork: " + errno_text(errno)));
	if (child == 0) {
		::close(pipefd[0]);
		holder(*img, *files, dir, *pidfile, pipefd[1]);
	}
	::close(pipefd[1]);
	std::string text;
	char buf[4096];
	for (;;) {
		const ssize_t n = ::read(pipefd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		text.append(buf, static_cast<std::size_t>(n));
	}
	::close(pipefd[0]);
	if (text.rfind("ok\n", 0) == 0) {
		const OutputFormat format = output_format(*args);
		if (format.json) {
			print_json_report(text.substr(3), child, *pidfile, format.pretty);
			return 0;
		}
		std::fputs(text.c_str() + 3, stdout);
		std::printf("holder %d holds the restored instances (pid in %s; kill it with "
			    "SIGTERM)\n",
			    child, pidfile->c_str());
		return 0;
	}
	int status = 0;
	while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
	}
	if (text.rfind("error ", 0) == 0) {
		const std::size_t nl = text.find('\n');
		const int code = std::atoi(text.c_str() + 6);
		std::string msg = text.substr(nl + 1);
		while (!msg.empty() && msg.back() == '\n')
			msg.pop_back();
		return fail(make_error(static_cast<Exit>(code), msg));
	}
	return fail(make_error(Exit::Failure, "the holder died before it reported (status " +
						      std::to_string(status) + ")"));
}

} // namespace uringdump
