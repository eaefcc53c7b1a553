// `uringdump pin PID[:FD] PATH`: pin a dump iterator in bpffs.
#include <cstdio>
#include <string>

#include "cli/cli.hpp"
#include "kernel/pin.hpp"

namespace uringdump {

int cmd_pin(int argc, char** argv)
{
	auto args = parse_options(command_options(Command::Pin), argc, argv, 1,
				  command_rules(Command::Pin));
	if (!args)
		return fail(make_error(Exit::Usage, "pin: " + args.error().message));
	if (args->has(Opt::Help))
		return print_help(Command::Pin);
	LoadOptions load;
	load.btf_path = args->value(Opt::Btf);
	load.verbose = args->has(Opt::Verbose);
	// The last of --native and --core counts.
	PinMode mode = PinMode::Auto;
	for (const auto& o : args->options)
		if (o.id == Opt::Native)
			mode = PinMode::Native;
		else if (o.id == Opt::Core)
			mode = PinMode::Core;
	if (args->operands.size() != 2)
		return fail(make_error(Exit::Usage, "pin: expected PID[:FD] PATH"));
	const std::string& what = args->operands[0];
	const std::string& path = args->operands[1];
	auto target = parse_pin_target(what);
	if (!target)
		return fail(target.error());
	if (auto st = check_environment(load, false); !st)
		return fail(st.error());
	auto res = pin_dump(*target, path, load, mode);
	if (!res)
		return fail(res.error());
	if (res->directory)
		std::printf("pinned %s at %s/%s and %s/%s (link ids %u and %u, native "
			    "io_uring_file and "
			    "io_uring_buf iterators)\n",
			    what.c_str(), path.c_str(), kNativeFilesPin, path.c_str(),
			    kNativeBuffersPin, res->link_id, res->extra_link_id);
	else
		std::printf("pinned %s at %s (link id %u, %s iterator)\n", what.c_str(),
			    path.c_str(), res->link_id, res->native ? "native" : "CO-RE");
	return 0;
}

} // namespace uringdump
