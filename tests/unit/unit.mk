# Unit tests (GoogleTest), their sanitizer build, and the record fuzzer.
#   make unit                      build and run $(BUILD)/unit_tests
#   make unit-asan                 the same with ASan+UBSan, in $(BUILD)/asan/
#   make fuzz [FUZZ_SECONDS=60]    libFuzzer over every parser of untrusted input
#                                  (tests/fuzz/targets.hpp), FUZZ_SECONDS each;
#                                  new inputs go into tests/fuzz/corpus/TARGET/
#                                  (commit the good ones)
#   make fuzz-smoke                each target for 5 s, new inputs under build/
#                                  (part of make check)
#   make fuzz-corpus               rewrite the record seeds in tests/fuzz/corpus/records/
#   make golden                    rewrite tests/unit/golden/* from the renderers,
#                                  showing the diff (by hand, for review; no test
#                                  and no other target runs it)
# Only the pure libraries (PURE_LIBS: no BPF, no ptrace) are compiled in.

# jsoncpp: the tests parse what the renderers write; uringdump itself uses
# it only to read checkpoint images (image/store.cpp).
JSONCPP_CFLAGS := $(shell pkg-config --cflags jsoncpp 2>/dev/null)
ifeq ($(strip $(JSONCPP_CFLAGS)),)
JSONCPP_CFLAGS := -I/usr/include/jsoncpp
endif

UNIT_LIB_SRCS  := $(foreach l,$(PURE_LIBS),$(call lib_srcs,$(l)))
# From cli/, only the pure parts: the option parser and the usage texts.
UNIT_LIB_SRCS  += src/cli/options.cpp src/cli/usage.cpp
# From kernel/, the spill chunks (no bpf() call in that file).
UNIT_LIB_SRCS  += src/kernel/spill.cpp
UNIT_TEST_SRCS := $(wildcard tests/unit/*.cpp tests/unit/*/*.cpp) tests/fuzz/targets.cpp
UNIT_SRCS      := $(UNIT_LIB_SRCS) $(UNIT_TEST_SRCS)
UNIT_DEFS      := -DUD_SOURCE_DIR='"$(CURDIR)"' -Itests/unit -Itests $(JSONCPP_CFLAGS)
UNIT_LIBS      := -lgtest -lgtest_main -pthread -ljsoncpp
# GCC 12 at -O2 with the sanitizers reports -Wmaybe-uninitialized inside
# libstdc++'s <regex> (a known false positive of that combination; the plain
# build, with the same -Werror, has no such warning), so only this build
# leaves it out.
SAN_FLAGS      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
		  -Wno-maybe-uninitialized

UNIT_OBJS := $(patsubst %.cpp,$(BUILD)/unit/obj/%.o,$(UNIT_SRCS))
ASAN_OBJS := $(patsubst %.cpp,$(BUILD)/asan/obj/%.o,$(UNIT_SRCS))

.PHONY: unit unit-asan fuzz fuzz-smoke fuzz-corpus golden

unit: $(BUILD)/unit_tests
	$(BUILD)/unit_tests

golden: $(BUILD)/unit_tests
	@rm -rf $(BUILD)/golden && mkdir -p $(BUILD)/golden
	@UD_GOLDEN_ACTUAL=$(abspath $(BUILD))/golden $(BUILD)/unit_tests --gtest_filter='Golden.*' >/dev/null || true
	@for f in $(BUILD)/golden/*; do n=$${f##*/}; \
	  if ! cmp -s "$$f" "tests/unit/golden/$$n"; then \
	    diff -u "tests/unit/golden/$$n" "$$f" || true; cp "$$f" "tests/unit/golden/$$n"; \
	    echo "golden: tests/unit/golden/$$n rewritten: review it (git diff) before committing"; \
	  fi; done

unit-asan: $(BUILD)/asan/unit_tests
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  $(BUILD)/asan/unit_tests

$(BUILD)/unit/obj/%.o: %.cpp
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(UNIT_DEFS) -MMD -MP -c $< -o $@

$(BUILD)/asan/obj/%.o: %.cpp
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(SAN_FLAGS) $(UNIT_DEFS) -MMD -MP -c $< -o $@

$(BUILD)/unit_tests: $(UNIT_OBJS)
	$(CXX) $(CXXFLAGS) -o $@ $^ $(UNIT_LIBS)

$(BUILD)/asan/unit_tests: $(ASAN_OBJS)
	$(CXX) $(CXXFLAGS) $(SAN_FLAGS) -o $@ $^ $(UNIT_LIBS)

-include $(UNIT_OBJS:.o=.d) $(ASAN_OBJS:.o=.d)

# ---- fuzzing (clang: libFuzzer comes with libclang-rt-14-dev)
# One binary per target of tests/fuzz/targets.hpp, sharing one instrumented
# build of the pure libraries.
CLANGXX       ?= clang++
FUZZ_SECONDS  ?= 60
FUZZ_SMOKE    ?= 5
FUZZ_TARGETS  := records link_info mountinfo fdinfo proc_stat iter_args argv manifest
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_LIB_SRCS := $(UNIT_LIB_SRCS) tests/fuzz/targets.cpp
FUZZ_OBJS     := $(patsubst %.cpp,$(BUILD)/fuzz/obj/%.o,$(FUZZ_LIB_SRCS))
FUZZ_BINS     := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
.SECONDARY: $(FUZZ_OBJS)

$(BUILD)/fuzz/obj/%.o: %.cpp
	@mkdir -p $(@D)
	$(CLANGXX) $(CXXFLAGS) -Itests -fsanitize=fuzzer-no-link $(FUZZ_SAN) -MMD -MP -c $< -o $@
-include $(FUZZ_OBJS:.o=.d)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/driver.cpp $(FUZZ_OBJS)
	$(CLANGXX) $(CXXFLAGS) -Itests -fsanitize=fuzzer $(FUZZ_SAN) -DUD_FUZZ_TARGET=$* \
	  -o $@ $< $(FUZZ_OBJS) -ljsoncpp

# $(call run_fuzz,TARGET,SECONDS,CORPUS_DIRS): libFuzzer adds new inputs to
# the first folder and only reads the others; crashes land in
# $(BUILD)/fuzz/artifacts/.
define run_fuzz
	@mkdir -p $(3) $(BUILD)/fuzz/artifacts
	$(BUILD)/fuzz/fuzz_$(1) -max_total_time=$(2) -max_len=16384 -timeout=20 -print_final_stats=1 \
	  -artifact_prefix=$(BUILD)/fuzz/artifacts/$(1)- $(3)

endef

fuzz: $(FUZZ_BINS)
	$(foreach t,$(FUZZ_TARGETS),$(call run_fuzz,$(t),$(FUZZ_SECONDS),tests/fuzz/corpus/$(t)))

fuzz-smoke: $(FUZZ_BINS)
	$(foreach t,$(FUZZ_TARGETS),$(call run_fuzz,$(t),$(FUZZ_SMOKE),$(BUILD)/fuzz/corpus/$(t) tests/fuzz/corpus/$(t)))

fuzz-corpus: $(BUILD)/unit_tests
	@mkdir -p tests/fuzz/corpus/records
	UD_WRITE_CORPUS=$(CURDIR)/tests/fuzz/corpus/records $(BUILD)/unit_tests --gtest_filter='Corpus.*'
