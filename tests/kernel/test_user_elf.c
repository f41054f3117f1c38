/*
 * The ELF loader (kernel/elf_load.c) refuses malformed images with
 * -ENOEXEC before mapping anything, and loads a good one: each case
 * corrupts one field of a valid image built in memory (user_image.h) and
 * loads it into a fresh address space, which is then destroyed; the frame
 * accounting is back where it started.
 */
#include <errno.h>
#include <stdint.h>

#include <arch/paging.h>
#include <kernel/proc.h>
#include <kernel/selftest.h>
#include <lib/errno_name.h>
#include <mm/aspace.h>

#include "user_image.h"

static struct user_image img;

USER_SNIPPET(snip_elf_exit0,
	     "movl $60, %eax\n"
	     "xorl %edi, %edi\n"
	     "syscall");

static void bad_magic(struct user_image_elf *e) { e->eh.e_ident[1] = 'X'; }
static void elf32(struct user_image_elf *e) { e->eh.e_ident[EI_CLASS] = 1; }
static void big_endian(struct user_image_elf *e) { e->eh.e_ident[EI_DATA] = 2; }
static void shared_object(struct user_image_elf *e) { e->eh.e_type = 3; }
static void i386(struct user_image_elf *e) { e->eh.e_machine = 3; }
static void no_phdrs(struct user_image_elf *e) { e->eh.e_phnum = 0; }
static void phdr_size(struct user_image_elf *e) { e->eh.e_phentsize = 32; }
static void phdrs_beyond_file(struct user_image_elf *e) { e->eh.e_phoff = 1u << 20; }
static void segment_beyond_file(struct user_image_elf *e) { e->ph[0].p_filesz = 1u << 20; e->ph[0].p_memsz = 1u << 20; }
static void filesz_over_memsz(struct user_image_elf *e) { e->ph[0].p_memsz = e->ph[0].p_filesz - 1; }
static void below_window(struct user_image_elf *e) { e->ph[1].p_vaddr = 0x1000; }
static void beyond_window(struct user_image_elf *e) { e->ph[1].p_vaddr = 0x7ffffffff000ull - 0x1000; }
static void wraps(struct user_image_elf *e) { e->ph[1].p_memsz = ~0ull - 0x1000; }
static void entry_outside(struct user_image_elf *e) { e->eh.e_entry = USER_IMAGE_BSS; }
static void interp(struct user_image_elf *e) { e->ph[1].p_type = PT_INTERP; }
static void overlap(struct user_image_elf *e) { e->ph[1].p_vaddr = USER_IMAGE_TEXT; }
static void on_stack(struct user_image_elf *e) { e->ph[1].p_vaddr = 0x7ffffff00000ull - 0x2000; }

static const struct {
	const char *name;
	void (*corrupt)(struct user_image_elf *e);
} cases[] = {
	{"bad magic", bad_magic},
	{"ELF32", elf32},
	{"big-endian", big_endian},
	{"ET_DYN", shared_object},
	{"i386", i386},
	{"no program headers", no_phdrs},
	{"wrong phentsize", phdr_size},
	{"program headers beyond the file", phdrs_beyond_file},
	{"segment beyond the file", segment_beyond_file},
	{"filesz > memsz", filesz_over_memsz},
	{"segment below USER_LO", below_window},
	{"segment beyond USER_HI", beyond_window},
	{"segment wrapping around", wraps},
	{"entry outside the text", entry_outside},
	{"PT_INTERP", interp},
	{"segments sharing a page", overlap},
	{"segment on the stack", on_stack},
};

static int load(uint64_t *entry, uint64_t *sp)
{
	const struct aspace_layout l = ASPACE_LAYOUT_DEFAULT(kernel_mapper());
	struct aspace *as;
	int rc;

	if (aspace_create(&l, &as))
		return -ENOMEM;
	rc = elf_load(as, &img.prog, "arg", entry, sp);
	aspace_destroy(as);
	return rc;
}

SELFTEST(user_elf_refuses_malformed_images)
{
	uint64_t before = user_frames_in_use();
	uint64_t entry = 0, sp = 0;

	user_image_build(&img, "good", snip_elf_exit0, SNIPPET_LEN(snip_elf_exit0));
	ST_CHECK_EQ(load(&entry, &sp), 0);
	ST_CHECK_EQ(entry, USER_IMAGE_TEXT + USER_IMAGE_HEADERS);
	ST_CHECK_EQ(sp % 16, 0);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		user_image_build(&img, cases[i].name, snip_elf_exit0, SNIPPET_LEN(snip_elf_exit0));
		cases[i].corrupt(user_image_elf(&img));
		int rc = load(&entry, &sp);
		if (rc != -ENOEXEC) {
			selftest_fail("%s: elf_load gave %d (%s), expected -ENOEXEC", cases[i].name, rc,
				      errno_name(-rc));
			return;
		}
	}
	ST_CHECK_EQ(user_frames_in_use(), before);
}

/* argc, argv[0], argv[1], NULL, envp NULL, then the auxiliary vector:
 * AT_PAGESZ 4096 first (Linux's order), the program headers where the
 * text segment maps them, the entry, root's ids, AT_SECURE 0, AT_RANDOM
 * on the stack, AT_NULL. */
SELFTEST(user_elf_initial_stack_is_linux_layout)
{
	const struct aspace_layout l = ASPACE_LAYOUT_DEFAULT(kernel_mapper());
	struct aspace *as;
	uint64_t entry, sp, v[32], seen = 0;
	struct elf64_phdr ph;
	char s[8];

	user_image_build(&img, "stack", snip_elf_exit0, SNIPPET_LEN(snip_elf_exit0));
	ST_CHECK_EQ(aspace_create(&l, &as), 0);
	ST_CHECK_EQ(elf_load(as, &img.prog, "xyz", &entry, &sp), 0);
	ST_CHECK_EQ(aspace_read(as, v, sp, sizeof(v)), 0);
	ST_CHECK_EQ(v[0], 2);
	ST_CHECK_EQ(v[3], 0);
	ST_CHECK_EQ(v[4], 0);
	ST_CHECK_EQ(v[5], 6);
	ST_CHECK_EQ(v[6], 4096);
	for (unsigned i = 5; i + 1 < 32 && v[i] != 0; i += 2) {
		uint64_t type = v[i], val = v[i + 1];
		seen |= 1ull << type;
		if (type == 3) { /* AT_PHDR */
			ST_CHECK_EQ(val, USER_IMAGE_TEXT + sizeof(struct elf64_ehdr));
			ST_CHECK_EQ(aspace_read(as, &ph, val, sizeof(ph)), 0);
			ST_CHECK_EQ(ph.p_type, PT_LOAD);
		} else if (type == 4 || type == 5) { /* AT_PHENT, AT_PHNUM */
			ST_CHECK_EQ(val, type == 4 ? sizeof(ph) : 2);
		} else if (type == 9) { /* AT_ENTRY */
			ST_CHECK_EQ(val, entry);
		} else if (type == 25) { /* AT_RANDOM: 16 bytes above the vectors */
			ST_CHECK(val > sp && val + 16 <= ASPACE_STACK_TOP);
		} else if (type != 6) { /* the ids and AT_SECURE */
			ST_CHECK(type >= 11 && type <= 23 && val == 0);
		}
	}
	ST_CHECK_EQ(seen, (1ull << 3) | (1ull << 4) | (1ull << 5) | (1ull << 6) | (1ull << 9) |
				  (0xfull << 11) | (1ull << 23) | (1ull << 25));
	ST_CHECK_EQ(aspace_read(as, s, v[1], 6), 0);
	ST_CHECK(s[0] == 's' && s[4] == 'k' && s[5] == 0);
	ST_CHECK_EQ(aspace_read(as, s, v[2], 4), 0);
	ST_CHECK(s[0] == 'x' && s[2] == 'z' && s[3] == 0);
	aspace_destroy(as);
}
