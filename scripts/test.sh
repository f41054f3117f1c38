#!/usr/bin/env bash
# scripts/test.sh - every test of the project; what `make test` runs after
# the builds. The plan and the checks are tests/harness/ (Python), the
# scheduling is GNU make (-j, one target per job): see its __init__.py.
# Options: scripts/test.sh --help. The very last line is "N passed, M failed".
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PYTHONPATH=$repo/tests${PYTHONPATH:+:$PYTHONPATH} PYTHONDONTWRITEBYTECODE=1
exec python3 -m harness "$@"
