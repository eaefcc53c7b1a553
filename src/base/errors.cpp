#include "base/errors.hpp"

#include <cerrno>
#include <cstring>

namespace uringdump {

std::string errno_text(int err)
{
	return std::strerror(err < 0 ? -err : err);
}

Exit exit_of_errno(int err)
{
	if (err < 0)
		err = -err;
	return err == EPERM || err == EACCES ? Exit::Permission : Exit::Failure;
}

} // namespace uringdump
