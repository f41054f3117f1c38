/*
 * The verdict on a run of a user program (tests/kernel/user_run.h): the
 * reason names what was announced and what happened instead.
 */
#include <lib/format.h>

#include "user_run.h"

static void announcement(const struct proc_expect *e, char *buf, size_t len)
{
	if (e->page_fault)
		ksnprintf(buf, len, "a fault in [%#lx, %#lx) access %u", (unsigned long)e->lo,
			  (unsigned long)e->hi, e->access);
	else
		ksnprintf(buf, len, "signal %d", e->signal);
}

bool user_run_judge(int rc, const struct proc_result *res, char *why, size_t len)
{
	const struct proc_fault *k = &res->kill;
	char said[64];

	if (rc) {
		ksnprintf(why, len, "could not start: %d", rc);
		return false;
	}
	if (proc_result_ok(res))
		return true;
	if (res->expected)
		announcement(&res->expect, said, sizeof(said));
	if (res->expected && res->killed)
		ksnprintf(why, len, "announced %s, killed by signal %d at ip %#lx (%s)", said,
			  k->signal, (unsigned long)k->ip, k->what ? k->what : "page fault");
	else if (res->expected)
		ksnprintf(why, len, "announced %s but exited with status %d", said, res->status);
	else if (res->killed)
		ksnprintf(why, len, "killed by signal %d at ip %#lx (%s)", k->signal,
			  (unsigned long)k->ip, k->what ? k->what : "page fault");
	else
		ksnprintf(why, len, "exit status %d", res->status);
	return false;
}
