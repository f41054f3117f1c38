#!/usr/bin/env python3
"""qmp_pin.py: pin QEMU's vCPU threads to host cores, or print the host
topology; its code is benchtools/qmp_pin.py, its --help says the rest."""

import os
import sys

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from benchtools import qmp_pin  # noqa: E402  (found through the path above)

if __name__ == "__main__":
    sys.exit(qmp_pin.main())
