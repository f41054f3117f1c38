/*
 * The page caches of the programs' images: the "file system" behind
 * exec. Each embedded program (user_programs[]) has one memory file
 * (<mm/mfile.h>) made on its first run and kept while the kernel runs, as
 * a page cache keeps a file's pages: every later run, and every process
 * running it at once, maps the same cached frames, and copies only the
 * pages it writes. An image that is not embedded (the self-tests build
 * their own) gets a file of its own for one run, freed with the last
 * mapping of it.
 *
 * Locking: none. The slots (user_program_files[], emitted by
 * kernel/gen_user_programs.sh) are filled at boot, before any process
 * runs, and never change; their references are never dropped.
 */
#include <kernel/panic.h>
#include <kernel/program_files.h>

#include <mm/mfile.h>

extern struct mfile *user_program_files[];

void program_files_init(void)
{
	for (uint64_t i = 0; i < user_programs_count; i++) {
		user_program_files[i] = mfile_create_image(user_programs[i].data,
							   user_programs[i].size);
		if (user_program_files[i] == NULL)
			panic("program files: no memory for the %lu program images' files",
			      (unsigned long)user_programs_count);
	}
}

struct mfile *program_file(const struct user_program *prog)
{
	struct mfile *f;

	if (prog < user_programs || prog >= user_programs + user_programs_count)
		return mfile_create_image(prog->data, prog->size);
	f = user_program_files[prog - user_programs];
	mfile_get(f);
	return f;
}

uint64_t program_files_frames(void)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < user_programs_count; i++) {
		n += mfile_frames(user_program_files[i]);
	}
	return n;
}
