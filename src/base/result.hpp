// Recoverable errors as values: Exit codes, Error, Result<T> and Status.
#pragma once

#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace uringdump {

// Process exit statuses (see the man page).
enum class Exit : int {
	Ok = 0,
	Failure = 1,      // BPF load/read failed, dump incomplete, malformed stream
	Usage = 2,        // bad command line
	Target = 3,       // no such pid, exited during the dump, kernel thread
	Permission = 4,   // needs root or CAP_BPF+CAP_PERFMON+CAP_SYS_PTRACE
	Environment = 5,  // BTF missing/corrupt, bpffs missing
	Unrestorable = 6, // restore: a file, address range or kernel feature is missing
};

// A failure: its exit status and a one-line message naming the cause.
struct Error {
	Exit code = Exit::Failure;
	std::string message;
};

inline Error make_error(Exit code, std::string message)
{
	return Error{code, std::move(message)};
}

// Holds either a T or an Error (a small std::expected).
template <class T>
class [[nodiscard]] Result {
	static_assert(!std::is_same_v<std::remove_cv_t<T>, Error>, "Result<Error> is ambiguous");

public:
	Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
	Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

	bool ok() const noexcept { return v_.index() == 0; }
	explicit operator bool() const noexcept { return ok(); }

	// Precondition: ok().  Throws std::bad_variant_access otherwise.
	T& value() & { return std::get<0>(v_); }
	const T& value() const& { return std::get<0>(v_); }
	T&& value() && { return std::get<0>(std::move(v_)); }

	T* operator->() { return &value(); }
	const T* operator->() const { return &value(); }
	T& operator*() & { return value(); }
	const T& operator*() const& { return value(); }

	// Precondition: !ok().  Throws std::bad_variant_access otherwise.
	const Error& error() const { return std::get<1>(v_); }

private:
	std::variant<T, Error> v_;
};

// Success without a value, or an Error.
template <>
class [[nodiscard]] Result<void> {
public:
	Result() = default;
	Result(Error error) : error_(std::move(error)) {}

	bool ok() const noexcept { return !error_.has_value(); }
	explicit operator bool() const noexcept { return ok(); }

	// Precondition: !ok().
	const Error& error() const { return error_.value(); }

private:
	std::optional<Error> error_;
};

using Status = Result<void>;

} // namespace uringdump
