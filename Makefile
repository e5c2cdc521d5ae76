# samarl — build, test, run.
#
#   make          build build/samarl, build/samarl-partition and build/libsamarl.so
#                 (the step API, include/samarl/api.h)
#   make run      install missing dependencies, build, run the main job
#   make test     install missing dependencies, build, run the test suite
#   make bench    run the standard benchmarks into results/bench/ (a few minutes)
#   make bench-1e6, bench-ctde   the big runs (bench/README.md)
#   make asan     the test suite on an ASan+UBSan build (build-asan)
#   make memcheck valgrind over single-rank commands and the unit tests
#   make tidy, cppcheck          static analysis (docs/static-analysis.md)
#   make format, format-check    clang-format the C sources (.clang-format);
#                 format-check changes nothing and is part of make test
#   make fuzz     fuzz the input parsers with libFuzzer, FUZZ_SECONDS (20) each,
#                 failing on any crash (needs clang; tests/fuzz/README.md)
#
# Settings live in config.mk; put local overrides in config.local.mk.

include config.mk
-include config.local.mk

BUILD   ?= build
SHARED  ?= ../shared
NP      ?= $(shell nproc 2>/dev/null || echo 2)
PROVE   ?= prove
# Test files run two at a time: most of a file's time is mpirun starting
# ranks and waiting on them, not computing.
TEST_JOBS ?= 2

ALL_CFLAGS = $(CFLAGS) $(HDF5_CFLAGS) $(BLAS_CFLAGS) $(INIH_CFLAGS) $(METIS_CFLAGS)
ALL_LIBS   = $(HDF5_LIBS) $(BLAS_LIBS) $(INIH_LIBS) $(METIS_LIBS) -lm

# Library: everything but the two programs' main files: src/ holds one folder
# per layer (docs/architecture.md).
LIB_SRC  = $(filter-out src/cmd/main.c,$(wildcard src/*/*.c)) \
           $(filter-out partition/samarl_partition.c,$(wildcard partition/*.c))
LIB_OBJ  = $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC))
LIB      = $(BUILD)/libsamarl.a
# The shared library of the step API (include/samarl/api.h, python/samarl/env.py):
# the same sources compiled again with -fPIC into $(BUILD)/pic, so that the
# static library and the programs stay as they are; it exports samarl_env_*,
# samarl_api_version and samarl_errmsg only (src/api/libsamarl.map).
PIC_OBJ  = $(patsubst %.c,$(BUILD)/pic/%.o,$(LIB_SRC))
SO       = $(BUILD)/libsamarl.so

TEST_SRC   = $(wildcard tests/test_*.c)
TEST_BIN   = $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
BENCH_SRC  = $(wildcard bench/*.c)
BENCH_BIN  = $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

GIT_SHA := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)

# mpirun as root (CI, containers) needs these; harmless otherwise.
ifeq ($(shell id -u),0)
MPIENV = OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
endif

.PHONY: all deps test check run bench bench-scaling bench-1e6 bench-ctde tests benches clean format \
        format-check tidy \
        asan memcheck cppcheck \
        fuzz fuzz-build fuzz-bins
.SECONDARY:
all: $(BUILD)/samarl $(BUILD)/samarl-partition $(SO)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -fPIC -MMD -MP -c $< -o $@

# The version object records the commit and flags it was built from; the
# generated header changes only when they do, so nothing relinks needlessly.
$(BUILD)/gen/build_info.h: .FORCE
	@mkdir -p $(dir $@)
	@printf '#define SAMARL_GIT_SHA "%s"\n#define SAMARL_BUILD_CC "%s"\n#define SAMARL_BUILD_CFLAGS "%s"\n' \
	  '$(GIT_SHA)' '$(CC)' '$(CFLAGS)' > $@.tmp
	@cmp -s $@.tmp $@ || mv $@.tmp $@; rm -f $@.tmp
$(BUILD)/obj/src/core/version.o $(BUILD)/pic/src/core/version.o: CPPFLAGS += -I$(BUILD)/gen
$(BUILD)/obj/src/core/version.o $(BUILD)/pic/src/core/version.o: $(BUILD)/gen/build_info.h
.PHONY: .FORCE
.FORCE:

# The consensus kernel gains from -O3's unrolling of its lockstep loops.
# (The shared library's objects in $(BUILD)/pic get the same flags: the same bits.)
$(BUILD)/obj/src/graph/consensus.o $(BUILD)/pic/src/graph/consensus.o: CFLAGS += -O3
# ... and the element-wise loops of the policy (tanh, log-softmax, Adam), of
# the environment (log1p), of the PPO trainer and loss and of the small
# networks (tmlp) vectorise at -O3.
O3_OBJ = src/nn/policy.o src/env/dr.o src/train/ppo.o src/train/ppo_common.o src/train/rollout.o \
         src/nn/tmlp.o
$(foreach o,$(O3_OBJ),$(BUILD)/obj/$(o) $(BUILD)/pic/$(o)): CFLAGS += -O3 -fno-trapping-math

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SO): $(PIC_OBJ) src/api/libsamarl.map
	$(CC) $(LDFLAGS) -shared -Wl,-soname,libsamarl.so -Wl,--version-script=src/api/libsamarl.map \
	  -Wl,-z,defs -o $@ $(PIC_OBJ) $(ALL_LIBS)

$(BUILD)/samarl: $(BUILD)/obj/src/cmd/main.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(BUILD)/samarl-partition: $(BUILD)/obj/partition/samarl_partition.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

tests: all $(TEST_BIN)
benches: all $(BENCH_BIN)

# Install what is missing (a no-op when everything is there).
deps:
	@bash scripts/install-deps.sh

# The README's test command: set up, build, run every test under prove.
test: deps
	@$(MAKE) --no-print-directory check

check: format-check tests
	SAMARL_BUILD=$(BUILD) SAMARL_SHARED=$(SHARED) MPIRUN=$(MPIRUN) \
	  $(PROVE) -j$(TEST_JOBS) -e bash -f --timer tests/*.t

# The main job: train per-agent policies for 256 agents, execute them with
# consensus on the multipliers and with every baseline, compare (a few
# minutes on 2 cores). Writes results/run/.
run: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) MPIRUN="$(MPIRUN)" bash scripts/main_job.sh $(NP)

bench: deps
	@$(MAKE) --no-print-directory benches
	@BUILD=$(BUILD) bash bench/consensus.sh
	@BUILD=$(BUILD) bash bench/train.sh
	@BUILD=$(BUILD) bash bench/run.sh
	@BUILD=$(BUILD) bash bench/scaling.sh

# Scaling alone; e.g. make bench-scaling SCALING_ARGS='--ranks "1 2 4" --what run'
bench-scaling: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) bash bench/scaling.sh $(SCALING_ARGS)

# The big runs (bench/README.md): 10^6 agents for a simulated week, and the
# CTDE (MAPPO-Lagrangian) sweep against state-augmented training.
bench-1e6: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) bash bench/million.sh

bench-ctde: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) bash bench/ctde.sh

# ---- sanitizers and static analysis (docs/static-analysis.md) -------------

# The whole suite against an ASan+UBSan build in build-asan (-O1 -g; the
# four files the normal build compiles at -O3 keep it). Any report fails:
# ASan/LSan stop the process with status 86 and write their report under
# build-asan/sanitizer-logs, which must stay empty (so a report from a
# command that a test expects to fail counts too); UBSan (GCC's libubsan
# ignores log_path) reports on stderr and exits with 87. Stacks are unwound
# slowly (fast_unwind_on_malloc=0) so that the suppressions in
# tests/sanitizers/lsan.supp can see the library frames; intercept_tls_get_addr=0
# avoids LSan's tracer crashing on the TLS of MPI plugins that were dlclose'd.
# SAMARL_TEST_SLOW stretches the tests' hang guards (tests/env.sh).
ASAN_BUILD = build-asan
SANITIZE   = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SAN_LOGS   = $(CURDIR)/$(ASAN_BUILD)/sanitizer-logs
SAN_ENV    = ASAN_OPTIONS=halt_on_error=1:exitcode=86:detect_leaks=1:fast_unwind_on_malloc=0:$\
intercept_tls_get_addr=0:log_path=$(SAN_LOGS)/asan \
             UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87 \
             LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizers/lsan.supp:print_suppressions=0 \
             SAMARL_TEST_SLOW=4 SAMARL_TEST_VMEM_KB=unlimited
ASAN_MAKE  = $(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) OPT='-O1 -g $(SANITIZE)' \
             LDFLAGS='$(SANITIZE)'

asan:
	+@$(ASAN_MAKE) tests
	@rm -rf $(SAN_LOGS) && mkdir -p $(SAN_LOGS)
	+$(SAN_ENV) $(ASAN_MAKE) check
	@if [ -n "$$(ls $(SAN_LOGS))" ]; then head -50 $(SAN_LOGS)/*; \
	  echo "asan: sanitizer reports in $(SAN_LOGS)"; exit 1; fi

# Valgrind memcheck over single-rank commands and the unit tests, on the
# normal build (-O2 -g); logs in $(BUILD)/memcheck.
memcheck: tests
	SAMARL_BUILD=$(BUILD) MPIRUN=$(MPIRUN) bash tests/sanitizers/memcheck.sh
# Fuzzing (tests/fuzz/README.md): the library again in $(FUZZ_BUILD), built by
# clang under mpicc (OMPI_CC) with libFuzzer's coverage and ASan + UBSan.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 20
FUZZ_TARGETS  = config metis edges nodes profiles
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined

fuzz:
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) MAKE="$(MAKE)" \
	  bash tests/fuzz/run.sh $(FUZZ_TARGETS)

fuzz-build:
	@OMPI_CC=clang $(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) \
	  OPT="-O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	  -fsanitize-coverage-ignorelist=tests/fuzz/coverage-ignore.txt \
	  -Wno-unknown-warning-option" fuzz-bins

fuzz-bins: $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB) $(ALL_LIBS)

clean:
	rm -rf $(BUILD)

# Every C source and header we write (tests/fuzz's harnesses included).
FORMAT_SRC = $(shell find src include partition tests bench -name '*.[ch]' | LC_ALL=C sort)
format:
	clang-format -i $(FORMAT_SRC)
# Lists each file that clang-format would change, and fails if there is one.
format-check:
	@bad=$$(for f in $(FORMAT_SRC); do \
	  clang-format --dry-run --Werror "$$f" >/dev/null 2>&1 || echo "$$f"; done); \
	if [ -n "$$bad" ]; then \
	  echo "format-check: not formatted as .clang-format says (make format fixes them):"; \
	  printf '  %s\n' $$bad; exit 1; \
	fi; echo "format-check: $(words $(FORMAT_SRC)) files formatted"

# Static analysis (docs/static-analysis.md). One clang-tidy process per file:
# clang-tidy 14 run over several files in one process reports false
# va_list warnings. mpicc's include flags are spelled out for the tools.
ANALYSE_SRC = $(wildcard src/*/*.c partition/*.c)
MPI_CFLAGS  = $(shell $(CC) --showme:compile 2>/dev/null)
ANALYSE_FLAGS = $(CPPFLAGS) -I$(BUILD)/gen $(HDF5_CFLAGS) $(BLAS_CFLAGS) $(INIH_CFLAGS) \
                $(METIS_CFLAGS) $(MPI_CFLAGS)

tidy: $(BUILD)/gen/build_info.h
	@rc=0; for f in $(ANALYSE_SRC); do \
	  out=$$(clang-tidy --quiet $$f -- $(ANALYSE_FLAGS) -std=c11 -Wall -Wextra 2>&1) || rc=1; \
	  printf '%s\n' "$$out" | grep -v 'warnings* generated\.$$' || true; \
	done; exit $$rc

cppcheck: $(BUILD)/gen/build_info.h
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr --std=c11 --platform=unix64 -D__GNUC__ -D__x86_64__ \
	  $(filter -I% -D%,$(ANALYSE_FLAGS)) $(ANALYSE_SRC)

-include $(shell find $(BUILD)/obj $(BUILD)/pic -name '*.d' 2>/dev/null)
