"""The platform's scaling ceiling, and each series' efficiency against it.

Under multi-vCPU TCG the emulator itself stops scaling (DESIGN.md: every
guest rdtsc takes a global lock), so "2 CPUs give 1.2x" may say nothing
about the code measured. The kernel's calib.work suite does a fixed amount
of CPU-private work per operation (op `private`; op `reg` stays in
registers): nothing is shared, so whatever speedup it gets at N CPUs is the
most this platform gives at N. That speedup is the ceiling:

    ceiling(N)    = ops/s of calib.work private at N / its ops/s at 1 CPU
    speedup(N)    = a series' ops/s at N / its ops/s at 1 CPU
    efficiency(N) = speedup(N) / ceiling(N)    (1.0: scales as far as the platform lets it)

A ceiling is per variant, target, mode and memory size (a sweep's), because
each comes from other boots (and timing modes cost differently). A series is platform-limited at N
when the calibration itself reaches less than LIMITED_BELOW of N.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from . import benchlog
from . import variants

if TYPE_CHECKING:               # results imports this module
    from .results import Row

# What a ceiling is measured for: (variant, target, mode, memory size or '').
Platform = tuple[str, str, str, str]

REFERENCE = ("calib.work", "private")
# Below 80% of ideal the platform, not the code, decides what scaling shows.
LIMITED_BELOW = 0.8
# CPU-private work cannot scale past ideal; a ceiling this far above N
# means the 1-CPU calibration itself was slowed (a preempted host thread).
IMPLAUSIBLE_ABOVE = 1.25


def platform(row: "Row") -> Platform:
    """What a ceiling is measured for: (variant, target, mode, memory)."""
    return (row.variant, row.target, row.mode, row.params.get(benchlog.MEM_PARAM, ""))


def ceilings(rows: Iterable["Row"]) -> dict[Platform, dict[int, float]]:
    """{(variant, target, mode, memory): {cpus: ceiling}} where calib.work private
    was measured at 1 CPU. One parameter set is expected; with several,
    the first row in the given order counts."""
    ops: dict[Platform, dict[int, float]] = {}
    for r in rows:
        if (r.suite, r.op) == REFERENCE:
            ops.setdefault(platform(r), {}).setdefault(r.cpus, r.ops_per_sec)
    return {p: {n: o / by_cpus[1] for n, o in by_cpus.items()}
            for p, by_cpus in ops.items() if 1 in by_cpus}


def is_limited(ceiling: float, cpus: int) -> bool:
    return ceiling < LIMITED_BELOW * cpus


def is_implausible(ceiling: float, cpus: int) -> bool:
    return ceiling > IMPLAUSIBLE_ABOVE * cpus


def apply(rows: list["Row"]) -> None:
    """Set speedup, ceiling, efficiency and platform_limited on every row
    (None where unknown: no 1-CPU counterpart, or no calibration)."""
    known = ceilings(rows)

    def lineage(r: "Row") -> tuple[str, str, str, str, tuple[tuple[str, str], ...], str]:
        """A row's key without cpus."""
        return (r.variant, r.target, r.suite, r.op, tuple(sorted(r.params.items())), r.mode)

    solo = {lineage(r): r.ops_per_sec for r in rows if r.cpus == 1}
    for r in rows:
        # One CPU is its own reference: 1.0 even without a calibration.
        r.ceiling = 1.0 if r.cpus == 1 else known.get(platform(r), {}).get(r.cpus)
        one = solo.get(lineage(r))
        r.speedup = r.ops_per_sec / one if one else None
        r.efficiency = (r.speedup / r.ceiling
                        if r.speedup is not None and r.ceiling else None)
        r.platform_limited = None if r.ceiling is None else int(is_limited(r.ceiling, r.cpus))


def reference_ceilings(rows: Iterable["Row"]) -> dict[tuple[str, str],
                                                      tuple[str, dict[int, float]]]:
    """{(target, mode): (variant, {cpus: ceiling})}, one calibration per
    target and mode for the summaries: the default variant's, else the
    first variant's that has one."""
    out: dict[tuple[str, str], tuple[str, dict[int, float]]] = {}
    for (variant, target, mode, _), by_cpus in sorted(
            ceilings(rows).items(), key=lambda item: (item[0][0] != variants.DEFAULT, item[0])):
        out.setdefault((target, mode), (variant, by_cpus))
    return out
