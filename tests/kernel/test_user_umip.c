/*
 * UMIP from ring 3: sgdt, sidt, sldt, smsw and str would show a program
 * where the kernel keeps its descriptor tables and TSS. Where the CPU
 * offers UMIP (CPUID.7.0:ECX bit 2) the kernel turns it on on every CPU
 * (tests/kernel/test_paging.c checks CR4 on each), and each of them must
 * then kill the program with SIGSEGV from a #GP at the instruction, as on
 * Linux. Where it is not offered, they run: the program goes on and exits
 * 0, and the test says that UMIP is missing. Each snippet ends in exit(0)
 * after its instruction. Every run gives back every frame it took.
 */
#include <stdint.h>
#include <string.h>

#include <arch/cpu.h>
#include <kernel/printk.h>
#include <kernel/proc.h>
#include <kernel/selftest.h>

#include "user_image.h"

#define EXIT0 "\nmovl $60, %eax\n xorl %edi, %edi\n syscall\n ud2"

USER_SNIPPET(snip_sgdt, "subq $16, %rsp\n snip_sgdt_at: sgdt (%rsp)" EXIT0);
USER_SNIPPET(snip_sidt, "subq $16, %rsp\n snip_sidt_at: sidt (%rsp)" EXIT0);
USER_SNIPPET(snip_sldt, "snip_sldt_at: sldt %eax" EXIT0);
USER_SNIPPET(snip_smsw, "snip_smsw_at: smsw %eax" EXIT0);
USER_SNIPPET(snip_str, "snip_str_at: str %eax" EXIT0);

extern const unsigned char snip_sgdt_at[], snip_sidt_at[], snip_sldt_at[], snip_smsw_at[],
	snip_str_at[];

static struct user_image img;

SELFTEST(user_umip_hides_descriptor_tables)
{
	static const struct {
		const char *name;
		const unsigned char *code, *end, *at;
	} cases[] = {
		{"sgdt", snip_sgdt, snip_sgdt_end, snip_sgdt_at},
		{"sidt", snip_sidt, snip_sidt_end, snip_sidt_at},
		{"sldt", snip_sldt, snip_sldt_end, snip_sldt_at},
		{"smsw", snip_smsw, snip_smsw_end, snip_smsw_at},
		{"str", snip_str, snip_str_end, snip_str_at},
	};
	uint64_t before = user_frames_in_use();

	if (!cpu_features.umip)
		kprintf("umip: this CPU does not offer UMIP: sgdt, sidt, sldt, smsw and str run in "
			"ring 3 (checked that they do)\n");
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct proc_result res = {0};
		const struct proc_fault *k = &res.kill;
		uint64_t at = USER_IMAGE_TEXT + USER_IMAGE_HEADERS +
			      (uint64_t)(cases[i].at - cases[i].code);

		user_image_build(&img, cases[i].name, cases[i].code,
				 (size_t)(cases[i].end - cases[i].code));
		ST_CHECK_EQ(user_image_run(&img, 1, &res), 0);
		if (!cpu_features.umip) {
			if (res.killed) {
				selftest_fail("%s without UMIP: killed by signal %d at %#lx (%s), "
					      "expected exit 0", cases[i].name, k->signal,
					      (unsigned long)k->ip, k->what ? k->what : "page fault");
				return;
			}
			ST_CHECK_EQ(res.status, 0);
			continue;
		}
		if (!res.killed) {
			selftest_fail("%s with UMIP: exited with status %d, expected SIGSEGV from "
				      "#GP(0) at %#lx", cases[i].name, res.status, (unsigned long)at);
			return;
		}
		if (k->signal != SIGSEGV || k->ip != at || k->what == NULL ||
		    strcmp(k->what, "general protection fault (#GP)") != 0 || k->error != 0) {
			selftest_fail("%s with UMIP: signal %d at %#lx (%s, error %#lx), expected "
				      "SIGSEGV from #GP(0) at %#lx",
				      cases[i].name, k->signal, (unsigned long)k->ip,
				      k->what ? k->what : "page fault", (unsigned long)k->error,
				      (unsigned long)at);
			return;
		}
	}
	ST_CHECK_EQ(user_frames_in_use(), before);
}
