# Build of the testbed kernel, the hosted tests, and the test entry point.
#
#   make                 build $(O)/kernel.elf (O defaults to build)
#   make test            hosted tests + kernel boots under QEMU (scripts/test.sh)
#   make run [SMP=N]     interactive boot (serial on the terminal, Ctrl-A X quits)
#   make gdb [SMP=N]     boot halted with a gdb stub; then: gdb -x scripts/gdbinit
#   make CC=clang        build with clang instead of gcc
#   make FRAME=buddy|pcp|llfree SLAB=locked|magazine|slub SHOOTDOWN=batched|sync DEBUG=0|1
#                        choose the allocator variants (defaults: pcp, magazine,
#                        batched, DEBUG=0; the set is the table variants.txt);
#                        use O=dir to keep several builds side by side
#   make print-variants  what make reads from variants.txt: the variants, the
#                        defaults, baselines and rivals, the variant builds and
#                        runners
#   make V=1             show the full commands
#   make bench-host      hosted micro-benchmark of every variant (ns per op);
#                        make bench-host-callgrind counts instructions per op
#
# The kernel is linked twice: the second link embeds the symbol table of the
# first (.ksyms) for backtraces. .ksyms sits after .data, so no text symbol
# moves between the links; the build checks that.

O ?= build
SMP ?= 4
V ?= 0
Q := $(if $(filter 1,$(V)),,@)
CC := $(if $(filter default,$(origin CC)),gcc,$(CC))
LD ?= ld
NM ?= nm

ARCH := x86_64
ARCH_DIR := kernel/arch/$(ARCH)

# Variants: the table variants.txt, one line per variant (each one file,
# mm/frame_<v>.c, mm/slab_<v>.c or mm/shootdown_<v>.c), read by
# variants.mk: FRAME_VARIANTS, FRAME_DEFAULT and the like, mm_srcs.
include variants.mk
FRAME ?= $(FRAME_DEFAULT)
SLAB ?= $(SLAB_DEFAULT)
SHOOTDOWN ?= $(SHOOTDOWN_DEFAULT)
DEBUG ?= 0
$(foreach v,$(MM_VARIABLES),$(if $(filter $($(v)),$($(v)_VARIANTS)),,\
	$(error $(v)=$($(v)): expected one of $($(v)_VARIANTS))))
$(if $(filter $(DEBUG),0 1),,$(error DEBUG=$(DEBUG): expected 0 or 1))

COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD -- 2>/dev/null || echo -dirty)

MM_SRCS := $(call mm_srcs,frame=$(FRAME) slab=$(SLAB) shootdown=$(SHOOTDOWN))
KERNEL_SRCS := $(wildcard kernel/*.c kernel/lib/*.c $(ARCH_DIR)/*.c tests/kernel/*.c bench/*.c) \
	$(MM_SRCS)
KERNEL_ASM := $(filter-out $(ARCH_DIR)/kernel.ld.S,$(wildcard $(ARCH_DIR)/*.S))
KERNEL_OBJS := $(KERNEL_SRCS:%.c=$(O)/%.o) $(KERNEL_ASM:%.S=$(O)/%.o) $(O)/user/programs.o

COMPILER_INC := $(shell $(CC) -print-file-name=include)

KERNEL_CPPFLAGS := -nostdinc -isystem $(COMPILER_INC) \
	-Ikernel/include -I$(ARCH_DIR)/include -Imm/include \
	-DKERNEL_COMMIT='"$(COMMIT)"' -DMM_DEBUG=$(DEBUG)
KERNEL_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -fno-builtin -fno-stack-protector -fno-pic -fno-pie \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-mcmodel=kernel -mno-red-zone -mno-sse -mno-sse2 -mno-mmx -mno-avx \
	-MMD -MP
KERNEL_ASFLAGS := -D__ASSEMBLER__ -g -MMD -MP
KERNEL_LDFLAGS := -nostdlib -static -z max-page-size=4096 -z noexecstack \
	--no-warn-rwx-segments

ifeq ($(findstring clang,$(shell $(CC) --version 2>/dev/null | head -1)),clang)
KERNEL_CFLAGS += -mno-80387
else
KERNEL_CFLAGS += -mno-80387 -mgeneral-regs-only
USER_LDFLAGS_CC := -no-pie # gcc links PIE by default; clang, given -static, does not (and warns)
endif

.PHONY: all test run gdb clean variants print-variants

all: $(O)/kernel.elf

# Flags and commit are recorded so that a change rebuilds what depends on them.
$(O)/build-id: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(KERNEL_CPPFLAGS) $(KERNEL_CFLAGS) $(FRAME) $(SLAB) $(SHOOTDOWN)' | cmp -s - $@ || \
		echo '$(CC) $(KERNEL_CPPFLAGS) $(KERNEL_CFLAGS) $(FRAME) $(SLAB) $(SHOOTDOWN)' > $@

$(O)/%.o: %.c $(O)/build-id
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(KERNEL_CPPFLAGS) $(KERNEL_CFLAGS) -c $< -o $@

$(O)/%.o: %.S $(O)/build-id
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(KERNEL_CPPFLAGS) $(KERNEL_ASFLAGS) -c $< -o $@

$(O)/ksyms.o $(O)/ksyms-empty.o: $(O)/%.o: $(O)/%.S
	$(Q)$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

$(O)/kernel.ld: $(ARCH_DIR)/kernel.ld.S $(O)/build-id
	@mkdir -p $(@D)
	$(Q)$(CC) $(KERNEL_CPPFLAGS) -D__ASSEMBLER__ -E -P -x c $< -o $@

$(O)/ksyms-empty.S: kernel/gen_ksyms.sh
	@mkdir -p $(@D)
	$(Q)sh kernel/gen_ksyms.sh < /dev/null > $@

$(O)/kernel.pass1.elf: $(KERNEL_OBJS) $(O)/ksyms-empty.o $(O)/kernel.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(KERNEL_LDFLAGS) -T $(O)/kernel.ld -o $@ $(KERNEL_OBJS) $(O)/ksyms-empty.o

$(O)/ksyms.S: $(O)/kernel.pass1.elf kernel/gen_ksyms.sh
	$(Q)$(NM) -n --defined-only $< | sh kernel/gen_ksyms.sh > $@

$(O)/kernel.elf: $(KERNEL_OBJS) $(O)/ksyms.o $(O)/kernel.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LD) $(KERNEL_LDFLAGS) -T $(O)/kernel.ld -o $@.tmp $(KERNEL_OBJS) $(O)/ksyms.o
	@$(NM) -n --defined-only $(O)/kernel.pass1.elf | grep -i ' t ' > $(O)/syms.pass1
	@$(NM) -n --defined-only $@.tmp | grep -i ' t ' > $(O)/syms.final
	@cmp -s $(O)/syms.pass1 $(O)/syms.final || \
		{ echo "error: text symbols moved between the two links"; exit 1; }
	$(Q)mv $@.tmp $@

# Unmodified static programs of a C library: each user/musl/<prog>.c and
# bench/user/musl/<prog>.c is built as Linux would run it, with Debian's
# musl-gcc -static (package musl-tools, which scripts/deps.sh installs),
# into $(O)/user/musl_<prog>.elf and embedded with the others
# (tests/kernel/test_user_musl.c runs those of user/musl/, the harness's
# wis.* suites those of bench/user/musl/, which also get bench/hist.c).
# musl-gcc wraps gcc whatever CC is.
MUSL_CC ?= musl-gcc
MUSL_SRCS := $(wildcard user/musl/*.c bench/user/musl/*.c)
MUSL_PROGS := $(patsubst %.c,musl_%,$(notdir $(MUSL_SRCS)))
MUSL_CFLAGS := -static -O2 -std=gnu11 -Wall -Wextra -Werror -MMD -MP

$(O)/user/musl_%.elf: user/musl/%.c $(O)/build-id
	@mkdir -p $(@D)
	@$(if $(Q),echo "  MUSL    $@")
	$(Q)$(MUSL_CC) $(MUSL_CFLAGS) -o $@ $<

$(O)/user/musl_%.elf: bench/user/musl/%.c $(O)/bench/hist.musl.o $(O)/build-id
	@mkdir -p $(@D)
	@$(if $(Q),echo "  MUSL    $@")
	$(Q)$(MUSL_CC) $(MUSL_CFLAGS) -o $@ $< $(O)/bench/hist.musl.o

$(O)/bench/hist.musl.o: bench/hist.c $(O)/build-id
	@mkdir -p $(@D)
	@$(if $(Q),echo "  MUSL    $@")
	$(Q)$(MUSL_CC) $(MUSL_CFLAGS) -c -o $@ $<

# User programs: each user/<prog>.c and bench/user/<prog>.c, linked with
# everything in user/lib/, the kernel's formatter, kernel/lib/format.c, and
# its errno names, kernel/lib/errno_name.c
# (bench programs also with bench/hist.c; all build unchanged for user mode), becomes the static freestanding ELF
# $(O)/user/<prog>.elf (linked at 0x400000, Linux's default); all of them
# are embedded in the kernel by $(O)/user/programs.S
# (kernel/gen_user_programs.sh), which the kernel finds as user_programs[]
# (kernel/proc.h). The list of programs is kept in programs.list so that
# adding or removing one regenerates the table.
USER_PROG_SRCS := $(wildcard user/*.c bench/user/*.c)
USER_PROGS := $(basename $(notdir $(USER_PROG_SRCS))) $(MUSL_PROGS)
USER_LIB_OBJS := $(patsubst %,$(O)/%.o,$(wildcard user/lib/*.c user/lib/*.S) kernel/lib/format.c \
	kernel/lib/errno_name.c)
USER_BENCH_OBJS := $(O)/bench/hist.c.o
USER_OBJS := $(USER_PROG_SRCS:%=$(O)/%.o) $(USER_LIB_OBJS) $(USER_BENCH_OBJS)
USER_ELFS := $(USER_PROGS:%=$(O)/user/%.elf)
USER_CPPFLAGS := -Iuser/include -Ikernel/include/uapi -Imm/include -iquote kernel/include
USER_CFLAGS := -std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -fno-pie \
	-fno-stack-protector -fno-asynchronous-unwind-tables -MMD -MP
USER_LDFLAGS := -static -nostdlib $(USER_LDFLAGS_CC) -Wl,-z,max-page-size=4096 -Wl,-z,noexecstack \
	-Wl,--build-id=none

$(O)/%.c.o: %.c $(O)/build-id
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(USER_CPPFLAGS) $(USER_CFLAGS) -c $< -o $@

$(O)/%.S.o: %.S $(O)/build-id
	@mkdir -p $(@D)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(USER_CPPFLAGS) -D__ASSEMBLER__ -MMD -MP -c $< -o $@

$(O)/user/%.elf: $(O)/user/%.c.o $(USER_LIB_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(USER_LDFLAGS) -o $@ $^

$(O)/user/%.elf: $(O)/bench/user/%.c.o $(USER_BENCH_OBJS) $(USER_LIB_OBJS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(USER_LDFLAGS) -o $@ $^

# Kept between builds (make would delete them as intermediate files).
.SECONDARY: $(USER_OBJS)

$(O)/user/programs.list: FORCE
	@mkdir -p $(@D)
	@echo '$(USER_PROGS)' | cmp -s - $@ || echo '$(USER_PROGS)' > $@

$(O)/user/programs.S: $(O)/user/programs.list kernel/gen_user_programs.sh
	$(Q)sh kernel/gen_user_programs.sh $(foreach p,$(USER_PROGS),$(p)=$(O)/user/$(p).elf) > $@

$(O)/user/programs.o: $(O)/user/programs.S $(USER_ELFS)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

include tests/hosted/hosted.mk
include bench/host/bench.mk
include bench/hosted/hosted_bench.mk

# Every variant combination of frame and slab, plus the debug build of the
# defaults and each shootdown variant other than the default (the sync
# baseline) with the chosen frame and slab, each in its own build
# directory (booted at 4 CPUs; a rival in the design, the combinations
# that --rivals races, at 1, 2, 4 and 8 like the design; a shootdown
# variant at 2, 4 and 8, the sizes of the multi-threaded user tests); the
# default build is $(O) itself.
TEST_VARIANTS := $(foreach f,$(FRAME_VARIANTS),$(foreach s,$(SLAB_VARIANTS),$(f)-$(s)))
TEST_RIVALS := $(filter $(MM_RIVAL_VARIANTS:%-$(SHOOTDOWN_DEFAULT)=%),$(TEST_VARIANTS))
TEST_SHOOTDOWNS := $(filter-out $(SHOOTDOWN_DEFAULT),$(SHOOTDOWN_VARIANTS))
VARIANT_DIRS := $(foreach v,$(filter-out $(FRAME)-$(SLAB),$(TEST_VARIANTS)),\
	$(O)/variants/$(v)$(if $(filter $(v),$(TEST_RIVALS)),:1$(mm_comma)2$(mm_comma)4$(mm_comma)8)) \
	$(O)/variants/$(FRAME)-$(SLAB)-debug $(TEST_SHOOTDOWNS:%=$(O)/variants/shootdown-%:2,4,8)

variants:
	@for v in $(filter-out $(FRAME)-$(SLAB),$(TEST_VARIANTS)); do \
		$(MAKE) --no-print-directory O=$(O)/variants/$$v FRAME=$${v%-*} SLAB=$${v#*-} \
			$(O)/variants/$$v/kernel.elf || exit 1; \
	done
	@$(MAKE) --no-print-directory O=$(O)/variants/$(FRAME)-$(SLAB)-debug DEBUG=1 \
		$(O)/variants/$(FRAME)-$(SLAB)-debug/kernel.elf
	@for d in $(TEST_SHOOTDOWNS); do \
		$(MAKE) --no-print-directory O=$(O)/variants/shootdown-$$d SHOOTDOWN=$$d \
			$(O)/variants/shootdown-$$d/kernel.elf || exit 1; \
	done

# What make reads from the variant table: its lines as comments, then one
# 'NAME = value' line per variable (tests/host/test_variants.py reads them).
PRINT_VARIANTS_VARS := MM_MECHANISMS MM_VARIABLES \
	$(foreach v,$(MM_VARIABLES),$(v)_VARIANTS $(v)_DEFAULT $(v)_BASELINE $(v)_RIVAL) \
	MM_DEFAULT_VARIANT MM_BASELINE_VARIANTS MM_RIVAL_VARIANTS TEST_VARIANTS TEST_SHOOTDOWNS VARIANT_DIRS \
	HOSTED_RUNNERS BENCH_HOST_VARIANTS MM_SRCS

print-variants:
	@echo '# $(VARIANTS_TABLE):'
	@awk '/^[[:space:]]*($(mm_hash)|$$)/ { next } { printf "#   %-10s %-10s %-9s", $$1, $$2, $$3; \
		$$1 = $$2 = $$3 = ""; sub(/^ +/, ""); print " " $$0 }' '$(VARIANTS_TABLE)'
	@$(foreach n,$(PRINT_VARIANTS_VARS),echo '$(n) = $(strip $($(n)))';)

# deps.sh first: on a fresh machine `make test` is all a user types.
test:
	scripts/deps.sh
	$(MAKE) --no-print-directory $(O)/kernel.elf hosted-build variants
	scripts/test.sh --build $(O) $(addprefix --variant ,$(VARIANT_DIRS))

run: $(O)/kernel.elf
	scripts/qemu.sh --kernel $(O)/kernel.elf --smp $(SMP) --interactive

gdb: $(O)/kernel.elf
	@echo "QEMU waits for gdb on :1234; in another terminal: gdb -x scripts/gdbinit"
	scripts/qemu.sh --kernel $(O)/kernel.elf --smp $(SMP) --interactive --gdb

clean:
	rm -rf $(O)

FORCE:

-include $(KERNEL_OBJS:.o=.d) $(USER_OBJS:.o=.d) $(MUSL_PROGS:%=$(O)/user/%.d) $(O)/bench/hist.musl.d
