#!/usr/bin/env python3
"""callgrind_count.py OUT N: instructions and atomic instructions per op in
the callgrind output OUT of N ops (for make bench-host-callgrind); its code
is benchtools/callgrind.py."""

import os
import sys

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchtools import callgrind  # noqa: E402  (found through the path above)


def main(argv: list[str]) -> int:
    if len(argv) != 3 or not argv[2].isdigit() or int(argv[2]) == 0:
        print("usage: callgrind_count.py CALLGRIND_OUT N (N > 0 ops)", file=sys.stderr)
        return 2
    path, n = argv[1], int(argv[2])
    try:
        with open(path, encoding="utf-8") as f:
            profile = callgrind.parse(f, path)
        atomics = callgrind.atomic_count(profile)
    except (OSError, callgrind.CallgrindError) as e:
        print(f"callgrind_count.py: {e}", file=sys.stderr)
        return 1
    print(f"{profile.total / n:.1f} {atomics / n:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
