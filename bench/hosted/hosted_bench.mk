# hosted_bench.mk - the benchmark harness as a Linux program (make
# fragment, included by the top-level Makefile).
#
#   make [O=dir] [FRAME=..] [SLAB=..] [SHOOTDOWN=..] [CC=clang] bench-hosted
#
# builds $(O)/bench-hosted/bench-hosted: the portable suites (bench/, all
# but the kernel-only files, which are those that include bench_kernel.h)
# over the variant's mm/ sources (the Makefile's MM_SRCS, which
# variants.mk's mm_srcs chooses) and the hosted environment
# (tests/hosted/env), with bench/hosted as the target
# (bench/hosted/bench_target.h). -O2, no sanitizers: it measures.
#
# Include paths as in the hosted tests (tests/hosted/hosted.mk):
# kernel/include only on the quote path, so its string.h and errno.h never
# stand in for glibc's; bench/hosted first on it, so "bench_target.h" is
# the hosted one, and tests/hosted/env before kernel/include, so
# "mm_env.h" and "mm_hal.h" are the hosted ones.
#
# Objects go to $(O)/bench-hosted/obj, one per source whatever the
# variant (variant files have their own names), and are rebuilt when the
# compiler or flags change (cc-id); the program is relinked when the
# variant changes (variant-id), and target.o, which carries the commit,
# when that changes (commit-id). Uses the Makefile's CC, Q, MM_SRCS,
# COMMIT, DEBUG, FRAME, SLAB and SHOOTDOWN (validated there).

BENCH_HOSTED_OUT := $(O)/bench-hosted
BENCH_HOSTED_BIN := $(BENCH_HOSTED_OUT)/bench-hosted

BENCH_HOSTED_HARNESS := $(filter-out $(shell grep -l '"bench_kernel.h"' bench/*.c),\
	$(wildcard bench/*.c))
BENCH_HOSTED_SRCS := $(wildcard bench/hosted/*.c) $(BENCH_HOSTED_HARNESS) $(MM_SRCS) \
	tests/hosted/env/env.c tests/hosted/env/hal.c \
	kernel/lib/format.c kernel/lib/cmdline.c kernel/lib/crc32.c kernel/lib/barrier.c \
	kernel/lib/errno_name.c
BENCH_HOSTED_OBJS := $(BENCH_HOSTED_SRCS:%.c=$(BENCH_HOSTED_OUT)/obj/%.o)

# BENCH_HOSTED_SAN: extra flags such as -fsanitize=address,undefined, for
# the test that runs every suite under the sanitizers (in its own O=).
BENCH_HOSTED_SAN ?=
BENCH_HOSTED_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -pthread -MMD -MP $(BENCH_HOSTED_SAN) \
	-DMM_DEBUG=$(DEBUG) -Itests/hosted/env -Imm/include \
	-iquote bench/hosted -iquote tests/hosted/env -iquote kernel/include \
	-iquote kernel/arch/x86_64/include -iquote bench

.PHONY: bench-hosted bench-hosted-force

bench-hosted: $(BENCH_HOSTED_BIN)

# Rewritten only when their text changes, so their dates mark the change.
define BENCH_HOSTED_ID
	@mkdir -p $(@D)
	@echo '$(1)' | cmp -s - $@ || echo '$(1)' > $@
endef

$(BENCH_HOSTED_OUT)/cc-id: bench-hosted-force
	$(call BENCH_HOSTED_ID,$(CC) $(BENCH_HOSTED_CFLAGS))
$(BENCH_HOSTED_OUT)/variant-id: bench-hosted-force
	$(call BENCH_HOSTED_ID,$(FRAME) $(SLAB) $(SHOOTDOWN))
$(BENCH_HOSTED_OUT)/commit-id: bench-hosted-force
	$(call BENCH_HOSTED_ID,$(COMMIT))

$(BENCH_HOSTED_BIN): $(BENCH_HOSTED_OBJS) $(BENCH_HOSTED_OUT)/variant-id
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(BENCH_HOSTED_CFLAGS) -o $@ $(BENCH_HOSTED_OBJS)

$(BENCH_HOSTED_OUT)/obj/bench/hosted/target.o: $(BENCH_HOSTED_OUT)/commit-id
$(BENCH_HOSTED_OUT)/obj/bench/hosted/target.o: BENCH_HOSTED_DEFS := -DHOSTED_COMMIT='"$(COMMIT)"'

$(BENCH_HOSTED_OBJS): $(BENCH_HOSTED_OUT)/obj/%.o: %.c $(BENCH_HOSTED_OUT)/cc-id
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      hosted $<")
	$(Q)$(CC) $(BENCH_HOSTED_CFLAGS) $(BENCH_HOSTED_DEFS) -c -o $@ $<

bench-hosted-force:

-include $(BENCH_HOSTED_OBJS:.o=.d)
