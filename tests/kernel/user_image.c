/*
 * Builds the in-memory test programs of user_image.h and runs them.
 */
#include <string.h>

#include <kernel/panic.h>
#include <kernel/smp.h>
#include <frame.h>
#include <mm/init.h>
#include <slab_internal.h>

#include "user_image.h"

_Static_assert(sizeof(struct user_image_elf) == USER_IMAGE_HEADERS, "ELF64 header + 2 phdrs");

void user_image_build_at(struct user_image *img, const char *name, uint64_t text,
			 uint64_t code_off, const void *code, size_t len)
{
	struct user_image_elf *e = user_image_elf(img);

	BUG_ON(code_off < USER_IMAGE_HEADERS || code_off + len > USER_IMAGE_MAX);
	memset(img, 0, sizeof(*img));
	memcpy(e->ident, "\177ELF\2\1\1", 7); /* ELF64, little-endian, version 1 */
	e->type = 2;			      /* ET_EXEC */
	e->machine = 62;		      /* EM_X86_64 */
	e->version = 1;
	e->entry = text + code_off;
	e->phoff = 64;
	e->ehsize = 64;
	e->phentsize = 56;
	e->phnum = 2;
	e->ph[0] = (struct user_image_phdr){.type = 1, .flags = 5 /* R+X */, .offset = 0,
					    .vaddr = text, .filesz = code_off + len,
					    .memsz = code_off + len, .align = 4096};
	e->ph[1] = (struct user_image_phdr){.type = 1, .flags = 6 /* R+W */, .offset = 0,
					    .vaddr = USER_IMAGE_BSS, .filesz = 0,
					    .memsz = USER_IMAGE_BSS_SIZE, .align = 4096};
	memcpy(img->bytes + code_off, code, len);
	img->prog = (struct user_program){name, img->bytes, code_off + len};
}

int user_image_run(struct user_image *img, unsigned n, struct proc_result *res)
{
	cpumask_t cpus;

	cpumask_first_n(&cpus, n && n < smp_cpus_online ? n : smp_cpus_online);
	return proc_run_program(&img->prog, NULL, &cpus, res);
}

uint64_t user_frames_in_use(void)
{
	struct mm_frame_accounting a;

	/* Empty slabs, then the per-CPU page caches they and the address
	 * space freed into (refilled in batches, so their level varies). */
	slab_shrink_all();
	frame_drain_all();
	mm_frame_accounting(&a);
	return a.used;
}
