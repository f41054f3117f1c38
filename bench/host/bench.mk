# bench.mk - the host-native allocator micro-benchmark (make fragment).
#
#   make bench-host            build and run $(O)/bench-host/bench-<frame>-<slab>
#                              for every variant: a table of ns per op at 1
#                              and 2 threads, then default/baseline ratios
#   make bench-host-callgrind  instructions and atomic instructions per op
#                              of each variant on one CPU, counted by
#                              valgrind's callgrind (exact and noise-free,
#                              unlike the timings), with the ns per op at 1
#                              and 2 threads beside them; then the same for
#                              the kmalloc ops of user-space allocators
#                              (glibc, jemalloc, mimalloc, tcmalloc: the
#                              peers, bench_peer.c) on the same loop
#
# mm/ and the hosted environment (tests/hosted/env) are built at -O2
# without sanitizers, each common source once and the variant files
# (mm/frame_<frame>.c, mm/slab_<slab>.c) once each, as in the hosted tests
# (tests/hosted/hosted.mk), all with the default shootdown. The variants
# are the table variants.txt's (variants.mk): the default of each
# mechanism first, then its baseline, which the ratios compare it with,
# then the others.
#
# Included by the top-level Makefile, or used alone from the repository
# root: make -f bench/host/bench.mk bench-host [BENCH_HOST_CC=clang] [O=build]
# (BENCH_HOST_V=1 shows the full commands).
# Uses only BENCH_HOST_* variables, O and what variants.mk defines (which
# it includes), and leaves the default goal as it found it when included.

BENCH_HOST_SAVED_GOAL := $(.DEFAULT_GOAL)
BENCH_HOST_STANDALONE := $(filter 1,$(words $(MAKEFILE_LIST)))
include variants.mk

O ?= build
BENCH_HOST_CC ?= cc
BENCH_HOST_V ?= 0
BENCH_HOST_Q := $(if $(filter 1,$(BENCH_HOST_V)),,@)
BENCH_HOST_OUT := $(O)/bench-host
BENCH_HOST_FRAMES := $(FRAME_DEFAULT) $(FRAME_BASELINE) \
	$(filter-out $(FRAME_DEFAULT) $(FRAME_BASELINE),$(FRAME_VARIANTS))
BENCH_HOST_SLABS := $(SLAB_DEFAULT) $(SLAB_BASELINE) \
	$(filter-out $(SLAB_DEFAULT) $(SLAB_BASELINE),$(SLAB_VARIANTS))
# Pairs per callgrind run, after a warm-up outside the counted function.
BENCH_HOST_CALLGRIND_N ?= 100000
BENCH_HOST_CALLGRIND_OPS := page0 page9 page0-bulk kmalloc64 kmalloc256
# The peers and what links each in (Debian's libjemalloc-dev,
# libmimalloc-dev, libgoogle-perftools-dev; scripts/deps.sh --bench).
BENCH_HOST_PEERS := glibc jemalloc mimalloc tcmalloc
BENCH_HOST_PEER_LIBS_glibc :=
BENCH_HOST_PEER_LIBS_jemalloc := -ljemalloc
BENCH_HOST_PEER_LIBS_mimalloc := -lmimalloc
BENCH_HOST_PEER_LIBS_tcmalloc := -ltcmalloc_minimal
BENCH_HOST_PEER_BINS := $(BENCH_HOST_PEERS:%=$(BENCH_HOST_OUT)/bench-peer-%)
# callgrind's output as benchtools/callgrind.py reads it: per instruction.
BENCH_HOST_CALLGRIND_FLAGS := --tool=callgrind --toggle-collect=bench_callgrind_loop \
	--dump-instr=yes --dump-line=no --compress-pos=no --compress-strings=no

BENCH_HOST_COMMON := bench/host/bench_alloc.c tests/hosted/env/env.c tests/hosted/env/hal.c \
	$(call mm_srcs,shootdown=$(SHOOTDOWN_DEFAULT))
BENCH_HOST_VARIANTS := $(foreach f,$(BENCH_HOST_FRAMES),$(foreach s,$(BENCH_HOST_SLABS),$(f)-$(s)))
BENCH_HOST_BINS := $(BENCH_HOST_VARIANTS:%=$(BENCH_HOST_OUT)/bench-%)
BENCH_HOST_DEFAULT := $(BENCH_HOST_OUT)/bench-$(firstword $(BENCH_HOST_VARIANTS))

BENCH_HOST_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -pthread -g -O2 -MMD -MP \
	-Itests/hosted/env -Imm/include -iquote kernel/arch/x86_64/include

BENCH_HOST_OBJS := $(BENCH_HOST_COMMON:%.c=$(BENCH_HOST_OUT)/obj/%.o)
BENCH_HOST_VOBJS := $(BENCH_HOST_FRAMES:%=$(BENCH_HOST_OUT)/obj/mm/frame_%.o) \
	$(BENCH_HOST_SLABS:%=$(BENCH_HOST_OUT)/obj/mm/slab_%.o)
BENCH_HOST_CC_ID := $(BENCH_HOST_OUT)/cc-id

.PHONY: bench-host bench-host-build bench-host-callgrind bench-host-cc-id

bench-host-build: $(BENCH_HOST_BINS)

# Each variant's rows go to a file, shown once the variant is done; the
# ratios are read back from all of them.
bench-host: bench-host-build
	@$(BENCH_HOST_DEFAULT) --header
	@for v in $(BENCH_HOST_VARIANTS); do \
		$(BENCH_HOST_OUT)/bench-$$v --rows > $(BENCH_HOST_OUT)/rows-$$v.txt || exit 1; \
		cat $(BENCH_HOST_OUT)/rows-$$v.txt; \
	done
	@cat $(BENCH_HOST_VARIANTS:%=$(BENCH_HOST_OUT)/rows-%.txt) > $(BENCH_HOST_OUT)/rows.txt
	@$(BENCH_HOST_DEFAULT) --ratios $(BENCH_HOST_OUT)/rows.txt \
		$(FRAME_BASELINE) $(SLAB_BASELINE)

# callgrind counts only inside bench_callgrind_loop (the N pairs); its
# "summary:" line is the total, benchtools/callgrind.py finds the atomic
# instructions among them. About 10 instructions of each op are the
# loop's own: counter, NULL check, argument set-up, the two calls. The ns
# columns are the medians of bench-host's rows (--rows), at 1 and 2
# threads. $(1): the binary, $(2): its name in the table, $(3): its ops.
define BENCH_HOST_CALLGRIND_ROWS
	$(1) --rows > $(BENCH_HOST_OUT)/rows-cg-$(2).txt || exit 1; \
	for op in $(3); do \
		out=$(BENCH_HOST_OUT)/callgrind-$(2)-$$op.out; \
		valgrind $(BENCH_HOST_CALLGRIND_FLAGS) --callgrind-out-file=$$out \
			$(1) --callgrind $$op $(BENCH_HOST_CALLGRIND_N) 2>$$out.log || \
			{ cat $$out.log; exit 1; }; \
		counts=$$(bench/host/callgrind_count.py $$out $(BENCH_HOST_CALLGRIND_N)) || exit 1; \
		awk -v v=$(2) -v op=$$op -v counts="$$counts" \
			'BEGIN { split(counts, c, " ") } \
			 $$1 == v && $$3 == op { ns[$$2] = $$4 } \
			 END { printf "  %-20s %-12s %9.1f %9.2f %10.1f %10.1f\n", v, op, c[1], c[2], ns[1], ns[2] }' \
			$(BENCH_HOST_OUT)/rows-cg-$(2).txt; \
	done
endef

bench-host-callgrind: bench-host-build $(BENCH_HOST_PEER_BINS)
	@command -v valgrind >/dev/null || { echo "bench-host-callgrind: needs valgrind (apt-get install valgrind)"; exit 1; }
	@echo "# per op (one allocation plus its free): instructions and atomic (locked)"
	@echo "# instructions on one CPU, counted by callgrind over $(BENCH_HOST_CALLGRIND_N) ops after"
	@echo "# a warm-up (exact, noise-free; about 10 instructions of each op are the"
	@echo "# benchmark loop's own), and the median ns per op at 1 and 2 threads (each"
	@echo "# thread on a core of its own, freeing what it allocated; noisy)"
	@echo "# variant             op              instr   atomics    ns(1 T)    ns(2 T)"
	@for v in $(BENCH_HOST_VARIANTS); do \
		$(call BENCH_HOST_CALLGRIND_ROWS,$(BENCH_HOST_OUT)/bench-$$v,$$v,$(BENCH_HOST_CALLGRIND_OPS)); \
	done
	@echo "# the peers: malloc(64) or malloc(256) and free, the same loop; malloc from:"
	@for p in $(BENCH_HOST_PEERS); do \
		echo "#   $$p: $$($(BENCH_HOST_OUT)/bench-peer-$$p --which)"; \
	done
	@for p in $(BENCH_HOST_PEERS); do \
		$(call BENCH_HOST_CALLGRIND_ROWS,$(BENCH_HOST_OUT)/bench-peer-$$p,$$p,kmalloc64 kmalloc256); \
	done

$(BENCH_HOST_OUT)/bench-peer-%: bench/host/bench_peer.c bench/host/bench_common.h $(BENCH_HOST_CC_ID)
	@mkdir -p $(@D)
	@$(if $(BENCH_HOST_Q),echo "  LD      $@")
	$(BENCH_HOST_Q)$(BENCH_HOST_CC) $(BENCH_HOST_CFLAGS) -o $@ $< $(BENCH_HOST_PEER_LIBS_$*)

# $(1): frame variant, $(2): slab variant.
define BENCH_HOST_BIN_RULE
$$(BENCH_HOST_OUT)/bench-$(1)-$(2): $$(BENCH_HOST_OBJS) \
		$$(BENCH_HOST_OUT)/obj/mm/frame_$(1).o $$(BENCH_HOST_OUT)/obj/mm/slab_$(2).o
	@$$(if $$(BENCH_HOST_Q),echo "  LD      $$@")
	$$(BENCH_HOST_Q)$$(BENCH_HOST_CC) $$(BENCH_HOST_CFLAGS) -o $$@ $$^
endef

$(foreach f,$(BENCH_HOST_FRAMES),$(foreach s,$(BENCH_HOST_SLABS),\
	$(eval $(call BENCH_HOST_BIN_RULE,$(f),$(s)))))

# Rewritten only when it changes: a new compiler or flags rebuild all.
$(BENCH_HOST_CC_ID): bench-host-cc-id
	@mkdir -p $(@D)
	@echo '$(BENCH_HOST_CC) $(BENCH_HOST_CFLAGS)' | cmp -s - $@ || \
		echo '$(BENCH_HOST_CC) $(BENCH_HOST_CFLAGS)' > $@

$(BENCH_HOST_OBJS) $(BENCH_HOST_VOBJS): $(BENCH_HOST_OUT)/obj/%.o: %.c $(BENCH_HOST_CC_ID)
	@mkdir -p $(@D)
	@$(if $(BENCH_HOST_Q),echo "  CC      bench $<")
	$(BENCH_HOST_Q)$(BENCH_HOST_CC) $(BENCH_HOST_CFLAGS) -c -o $@ $<

-include $(BENCH_HOST_OBJS:.o=.d) $(BENCH_HOST_VOBJS:.o=.d)

.DEFAULT_GOAL := $(if $(BENCH_HOST_STANDALONE),bench-host,$(BENCH_HOST_SAVED_GOAL))
