# Benchmark: `make bench` times uringdump against the iterator floor, procfs
# and procfs + kcmp on workloads of 1k to 1M items, and regenerates
# bench/results.json, bench/results.txt and bench/bench.png.
# Needs root (BPF, kcmp, bpffs).  Not a test: nothing asserts a timing.
#   make bench BENCH_SIZES="1000 10000"     other sizes
#   make bench BENCH_RUNS=3 BENCH_CAP=10     fewer runs, shorter kcmp cap (s)
# Plotting uses Debian's matplotlib (python3-matplotlib) with /usr/bin/python3.

BENCH_BUILD  := $(BUILD)/bench
BENCH_SIZES  ?= 1000 10000 100000 1000000
BENCH_RUNS   ?= 5
BENCH_CAP    ?= 30
BENCH_PYTHON ?= /usr/bin/python3

.PHONY: bench bench-bins
bench: bench-bins
	$(BENCH_PYTHON) bench/run.py --build $(BUILD) --out bench \
	  --sizes "$(BENCH_SIZES)" --runs $(BENCH_RUNS) --cap $(BENCH_CAP)
	$(BENCH_PYTHON) bench/plot.py bench/results.json bench/bench.png

bench-bins: $(BUILD)/uringdump $(BENCH_BUILD)/udbench $(BENCH_BUILD)/workload

$(BENCH_BUILD):
	mkdir -p $@

$(BENCH_BUILD)/floor.bpf.o: bench/floor.bpf.c $(BUILD)/vmlinux.h | $(BENCH_BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BENCH_BUILD)/floor.skel.h: $(BENCH_BUILD)/floor.bpf.o
	$(BPFTOOL) gen skeleton $< name floor_bpf > $@.tmp && mv $@.tmp $@

$(BENCH_BUILD)/udbench: bench/udbench.cpp $(BENCH_BUILD)/floor.skel.h $(BUILD)/uringdump.skel.h \
		$(LINK_LIBS) $(wildcard src/*/*.hpp) bpf/uringdump.h
	$(CXX) $(CXXFLAGS) -I$(BENCH_BUILD) -o $@ $< $(LINK_LIBS) $(LDLIBS)

$(BENCH_BUILD)/workload: bench/workload.c | $(BENCH_BUILD)
	$(CC) -O2 -g -std=c11 -Wall -Wextra -Werror -Wshadow -D_GNU_SOURCE -o $@ $< -luring
