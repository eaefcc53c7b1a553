// `uringdump checkpoint [-f] PID DIR`: the live dump of PID, turned into an
// image (image/) and saved with its buffers while the target is stopped.
#include <cstdio>
#include <sstream>

#include "cli/cli.hpp"
#include "cli/live_dump.hpp"
#include "image/image.hpp"
#include "image/store.hpp"
#include "render/json.hpp"

namespace uringdump {

int cmd_checkpoint(int argc, char** argv)
{
	auto args = parse_options(command_options(Command::Checkpoint), argc, argv, 1,
				  command_rules(Command::Checkpoint));
	if (!args)
		return fail(args.error());
	if (args->has(Opt::Help))
		return print_help(Command::Checkpoint);
	if (args->operands.size() != 2)
		return fail(make_error(Exit::Usage, "checkpoint needs PID and DIR"));
	auto pid = parse_pid(args->operands[0]);
	if (!pid)
		return fail(pid.error());
	const std::string dir = args->operands[1];

	LiveDumpRequest req;
	req.pids = {*pid};
	req.freeze = args->has(Opt::Freeze);
	req.load.btf_path = args->value(Opt::Btf);
	req.load.verbose = args->has(Opt::Verbose);
	req.load.use_cache = !args->has(Opt::NoCache);
	// every buffer of legacy groups (the program's own limit: 2^20), ring pages located
	req.load.list_max = 1u << 20;

	Image image;
	auto snap = live_snapshot(req, [&](const Snapshot& s) -> Status {
		auto img = image_from_snapshot(s, static_cast<std::uint32_t>(*pid));
		if (!img)
			return img.error();
		image = std::move(*img);
		std::ostringstream dump;
		render_json(s, dump, true);
		return save_image(image, *pid, dir, dump.str());
	});
	if (!snap)
		return fail(snap.error());

	std::size_t buffers = 0, bytes = 0, files = 0;
	for (const ImageRing& r : image.rings) {
		files += r.files.size();
		for (const ImageBuffer& b : r.buffers) {
			++buffers;
			if (!b.contents.empty())
				bytes += b.len;
			else
				std::fprintf(stderr,
					     "uringdump: warning: io_uring %s buffer %u: %s; the "
					     "image has no contents for it\n",
					     r.file.c_str(), b.index, b.unreadable.c_str());
		}
	}
	for (const std::string& s : image.skipped)
		std::fprintf(stderr, "uringdump: warning: not in the image: %s\n", s.c_str());
	if (!image.exact)
		std::fprintf(stderr,
			     "uringdump: note: %d was running while it was read; use "
			     "--freeze for an exact image\n",
			     *pid);
	std::printf("checkpoint of %d (%s) in %s: %zu io_uring, %zu epoll, %zu registered "
		    "files, %zu registered buffers (%zu bytes)\n",
		    *pid, image.comm.c_str(), dir.c_str(), image.rings.size(), image.epolls.size(),
		    files, buffers, bytes);
	return 0;
}

} // namespace uringdump
