# End-to-end tests against the real kernel: `make e2e`.
# Builds uringdump and the workloads, then runs the bats suites in tests/e2e
# (TAP output).  A test that misses something it needs (root, bpffs, a tool,
# the patched bpftool) skips with a message, except under make check
# (UD_NO_SKIP=1), where it fails naming what is missing.
#   UD=tests/e2e/mutant-ud.sh UD_REAL=build/uringdump UD_MUTANT=nr_bvecs1
#                                 the suite against a wrong output: must fail
#                                 (mutants: see compare.py MUTANTS)
#   make e2e E2E_FILTER=churn     only tests whose name matches
#   UD_BIG_PARAMS="files=..."     smaller big workload (see tests/workloads/big.c)

E2E_BATS   ?= bats
E2E_FILTER ?=

.PHONY: e2e
e2e: $(BUILD)/uringdump workloads
	UD=$(abspath $(BUILD))/uringdump UD_WORKLOADS=$(abspath $(BUILD))/workloads \
	  $(E2E_BATS) --tap $(if $(E2E_FILTER),--filter '$(E2E_FILTER)') tests/e2e
