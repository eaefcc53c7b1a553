#!/bin/sh
# The native iterator checks (kernel-patch/tests/native-test.c); with a
# patched bpftool in the image, also `bpftool iter pin ... io_uring_fd /
# epoll_fd` and `bpftool link show` (plain and -j).
if [ -x /t/bpftool ]; then
    exec /t/native-test -b /t/bpftool -o /t/bpf
fi
/t/native-test
rc=$?
echo "SKIP bpftool: no patched bpftool in the image"
exit $rc
