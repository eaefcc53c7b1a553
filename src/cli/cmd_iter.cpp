// `uringdump iter pin OBJ PATH [map MAP | io_uring_fd FD | epoll_fd FD |
// pid PID | tid TID]`: bpftool's `iter pin` with the io_uring/epoll series
// (bpftool-patch/), for systems whose bpftool lacks it.  The options go
// through the common parser, the keywords through bpftool/iter_args.hpp,
// the pinning through kernel/iter_pin.hpp; prints nothing on success, like
// bpftool.
#include <string>
#include <string_view>
#include <vector>

#include "bpftool/iter_args.hpp"
#include "cli/cli.hpp"
#include "kernel/iter_pin.hpp"

namespace uringdump {

int cmd_iter(int argc, char** argv)
{
	auto args = parse_options(command_options(Command::Iter), argc, argv, 1,
				  command_rules(Command::Iter));
	if (!args)
		return fail(make_error(Exit::Usage, "iter: " + args.error().message +
							    " (try 'uringdump iter help')"));
	if (args->has(Opt::Help))
		return print_help(Command::Iter);
	const std::vector<std::string_view> words(args->operands.begin(), args->operands.end());
	auto cmd = parse_iter_command(words);
	if (!cmd)
		return fail(cmd.error());
	if (cmd->kind == IterCommand::Kind::Help)
		return print_help(Command::Iter);
	if (auto st = iter_pin(cmd->pin, args->has(Opt::Verbose)); !st)
		return fail(st.error());
	return 0;
}

} // namespace uringdump
