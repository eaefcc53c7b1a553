// `uringdump read` (placeholder until the pinned iterator lands).
#include "cli.hpp"

namespace uringdump {

int cmd_read(int, char**)
{
	return fail(make_error(Exit::Failure, "read: not implemented yet"));
}

} // namespace uringdump
