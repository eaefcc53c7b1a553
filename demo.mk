# demo.mk — `make demo`: install what is missing, build uringdump and the demo
# workload, start the workload, dump it as text and as pretty JSON,
# checkpoint it, restore the checkpoint into a holder and dump the holder,
# stop both.
# Included from the top-level Makefile.  Loading BPF needs root.
#
# The workload (tests/workloads/demo.c) takes the path of a truth file, writes
# TRUTH.ready once its io_uring and epoll state is built, then sleeps until
# SIGTERM.  It is stopped on every path out of the recipe (success, a failing
# step, Ctrl-C), and `make demo` exits with the first failing status of
# uringdump (0 when both dumps succeed).

DEMO_WORKLOAD ?= $(BUILD)/workloads/demo
# Seconds to wait for the workload to be ready.
DEMO_TIMEOUT  ?= 10

.PHONY: demo

# deps first, then the builds: a sub-make keeps that order under make -j.
demo: deps
	@$(MAKE) --no-print-directory all workloads
	@[ "$$(id -u)" -eq 0 ] || echo "demo: not root: loading BPF iterators will probably fail (exit status 4)" >&2; \
	tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/uringdump-demo.XXXXXX") || exit 1; \
	pid=; holder=; \
	stop() { \
	  if [ -n "$$holder" ]; then kill -TERM "$$holder" 2>/dev/null; fi; \
	  if [ -n "$$pid" ]; then kill -TERM "$$pid" 2>/dev/null; wait "$$pid" 2>/dev/null; fi; \
	  rm -rf "$$tmp"; \
	}; \
	trap stop EXIT; \
	trap 'exit 130' INT TERM HUP; \
	"$(DEMO_WORKLOAD)" "$$tmp/truth.json" >"$$tmp/workload.log" 2>&1 & pid=$$!; \
	ticks=0; \
	while [ ! -e "$$tmp/truth.json.ready" ]; do \
	  case "$$(cat /proc/$$pid/stat 2>/dev/null)" in \
	  ""|*") Z "*) echo "demo: the workload exited before it was ready:" >&2; \
	               cat "$$tmp/workload.log" >&2; exit 1;; \
	  esac; \
	  ticks=$$((ticks + 1)); \
	  if [ $$ticks -gt $$(($(DEMO_TIMEOUT) * 10)) ]; then \
	    echo "demo: the workload was not ready after $(DEMO_TIMEOUT) s" >&2; \
	    cat "$$tmp/workload.log" >&2; exit 1; \
	  fi; \
	  sleep 0.1; \
	done; \
	echo "\$$ $(BUILD)/uringdump $$pid"; \
	$(BUILD)/uringdump "$$pid" || exit $$?; \
	echo; \
	echo "\$$ $(BUILD)/uringdump -p $$pid"; \
	$(BUILD)/uringdump -p "$$pid" || exit $$?; \
	echo; \
	echo "\$$ $(BUILD)/uringdump checkpoint --freeze $$pid $$tmp/img"; \
	$(BUILD)/uringdump checkpoint --freeze "$$pid" "$$tmp/img" || exit $$?; \
	echo "\$$ $(BUILD)/uringdump restore $$tmp/img --files-from $$pid --pidfile $$tmp/holder.pid"; \
	$(BUILD)/uringdump restore "$$tmp/img" --files-from "$$pid" --pidfile "$$tmp/holder.pid" || exit $$?; \
	holder=$$(cat "$$tmp/holder.pid"); \
	echo "\$$ $(BUILD)/uringdump $$holder    # the holder: the same rings and epolls"; \
	$(BUILD)/uringdump "$$holder"
