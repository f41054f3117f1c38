"""report.md's "Platform calibration" section: what the calib.* suites say
about the platform, per target and mode, to be read before any result.

For each CPU count: the ceiling (speedup of calib.work private, and of
reg) also as a fraction of N; the harness's own cost (calib.empty timer:
its p50, and the cycles per operation its throughput implies); a cache
line written by every CPU (calib.shared write) and an IPI round trip
(calib.ipi roundtrip). Then which series that ceiling limits."""

from collections.abc import Sequence

from . import calib
from .results import Row

WORK_REG = ("calib.work", "reg")
TIMER = ("calib.empty", "timer")
SHARED = ("calib.shared", "write")
IPI = ("calib.ipi", "roundtrip")
HEADINGS = ("CPUs", "variant", "ceiling (work private)", "of N", "reg speedup", "of N",
            "timer p50 cycles", "timer p50 ns", "harness cycles/op per CPU (tsc_hz x CPUs / ops/s)",
            "shared write p50 ns", "IPI round trip p50 ns")


def _fmt(value: float | None, digits: int = 2, suffix: str = "") -> str:
    return "-" if value is None else f"{value:,.{digits}f}{suffix}"


def _of(value: float | None, n: int) -> float | None:
    return None if value is None else value / n


def _calib_rows(rows: list[Row], target: str,
                mode: str) -> dict[tuple[str, int], dict[tuple[str, str], Row]]:
    """{(variant, cpus): {(suite, op): row}} of one target and mode's calib rows."""
    out: dict[tuple[str, int], dict[tuple[str, str], Row]] = {}
    for r in rows:
        if r.suite.startswith("calib.") and (r.target, r.mode) == (target, mode):
            out.setdefault((r.variant, r.cpus), {}).setdefault((r.suite, r.op), r)
    return out


def _cells(variant: str, cpus: int, found: dict[tuple[str, str], Row]) -> Sequence[str]:
    work, reg, timer, shared, ipi = (found.get(k) for k in
                                     (calib.REFERENCE, WORK_REG, TIMER, SHARED, IPI))
    ceiling = work.ceiling if work else None
    reg_speedup = reg.speedup if reg else None
    timer_cells = ((_fmt(timer.p50_ns * timer.tsc_hz / 1e9, 0), _fmt(timer.p50_ns, 1),
                    _fmt(timer.tsc_hz * timer.cpus / timer.ops_per_sec, 1))
                   if timer else (_fmt(None),) * 3)
    return (str(cpus), variant, _fmt(ceiling, suffix="x"), _fmt(_of(ceiling, cpus)),
            _fmt(reg_speedup, suffix="x"), _fmt(_of(reg_speedup, cpus)), *timer_cells,
            _fmt(shared.p50_ns if shared else None, 1), _fmt(ipi.p50_ns if ipi else None, 1))


def _verdict(rows: list[Row], target: str, mode: str,
             reference: tuple[str, dict[int, float]] | None) -> list[str]:
    """Sentences on the ceiling at the highest CPU count and the series it limits."""
    if reference is None:
        return ["No calib.work private at 1 CPU here: no ceiling, so no efficiency."]
    variant, by_cpus = reference
    n = max(by_cpus)
    if n == 1:
        return ["Only 1 CPU was calibrated: no scaling ceiling."]
    c = by_cpus[n]
    text = (f"At {n} CPUs this platform scales to {c:.2f}x of {n}x (calib.work private, "
            f"{variant})")
    if calib.is_limited(c, n):
        text += (f", below {calib.LIMITED_BELOW:g} x {n}: figures marked 'platform-limited' "
                 f"measure the platform as much as the code.")
    elif calib.is_implausible(c, n):
        text += (f", above {calib.IMPLAUSIBLE_ABOVE:g} x {n}, which CPU-private work cannot "
                 f"reach: the 1-CPU calibration was slowed (the host preempted it?), so this "
                 f"ceiling and every efficiency against it are unreliable; repeat the run.")
    else:
        text += "."
    limited: dict[tuple[str, int], int] = {}
    for r in rows:
        if (r.target, r.mode) == (target, mode) and r.platform_limited:
            limited[(r.variant, r.cpus)] = limited.get((r.variant, r.cpus), 0) + 1
    if not limited:
        return [text, "", "No series is platform-limited."]
    which = "; ".join(f"{v} at {cpus} CPUs ({count} series)"
                      for (v, cpus), count in sorted(limited.items()))
    return [text, "", f"Platform-limited: {which}."]


def markdown(rows: list[Row]) -> list[str]:
    """The section's lines (without its heading)."""
    references = calib.reference_ceilings(rows)
    out = []
    for target, mode in sorted({(r.target, r.mode) for r in rows}):
        out += [f"### {target}, {mode} mode", ""]
        found = _calib_rows(rows, target, mode)
        if not found:
            out += [f"No calibration suites ran for {target} in {mode} mode: the "
                    f"efficiencies there are unknown.", ""]
            continue
        out.append("| " + " | ".join(HEADINGS) + " |")
        out.append("|---:|---|" + "---:|" * (len(HEADINGS) - 2))
        for variant, cpus in sorted(found, key=lambda vc: (vc[1], vc[0])):
            out.append("| " + " | ".join(_cells(variant, cpus, found[(variant, cpus)])) + " |")
        out += [""] + _verdict(rows, target, mode, references.get((target, mode))) + [""]
    return out
