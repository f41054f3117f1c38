#!/usr/bin/env python3
"""bench.py: the results tools' command (process, merge, replot, compare, table);
its code is benchtools/cli.py, its --help says the rest."""

import os
import sys

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchtools import cli  # noqa: E402  (found through the path above)

if __name__ == "__main__":
    sys.exit(cli.main())
