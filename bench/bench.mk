# Benchmark: `make bench` times uringdump against the iterator floor, procfs
# and procfs + kcmp on workloads of 1k to 1M items, and regenerates
# bench/results.json, bench/results.txt and bench/bench.png.
# Needs root (BPF, kcmp, bpffs).  Not a test: nothing asserts a timing.
#   make bench BENCH_SIZES="1000 10000"     other sizes
#   make bench BENCH_RUNS=3 BENCH_CAP=10     fewer runs, shorter kcmp cap (s)
# Plotting uses Debian's matplotlib (python3-matplotlib) with /usr/bin/python3.
# udbench is built from src/'s libraries (LINK_LIBS): every uringdump method
# it times is the library code the CLI runs, the floor is the library's
# FloorProbe; bench/ loads no BPF itself.

BENCH_BUILD  := $(BUILD)/bench
BENCH_SIZES  ?= 1000 10000 100000 1000000
BENCH_RUNS   ?= 5
BENCH_CAP    ?= 30
BENCH_PYTHON ?= /usr/bin/python3
BENCH_SRCS   := $(wildcard bench/*.cpp)
BENCH_OBJS   := $(patsubst bench/%.cpp,$(BENCH_BUILD)/obj/%.o,$(BENCH_SRCS))

.PHONY: bench bench-bins
bench: bench-bins
	$(BENCH_PYTHON) bench/run.py --build $(BUILD) --out bench \
	  --sizes "$(BENCH_SIZES)" --runs $(BENCH_RUNS) --cap $(BENCH_CAP)
	$(BENCH_PYTHON) bench/plot.py bench/results.json bench/bench.png

bench-bins: $(BUILD)/uringdump $(BENCH_BUILD)/udbench $(BENCH_BUILD)/workload

$(BENCH_BUILD):
	mkdir -p $@

# The bench reads the workloads' truth and writes its report with jsoncpp.
$(BENCH_BUILD)/obj/%.o: bench/%.cpp
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(JSONCPP_CFLAGS) -MMD -MP -c $< -o $@
-include $(wildcard $(BENCH_BUILD)/obj/*.d)

$(BENCH_BUILD)/udbench: $(BENCH_OBJS) $(LINK_LIBS)
	$(CXX) $(CXXFLAGS) -o $@ $(BENCH_OBJS) $(LINK_LIBS) $(LDLIBS) -ljsoncpp

$(BENCH_BUILD)/workload: bench/workload.c | $(BENCH_BUILD)
	$(CC) -O2 -g -std=c11 -Wall -Wextra -Werror -Wshadow -D_GNU_SOURCE -o $@ $< -luring
