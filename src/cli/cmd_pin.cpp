// `uringdump pin PID[:FD] PATH`: pin a dump iterator in bpffs.
#include <getopt.h>

#include <cstdio>
#include <string>

#include "cli/cli.hpp"
#include "kernel/pin.hpp"

namespace uringdump {

namespace {

const char kPinUsage[] =
	"Usage: uringdump pin PID[:FD] PATH [--native|--core] [--btf FILE] [-v]\n"
	"\n"
	"Pin an iterator that dumps process PID (or only its io_uring or epoll fd FD)\n"
	"at PATH, which must be in a bpffs mount and must not exist.  Every later read\n"
	"of PATH (cat PATH, uringdump read PATH) is a fresh dump, whatever its size.\n"
	"Remove the pin with rm PATH.\n"
	"\n"
	"  --native   use the native iterators for PID:FD (kernels with the proposal's\n"
	"             targets only; default: when available).  An epoll gets one epoll\n"
	"             iterator at PATH; a ring gets a directory PATH with the pins\n"
	"             PATH/files (io_uring_file) and PATH/buffers (io_uring_buf):\n"
	"             uringdump read PATH joins them; remove it with rm -r PATH\n"
	"  --core     always use the CO-RE iterator\n";

} // namespace

int cmd_pin(int argc, char** argv)
{
	enum { OPT_BTF = 256, OPT_NATIVE, OPT_CORE };
	static const option longopts[] = {
		{"btf", required_argument, nullptr, OPT_BTF},
		{"native", no_argument, nullptr, OPT_NATIVE},
		{"core", no_argument, nullptr, OPT_CORE},
		{"verbose", no_argument, nullptr, 'v'},
		{"help", no_argument, nullptr, 'h'},
		{nullptr, 0, nullptr, 0},
	};
	LoadOptions load;
	PinMode mode = PinMode::Auto;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, ":vh", longopts, nullptr)) != -1) {
		switch (c) {
		case OPT_BTF: load.btf_path = optarg; break;
		case 'v': load.verbose = true; break;
		case OPT_NATIVE: mode = PinMode::Native; break;
		case OPT_CORE: mode = PinMode::Core; break;
		case 'h': std::fputs(kPinUsage, stdout); return 0;
		default:
			return fail(make_error(Exit::Usage, std::string("pin: bad option '") +
								    argv[optind - 1] + "'"));
		}
	}
	if (argc - optind != 2)
		return fail(make_error(Exit::Usage, "pin: expected PID[:FD] PATH"));
	auto target = parse_pin_target(argv[optind]);
	if (!target)
		return fail(target.error());
	if (auto st = check_environment(load, false); !st)
		return fail(st.error());
	auto res = pin_dump(*target, argv[optind + 1], load, mode);
	if (!res)
		return fail(res.error());
	if (res->directory)
		std::printf("pinned %s at %s/%s and %s/%s (link ids %u and %u, native "
			    "io_uring_file and "
			    "io_uring_buf iterators)\n",
			    argv[optind], argv[optind + 1], kNativeFilesPin, argv[optind + 1],
			    kNativeBuffersPin, res->link_id, res->extra_link_id);
	else
		std::printf("pinned %s at %s (link id %u, %s iterator)\n", argv[optind],
			    argv[optind + 1], res->link_id, res->native ? "native" : "CO-RE");
	return 0;
}

} // namespace uringdump
