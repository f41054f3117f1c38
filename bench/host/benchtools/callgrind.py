"""Instructions and atomic instructions in a callgrind profile.

callgrind counts instructions, not what they are. Run with --dump-instr=yes
--dump-line=no --compress-pos=no --compress-strings=no, its output gives
each executed instruction's address within its object file ("ob=") and
how often it ran. An instruction is atomic if objdump shows it with a lock
prefix, or as an xchg with a memory operand (locked implicitly). So the
atomic count is the sum of the counts of those addresses, object by object.

A "calls=" line is followed by one line holding the call's inclusive cost
at the call instruction's address: that is the callee's work, counted
again where the callee's own lines are, so it is skipped here (the call
instruction itself has its own, exclusive line).
"""

import re
import subprocess
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# objdump -d -w --no-show-raw-insn: "    2cb4:\tlock cmpxchg %rcx,(%rdx)"
INSN = re.compile(r"^\s*([0-9a-f]+):\s+(.*)$")
COST = re.compile(r"^(0x[0-9a-fA-F]+)\s+(\d+)\s*$")


# Code valgrind found in no file: its own redirection stubs (one jmp on
# the way from glibc's PLT to malloc). Counted in the total; with no file
# to read, not searched for atomics.
UNKNOWN_OBJECT = "???"


@dataclass
class Profile:
    """What a profile counted: every instruction, and per object file the
    count of each address."""
    total: int
    by_object: dict[str, dict[int, int]]


class CallgrindError(ValueError):
    pass


def parse(lines: Iterable[str], name: str = "callgrind output") -> Profile:
    """Reads a callgrind output written with uncompressed positions and
    names (see the module's comment); rejects anything else by name."""
    by_object: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    obj: str | None = None
    skip_next = False
    total = 0
    positions_ok = False
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\n")
        if line.startswith("positions:"):
            positions_ok = line.split()[1:] == ["instr"]
            if not positions_ok:
                raise CallgrindError(f"{name}:{number}: positions are {line.split()[1:]}, "
                                     "want instr only (--dump-instr=yes --dump-line=no)")
        elif line.startswith("ob="):
            if line.startswith("ob=("):
                raise CallgrindError(f"{name}:{number}: compressed names "
                                     "(run with --compress-strings=no)")
            obj = line[3:]
        elif line.startswith("calls="):
            skip_next = True
        elif (m := COST.match(line)) is not None:
            if skip_next:
                skip_next = False
                continue
            if obj is None:
                raise CallgrindError(f"{name}:{number}: a cost line before any ob= line")
            count = int(m.group(2))
            by_object[obj][int(m.group(1), 16)] += count
            total += count
        elif line[:1] in ("+", "-", "*"):
            raise CallgrindError(f"{name}:{number}: compressed positions "
                                 "(run with --compress-pos=no)")
    if not positions_ok:
        raise CallgrindError(f"{name}: no 'positions: instr' line: not a callgrind "
                             "output, or one written without --dump-instr=yes")
    return Profile(total, {o: dict(a) for o, a in by_object.items()})


def is_atomic(instruction: str) -> bool:
    """Whether an objdump instruction text is a locked memory operation."""
    words = instruction.split()
    if not words:
        return False
    if words[0] == "lock":
        return True
    return words[0].startswith("xchg") and "(" in instruction


@dataclass
class Disassembly:
    """An object file's instruction addresses, and which are atomic."""
    instructions: set[int]
    atomic: set[int]


def objdump(path: str) -> Disassembly:
    out = subprocess.run(["objdump", "-d", "-w", "--no-show-raw-insn", path],
                         capture_output=True, text=True, check=True).stdout
    d = Disassembly(set(), set())
    for line in out.splitlines():
        m = INSN.match(line)
        if m is not None:
            address = int(m.group(1), 16)
            d.instructions.add(address)
            if is_atomic(m.group(2)):
                d.atomic.add(address)
    return d


def atomic_count(profile: Profile, disassemble: Callable[[str], Disassembly] = objdump) -> int:
    """How many of the profile's instructions were atomic. Every counted
    address must start an instruction of its object file: otherwise the
    addresses are not the file's (a callgrind that reports load addresses,
    a rebuilt binary) and the count would be wrong. UNKNOWN_OBJECT's
    instructions are not searched."""
    n = 0
    for obj, counts in profile.by_object.items():
        if obj == UNKNOWN_OBJECT:
            continue
        d = disassemble(obj)
        stray = [a for a in counts if a not in d.instructions]
        if stray:
            raise CallgrindError(f"{obj}: {len(stray)} counted addresses (first {stray[0]:#x}) "
                                 "start no instruction of the file: profile and file disagree")
        n += sum(c for address, c in counts.items() if address in d.atomic)
    return n
