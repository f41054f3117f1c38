/*
 * hostile_int.c - every software interrupt from ring 3 ends the program
 * with Linux's signal: `int $N` for all 256 vectors is a #GP (SIGSEGV)
 * because no gate but the breakpoint's lets ring 3 in, except int $3, a
 * breakpoint (SIGTRAP); the one-byte int3 is the same breakpoint, and into
 * an invalid opcode in 64-bit mode (SIGILL). (icebp is left out: a CPU
 * raises #DB, SIGTRAP, and QEMU's TCG #UD, SIGILL.) Linux also lets int $0x80 in, as its 32-bit system call, and
 * int $4, which it reports as SIGSEGV too; the testbed has no 32-bit
 * system calls, so there int $0x80 is a #GP, and run on Linux this
 * program expects int $0x80 to come back (eax = 20, getpid, to be
 * harmless).
 *
 * int $N is `cd N` (an assembler writes `int $3` as int3, 0xcc): the
 * stubs are two-byte instructions followed by ret, four bytes apart, made
 * by .rept so that the vector is an immediate.
 */
#include "hostile.h"

#define VECTORS 256
#define STUB_SIZE 4
#define IA32_GETPID 20

extern const unsigned char int_stubs[];
__asm__(".pushsection .text\n"
	".balign 16\n"
	"int_stubs:\n"
	".set vector, 0\n"
	".rept 256\n"
	".byte 0xcd, vector\n"	/* int $vector */
	"ret\n"
	"int3\n"		/* padding, never reached */
	".set vector, vector + 1\n"
	".endr\n"
	".popsection");

/* The call steps over the red zone: the compiler may keep data there. */
static void run_int_n(const struct hostile_case *c)
{
	const unsigned char *stub = int_stubs + c->arg * STUB_SIZE;
	long ax = IA32_GETPID;

	__asm__ volatile("subq $128, %%rsp\n\t"
			 "call *%1\n\t"
			 "addq $128, %%rsp"
			 : "+a"(ax)
			 : "r"(stub)
			 : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
}

static void run_int3(const struct hostile_case *c)
{
	(void)c;
	__asm__ volatile("int3");
}

static void run_into(const struct hostile_case *c)
{
	(void)c;
	__asm__ volatile(".byte 0xce");
}

int main(int argc, char **argv)
{
	static struct hostile_case cases[VECTORS + 2];
	static char names[VECTORS][sizeof("int_0x00")];
	bool on_linux = tb_ncpus() == -ENOSYS;

	for (unsigned n = 0; n < VECTORS; n++) {
		snprintf(names[n], sizeof(names[n]), "int_0x%02x", n);
		cases[n] = (struct hostile_case){names[n], SIGSEGV, false, run_int_n, n};
	}
	cases[3].signal = SIGTRAP;
	if (on_linux)
		cases[0x80].signal = 0;
	cases[VECTORS] = (struct hostile_case){"int3", SIGTRAP, false, run_int3, 0};
	cases[VECTORS + 1] = (struct hostile_case){"into", SIGILL, false, run_into, 0};
	return hostile_main(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
