"""The checkers: what a job's log and exit status must show, per kind.

Each checker is a pure function of the job, its exit status, its log (with
carriage returns removed) and its run time, and returns the result lines
plus whether the end of the log is worth showing (any failure). That keeps
them testable on made-up logs (tests/host/test_harness.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from harness.jobs import Job, Line

SANITIZER = re.compile(r"ERROR: (Address|Leak|Thread)Sanitizer|WARNING: ThreadSanitizer|runtime error:")
SELFTEST_SUMMARY = re.compile(r"^selftest: ([0-9]+) passed, ([0-9]+) failed")
FAULT_NAMES = {
    "pagefault": "#PF|page fault",
    "gp": "#GP|general protection",
    "ud": "#UD|invalid opcode",
    "doublefault": "#DF|double fault",
    "stackoverflow": "#DF|double fault",
    "panic": "",
}
STATUS_OK = 33         # the kernel's isa-debug-exit code for success
STATUS_FAILED = 35     # ... for a failed self-test or a panic
STATUS_TIMEOUT = 124   # timeout(1), and scripts/qemu.sh --timeout


@dataclass
class Outcome:
    lines: list[Line] = field(default_factory=list)

    def ok(self, name: str) -> None:
        self.lines.append(Line("PASS", name))

    def bad(self, name: str, why: str) -> None:
        self.lines.append(Line("FAIL", name, why))

    def verdict(self, name: str, why: list[str]) -> None:
        """PASS name if nothing is wrong, else one FAIL with every reason."""
        if why:
            self.bad(name, "; ".join(why))
        else:
            self.ok(name)

    @property
    def failed(self) -> bool:
        return any(x.status == "FAIL" for x in self.lines)


def describe_status(rc: int, timeout: int) -> str:
    """Why a QEMU exit status is not the expected one."""
    if rc == STATUS_OK:
        return "QEMU exited with status 33 (kernel reported success)"
    if rc == STATUS_FAILED:
        return "QEMU exited with status 35 (self-test failure or panic)"
    if rc == STATUS_TIMEOUT:
        return f"timed out after {timeout} s (QEMU stopped)"
    if rc == 2:
        return "scripts/qemu.sh could not start QEMU (status 2)"
    return f"QEMU exited with status {rc}: triple fault or crash?"


def split_test_line(line: str, prefix: str) -> tuple[str, str] | None:
    """(name, result) of "<prefix><name> ... <result>", else None."""
    if not line.startswith(prefix):
        return None
    rest = line[len(prefix):]
    name, sep, result = rest.partition(" ...")
    if not sep or not name:
        return None
    return name, result.removeprefix(" ")


def failure_reason(result: str) -> str:
    """The reason of a "FAIL: reason" result ("" when it gives none)."""
    return result.removeprefix("FAIL").removeprefix(":").removeprefix(" ")


def first_line(text: str, pattern: str, flags: int = 0) -> str:
    """The first line of text that the pattern matches (searched per line,
    as grep does), or ""."""
    rx = re.compile(pattern, flags)
    return next((ln for ln in text.splitlines() if rx.search(ln)), "")


def has_line(text: str, pattern: str, flags: int = 0) -> bool:
    return first_line(text, pattern, flags) != ""


def hosted_prefix(kind: str) -> str:
    for start, prefix in (("host-", "host: "), ("bench-", "bench: "), ("scripts-", "scripts: ")):
        if kind.startswith(start):
            return prefix
    return "hosted: "


def check_hosted(job: Job, rc: int, text: str, seconds: int) -> Outcome:
    """A program of unit tests: one result per line it prints, and it must
    end well and print at least one."""
    out = Outcome()
    kind, prefix = job.arg, hosted_prefix(job.arg)
    ntests = 0
    for line in text.splitlines():
        parsed = split_test_line(line, prefix)
        if parsed is None:
            continue
        name, result = parsed
        ntests += 1
        if result == "ok":
            out.ok(f"{kind}/{name}")
        else:
            out.bad(f"{kind}/{name}",
                    failure_reason(result) or "no result (runner stopped during this test?)")
    nbad = sum(x.status == "FAIL" for x in out.lines)
    san = first_line(text, SANITIZER.pattern)
    if san:
        out.bad(f"{kind}/sanitizer", san)
    if rc != 0 and nbad == 0 and not san:
        if rc == STATUS_TIMEOUT:
            out.bad(f"{kind}/runner", f"timed out after {job.timeout} s")
        else:
            started = [ln.removeprefix("hosted: start ") for ln in text.splitlines()
                       if ln.startswith("hosted: start ")]
            last = f" (last test started: {started[-1]})" if started else ""
            out.bad(f"{kind}/runner", f"exited with status {rc}{last}")
    elif ntests == 0 and not out.failed:
        out.bad(f"{kind}/runner", f"printed no '{prefix}<name> ... ok' line")
    return out


def check_selftest(job: Job, rc: int, text: str, seconds: int) -> Outcome:
    """A self-test boot: one result per self-test, plus "<prefix>/boot" for
    the boot as a whole (status, CPUs, summary line, no panic)."""
    out = Outcome()
    prefix = job.arg
    nok = nbad = 0
    last_started = ""
    summary: tuple[int, int] | None = None
    why: list[str] = []
    for line in text.splitlines():
        m = SELFTEST_SUMMARY.match(line)
        if m:
            summary = (int(m.group(1)), int(m.group(2)))
            continue
        parsed = split_test_line(line, "selftest: ")
        if parsed is None:
            continue
        name, result = parsed
        if result == "ok":
            out.ok(f"{prefix}/{name}")
            nok += 1
        elif result.startswith("FAIL"):
            out.bad(f"{prefix}/{name}", failure_reason(result) or "FAIL")
            nbad += 1
        else:
            # Started but no result on its line: the boot ended (or hung)
            # while it ran, or something else printed into the line.
            last_started = name
            out.bad(f"{prefix}/{name}", "did not finish (no result on its line)" if not result
                    else f"did not finish (its line goes on: '{result}')")
            nbad += 1

    if rc != STATUS_OK:
        why.append(describe_status(rc, job.timeout))
        if last_started:
            why.append(f"stopped during self-test '{last_started}'")
    why += cpus_online(text, job.smp, say_got=True)
    if nok == 0:
        why.append("no 'selftest: <name> ... ok' line")
    if nbad == 0 and "FAIL" in text:
        why.append("output contains FAIL")
    panic = first_line(text, "PANIC")
    if panic:
        why.append(f"kernel panicked: {panic}")
    if summary is None:
        why.append("no 'selftest: N passed, M failed' summary line")
    else:
        sp, sf = summary
        if sf != 0:
            why.append(f"summary says {sf} failed")
        if sp != nok:
            why.append(f"summary says {sp} passed but {nok} 'ok' lines were printed")
    if not why and nbad == 0:
        out.ok(f"{prefix}/boot ({seconds} s)")
    else:
        out.bad(f"{prefix}/boot", "; ".join(why or ["a self-test failed"]))
    # The accelerator the kernel sees should be the one chosen (checked
    # once per accelerator).
    if prefix == "smp1" or prefix.startswith("kvm/"):
        want = job.accel
        line = first_line(text, "^accel: ")
        if line == f"accel: {want}":
            out.ok(f"accel ({want})")
        elif not line:
            out.bad(f"accel ({want})", f"no 'accel: ...' line in the log of {job.id}")
        else:
            out.bad(f"accel ({want})", f"QEMU ran with {want} but the kernel printed '{line}'")
    return out


def cpus_online(text: str, smp: int, when: str = "", say_got: bool = False) -> list[str]:
    """The complaint when the boot did not bring up smp CPUs (with the
    'smp: ' line it printed instead, if say_got)."""
    want = f"smp: {smp} CPUs online"
    if has_line(text, "^" + re.escape(want)):
        return []
    got = first_line(text, "^smp: ") if say_got else ""
    return [f"expected '{want}', got '{got}'"] if got else [f"no '{want}' line{when}"]


def check_fault(job: Job, rc: int, text: str, seconds: int) -> Outcome:
    """A deliberate fault: status 35 and a complete, readable panic report
    naming the exception (and the CPU, when it is not CPU 0)."""
    out = Outcome()
    kind, name = job.arg, "fault/" + job.id.removeprefix("fault-")
    m = re.search(r"fault_cpu=([0-9]+)", job.append)
    cpu = int(m.group(1)) if m else 0
    why: list[str] = []
    if rc == STATUS_OK:
        why.append(f"QEMU exited with status 33 (success): fault={kind} did not panic the kernel")
    elif rc != STATUS_FAILED:
        why.append(f"{describe_status(rc, job.timeout)} (expected 35)")
    why += cpus_online(text, job.smp, " before the fault")
    pline = next((ln for ln in text.splitlines()
                  if ln.startswith("PANIC: ") and not ln.startswith("PANIC: end of report")), "")
    if not pline:
        why.append("no 'PANIC: ' line")
        out.verdict(name, why)
        return out
    want = FAULT_NAMES[kind]
    if want and not re.search(want, pline, re.I):
        why.append(f"PANIC line does not name the exception ({want}): '{pline}'")
    if cpu != 0 and not re.search(rf"cpu {cpu}([^0-9]|$)", pline):
        why.append(f"PANIC line does not say 'cpu {cpu}': '{pline}'")
    if kind in ("pagefault", "gp") and not has_line(text, "error code", re.I):
        why.append("no 'error code' line")
    if kind == "stackoverflow" and "kernel stack overflow" not in text:
        why.append("no 'kernel stack overflow' note: did the guard page catch it?")
    if kind == "pagefault" and not has_line(text, r"cr2=0x[0-9a-fA-F]+ \([a-z -]+\)"):
        why.append("no decoded 'cr2=0x... (not-present write kernel)' line")
    # An exception has a trap frame to dump; an explicit panic() need not.
    if kind != "panic" and not has_line(text, "(^|[^a-z])rax", re.I):
        why.append("no register dump (no rax)")
    why += backtrace_problems(text)
    if not has_line(text, "^PANIC: end of report"):
        why.append("no 'PANIC: end of report' line")
    out.verdict(name, why)
    return out


def backtrace_problems(text: str) -> list[str]:
    """A 'backtrace:' line must be followed by at least one frame line
    before the end of the report."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.startswith("backtrace:")), None)
    if start is None:
        return ["no 'backtrace:' line"]
    for ln in lines[start + 1:]:
        if ln.startswith("PANIC: end of report"):
            break
        if ln:
            return []
    return ["no frame lines after 'backtrace:'"]


def check_apic(job: Job, rc: int, text: str, seconds: int) -> Outcome:
    out = Outcome()
    why: list[str] = []
    if rc != STATUS_OK:
        why.append(describe_status(rc, job.timeout))
    why += cpus_online(text, job.smp)
    line = first_line(text, "^apic: ")
    if not line:
        why.append("no 'apic: ...' line")
    elif line != f"apic: {job.arg}":
        why.append(f"expected 'apic: {job.arg}', got '{line}'")
    out.verdict(f"apic/{job.arg} ({job.accel})", why)
    return out


def check_refuse(job: Job, rc: int, text: str, seconds: int) -> Outcome:
    """A command line the kernel must refuse: the failure status, the error
    line that says why, and no panic report (a user's mistake is not a
    crash)."""
    out = Outcome()
    why: list[str] = []
    if rc == STATUS_OK:
        why.append("QEMU exited with status 33 (success): the command line was accepted")
    elif rc != STATUS_FAILED:
        why.append(f"{describe_status(rc, job.timeout)} (expected 35)")
    if job.arg not in text.splitlines():
        why.append(f"no line '{job.arg}'")
    if has_line(text, "^(PANIC|backtrace:)"):
        why.append("a panic report instead of a plain error")
    out.verdict("cmdline/" + job.id.removeprefix("cmdline-"), why)
    return out


def check_user(job: Job, rc: int, text: str, seconds: int) -> Outcome:
    """A user= boot under a command-line setting: success, and a line for
    each of the job's regular expressions."""
    out = Outcome()
    why: list[str] = []
    if rc != STATUS_OK:
        why.append(describe_status(rc, job.timeout))
    why += [f"no line matching '{rx}'" for rx in job.expect if not has_line(text, rx)]
    out.verdict("user/" + job.id.removeprefix("user-"), why)
    return out


CHECKERS: dict[str, Callable[[Job, int, str, int], Outcome]] = {
    "hosted": check_hosted,
    "selftest": check_selftest,
    "fault": check_fault,
    "apic": check_apic,
    "refuse": check_refuse,
    "user": check_user,
}
