"""scripts/test.sh: plan the jobs of make test, let make run them, count.

See __init__.py for how the steps fit together.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import subprocess
import sys
import time

from harness.jobs import REPO, Line, environment_without_make, load_verdict, save_jobs, shown
from harness.plan import Options, PlanError, make_plan, makefile

PROG = "test.sh"
DESCRIPTION = """\
Runs the hosted unit tests (ASan and TSan runners), the results tools' tests
(tests/host) and boots the kernel under QEMU: self-tests at -smp 1, 2, 4, 8
and 16 and with 6 GiB of RAM, deliberate faults (page fault,
general-protection fault, invalid opcode, panic, page fault on CPU 1), the
APIC modes, command lines the kernel must refuse with a plain error, and a
program under overcommit=2. GNU make runs the jobs, at most --jobs at once
(one target per job in DIR/test-logs/jobs.mk; run one again with
make -f DIR/test-logs/jobs.mk job/ID)."""
EPILOG = """\
Prints one line per test (PASS name / FAIL name: why / SKIP name: why) and,
as its very last line, "N passed, M failed".
Logs: DIR/test-logs/<job>.log (serial output plus QEMU's messages). On a
failure the last 40 lines of the log are printed.
Exit status: 0 only if at least one test passed and none failed."""


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"wants a positive whole number, got '{text}'")
    return int(text)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", metavar="DIR", default=os.environ.get("O") or "build",
                   help="build directory (default: $O, else build); needs DIR/kernel.elf and "
                        "the hosted runners listed in DIR/hosted/runners.list")
    p.add_argument("--quick", action="store_true",
                   help="fewer boots: self-tests at -smp 1 and 4 only, faults pagefault and panic "
                        "only, APIC xapic only")
    p.add_argument("--variant", metavar="DIR[:N,...]", action="append", default=[],
                   help="also boot DIR/kernel.elf (another build variant) with the self-tests at "
                        "-smp 4, or at the CPU counts listed; may be given several times")
    p.add_argument("--jobs", "-j", metavar="N", type=positive, default=os.cpu_count() or 2,
                   help="at most N jobs at once (default: host cores)")
    p.add_argument("--timeout", metavar="SEC", type=positive, default=120,
                   help="time limit of one self-test boot (default: 120; short boots get half of "
                        "it, boots with N vCPUs on C host cores N/C times it)")
    p.add_argument("--accel", choices=("kvm", "tcg"), default=os.environ.get("ACCEL") or "tcg",
                   help="accelerator of the main boots (default: $ACCEL, else tcg, the reference "
                        "platform). When KVM works (probed as scripts/qemu.sh does), x2APIC and "
                        "xAPIC boots and a self-test boot at -smp <host cores> also run under KVM.")
    p.add_argument("--only", metavar="GLOB", action="append", default=[],
                   help="run only the jobs whose ID (a target of jobs.mk without job/) matches "
                        "a shell pattern, e.g. --only 'hosted-*' or --only smp4; may be given "
                        "several times")
    args = p.parse_args(argv)
    if args.accel not in ("kvm", "tcg"):
        p.error(f"ACCEL must be kvm or tcg, got '{args.accel}'")
    return args


def probe_kvm(repo: str, kernel: str, logs: str) -> tuple[bool, str]:
    """Whether KVM works for this kernel, and if not, scripts/qemu.sh's reason."""
    if not os.path.isfile(kernel):
        return False, ""
    with open(os.path.join(logs, "accel.log"), "w+", encoding="utf-8") as err:
        r = subprocess.run([os.path.join(repo, "scripts", "qemu.sh"), "--probe-kvm", "--kernel", kernel],
                           stdout=subprocess.PIPE, stderr=err, text=True, check=False)
        err.seek(0)
        lines = err.read().splitlines()
    if r.returncode == 0 and r.stdout.strip() == "kvm":
        return True, ""
    return False, lines[-1].removeprefix("qemu.sh: ") if lines else ""


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    build = os.path.join(REPO, args.build)
    if not os.path.isdir(build):
        print(f"{PROG}: error: build directory '{build}' does not exist (run make first)", file=sys.stderr)
        return 2
    logs = os.path.join(build, "test-logs")
    os.makedirs(logs, exist_ok=True)
    for name in os.listdir(logs):
        if name.endswith((".log", ".verdict", ".tmp")) or name in ("jobs.mk", "jobs.json"):
            os.remove(os.path.join(logs, name))

    kernel = os.path.join(build, "kernel.elf")
    kvm, why_not = probe_kvm(REPO, kernel, logs)
    opts = Options(REPO, build, args.quick, args.variant, args.timeout, args.accel, kvm, why_not,
                   os.cpu_count() or 2)
    try:
        plan = make_plan(opts)
    except PlanError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    if args.only:
        plan.jobs = [j for j in plan.jobs if any(fnmatch.fnmatchcase(j.id, g) for g in args.only)]
        if not plan.jobs:
            print(f"{PROG}: error: no job matches --only {' '.join(args.only)}", file=sys.stderr)
            return 2
    save_jobs(logs, plan.jobs)
    with open(os.path.join(logs, "jobs.mk"), "w", encoding="utf-8") as f:
        f.write(makefile(plan, logs, REPO))

    rel_logs = shown(logs, REPO)
    note = ", plus KVM boots" if kvm else (f" (KVM not usable here: {why_not})" if why_not else "")
    print(f"{PROG}: testing {shown(build, REPO)}/ under {args.accel}{note}, "
          f"{args.jobs} at a time; logs in {rel_logs}/", flush=True)
    for line in plan.early:
        print(line, flush=True)

    # For the scripts run as jobs (tests/bench, tests/scripts); a data race
    # must fail a TSan run, not just print a warning.
    env = environment_without_make()
    env.update(TEST_KERNEL=kernel, O=build, PYTHONDONTWRITEBYTECODE="1")
    env.setdefault("TSAN_OPTIONS", "halt_on_error=1")
    start = time.monotonic()
    make = subprocess.Popen(["make", "--no-print-directory", "-k", "-O", f"-j{args.jobs}",
                             "-f", os.path.join(logs, "jobs.mk"), "all"], env=env)
    try:
        make.wait()
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted, stopping QEMU", file=sys.stderr)
        make.terminate()
        make.wait()
        return 130

    counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
    for line in plan.early:
        counts[line.status] += 1
    for job in plan.jobs:
        verdict = load_verdict(logs, job.id)
        if verdict is None:
            verdict = [Line("FAIL", job.id, f"the job left no verdict in {rel_logs}/{job.id}.verdict "
                                            f"(make status {make.returncode}; see {rel_logs}/{job.id}.log)")]
            print(verdict[0])
        for line in verdict:
            counts[line.status] += 1
    if plan.jobs:
        skipped = f", {counts['SKIP']} skipped" if counts["SKIP"] else ""
        print(f"{PROG}: done in {int(time.monotonic() - start)} s{skipped}")
    print(f"{counts['PASS']} passed, {counts['FAIL']} failed")
    return 0 if counts["PASS"] and not counts["FAIL"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
