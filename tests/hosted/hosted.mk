# hosted.mk - builds and runs the hosted unit tests (make fragment).
#
# The portable kernel sources and the test runner are built twice as
# ordinary Linux programs: runner-asan (AddressSanitizer + UBSan, any report
# fatal) and runner-tsan (ThreadSanitizer). Included by the top-level
# Makefile, or used alone from the repository root:
#   make -f tests/hosted/hosted.mk hosted-test [HOSTED_CC=clang] [O=build]
#
# kernel/include is on the quote path only (-iquote): its string.h and
# errno.h are for the freestanding kernel and must never stand in for
# glibc's <string.h> and <errno.h>. Portable headers are included with
# quotes ("lib/format.h", "kernel/acpi.h").
#
# Uses only HOSTED_* variables and O. Included, it leaves the default goal
# as it found it, so it may come before the top-level default target; alone,
# its default goal is hosted-test.

HOSTED_SAVED_GOAL := $(.DEFAULT_GOAL)
HOSTED_STANDALONE := $(filter 1,$(words $(MAKEFILE_LIST)))

O ?= build
HOSTED_CC ?= cc
HOSTED_OUT := $(O)/hosted

HOSTED_SRCS := tests/hosted/runner.c tests/hosted/env/env.c \
	$(sort $(wildcard tests/hosted/test_*.c)) \
	kernel/lib/format.c kernel/lib/cmdline.c kernel/acpi.c

HOSTED_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -pthread -g -O1 \
	-fno-omit-frame-pointer -MMD -MP \
	-Itests/hosted/env -Itests/hosted -Imm -iquote kernel/include
HOSTED_ASAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all
HOSTED_TSAN_FLAGS := -fsanitize=thread

# Records the compiler and flags, so that changing HOSTED_CC rebuilds
# everything instead of linking objects from two compilers.
HOSTED_CC_ID := $(HOSTED_OUT)/cc-id

HOSTED_ASAN_OBJS := $(HOSTED_SRCS:%.c=$(HOSTED_OUT)/asan/%.o)
HOSTED_TSAN_OBJS := $(HOSTED_SRCS:%.c=$(HOSTED_OUT)/tsan/%.o)

.PHONY: hosted-build hosted-test hosted-cc-id

hosted-build: $(HOSTED_OUT)/runner-asan $(HOSTED_OUT)/runner-tsan

hosted-test: hosted-build
	@$(HOSTED_OUT)/runner-asan
	@TSAN_OPTIONS=halt_on_error=1 $(HOSTED_OUT)/runner-tsan

$(HOSTED_OUT)/runner-asan: $(HOSTED_ASAN_OBJS)
	$(HOSTED_CC) $(HOSTED_CFLAGS) $(HOSTED_ASAN_FLAGS) -o $@ $^

$(HOSTED_OUT)/runner-tsan: $(HOSTED_TSAN_OBJS)
	$(HOSTED_CC) $(HOSTED_CFLAGS) $(HOSTED_TSAN_FLAGS) -o $@ $^

# Rewritten only when it changes, so its date marks the last change.
$(HOSTED_CC_ID): hosted-cc-id
	@mkdir -p $(@D)
	@echo '$(HOSTED_CC) $(HOSTED_CFLAGS)' | cmp -s - $@ || \
		echo '$(HOSTED_CC) $(HOSTED_CFLAGS)' > $@

$(HOSTED_ASAN_OBJS): $(HOSTED_OUT)/asan/%.o: %.c $(HOSTED_CC_ID)
	@mkdir -p $(@D)
	$(HOSTED_CC) $(HOSTED_CFLAGS) $(HOSTED_ASAN_FLAGS) -c -o $@ $<

$(HOSTED_TSAN_OBJS): $(HOSTED_OUT)/tsan/%.o: %.c $(HOSTED_CC_ID)
	@mkdir -p $(@D)
	$(HOSTED_CC) $(HOSTED_CFLAGS) $(HOSTED_TSAN_FLAGS) -c -o $@ $<

-include $(HOSTED_ASAN_OBJS:.o=.d) $(HOSTED_TSAN_OBJS:.o=.d)

.DEFAULT_GOAL := $(if $(HOSTED_STANDALONE),hosted-test,$(HOSTED_SAVED_GOAL))
