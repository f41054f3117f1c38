"""Run one job of make test and check it: python3 -m harness.job LOGS ID -- CMD...

The command runs with its standard and error output in LOGS/ID.log and no
standard input. A TERM or INT stops it (scripts/qemu.sh stops its QEMU).
The job's checker (checks.py) then reads the log; its result lines go to
standard output, followed by the end of the log if anything failed, and to
LOGS/ID.verdict for the count at the end. Exits 0 once the verdict is
written, whatever it says: make must go on with the other jobs.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from types import FrameType

from harness.checks import CHECKERS
from harness.jobs import REPO, Job, environment_without_make, load_jobs, save_verdict, shown

TAIL_LINES = 40


class Stopped(Exception):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def on_signal(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


def run_logged(argv: list[str], log: str) -> int:
    """The command's exit status (128 + N for a signal N), its output in log."""
    env = environment_without_make()
    with open(log, "ab") as out:
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    env=env)
        except OSError as e:
            out.write(f"harness: cannot run {argv[0]}: {e.strerror}\n".encode())
            return 127
        try:
            rc = proc.wait()
        except Stopped:
            proc.terminate()
            proc.wait()
            raise
    return 128 - rc if rc < 0 else rc


def run_job(job: Job, argv: list[str], log: str) -> int:
    with open(log, "wb"):
        pass
    rc = run_logged(argv, log)
    # ThreadSanitizer cannot map its shadow memory under some kernels'
    # address-space layouts: once more with ASLR off.
    if job.kind == "hosted" and job.arg.startswith("tsan") and rc != 0 and shutil.which("setarch"):
        with open(log, encoding="utf-8", errors="replace") as f:
            unmappable = "unexpected memory mapping" in f.read()
        if unmappable:
            with open(log, "a", encoding="utf-8") as f:
                f.write(f"harness: retrying {argv[-1]} with ASLR disabled (setarch -R)\n")
            rc = run_logged(["setarch", os.uname().machine, "-R"] + argv, log)
    return rc


def tail(log: str, text: str, repo: str) -> list[str]:
    """The end of a log, indented so that none of its lines can be taken for
    a result line."""
    lines = text.splitlines()[-TAIL_LINES:]
    return ([f"  --- last {TAIL_LINES} lines of {shown(log, repo)} ---"]
            + ([f"  | {ln}" for ln in lines] if lines else ["  | (empty)"]))


def main(args: list[str]) -> int:
    if len(args) < 4 or args[2] != "--":
        print("usage: python3 -m harness.job LOGS ID -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    logs, job_id, argv = args[0], args[1], args[3:]
    job = load_jobs(logs)[job_id]
    log = os.path.join(logs, f"{job_id}.log")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    start = time.monotonic()
    try:
        rc = run_job(job, argv, log)
    except Stopped as stop:
        return 128 + stop.signum
    seconds = int(time.monotonic() - start)
    with open(log, encoding="utf-8", errors="replace") as f:
        text = f.read().replace("\r", "")
    outcome = CHECKERS[job.kind](job, rc, text, seconds)
    save_verdict(logs, job_id, outcome.lines)
    for line in outcome.lines:
        print(line)
    if outcome.failed:
        print("\n".join(tail(log, text, REPO)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
