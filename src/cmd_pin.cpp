// `uringdump pin` (placeholder until the pinned iterator lands).
#include "cli.hpp"

namespace uringdump {

int cmd_pin(int, char**)
{
	return fail(make_error(Exit::Failure, "pin: not implemented yet"));
}

} // namespace uringdump
