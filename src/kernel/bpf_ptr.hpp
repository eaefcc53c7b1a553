// Owning pointers for libbpf objects and generated skeletons: the object's
// own destroy/free/close function is the deleter.
#pragma once

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <memory>

namespace uringdump {

template <auto Destroy>
struct BpfDestroy {
	template <class T>
	void operator()(T* p) const
	{
		Destroy(p);
	}
};

// BpfPtr<uringdump_bpf, uringdump_bpf__destroy> for a skeleton.
template <class T, auto Destroy>
using BpfPtr = std::unique_ptr<T, BpfDestroy<Destroy>>;

using LinkPtr = BpfPtr<bpf_link, bpf_link__destroy>;
using ObjectPtr = BpfPtr<bpf_object, bpf_object__close>;
using BtfPtr = BpfPtr<struct btf, btf__free>;

} // namespace uringdump
