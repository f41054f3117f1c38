"""bench.py merge's checks and its meta.json: shards of one plan, each a
results directory that ./run_bench.sh --shard I/N made, joined into one run.

A plan is the run matrix of ./run_bench.sh --plan: one cell per boot (a
variant, target, vCPU count, memory size and repeat), with an id (the
sha256 of its text). A shard ran the I-th of N contiguous slices of it; its
meta.json says which ("shard") and carries the plan ("plan"). Shards merge
only when they are of one plan, split one way, ran one commit under one
accelerator, and no slice is given twice: anything else would pool figures
that were never meant to be compared.

Each valid dump is matched to its cell by what its header says, not by its
file name: the header names its cell (cell=, from bench_cell=), and its
variant, target, repeat and, under QEMU, CPUs online must be that cell's. A
dump that names no cell of the plan or disagrees with it, two dumps of one
cell, or a log not named for its cell is refused (the name check catches
renamed files). A cell without a valid dump that ended ok is missing: the merge
still writes everything, names each such cell with its shard and why, and
meta.json says the run is incomplete.
"""

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import benchlog
from . import results
from .errors import DataError, UsageError
from .results import Meta, Record

CELL_KEYS = ("cell", "variant", "target", "vcpus", "mem_mib", "repeat")
# The run's facts that the shards' meta.json give alike (one value) or,
# where hosts differ, each its own (the list of them).
AGREED = ("qemu_version", "vcpus", "memory", "pinning", "suites", "quick", "repeat", "modes",
          "host_topology")


@dataclass
class Shard:
    """A shard directory and what its meta.json says."""
    dir: str
    meta: Meta
    index: int
    count: int

    def name(self) -> str:
        return f"{self.index}/{self.count}"

    def cells(self) -> list[str]:
        return list(self.meta["shard"].get("cells", []))

    def plan(self) -> Meta:
        return dict(self.meta["plan"])

    def log(self, label: str) -> str:
        """A log of this shard, as a message names it."""
        return os.path.join(self.dir, label)

    def logs(self) -> list[str]:
        """The serial logs, as ./run_bench.sh hands them to bench.py process."""
        logs_dir = os.path.join(self.dir, "logs")
        names = os.listdir(logs_dir) if os.path.isdir(logs_dir) else []
        return [os.path.join(logs_dir, n) for n in sorted(names) if n.endswith(".log")]


def load_shard(directory: str) -> Shard:
    """A shard directory's meta.json, checked for what merge relies on."""
    path = os.path.join(directory, results.META)
    meta = results.load_meta(path)
    if "plan" not in meta or "shard" not in meta:
        raise UsageError(f"{directory} is not a shard (made without ./run_bench.sh --shard)")
    plan, shard = meta["plan"], meta["shard"]
    cells = plan.get("cells") if isinstance(plan, dict) else None
    valid = (isinstance(cells, list) and isinstance(plan.get("id"), str)
             and all(isinstance(c, dict) and all(k in c for k in CELL_KEYS)
                     and isinstance(c["mem_mib"], int) for c in cells)
             and isinstance(shard, dict) and isinstance(shard.get("index"), int)
             and isinstance(shard.get("count"), int) and 1 <= shard["index"] <= shard["count"])
    if not valid:
        raise DataError(f"{path}: corrupted: its plan or shard is not as ./run_bench.sh "
                        f"--shard writes them")
    return Shard(directory, meta, shard["index"], shard["count"])


def check_shards(shards: list[Shard]) -> None:
    """Refuse shards that cannot make one run (see the module's comment)."""
    first = shards[0]
    seen: dict[int, Shard] = {}
    for s in shards:
        if s.plan()["id"] != first.plan()["id"]:
            raise UsageError(f"{first.dir} and {s.dir} are shards of different plans: "
                             f"'{first.plan().get('options')}' and '{s.plan().get('options')}'")
        if s.count != first.count:
            raise UsageError(f"{first.dir} is shard {first.name()} and {s.dir} shard "
                             f"{s.name()}: the plan was split two ways")
        if s.index in seen:
            raise UsageError(f"{seen[s.index].dir} and {s.dir} are both shard {s.name()}")
        seen[s.index] = s
        for key, what in (("commit", "commits"), ("accel", "accelerators")):
            if s.meta.get(key) != first.meta.get(key):
                raise UsageError(f"{first.dir} and {s.dir} ran different {what} "
                                 f"({first.meta.get(key)} and {s.meta.get(key)}): figures "
                                 f"measured differently cannot share one report")


# Dumps and meta.json records (of valid or rejected logs), each with its shard.
Found = list[tuple[Shard, benchlog.Dump]]
Records = list[tuple[Shard, Record]]


def cell_of(cells: list[Record], header: benchlog.Header) -> Record | None:
    """The plan cell a dump's header names, or None when it names none or
    describes another boot. A hosted cell's vcpus is null: the host's
    cores, whatever they were."""
    cell = next((c for c in cells if c["cell"] == header.get("cell")), None)
    if cell is None:
        return None
    same = ((cell["variant"], cell["target"], cell["repeat"])
            == (header["variant"], header["target"], header["repeat"])
            and (cell["target"] == "hosted" or cell["vcpus"] == header["cpus"]))
    return cell if same else None


def match_cells(plan: Meta, found: Found) -> dict[str, tuple[Shard, benchlog.Dump]]:
    """Each valid dump's cell: {cell name: (shard, dump)}. Refuses dumps
    built from different commits, a dump of no cell, a cell with two
    dumps and a log not named for its cell."""
    matched: dict[str, tuple[Shard, benchlog.Dump]] = {}
    for shard, dump in found:
        h, first = dump.header, found[0]
        if h["commit"] != first[1].header["commit"]:
            raise UsageError(f"{first[0].log(first[1].path)} and {shard.log(dump.path)} come "
                             f"from different commits ({first[1].header['commit']} and "
                             f"{h['commit']})")
        cell = cell_of(plan["cells"], h)
        if cell is None:
            raise DataError(f"{shard.log(dump.path)}: cell {h.get('cell', '(not named)')} "
                            f"variant {h['variant']} target {h['target']} cpus {h['cpus']} "
                            f"repeat {h['repeat']} is not a cell of the plan")
        if cell["cell"] in matched:
            other, was = matched[cell["cell"]]
            raise DataError(f"cell {cell['cell']} has two dumps: {other.log(was.path)} and "
                            f"{shard.log(dump.path)}")
        matched[cell["cell"]] = (shard, dump)
    for name, (shard, dump) in matched.items():
        if os.path.basename(dump.path) != name + ".log":
            raise DataError(f"{shard.log(dump.path)} holds the dump of cell {name} (by its "
                            f"header), not that of its name: renamed?")
    return matched


def owner(plan: Meta, shards: list[Shard], cell: str, position: int) -> tuple[str, Shard | None]:
    """The shard that should have run a cell: the given one that lists it,
    else the slice of the plan it falls in (slice I of N holds the cells
    from (I-1)*M//N up to I*M//N of M)."""
    for s in shards:
        if cell in s.cells():
            return s.name(), s
    m, n = len(plan["cells"]), shards[0].count
    index = next(i for i in range(1, n + 1) if position < i * m // n)
    return f"{index}/{n}", None


def missing_cells(plan: Meta, shards: list[Shard],
                  matched: dict[str, tuple[Shard, benchlog.Dump]],
                  rejected: Records) -> list[str]:
    """A reason for every plan cell without a valid dump that ended ok."""
    reasons = []
    for position, cell in enumerate(c["cell"] for c in plan["cells"]):
        got = matched.get(cell)
        if got is not None and got[1].status == "ok":
            continue
        shard_name, shard = owner(plan, shards, cell, position)
        if shard is None:
            why = "shard directory not given"
        elif got is not None:
            why = f"dump failed (status={got[1].status}): {got[0].log(got[1].path)}"
        else:
            bad = [r for s, r in rejected if s is shard
                   and os.path.basename(r["log"]) == cell + ".log"]
            why = (f"log rejected: {shard.log(bad[0]['log'])}" if bad
                   else f"log missing: no {shard.log(os.path.join('logs', cell + '.log'))}")
        reasons.append(f"cell {cell} (shard {shard_name}) missing: {why}")
    return reasons


def agreed(values: Iterable[Any]) -> Any:
    """One value when all are alike, else the distinct ones in order."""
    distinct = {json.dumps(v, sort_keys=True): v for v in values}
    found = list(distinct.values())
    return found[0] if len(found) == 1 else found


def plan_variants(plan: Meta) -> list[str]:
    return list(dict.fromkeys(c["variant"] for c in plan["cells"]))


def carried_reasons(shards: list[Shard], infos: Records, rejected: Records,
                    skip: set[str]) -> list[str]:
    """The shards' own reasons for being incomplete, each after its shard
    (I/N: ...): those ./run_bench.sh gave (a timeout, an interrupt), not
    those in skip nor those process found in the shard's logs (rejected
    logs, failed suites, variants without a dump), which the merge finds
    again in the same logs, and says once, or tells by cell."""
    carried = []
    for s in shards:
        found = results.incomplete_reasons(
            {"variants": s.meta.get("variants_requested", [])},
            [i for t, i in infos if t is s], [r for t, r in rejected if t is s])
        carried += [f"{s.name()}: {r}" for r in s.meta.get("incomplete_reasons", [])
                    if r not in skip and r not in found]
    return carried


def merged_meta(shards: list[Shard], run_id: str, reasons: list[str]) -> Meta:
    """The merged run's facts for write_run (as --meta-json's for process)."""
    plan = shards[0].plan()
    dates = {s.name(): s.meta.get("date") for s in shards}
    meta: Meta = {key: agreed(s.meta.get(key) for s in shards) for key in AGREED}
    meta.update({
        # One date format (run_bench.sh's) on every host, so the least is the first.
        "date": min((d for d in dates.values() if d), default=None), "dates": dates,
        "accel": shards[0].meta.get("accel"), "commit": shards[0].meta.get("commit"),
        "run_id": run_id, "plan": plan,
        "variants": plan_variants(plan),
        "targets": list(dict.fromkeys(c["target"] for c in plan["cells"])),
        "merged_from": [{"dir": os.path.abspath(s.dir), "shard": s.name(),
                         "host": s.meta.get("host"), "host_topology": s.meta.get("host_topology"),
                         "cores": s.meta.get("cores"), "date": s.meta.get("date"),
                         "cells": s.cells()} for s in shards],
        "incomplete_reasons": reasons})
    return meta
