// `uringdump read PATH`: render a pinned iterator (each read is a fresh dump)
// or a file saved from one (`cat PIN > FILE`), exactly like a live dump.
#include <fcntl.h>
#include <getopt.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "model.hpp"
#include "records.hpp"
#include "render_json.hpp"
#include "render_text.hpp"
#include "unique_fd.hpp"

namespace uringdump {
namespace {

const char kReadUsage[] =
	"Usage: uringdump read PATH [-j|--json] [-p|--pretty]\n"
	"\n"
	"Render the dump that a pinned iterator produces when read (a fresh dump\n"
	"at each read), or a file saved from one with cat PATH > FILE.\n";

Result<std::vector<std::uint8_t>> read_all(const std::string& path)
{
	UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	if (!fd) {
		int err = errno;
		Exit code = err == ENOENT ? Exit::Usage : err == EACCES || err == EPERM ? Exit::Permission : Exit::Failure;
		return make_error(code, path + ": " + std::strerror(err));
	}
	std::vector<std::uint8_t> out;
	std::vector<std::uint8_t> buf(1 << 16);
	for (;;) {
		ssize_t n = ::read(fd.get(), buf.data(), buf.size());
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return make_error(Exit::Failure, "reading " + path + ": " + std::strerror(errno));
		}
		if (n == 0)
			return out;
		out.insert(out.end(), buf.begin(), buf.begin() + n);
	}
}

// Is `path` in a bpffs mount (a pinned iterator, not a saved file)?
bool is_pin(const std::string& path)
{
	struct statfs fs;
	return ::statfs(path.c_str(), &fs) == 0 && static_cast<unsigned long>(fs.f_type) == BPF_FS_MAGIC;
}

// What a pinned stream says about itself in its END record.
Status check_end(const std::vector<RawRecord>& recs, const std::string& path)
{
	for (const auto& r : recs) {
		if (r.type() != UD_REC_END)
			continue;
		if (r.flags() & UD_END_TARGET_GONE)
			return make_error(Exit::Target, "the process dumped by " + path + " no longer exists");
		if (r.flags() & UD_END_OUT_OF_STEPS)
			return make_error(Exit::Failure, "dump incomplete: the iterator behind " + path +
								 " ran out of steps");
	}
	return {};
}

} // namespace

int cmd_read(int argc, char** argv)
{
	static const option longopts[] = {
		{"json", no_argument, nullptr, 'j'},
		{"pretty", no_argument, nullptr, 'p'},
		{"help", no_argument, nullptr, 'h'},
		{nullptr, 0, nullptr, 0},
	};
	bool json = false, pretty = false;
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "jph", longopts, nullptr)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'p':
			json = pretty = true;
			break;
		case 'h':
			std::fputs(kReadUsage, stdout);
			return 0;
		default:
			return fail(make_error(Exit::Usage, std::string("read: bad option '") + argv[optind - 1] + "'"));
		}
	}
	if (argc - optind != 1)
		return fail(make_error(Exit::Usage, "read: expected one PATH"));
	std::string path = argv[optind];

	auto bytes = read_all(path);
	if (!bytes)
		return fail(bytes.error());
	// An overtaken reader's stream ends in a lone END that says so: tell
	// that before the decoder calls the stream inconsistent.
	if (bytes->size() >= kRecordSize) {
		RawRecord last;
		std::memcpy(last.bytes.data(), bytes->data() + bytes->size() - kRecordSize, kRecordSize);
		if (last.type() == UD_REC_END && (last.flags() & UD_END_CONCURRENT))
			return fail(make_error(Exit::Failure, path + " was read by another reader at the same "
								     "time: read it again"));
	}
	auto recs = decode_stream(*bytes);
	if (!recs) {
		// Readers of one pin share its walk state: one that raced with
		// another can get an inconsistent stream.  Say so for pins.
		std::string hint = is_pin(path) && bytes->size() >= kRecordSize
					   ? " (the pin may have been read by another reader at the same "
					     "time: read it again)"
					   : "";
		return fail(make_error(recs.error().code, path + ": " + recs.error().message + hint));
	}
	if (auto st = check_end(*recs, path); !st)
		return fail(st.error());
	auto snap = build_snapshot(*recs, false);
	if (!snap)
		return fail(make_error(snap.error().code, path + ": " + snap.error().message));
	if (json)
		render_json(*snap, std::cout, pretty);
	else
		render_text(*snap, std::cout);
	std::cout.flush();
	return std::cout ? 0 : fail(make_error(Exit::Failure, "writing the output failed"));
}

} // namespace uringdump
