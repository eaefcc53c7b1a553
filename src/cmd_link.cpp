// `uringdump link` (placeholder until the pinned iterator lands).
#include "cli.hpp"

namespace uringdump {

int cmd_link(int, char**)
{
	return fail(make_error(Exit::Failure, "link: not implemented yet"));
}

} // namespace uringdump
