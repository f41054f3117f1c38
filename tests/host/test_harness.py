"""make test's own machinery (tests/harness): the checkers on made-up logs,
the plan, and a small run through make from plan to last line."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests"))

from harness import checks  # noqa: E402
from harness.jobs import Job, Line, environment_without_make  # noqa: E402
from harness.plan import Options, PlanError, makefile, make_plan, parse_variant  # noqa: E402

GOOD_SELFTEST = """\
accel: tcg
smp: 4 CPUs online
selftest: buddy_basic ... ok
selftest: slab_pair ... ok
selftest: 2 passed, 0 failed
"""

GOOD_PAGEFAULT = """\
smp: 2 CPUs online
PANIC: cpu 1: #PF page fault at 0xdead
error code 0x2
cr2=0xdead (not-present write kernel)
rax=0000000000000000 rbx=0000000000000001
backtrace:
  0xffffffff80001234 fault_inject+0x14
PANIC: end of report
"""


def selftest_job(smp: int = 4, prefix: str = "smp4") -> Job:
    return Job(prefix, "selftest", prefix, [], 120, smp, "tcg", "selftest=all")


def statuses(outcome: checks.Outcome) -> list[str]:
    return [str(x) for x in outcome.lines]


class SelftestTest(unittest.TestCase):
    def test_good_boot(self) -> None:
        out = checks.check_selftest(selftest_job(), 33, GOOD_SELFTEST, 7)
        self.assertEqual(statuses(out), ["PASS smp4/buddy_basic", "PASS smp4/slab_pair", "PASS smp4/boot (7 s)"])

    def test_summary_must_agree(self) -> None:
        log = GOOD_SELFTEST.replace("2 passed", "3 passed")
        out = checks.check_selftest(selftest_job(), 33, log, 7)
        self.assertEqual(str(out.lines[-1]),
                         "FAIL smp4/boot: summary says 3 passed but 2 'ok' lines were printed")

    def test_hung_test_is_named(self) -> None:
        log = "smp: 4 CPUs online\nselftest: buddy_basic ... ok\nselftest: slab_pair ..."
        out = checks.check_selftest(selftest_job(), 124, log, 120)
        self.assertEqual(str(out.lines[1]), "FAIL smp4/slab_pair: did not finish (no result on its line)")
        boot = str(out.lines[-1])
        self.assertIn("timed out after 120 s", boot)
        self.assertIn("stopped during self-test 'slab_pair'", boot)
        self.assertIn("no 'selftest: N passed, M failed' summary line", boot)

    def test_wrong_cpu_count_and_panic(self) -> None:
        log = GOOD_SELFTEST.replace("smp: 4", "smp: 3") + "PANIC: cpu 0: oops\n"
        out = checks.check_selftest(selftest_job(), 35, log, 7)
        boot = str(out.lines[-1])
        self.assertIn("expected 'smp: 4 CPUs online', got 'smp: 3 CPUs online'", boot)
        self.assertIn("kernel panicked: PANIC: cpu 0: oops", boot)

    def test_accel_checked_at_smp1(self) -> None:
        log = GOOD_SELFTEST.replace("smp: 4", "smp: 1").replace("accel: tcg", "accel: kvm")
        out = checks.check_selftest(selftest_job(1, "smp1"), 33, log, 3)
        self.assertEqual(str(out.lines[-1]), "FAIL accel (tcg): QEMU ran with tcg but the kernel printed 'accel: kvm'")


class HostedTest(unittest.TestCase):
    job = Job("hosted-asan", "hosted", "asan", [], 600)

    def test_lines_and_failures(self) -> None:
        log = "hosted: start a\nhosted: a ... ok\nhosted: b ... FAIL: 3 != 4\nnoise\n"
        out = checks.check_hosted(self.job, 1, log, 5)
        self.assertEqual(statuses(out), ["PASS asan/a", "FAIL asan/b: 3 != 4"])

    def test_crash_names_the_last_test(self) -> None:
        log = "hosted: start a\nhosted: a ... ok\nhosted: start b\n"
        out = checks.check_hosted(self.job, 139, log, 5)
        self.assertEqual(str(out.lines[-1]), "FAIL asan/runner: exited with status 139 (last test started: b)")

    def test_sanitizer_report_fails(self) -> None:
        log = "hosted: a ... ok\n==1==ERROR: AddressSanitizer: heap-use-after-free\n"
        out = checks.check_hosted(self.job, 1, log, 5)
        self.assertEqual(str(out.lines[-1]), "FAIL asan/sanitizer: ==1==ERROR: AddressSanitizer: heap-use-after-free")

    def test_silence_fails(self) -> None:
        out = checks.check_hosted(Job("bench-x", "hosted", "bench-x", [], 9), 0, "", 1)
        self.assertEqual(statuses(out), ["FAIL bench-x/runner: printed no 'bench: <name> ... ok' line"])


class BootKindsTest(unittest.TestCase):
    def test_fault_report(self) -> None:
        job = Job("fault-pagefault-cpu1", "fault", "pagefault", [], 60, 2, "tcg",
                  "selftest=none fault=pagefault fault_cpu=1")
        self.assertEqual(statuses(checks.check_fault(job, 35, GOOD_PAGEFAULT, 2)),
                         ["PASS fault/pagefault-cpu1"])
        no_frames = GOOD_PAGEFAULT.replace("  0xffffffff80001234 fault_inject+0x14\n", "")
        self.assertEqual(statuses(checks.check_fault(job, 35, no_frames, 2)),
                         ["FAIL fault/pagefault-cpu1: no frame lines after 'backtrace:'"])
        survived = checks.check_fault(job, 33, "smp: 2 CPUs online\n", 2)
        self.assertEqual(statuses(survived), [
            "FAIL fault/pagefault-cpu1: QEMU exited with status 33 (success): fault=pagefault did not "
            "panic the kernel; no 'PANIC: ' line"])

    def test_fault_on_wrong_cpu(self) -> None:
        job = Job("fault-pagefault-cpu1", "fault", "pagefault", [], 60, 2, "tcg", "fault=pagefault fault_cpu=1")
        out = checks.check_fault(job, 35, GOOD_PAGEFAULT.replace("cpu 1:", "cpu 10:"), 2)
        self.assertIn("PANIC line does not say 'cpu 1'", str(out.lines[0]))

    def test_refusal(self) -> None:
        job = Job("cmdline-apic", "refuse", "cmdline: bad", [], 60, 1)
        self.assertEqual(statuses(checks.check_refuse(job, 35, "cmdline: bad\n", 1)), ["PASS cmdline/apic"])
        out = checks.check_refuse(job, 35, "cmdline: bad!\nPANIC: x\n", 1)
        self.assertEqual(statuses(out), ["FAIL cmdline/apic: no line 'cmdline: bad'; a panic report instead "
                                         "of a plain error"])

    def test_user_lines_are_regular_expressions(self) -> None:
        job = Job("user-x", "user", "", [], 60, 2, expect=[r"^a=[0-9]+$", "^done"])
        self.assertEqual(statuses(checks.check_user(job, 33, "a=12\ndone\n", 1)), ["PASS user/x"])
        self.assertEqual(statuses(checks.check_user(job, 33, "a=12x\ndone\n", 1)),
                         ["FAIL user/x: no line matching '^a=[0-9]+$'"])

    def test_apic_mode(self) -> None:
        job = Job("apic-xapic", "apic", "xapic", [], 60, 2, "kvm")
        self.assertEqual(statuses(checks.check_apic(job, 33, "smp: 2 CPUs online\napic: xapic\n", 1)),
                         ["PASS apic/xapic (kvm)"])
        self.assertEqual(statuses(checks.check_apic(job, 33, "apic: x2apic\n", 1)),
                         ["FAIL apic/xapic (kvm): no 'smp: 2 CPUs online' line; expected 'apic: xapic', "
                          "got 'apic: x2apic'"])


class PlanTest(unittest.TestCase):
    def build(self, tmp: str, kernel: bool = True) -> str:
        b = os.path.join(tmp, "b")
        os.makedirs(os.path.join(b, "hosted"))
        runners = []
        for name in ("runner-asan-pcp-magazine", "runner-tsan-pcp-magazine"):
            runners.append(os.path.join(b, "hosted", name))
            with open(runners[-1], "w", encoding="utf-8") as f:
                f.write("#!/bin/sh\necho 'hosted: ok_test ... ok'\n")
            os.chmod(runners[-1], 0o755)
        with open(os.path.join(b, "hosted", "runners.list"), "w", encoding="utf-8") as f:
            f.write("\n".join(runners) + "\n")
        if kernel:
            open(os.path.join(b, "kernel.elf"), "w", encoding="utf-8").close()
        return b

    def test_quick_plan_order(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            b = self.build(tmp)
            plan = make_plan(Options(REPO, b, quick=True, variants=[os.path.join(tmp, "v:2,8")], host_cpus=2))
            ids = [j.id for j in plan.jobs]
            self.assertEqual(ids[:2], ["hosted-tsan-pcp-magazine", "hosted-asan-pcp-magazine"])
            self.assertLess(ids.index("smp4"), ids.index("smp1"))
            self.assertNotIn("smp16", ids)
            self.assertIn("user-overcommit2", ids)
            self.assertIn(Line("FAIL", "v/kernel", f"{tmp}/v/kernel.elf not found "
                               f"(build it with make O={tmp}/v)"), plan.early)
            self.assertEqual(plan.early[-1].status, "SKIP")
            smp4 = plan.jobs[ids.index("smp4")]
            self.assertEqual(smp4.timeout, 240)      # 4 vCPUs on 2 host cores

    def test_bad_variant_cpus(self) -> None:
        self.assertEqual(parse_variant("d:2,4", "/r"), ("/r/d", [2, 4]))
        self.assertEqual(parse_variant("/x/d", "/r"), ("/x/d", [4]))
        with self.assertRaises(PlanError):
            parse_variant("d:2,,4", "/r")

    def test_makefile_quotes_commands(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            plan = make_plan(Options(REPO, self.build(tmp), quick=True))
            mk = makefile(plan, "/logs", REPO)
            self.assertIn("'user=overcommit_fill overcommit=2 overcommit_ratio=25'", mk)
            self.assertIn("job/cmdline-too-long:", mk)
            self.assertTrue(mk.index("job/hosted-tsan-pcp-magazine:") < mk.index("job/smp4:"))


class RunThroughMakeTest(unittest.TestCase):
    """scripts/test.sh end to end on a build without a kernel: make runs the
    hosted jobs in parallel, a failing runner fails, a missing kernel fails,
    and the last line counts all of it."""

    def test_run(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            b = PlanTest.build(PlanTest(), tmp, kernel=False)
            with open(os.path.join(b, "hosted", "runner-tsan-pcp-magazine"), "w", encoding="utf-8") as f:
                f.write("#!/bin/sh\necho 'hosted: start racy'\nexit 66\n")
            env = environment_without_make()
            r = subprocess.run([os.path.join(REPO, "scripts", "test.sh"), "--build", b, "-j", "2", "--only", "hosted-*"],
                               capture_output=True, text=True, env=env, check=False)
            out = r.stdout.splitlines()
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("PASS asan-pcp-magazine/ok_test", out)
            self.assertIn("FAIL tsan-pcp-magazine/runner: exited with status 66 (last test started: racy)", out)
            self.assertIn(f"FAIL kernel: {b}/kernel.elf not found (run make first)",
                          out)
            self.assertTrue(os.path.isfile(os.path.join(b, "test-logs", "hosted-asan-pcp-magazine.log")))
            self.assertFalse(any("host-tools" in ln for ln in out))   # not matched by --only
            passed = sum(ln.startswith("PASS ") for ln in out)
            failed = sum(ln.startswith("FAIL ") for ln in out)
            self.assertEqual(out[-1], f"{passed} passed, {failed} failed")


if __name__ == "__main__":
    unittest.main()
