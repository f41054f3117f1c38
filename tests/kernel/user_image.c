/*
 * Builds the in-memory test programs of user_image.h and runs them.
 */
#include <string.h>

#include <kernel/panic.h>
#include <kernel/program_files.h>
#include <kernel/smp.h>
#include <mm/init.h>

#include "user_image.h"

_Static_assert(sizeof(struct user_image_elf) == USER_IMAGE_HEADERS, "ELF64 header + 2 phdrs");

void user_image_build_at(struct user_image *img, const char *name, uint64_t text,
			 uint64_t code_off, const void *code, size_t len)
{
	struct user_image_elf *e = user_image_elf(img);

	BUG_ON(code_off < USER_IMAGE_HEADERS || code_off + len > USER_IMAGE_MAX);
	memset(img, 0, sizeof(*img));
	memcpy(e->eh.e_ident, "\177ELF", 4);
	e->eh.e_ident[EI_CLASS] = ELFCLASS64;
	e->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	e->eh.e_ident[EI_VERSION] = EV_CURRENT;
	e->eh.e_type = ET_EXEC;
	e->eh.e_machine = EM_X86_64;
	e->eh.e_version = EV_CURRENT;
	e->eh.e_entry = text + code_off;
	e->eh.e_phoff = sizeof(e->eh);
	e->eh.e_ehsize = sizeof(e->eh);
	e->eh.e_phentsize = sizeof(e->ph[0]);
	e->eh.e_phnum = 2;
	e->ph[0] = (struct elf64_phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
				       .p_vaddr = text, .p_filesz = code_off + len,
				       .p_memsz = code_off + len, .p_align = 4096};
	e->ph[1] = (struct elf64_phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0,
				       .p_vaddr = USER_IMAGE_BSS, .p_filesz = 0,
				       .p_memsz = USER_IMAGE_BSS_SIZE, .p_align = 4096};
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
	mm_drain_caches();
	mm_frame_accounting(&a);
	return a.used - program_files_frames();
}
