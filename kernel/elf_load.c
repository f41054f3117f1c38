/*
 * The ELF loader: a static x86_64 executable (ET_EXEC, no interpreter)
 * from the kernel image into a fresh address space, and Linux's initial
 * process stack.
 *
 * The image is checked before anything is mapped: header fields, the
 * program-header table inside the image, every PT_LOAD inside the image
 * (file part) and inside the user window (memory part) without
 * wrapping, filesz <= memsz, file offset and address equal modulo the
 * page size (mmap could not map it otherwise), and an entry point in an
 * executable segment. A malformed image is refused with -ENOEXEC and a
 * line saying why.
 *
 * The image is a file (kernel/program_files.c: a page cache shared by
 * every run of the program), and each PT_LOAD is mapped as Linux's
 * load_elf_binary maps it: the pages that hold file bytes are a private
 * mapping of the file with the segment's permissions, so they are read
 * from the cache on demand, shared until written, and a page that
 * MADV_DONTNEED drops comes back with the file's contents; the rest of
 * the memory size is anonymous (the bss), and the bytes of the last file
 * page past filesz are cleared (Linux's padzero, a write: that page
 * becomes the process's own copy). Mappings are MAP_FIXED_NOREPLACE: two
 * segments sharing a page are refused. brk starts at the page after the
 * highest segment. The stack is a MAP_GROWSDOWN mapping below ASPACE_STACK_TOP; at
 * its top, as Linux lays it out: the argument strings, then (16-byte
 * aligned, rsp pointing at argc) argc, argv[], NULL, envp (empty), NULL,
 * and the auxiliary vector, in Linux's order: AT_PAGESZ, AT_PHDR, AT_PHENT
 * and AT_PHNUM (where the program headers are in memory, when a segment
 * maps them: a C library finds its TLS template there), AT_ENTRY, the ids
 * (AT_UID, AT_EUID, AT_GID, AT_EGID: all 0, root; AT_SECURE 0: without
 * them musl polls fds 0-2 and opens /dev/null), AT_RANDOM (16 bytes above
 * the strings: canary and malloc secrets; from the TSC, as the testbed
 * has no entropy source) and AT_NULL.
 *
 * Runs in thread context on the launching CPU, before any thread of the
 * process exists; the address space's own lock does the rest.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <arch/x86.h>
#include <kernel/elf.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/program_files.h>
#include <mm/aspace.h>
#include <mm/mfile.h>
#include <mm/mman.h>

#define PAGE 4096ull
#define STACK_SIZE (1ull << 20) /* the initial mapping; MAP_GROWSDOWN extends it */

#define AT_NULL   0
#define AT_PHDR   3
#define AT_PHENT  4
#define AT_PHNUM  5
#define AT_PAGESZ 6
#define AT_ENTRY  9
#define AT_UID    11
#define AT_EUID   12
#define AT_GID    13
#define AT_EGID   14
#define AT_SECURE 23
#define AT_RANDOM 25
#define AUXV_MAX  12 /* pairs, AT_NULL's included */
#define PHNUM_MAX 64

static uint64_t page_down(uint64_t a)
{
	return a & ~(PAGE - 1);
}

static uint64_t page_up(uint64_t a)
{
	return (a + PAGE - 1) & ~(PAGE - 1);
}

static int refuse(const struct user_program *prog, const char *why)
{
	kprintf("elf: %s: %s\n", prog->name, why);
	return -ENOEXEC;
}

static bool is_mmap_error(long rc)
{
	return (unsigned long)rc >= (unsigned long)-4095;
}

static const char *check_header(const struct user_program *prog, const struct elf64_ehdr *eh)
{
	static const unsigned char magic[4] = {0x7f, 'E', 'L', 'F'};

	if (memcmp(eh->e_ident, magic, 4) != 0)
		return "not an ELF file";
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return "not a little-endian ELF64 version 1 file";
	if (eh->e_type != ET_EXEC)
		return "not a static executable (ET_EXEC)";
	if (eh->e_machine != EM_X86_64)
		return "not an x86_64 program";
	if (eh->e_phentsize != sizeof(struct elf64_phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum > PHNUM_MAX)
		return "bad program-header table size";
	if (eh->e_phoff > prog->size ||
	    prog->size - eh->e_phoff < (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr))
		return "program headers beyond the end of the file";
	return NULL;
}

static const char *check_segment(const struct user_program *prog, const struct elf64_phdr *ph)
{
	if (ph->p_type == PT_INTERP)
		return "dynamically linked (PT_INTERP)";
	if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
		return NULL;
	if (ph->p_filesz > ph->p_memsz)
		return "segment with filesz > memsz";
	if (ph->p_offset > prog->size || prog->size - ph->p_offset < ph->p_filesz)
		return "segment beyond the end of the file";
	if (ph->p_vaddr < ASPACE_USER_LO || ph->p_vaddr >= ASPACE_USER_HI ||
	    ASPACE_USER_HI - ph->p_vaddr < ph->p_memsz)
		return "segment outside the user address range";
	if (ph->p_filesz != 0 && (ph->p_vaddr - ph->p_offset) % PAGE != 0)
		return "segment whose file offset and address differ within a page";
	return NULL;
}

/* Program header i, copied out (the image need not be aligned for it). */
static struct elf64_phdr phdr(const struct user_program *prog, const struct elf64_ehdr *eh,
			      unsigned i)
{
	struct elf64_phdr ph;

	memcpy(&ph, prog->data + eh->e_phoff + i * sizeof(ph), sizeof(ph));
	return ph;
}

static bool loadable(const struct elf64_phdr *ph)
{
	return ph->p_type == PT_LOAD && ph->p_memsz != 0;
}

/* The whole image is checked before anything is mapped; sets *brk. */
static int check_image(const struct user_program *prog, const struct elf64_ehdr *eh,
		       uint64_t *brk)
{
	const char *why = check_header(prog, eh);
	bool entry_ok = false;

	*brk = 0;
	for (unsigned i = 0; !why && i < eh->e_phnum; i++) {
		struct elf64_phdr ph = phdr(prog, eh, i);
		why = check_segment(prog, &ph);
		if (why || !loadable(&ph))
			continue;
		if (page_up(ph.p_vaddr + ph.p_memsz) > *brk)
			*brk = page_up(ph.p_vaddr + ph.p_memsz);
		if ((ph.p_flags & PF_X) && eh->e_entry >= ph.p_vaddr &&
		    eh->e_entry - ph.p_vaddr < ph.p_memsz)
			entry_ok = true;
	}
	if (!why && *brk == 0)
		why = "no loadable segment";
	if (!why && !entry_ok)
		why = "entry point outside every executable segment";
	return why ? refuse(prog, why) : 0;
}

static uint64_t segment_prot(uint32_t flags)
{
	return ((flags & PF_R) ? PROT_READ : 0) | ((flags & PF_W) ? PROT_WRITE : 0) |
	       ((flags & PF_X) ? PROT_EXEC : 0);
}

/* Maps [start, start + len) of as (nothing there yet): anonymous memory,
 * or file from byte offset off when file is not NULL. */
static int map_fixed(struct aspace *as, const struct user_program *prog, uint64_t start,
		     uint64_t len, uint64_t prot, struct mfile *file, uint64_t off)
{
	uint64_t flags = MAP_PRIVATE | MAP_FIXED_NOREPLACE;
	long rc = file != NULL ? aspace_mmap_file(as, start, len, prot, flags, file, off)
			       : aspace_mmap(as, start, len, prot, flags | MAP_ANONYMOUS, -1, 0);

	if (rc == -EEXIST)
		return refuse(prog, "segments overlap in a page");
	return is_mmap_error(rc) ? (int)rc : 0;
}

/* One PT_LOAD: its file pages, its anonymous rest, the file page's tail
 * past filesz cleared when memory follows it. */
static int load_segment(struct aspace *as, const struct user_program *prog,
			const struct elf64_phdr *ph, struct mfile *file)
{
	static const unsigned char zeros[64];
	uint64_t start = page_down(ph->p_vaddr), prot = segment_prot(ph->p_flags);
	uint64_t file_end = ph->p_filesz != 0 ? page_up(ph->p_vaddr + ph->p_filesz) : start;
	uint64_t mem_end = page_up(ph->p_vaddr + ph->p_memsz);
	int rc = 0;

	if (file_end > start)
		rc = map_fixed(as, prog, start, file_end - start, prot, file,
			       page_down(ph->p_offset));
	if (rc == 0 && mem_end > file_end)
		rc = map_fixed(as, prog, file_end, mem_end - file_end, prot, NULL, 0);
	for (uint64_t va = ph->p_vaddr + ph->p_filesz;
	     rc == 0 && ph->p_memsz > ph->p_filesz && va < file_end;) {
		uint64_t n = file_end - va < sizeof(zeros) ? file_end - va : sizeof(zeros);

		rc = aspace_write(as, va, zeros, n) != 0 ? -ENOMEM : 0;
		va += n;
	}
	return rc;
}

static int load_segments(struct aspace *as, const struct user_program *prog,
			 const struct elf64_ehdr *eh)
{
	struct mfile *file = program_file(prog);
	int rc = 0;

	if (file == NULL)
		return -ENOMEM;
	for (unsigned i = 0; rc == 0 && i < eh->e_phnum; i++) {
		struct elf64_phdr ph = phdr(prog, eh, i);

		if (loadable(&ph))
			rc = load_segment(as, prog, &ph, file);
	}
	mfile_put(file);	/* the mappings hold their own references */
	return rc;
}

/* Where the program headers are in memory: in the file part of the
 * PT_LOAD that holds them (Linux's rule), else 0. */
static uint64_t phdr_address(const struct user_program *prog, const struct elf64_ehdr *eh)
{
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		struct elf64_phdr ph = phdr(prog, eh, i);

		if (loadable(&ph) && eh->e_phoff >= ph.p_offset &&
		    eh->e_phoff - ph.p_offset < ph.p_filesz)
			return ph.p_vaddr + (eh->e_phoff - ph.p_offset);
	}
	return 0;
}

/* splitmix64 over the TSC: distinct per run, not secret. */
static uint64_t tsc_mix(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull + rdtsc_raw());

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The auxiliary vector's pairs into aux; how many words. */
static uint64_t auxv(uint64_t *aux, const struct user_program *prog,
		     const struct elf64_ehdr *eh, uint64_t random)
{
	uint64_t phdr = phdr_address(prog, eh), n = 0;

#define AUX(type, value) (aux[n++] = (type), aux[n++] = (value))
	AUX(AT_PAGESZ, PAGE);
	if (phdr) {
		AUX(AT_PHDR, phdr);
		AUX(AT_PHENT, sizeof(struct elf64_phdr));
		AUX(AT_PHNUM, eh->e_phnum);
	}
	AUX(AT_ENTRY, eh->e_entry);
	AUX(AT_UID, 0);
	AUX(AT_EUID, 0);
	AUX(AT_GID, 0);
	AUX(AT_EGID, 0);
	AUX(AT_SECURE, 0);
	AUX(AT_RANDOM, random);
	AUX(AT_NULL, 0);
#undef AUX
	return n;
}

/* Strings and AT_RANDOM's bytes, then the vectors below them; *sp ends
 * 16-byte aligned at argc. */
static int build_stack(struct aspace *as, const struct user_program *prog,
		       const struct elf64_ehdr *eh, const char *arg, uint64_t *sp)
{
	const char *argv[2] = {prog->name, arg};
	uint64_t argc = arg ? 2 : 1, seed = 0;
	uint64_t vec[1 + 2 + 1 + 1 + 2 * AUXV_MAX], random[2];
	uint64_t top = ASPACE_STACK_TOP, n = 0;
	long rc = aspace_mmap(as, ASPACE_STACK_TOP - STACK_SIZE, STACK_SIZE,
			      PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_GROWSDOWN, -1, 0);

	if (rc == -EEXIST)
		return -ENOEXEC;
	if (is_mmap_error(rc))
		return (int)rc;
	vec[n++] = argc;
	for (uint64_t i = 0; i < argc; i++) {
		size_t len = strlen(argv[i]) + 1;
		if (len > PAGE)
			return -E2BIG;
		top -= len;
		if (aspace_write(as, top, argv[i], len))
			return -ENOMEM;
		vec[n++] = top;
	}
	vec[n++] = 0; /* end of argv */
	vec[n++] = 0; /* envp: empty */
	random[0] = tsc_mix(&seed);
	random[1] = tsc_mix(&seed);
	top = (top - sizeof(random)) & ~15ull;
	if (aspace_write(as, top, random, sizeof(random)))
		return -ENOMEM;
	n += auxv(vec + n, prog, eh, top);
	top = (top - n * sizeof(uint64_t)) & ~15ull;
	if (aspace_write(as, top, vec, n * sizeof(uint64_t)))
		return -ENOMEM;
	*sp = top;
	return 0;
}

int elf_load(struct aspace *as, const struct user_program *prog, const char *arg,
	     uint64_t *entry, uint64_t *sp)
{
	struct elf64_ehdr eh;
	uint64_t brk;
	int rc;

	if (prog->size < sizeof(eh))
		return refuse(prog, "not an ELF file");
	memcpy(&eh, prog->data, sizeof(eh));
	rc = check_image(prog, &eh, &brk);
	if (rc)
		return rc;
	rc = load_segments(as, prog, &eh);
	if (rc)
		return rc;
	aspace_set_brk_base(as, brk);
	rc = build_stack(as, prog, &eh, arg, sp);
	if (rc == -ENOEXEC)
		return refuse(prog, "a segment overlaps the stack");
	if (rc)
		return rc;
	*entry = eh.e_entry;
	return 0;
}
