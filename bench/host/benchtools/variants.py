"""Which variant is the default, and which is each suite's baseline and rival.

The variants are the table variants.txt at the top of the repository (its
header says the format), which the Makefile and run_bench.sh read too; the
environment variable VARIANTS_TABLE names another one. A variant is
"<frame>-<slab>-<shootdown>", one part per mechanism in the table's order.
The default uses each mechanism's default variant; each mechanism's
baseline differs from it in that mechanism's part only, where it uses the
mechanism's baseline variant, and so does its rival, where it has one. A
suite's mechanism comes from its name prefix.
"""

import os
import re
from collections.abc import Collection
from typing import NamedTuple

HOST = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))      # bench/host
REPO = os.path.dirname(os.path.dirname(HOST))
TABLE_PATH = os.environ.get("VARIANTS_TABLE") or os.path.join(REPO, "variants.txt")
ROLES = ("default", "baseline", "rival", "-")


class Row(NamedTuple):
    """One line of the table."""
    mechanism: str
    name: str
    role: str
    description: str


class Table(NamedTuple):
    """The table, read: rows in file order and what they define."""
    rows: tuple[Row, ...]
    mechanisms: tuple[str, ...]         # in the order of a variant name's parts
    variants: dict[str, list[str]]      # mechanism -> its variant names, in table order
    defaults: dict[str, str]            # mechanism -> its default variant
    baselines: dict[str, str]           # mechanism -> its baseline variant (one part)
    rivals: dict[str, str]              # mechanism -> its rival variant, where it has one
    descriptions: dict[tuple[str, str], str]    # (mechanism, name) -> description

    @property
    def default(self) -> str:
        """The design: every mechanism's default, e.g. pcp-magazine-batched."""
        return "-".join(self.defaults[m] for m in self.mechanisms)

    def swapped(self, mechanism: str, part: str) -> str:
        """The default with this mechanism's part replaced by `part`."""
        return "-".join(part if m == mechanism else self.defaults[m] for m in self.mechanisms)

    def baseline_variant(self, mechanism: str) -> str:
        """The default with this mechanism's part replaced by its baseline."""
        return self.swapped(mechanism, self.baselines[mechanism])

    def rival_variant(self, mechanism: str) -> str:
        """The default with this mechanism's part replaced by its rival."""
        return self.swapped(mechanism, self.rivals[mechanism])

    def all_variants(self) -> list[str]:
        """Every name <frame>-<slab>-<shootdown> the table allows."""
        names = [""]
        for m in self.mechanisms:
            names = [f"{n}-{v}" if n else v for n in names for v in self.variants[m]]
        return names

    def is_variant(self, variant: str) -> bool:
        parts = variant.split("-")
        return (len(parts) == len(self.mechanisms)
                and all(p in self.variants[m] for m, p in zip(self.mechanisms, parts)))


LINE = re.compile(r"([a-z][a-z0-9_]*)\s+([a-z0-9_]+)\s+(default|baseline|rival|-)(?:\s+(.*))?$")


def load(path: str | None = None) -> Table:
    """Read and check a variant table (by default TABLE_PATH)."""
    path = path or TABLE_PATH
    numbered: list[tuple[int, Row]] = []        # (line number, row)
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            match = LINE.match(line.rstrip("\n"))
            if not match:
                raise ValueError(f"{path}:{n}: not a line '<mechanism> <variant> "
                                 "<default|baseline|rival|-> <description>'")
            numbered.append((n, Row(match[1], match[2], match[3], (match[4] or "").strip())))
    rows = [r for _, r in numbered]
    mechanisms: list[str] = []
    variants: dict[str, list[str]] = {}
    defaults: dict[str, str] = {}
    baselines: dict[str, str] = {}
    rivals: dict[str, str] = {}
    descriptions: dict[tuple[str, str], str] = {}
    for n, r in numbered:
        if r.mechanism not in variants:
            mechanisms.append(r.mechanism)
            variants[r.mechanism] = []
        if r.name in variants[r.mechanism]:
            raise ValueError(f"{path}: {r.mechanism} variant {r.name} is listed twice")
        variants[r.mechanism].append(r.name)
        descriptions[(r.mechanism, r.name)] = r.description
        for role, chosen, most in (("default", defaults, "exactly"),
                                   ("baseline", baselines, "exactly"), ("rival", rivals, "at most")):
            if r.role == role:
                if r.mechanism in chosen:
                    raise ValueError(f"{path}:{n}: a second {role} {r.mechanism} variant, "
                                     f"{r.name} ({most} one per mechanism)")
                chosen[r.mechanism] = r.name
    if not rows:
        raise ValueError(f"{path}: no variant")
    for m in mechanisms:
        if m not in defaults or m not in baselines:
            raise ValueError(f"{path}: {m} needs a default and a baseline variant")
    return Table(tuple(rows), tuple(mechanisms), variants, defaults, baselines, rivals,
                 descriptions)


TABLE = load()
DEFAULT = TABLE.default
# mechanism -> the variant the default is compared with on its suites.
BASELINES = {m: TABLE.baseline_variant(m) for m in TABLE.mechanisms}
# mechanism -> the variant the default is raced against, where it has one.
RIVALS = {m: TABLE.rival_variant(m) for m in TABLE.mechanisms if m in TABLE.rivals}
PREFIX_MECHANISM = {
    "frame": "frame",
    "slab": "slab",
    "shootdown": "shootdown",
    "mapper": "shootdown",
    "syscall": "shootdown",
    "vm": "shootdown",
    # The published workloads: will-it-scale's mm tests stress shootdowns
    # and the address space, as vm.* do; the allocator benchmarks kmalloc.
    "wis": "shootdown",
    "alloc": "slab",
}


def mechanism(suite: str) -> str | None:
    """The mechanism a suite measures, or None for an unknown prefix."""
    return PREFIX_MECHANISM.get(suite.split(".", 1)[0])


def baseline(suite: str) -> str | None:
    """The variant the default is compared with on this suite, or None."""
    m = mechanism(suite)
    return None if m is None else BASELINES.get(m)


def rival(suite: str) -> str | None:
    """The variant the default is raced against on this suite, or None."""
    m = mechanism(suite)
    return None if m is None else RIVALS.get(m)


def role(variant: str, suite: str) -> str:
    """'default', '<mechanism> baseline', '<mechanism> rival' or '' for a
    variant on a suite."""
    if variant == DEFAULT:
        return "default"
    for name, chosen in (("baseline", baseline(suite)), ("rival", rival(suite))):
        if variant == chosen:
            return f"{mechanism(suite)} {name}"
    return ""


def label(variant: str, suite: str) -> str:
    """A variant's name with its role on this suite, for legends."""
    r = role(variant, suite)
    return f"{variant} ({r})" if r else variant


def order(variants: Collection[str], suite: str) -> list[str]:
    """Variants in display order: default, the suite's baseline and rival,
    the rest."""
    first = [v for v in (DEFAULT, baseline(suite), rival(suite))
             if v is not None and v in variants]
    return first + sorted(v for v in set(variants) if v not in first)
