# Unit tests (GoogleTest), their sanitizer build, and the record fuzzer.
#   make unit                      build and run $(BUILD)/unit_tests
#   make unit-asan                 the same with ASan+UBSan, in $(BUILD)/asan/
#   make fuzz [FUZZ_SECONDS=60]    libFuzzer over decode_stream + build_snapshot
#   make fuzz-smoke                the fuzzer for 10 s (part of make check)
#   make fuzz-corpus               rewrite the seeds in tests/fuzz/corpus/
#   make golden                    rewrite tests/unit/golden/* from the renderers,
#                                  showing the diff (by hand, for review; no test
#                                  and no other target runs it)
# Only the pure-logic sources are compiled in: no loader, no BPF skeleton.

JSONCPP_CFLAGS := $(shell pkg-config --cflags jsoncpp 2>/dev/null)
ifeq ($(strip $(JSONCPP_CFLAGS)),)
JSONCPP_CFLAGS := -I/usr/include/jsoncpp
endif
ifeq ($(findstring $(JSONCPP_CFLAGS),$(CXXFLAGS)),)
CXXFLAGS += $(JSONCPP_CFLAGS)
endif

UNIT_LIB_SRCS  := src/records.cpp src/flags.cpp src/model.cpp src/render_text.cpp src/render_json.cpp \
		  src/links.cpp src/render_links.cpp src/iter_args.cpp
UNIT_TEST_SRCS := $(wildcard tests/unit/*.cpp)
UNIT_SRCS      := $(UNIT_LIB_SRCS) $(UNIT_TEST_SRCS)
UNIT_DEFS      := -DUD_SOURCE_DIR='"$(CURDIR)"'
UNIT_LIBS      := -lgtest -lgtest_main -pthread -ljsoncpp -lbpf -lelf -lz
SAN_FLAGS      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

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
CLANGXX      ?= clang++
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_BIN     := $(BUILD)/fuzz/fuzz_records
FUZZ_SRCS    := tests/fuzz/fuzz_records.cpp $(UNIT_LIB_SRCS)

$(FUZZ_BIN): $(FUZZ_SRCS) $(wildcard src/*.hpp) bpf/uringdump.h
	@mkdir -p $(@D)
	$(CLANGXX) $(CXXFLAGS) $(FUZZ_FLAGS) -o $@ $(FUZZ_SRCS) -ljsoncpp -lbpf -lelf -lz

# $(call run_fuzz,SECONDS): new inputs go to $(BUILD)/fuzz/corpus, the
# checked-in seeds are only read; crashes land in $(BUILD)/fuzz/artifacts/.
define run_fuzz
	@mkdir -p $(BUILD)/fuzz/corpus $(BUILD)/fuzz/artifacts
	$(FUZZ_BIN) -max_total_time=$(1) -max_len=16384 -timeout=20 -print_final_stats=1 \
	  -artifact_prefix=$(BUILD)/fuzz/artifacts/ $(BUILD)/fuzz/corpus tests/fuzz/corpus
endef

fuzz: $(FUZZ_BIN)
	$(call run_fuzz,$(FUZZ_SECONDS))

fuzz-smoke: $(FUZZ_BIN)
	$(call run_fuzz,10)

fuzz-corpus: $(BUILD)/unit_tests
	@mkdir -p tests/fuzz/corpus
	UD_WRITE_CORPUS=$(CURDIR)/tests/fuzz/corpus $(BUILD)/unit_tests --gtest_filter='Corpus.*'
