/*
 * Tiny user programs built in memory, for the self-tests of user mode that
 * check the kernel's side alone (entry and exit, kills, clone, the
 * loader), independent of the programs in user/.
 *
 * An image is a static ELF64 executable with one read+execute PT_LOAD
 * that maps the file from offset 0 at `text` (so the headers come first),
 * the code at file offset code_off (the entry point), and a read-write,
 * zero-filled segment of USER_IMAGE_BSS_SIZE at USER_IMAGE_BSS. Code is
 * written in assembly between two labels (USER_SNIPPET) and must be
 * position-independent or use absolute addresses of the bss.
 */
#ifndef TESTS_KERNEL_USER_IMAGE_H
#define TESTS_KERNEL_USER_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include <kernel/elf.h>
#include <kernel/proc.h>

#define USER_IMAGE_TEXT 0x400000ull
#define USER_IMAGE_BSS 0x600000ull
#define USER_IMAGE_BSS_SIZE 0x2000ull
#define USER_IMAGE_HEADERS (sizeof(struct elf64_ehdr) + 2 * sizeof(struct elf64_phdr))
#define USER_IMAGE_MAX 8192

struct user_image {
	struct user_program prog;
	unsigned char bytes[USER_IMAGE_MAX] __attribute__((aligned(16)));
};

/* Code at text + code_off; code_off >= USER_IMAGE_HEADERS. */
void user_image_build_at(struct user_image *img, const char *name, uint64_t text,
			 uint64_t code_off, const void *code, size_t len);

static inline void user_image_build(struct user_image *img, const char *name, const void *code,
				    size_t len)
{
	user_image_build_at(img, name, USER_IMAGE_TEXT, USER_IMAGE_HEADERS, code, len);
}

/* The ELF header and program headers of img, to corrupt on purpose. */
struct user_image_elf {
	struct elf64_ehdr eh;
	struct elf64_phdr ph[2];
};

static inline struct user_image_elf *user_image_elf(struct user_image *img)
{
	return (struct user_image_elf *)img->bytes;
}

/* Defines name[] .. name_end[]: the machine code of the assembly body. */
#define USER_SNIPPET(name, body)                                                   \
	extern const unsigned char name[], name##_end[];                           \
	__asm__(".pushsection .rodata\n" #name ":\n" body "\n" #name "_end:\n"     \
		".popsection")

#define SNIPPET_LEN(name) ((size_t)(name##_end - name))

/* Runs img on the first n online CPUs (n = 0: all of them). */
int user_image_run(struct user_image *img, unsigned n, struct proc_result *res);

/* Frames handed out by the page allocator, after every slab cache gave
 * back its empty slabs, less those the programs' page caches keep: equal
 * before and after a run that leaked nothing (frames moving between the
 * free lists and per-CPU caches do not count, nor an image's pages
 * cached by its first run). Thread context, not inside on_cpus. */
uint64_t user_frames_in_use(void);

#endif
