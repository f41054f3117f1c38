"""A job of make test and a result line, and how both are stored in the logs
directory (jobs.json, ID.verdict) between the plan, make and the checkers."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field

KINDS = ("hosted", "selftest", "fault", "apic", "refuse", "user")
# The repository's top: tests/harness/ is two levels below it.
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# An enclosing make's own variables. The make that schedules the jobs and
# the jobs that run make must not take them for theirs (they would try to
# join that make's job server).
MAKE_VARIABLES = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKE_TERMOUT", "MAKE_TERMERR")


def environment_without_make() -> dict[str, str]:
    """This process's environment without an enclosing make's variables."""
    return {k: v for k, v in os.environ.items() if k not in MAKE_VARIABLES}


@dataclass
class Job:
    """One make target: a command whose log one checker reads.

    kind  hosted    a program printing "<prefix><name> ... ok|FAIL" lines;
                    arg is its name in result lines (asan-pcp-magazine,
                    host-tools, bench-pipeline ...)
          selftest  a boot with selftest=...; arg is the result-line prefix
          fault     a boot that must panic; arg is the fault kind
          apic      a boot that must report 'apic: <arg>'
          refuse    a boot whose command line must be refused with the line arg
          user      a user= boot; expect holds regular expressions that must
                    each match a line
    """

    id: str
    kind: str
    arg: str
    argv: list[str]
    timeout: int
    smp: int = 0
    accel: str = ""
    append: str = ""
    expect: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"job {self.id}: unknown kind '{self.kind}'")


@dataclass(frozen=True)
class Line:
    """One result line: PASS name, FAIL name: why, SKIP name: why."""

    status: str
    name: str
    why: str = ""

    def __str__(self) -> str:
        return f"{self.status} {self.name}" + (f": {self.why}" if self.why else "")


def shown(path: str, repo: str) -> str:
    """A path as result lines give it: relative inside the repository,
    absolute outside it."""
    rel = os.path.relpath(path, repo)
    return path if rel.startswith("..") else rel


def jobs_path(logs: str) -> str:
    return os.path.join(logs, "jobs.json")


def verdict_path(logs: str, job_id: str) -> str:
    return os.path.join(logs, f"{job_id}.verdict")


def save_jobs(logs: str, jobs: list[Job]) -> None:
    with open(jobs_path(logs), "w", encoding="utf-8") as f:
        json.dump([dataclasses.asdict(j) for j in jobs], f, indent=1)


def load_jobs(logs: str) -> dict[str, Job]:
    with open(jobs_path(logs), encoding="utf-8") as f:
        return {d["id"]: Job(**d) for d in json.load(f)}


def save_verdict(logs: str, job_id: str, lines: list[Line]) -> None:
    tmp = verdict_path(logs, job_id) + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump([dataclasses.asdict(x) for x in lines], f)
    os.replace(tmp, verdict_path(logs, job_id))


def load_verdict(logs: str, job_id: str) -> list[Line] | None:
    """The job's result lines, or None when it left none (or a broken file)."""
    try:
        with open(verdict_path(logs, job_id), encoding="utf-8") as f:
            return [Line(**d) for d in json.load(f)]
    except (OSError, ValueError, TypeError):
        return None
