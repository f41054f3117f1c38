# hosted.mk - builds and runs the hosted unit tests (make fragment).
#
# The portable sources (mm/, the portable kernel libraries) and the tests
# are built as ordinary Linux programs, one runner per flavour and variant
# combination: $(O)/hosted/runner-<flavour>-<frame>-<slab>, where
#   flavour  asan        AddressSanitizer + UBSan, any report fatal
#            tsan        ThreadSanitizer
#            asan-debug  as asan, with mm/'s debug checks (-DMM_DEBUG=1)
#   frame    every frame variant of variants.txt   (mm/frame_<frame>.c)
#   slab     every slab variant of variants.txt    (mm/slab_<slab>.c)
# all with the default shootdown (batched, mm/shootdown_batched.c), and
# for the frame-slab pairs in HOSTED_SYNC_PAIRS (the default frame and
# slab) also runner-<flavour>-<frame>-<slab>-<shootdown> with each other
# shootdown variant (sync, mm/shootdown_sync.c): only the shootdown tests
# tell those apart, so one pair is enough. The variants and defaults are
# the table variants.txt's (variants.mk).
# Every other mm/*.c file is common to all variants (variants.mk's
# MM_COMMON_SRCS). Each source is
# compiled once per flavour (variant files included: frame_pcp.o serves
# both slab variants), so a variant costs a link, not a build.
# $(O)/hosted/runners.list names every runner built, one absolute path a
# line, for scripts/test.sh.
#
# Included by the top-level Makefile, or used alone from the repository
# root:
#   make -f tests/hosted/hosted.mk hosted-test [HOSTED_CC=clang] [O=build]
# HOSTED_FLAVOURS, HOSTED_FRAMES and HOSTED_SLABS narrow the set, e.g.
#   make hosted-test HOSTED_FLAVOURS=asan HOSTED_FRAMES=pcp
# and HOSTED_V=1 shows the full commands.
#
# kernel/include is on the quote path only (-iquote): its string.h and
# errno.h are for the freestanding kernel and must never stand in for
# glibc's <string.h> and <errno.h>. Portable headers are included with
# quotes ("lib/format.h", "kernel/acpi.h"). The quote path searches
# tests/hosted/env first, so "mm_env.h" and "mm_hal.h" are the hosted
# ones, not the kernel's. mm/ is on the quote path too: these tests test
# its insides ("page.h", "aspace_internal.h"); every other build sees only
# its public headers, <mm/...> (mm/include).
#
# Uses only HOSTED_* variables, O and what variants.mk defines (which it
# includes). Included, it leaves the default goal as it found it, so it may
# come before the top-level default target; alone, its default goal is
# hosted-test.

HOSTED_SAVED_GOAL := $(.DEFAULT_GOAL)
HOSTED_STANDALONE := $(filter 1,$(words $(MAKEFILE_LIST)))
include variants.mk

O ?= build
HOSTED_CC ?= cc
HOSTED_V ?= 0
HOSTED_OUT := $(O)/hosted
HOSTED_Q := $(if $(filter 1,$(HOSTED_V)),,@)

# Adding a flavour is one word here (and a HOSTED_FLAGS_ line); adding a
# variant is a line of variants.txt.
HOSTED_FLAVOURS ?= asan tsan asan-debug
HOSTED_FRAMES ?= $(FRAME_VARIANTS)
HOSTED_SLABS ?= $(SLAB_VARIANTS)
HOSTED_SYNC_PAIRS ?= $(FRAME_DEFAULT)-$(SLAB_DEFAULT)
# The shootdown variants that get a runner of their own (named by suffix).
HOSTED_SHOOTDOWNS := $(filter-out $(SHOOTDOWN_DEFAULT),$(SHOOTDOWN_VARIANTS))

HOSTED_COMMON := $(sort $(wildcard tests/hosted/*.c)) \
	tests/hosted/env/env.c tests/hosted/env/hal.c \
	kernel/lib/format.c kernel/lib/cmdline.c kernel/lib/crc32.c kernel/lib/errno_name.c \
	kernel/acpi.c bench/hist.c \
	$(call mm_srcs)

HOSTED_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -pthread -g -O1 \
	-fno-omit-frame-pointer -MMD -MP \
	-Itests/hosted/env -Itests/hosted -Imm/include -iquote mm \
	-iquote tests/hosted/env -iquote kernel/include -iquote kernel/arch/x86_64/include \
	-iquote bench
HOSTED_FLAGS_asan := -fsanitize=address,undefined -fno-sanitize-recover=all
HOSTED_FLAGS_tsan := -fsanitize=thread
HOSTED_FLAGS_asan-debug := $(HOSTED_FLAGS_asan) -DMM_DEBUG=1

HOSTED_RUNNERS := $(foreach fl,$(HOSTED_FLAVOURS),$(foreach f,$(HOSTED_FRAMES),\
	$(foreach s,$(HOSTED_SLABS),$(HOSTED_OUT)/runner-$(fl)-$(f)-$(s)))) \
	$(foreach d,$(HOSTED_SHOOTDOWNS),$(foreach fl,$(HOSTED_FLAVOURS),\
		$(HOSTED_SYNC_PAIRS:%=$(HOSTED_OUT)/runner-$(fl)-%-$(d))))

.PHONY: hosted-build hosted-test hosted-cc-id

hosted-build: $(HOSTED_RUNNERS) $(HOSTED_OUT)/runners.list

# Every runner, even after a failure; TSan stops at its first report.
# User TSAN_OPTIONS come last, so they win.
hosted-test: hosted-build
	@status=0; for r in $(HOSTED_RUNNERS); do \
		echo "== $$r"; \
		case $$r in \
		*/runner-tsan-*) TSAN_OPTIONS="halt_on_error=1 $$TSAN_OPTIONS" $$r || status=1 ;; \
		*) $$r || status=1 ;; \
		esac; \
	done; exit $$status

# The files below are rewritten only when their text changes, so their
# dates mark the last change: a new compiler or flags rebuild that flavour
# instead of linking objects from two compilers, and the list stays put.
define HOSTED_WRITE_IF_CHANGED
	@mkdir -p $(@D)
	@printf '%s\n' $(1) | cmp -s - $@ || printf '%s\n' $(1) > $@
endef

$(HOSTED_OUT)/runners.list: hosted-cc-id
	$(call HOSTED_WRITE_IF_CHANGED,$(abspath $(HOSTED_RUNNERS)))

# $(1): flavour. Objects go to $(HOSTED_OUT)/$(1)/<source path>.o.
define HOSTED_FLAVOUR_RULES
HOSTED_OBJS_$(1) := $$(HOSTED_COMMON:%.c=$$(HOSTED_OUT)/$(1)/%.o)
HOSTED_VOBJS_$(1) := $$(HOSTED_FRAMES:%=$$(HOSTED_OUT)/$(1)/mm/frame_%.o) \
	$$(HOSTED_SLABS:%=$$(HOSTED_OUT)/$(1)/mm/slab_%.o) \
	$$(SHOOTDOWN_VARIANTS:%=$$(HOSTED_OUT)/$(1)/mm/shootdown_%.o)

$$(HOSTED_OUT)/$(1)/cc-id: hosted-cc-id
	$$(call HOSTED_WRITE_IF_CHANGED,'$$(HOSTED_CC) $$(HOSTED_CFLAGS) $$(HOSTED_FLAGS_$(1))')

$$(HOSTED_OBJS_$(1)) $$(HOSTED_VOBJS_$(1)): $$(HOSTED_OUT)/$(1)/%.o: %.c $$(HOSTED_OUT)/$(1)/cc-id
	@mkdir -p $$(@D)
	@$$(if $$(HOSTED_Q),echo "  CC      $(1) $$<")
	$$(HOSTED_Q)$$(HOSTED_CC) $$(HOSTED_CFLAGS) $$(HOSTED_FLAGS_$(1)) -c -o $$@ $$<

-include $$(HOSTED_OBJS_$(1):.o=.d) $$(HOSTED_VOBJS_$(1):.o=.d)
endef

# $(1): flavour, $(2): frame variant, $(3): slab variant, $(4): shootdown
# variant, $(5): suffix of the runner's name.
define HOSTED_RUNNER_RULE
$$(HOSTED_OUT)/runner-$(1)-$(2)-$(3)$(5): $$(HOSTED_OBJS_$(1)) \
		$$(HOSTED_OUT)/$(1)/mm/frame_$(2).o $$(HOSTED_OUT)/$(1)/mm/slab_$(3).o \
		$$(HOSTED_OUT)/$(1)/mm/shootdown_$(4).o
	@$$(if $$(HOSTED_Q),echo "  LD      $$@")
	$$(HOSTED_Q)$$(HOSTED_CC) $$(HOSTED_CFLAGS) $$(HOSTED_FLAGS_$(1)) -o $$@ $$^
endef

$(foreach fl,$(HOSTED_FLAVOURS),$(eval $(call HOSTED_FLAVOUR_RULES,$(fl))))
$(foreach fl,$(HOSTED_FLAVOURS),$(foreach f,$(HOSTED_FRAMES),$(foreach s,$(HOSTED_SLABS),\
	$(eval $(call HOSTED_RUNNER_RULE,$(fl),$(f),$(s),$(SHOOTDOWN_DEFAULT),)))))
$(foreach d,$(HOSTED_SHOOTDOWNS),$(foreach fl,$(HOSTED_FLAVOURS),$(foreach p,$(HOSTED_SYNC_PAIRS),\
	$(eval $(call HOSTED_RUNNER_RULE,$(fl),$(word 1,$(subst -, ,$(p))),$(word 2,$(subst -, ,$(p))),$(d),-$(d))))))

.DEFAULT_GOAL := $(if $(HOSTED_STANDALONE),hosted-test,$(HOSTED_SAVED_GOAL))
