"""The plan of make test: which jobs run, in which order, with what limits.

The main boots run under one accelerator (TCG unless told otherwise: it is
the documented reference platform, and its timing does not depend on a host
hypervisor). KVM, where it works, adds the boots only it can do (x2APIC) at
no more vCPUs than host cores. Jobs are listed longest first (the TSan
runners, the end-to-end scripts, the 16-CPU boot), so that make's slots
stay busy to the end.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field

from harness.jobs import Job, Line, shown

RUNNER_SECONDS = 600
# Command lines that would be misread: each ends the boot early with this line.
REFUSALS = [
    ("too-long", "selftest=all" + ",all" * 130,     # 532 bytes, well formed
     "cmdline: longer than 511 bytes, the most the kernel takes"),
    ("apic", "selftest=none apic=nosuch", "cmdline: apic=nosuch: expected apic=xapic or apic=x2apic"),
    ("repeat", "selftest=none apic=xapic selftest=all", "cmdline: selftest given more than once"),
    ("bench_cpus", "selftest=none bench_cpus=1", "cmdline: bench_cpus= needs bench= (alone it would be ignored)"),
    ("bench_scale", "selftest=none bench_scale=50",
     "cmdline: bench_scale= needs bench= (alone it would be ignored)"),
    ("fault_cpu", "selftest=none fault_cpu=1", "cmdline: fault_cpu= needs fault= (alone it would be ignored)"),
    ("user-bench", "user=test_mmap bench=all",
     "cmdline: bench= and user= cannot be combined (a boot runs the benchmarks or one program)"),
    ("overcommit", "selftest=none overcommit=3", "cmdline: overcommit= takes 0 (guess), 1 (always) or 2 (never)"),
    ("overcommit_ratio", "selftest=none overcommit_ratio=80",
     "cmdline: overcommit_ratio= takes a percentage of RAM up to 10000, with overcommit=2 (the only mode that uses it)"),
]


@dataclass
class Options:
    repo: str
    build: str
    quick: bool = False
    variants: list[str] = field(default_factory=list)
    timeout: int = 120
    accel: str = "tcg"
    kvm: bool = False          # KVM works here (probed by the caller)
    kvm_why_not: str = ""      # and if not, what the probe said
    host_cpus: int = 2


@dataclass
class Plan:
    jobs: list[Job] = field(default_factory=list)
    # Results known before anything runs (a runner not built, a skipped boot).
    early: list[Line] = field(default_factory=list)


class PlanError(Exception):
    pass


def parse_variant(spec: str, repo: str) -> tuple[str, list[int]]:
    """DIR[:N,...] -> (absolute DIR, CPU counts; 4 when none are given)."""
    path, sep, cpus = spec.rpartition(":") if ":" in spec else (spec, "", "4")
    if not re.fullmatch(r"[1-9][0-9]*(,[1-9][0-9]*)*", cpus):
        raise PlanError(f"--variant {path}: bad CPU list '{cpus}'")
    return os.path.join(repo, path), [int(n) for n in cpus.split(",")]


def make_plan(o: Options) -> Plan:
    plan = Plan()

    def rel(path: str) -> str:
        return shown(path, o.repo)

    kernel = os.path.join(o.build, "kernel.elf")
    qemu_sh = os.path.join(o.repo, "scripts", "qemu.sh")
    short = max(o.timeout // 2, 20)

    def hosted(job_id: str, kind: str, program: str, seconds: int) -> None:
        plan.jobs.append(Job(job_id, "hosted", kind, ["timeout", "-k", "10", str(seconds), program], seconds))

    def boot(job_id: str, kind: str, arg: str, kern: str, smp: int, append: str, seconds: int,
             accel: str = o.accel, mem: str = "256M", expect: list[str] | None = None) -> None:
        argv = [qemu_sh, "--kernel", kern, "--accel", accel, "--smp", str(smp), "--mem", mem,
                "--append", append, "--timeout", str(seconds)]
        plan.jobs.append(Job(job_id, kind, arg, argv, seconds, smp, accel, append, expect or []))

    # A boot's limit grows with how far its vCPUs outnumber the host's cores:
    # every shootdown of the multi-threaded user tests waits until each
    # target vCPU thread is scheduled, and the sync baseline sends one round
    # per page. (Unloaded on 2 cores the sync boot at 4 CPUs takes 23 s, and
    # 120 s did not suffice with another 4-CPU boot beside it.)
    def limit(smp: int) -> int:
        return o.timeout * max(1, smp // o.host_cpus)

    # The hosted build lists its runners (one per sanitizer flavour and
    # variant combination) in runners.list.
    runners_list = os.path.join(o.build, "hosted", "runners.list")
    runners = []
    if os.path.isfile(runners_list):
        with open(runners_list, encoding="utf-8") as listing:
            runners = [os.path.join(o.repo, r) for r in listing.read().split()]
    if not runners:
        plan.early.append(Line("FAIL", "hosted/runners", f"{rel(runners_list)} is missing or empty (run make first)"))
    for runner in sorted(runners, key=lambda r: "tsan" not in os.path.basename(r)):
        kind = os.path.basename(runner).removeprefix("runner-")
        if os.access(runner, os.X_OK):
            hosted(f"hosted-{kind}", kind, runner, RUNNER_SECONDS)
        else:
            plan.early.append(Line("FAIL", f"{kind}/runner", f"not built: {rel(runner)} is missing (run make first)"))

    # The results tools (bench/host/, Python): parser, tables, plots, pinning.
    hosted("host-tools", "host-tools", os.path.join(o.repo, "tests", "host", "run_tests.py"), 300)
    # mypy, strict, over the files mypy.ini lists (the tools and this harness).
    hosted("host-typecheck", "host-typecheck", os.path.join(o.repo, "tests", "host", "typecheck.sh"), 300)

    if not os.path.isfile(kernel):
        plan.early.append(Line("FAIL", "kernel", f"{rel(kernel)} not found (run make first)"))
        return plan

    scripts = [
        # Two icount boots of the same benchmark suites: identical dumps.
        ("bench-determinism", "tests/bench/determinism_test.sh", 700),
        # The hosted target's harness and suites under ASan and UBSan.
        ("bench-hosted-asan", "tests/bench/hosted_sanitizer_test.sh", 600),
        # ./run_bench.sh --quick end to end (two variants, built under O).
        ("bench-pipeline", "tests/bench/pipeline_test.sh", 900),
        # One plan run locally, as shards through GNU parallel and through a
        # single-node Slurm cluster it starts and stops, merged: the same run.
        ("bench-sweep", "tests/bench/sweep_test.sh", 1500),
        # The throwaway Slurm cluster the sweep test uses: a job array and a
        # dependent job run, each task confined to its own core.
        ("bench-slurm-cluster", "tests/bench/slurm_cluster_test.sh", 300),
        # scripts/qemu.sh leaves its caller's standard input unread.
        ("scripts-qemu-sh", "tests/scripts/qemu_sh_test.sh", 120),
    ]
    for job_id, script, seconds in scripts:
        hosted(job_id, job_id, os.path.join(o.repo, script), seconds)

    for n in ([4, 1] if o.quick else [16, 8, 4, 2, 1]):
        boot(f"smp{n}", "selftest", f"smp{n}", kernel, n, "selftest=all", limit(n))
    if not o.quick:
        # RAM above 4 GiB: beyond the boot tables, mapped and handed over later.
        boot("mem6g-smp2", "selftest", "mem6g/smp2", kernel, 2, "selftest=all", o.timeout, mem="6G")
    if o.kvm and o.accel != "kvm":
        # Twice the time: where /dev/kvm is a software one (kvm_pvm), every
        # IPI and page-table switch traps, and this boot takes ~70 s
        # unloaded. Without the user programs: there every ring transition
        # costs ~150 us; the TCG boots run them, and the other user_* tests
        # still cross the rings here.
        n = o.host_cpus
        boot(f"kvm-smp{n}", "selftest", f"kvm/smp{n}", kernel, n, "selftest=all,-user_programs",
             2 * o.timeout, accel="kvm")
    for spec in o.variants:
        vdir, cpus = parse_variant(spec, o.repo)
        name = os.path.basename(vdir)
        vkernel = os.path.join(vdir, "kernel.elf")
        if not os.path.isfile(vkernel):
            plan.early.append(Line("FAIL", f"{name}/kernel",
                                   f"{rel(vkernel)} not found (build it with make O={rel(vdir)})"))
            continue
        for n in cpus:
            boot(f"{name}-smp{n}", "selftest", f"{name}/smp{n}", vkernel, n, "selftest=all", limit(n))

    faults = ["pagefault", "panic"] if o.quick else ["pagefault", "gp", "ud", "doublefault", "stackoverflow", "panic"]
    for fault in faults:
        boot(f"fault-{fault}", "fault", fault, kernel, 2, f"selftest=none fault={fault}", short)
    if not o.quick:
        boot("fault-pagefault-cpu1", "fault", "pagefault", kernel, 2,
             "selftest=none fault=pagefault fault_cpu=1", short)
    boot("apic-xapic", "apic", "xapic", kernel, 2, "selftest=none apic=xapic", short)
    if not o.kvm:
        why = f" (KVM not usable here: {o.kvm_why_not})" if o.kvm_why_not else ""
        plan.early.append(Line("SKIP", "apic/x2apic", f"needs KVM (TCG offers no x2APIC){why}"))
    else:
        boot("apic-x2apic-kvm", "apic", "x2apic", kernel, 2, "selftest=none", short, accel="kvm")
        if o.accel != "kvm":
            boot("apic-xapic-kvm", "apic", "xapic", kernel, 2, "selftest=none apic=xapic", short, accel="kvm")
    for name, append, line in REFUSALS:
        boot(f"cmdline-{name}", "refuse", line, kernel, 1, append, short)
    # overcommit=2 from the command line: mmap refuses at the limit, and the
    # program that writes all it was given is never killed.
    boot("user-overcommit2", "user", "", kernel, 2, "user=overcommit_fill overcommit=2 overcommit_ratio=25",
         short, expect=[r"^commit: overcommit=2 ratio=25 ram=[0-9]+ pages limit=[0-9]+ pages$",
                        r"^user: overcommit_fill exited with status 0 "])
    return plan


def makefile(plan: Plan, logs: str, repo: str) -> str:
    """jobs.mk: one phony target per job, all of them under 'all' in plan
    order (make -j starts prerequisites left to right)."""
    run = f"PYTHONPATH={shlex.quote(os.path.join(repo, 'tests'))} python3 -m harness.job {shlex.quote(logs)}"
    out = ["# Written by scripts/test.sh (tests/harness/plan.py): one target per job of make test.",
           "# Run one again with: make -f " + os.path.join(logs, "jobs.mk") + " job/ID",
           "export PYTHONDONTWRITEBYTECODE := 1",
           "",
           ".PHONY: all " + " ".join(f"job/{j.id}" for j in plan.jobs),
           "all: " + " ".join(f"job/{j.id}" for j in plan.jobs),
           ""]
    for j in plan.jobs:
        cmd = " ".join(shlex.quote(a) for a in j.argv).replace("$", "$$")
        out += [f"job/{j.id}:", f"\t@{run} {j.id} -- {cmd}", ""]
    return "\n".join(out)
