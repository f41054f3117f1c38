#!/usr/bin/env python3
"""Run the host-side benchmark tool tests (tests/host/test_*.py).

Prints one line per test, "host: NAME ... ok" or "host: NAME ... FAIL: reason",
tracebacks to stderr, and exits 0 only if every test passed. NAME is
<module>.<test> without the test_ prefixes, e.g. benchlog.round_trip.
Runs itself again under /usr/bin/python3 when this interpreter lacks
matplotlib (the plotting tests need it).
"""

import importlib.util
import os
import sys
import traceback
import unittest
from types import TracebackType
from typing import cast

# What unittest hands a result for a failure or an error: never the
# (None, None, None) that typeshed allows too, hence the ignores below.
ExcInfo = tuple[type[BaseException], BaseException, TracebackType]

HERE = os.path.dirname(os.path.abspath(__file__))
HOST_TOOLS = os.path.join(os.path.dirname(os.path.dirname(HERE)), "bench", "host")
PLOTTING_PYTHON = "/usr/bin/python3"


def ensure_matplotlib() -> None:
    if importlib.util.find_spec("matplotlib") is None:
        if (os.path.exists(PLOTTING_PYTHON) and not os.environ.get("HOST_TESTS_REEXEC")
                and os.path.realpath(PLOTTING_PYTHON) != os.path.realpath(sys.executable)):
            os.environ["HOST_TESTS_REEXEC"] = "1"
            os.execv(PLOTTING_PYTHON, [PLOTTING_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])


def test_name(test: unittest.TestCase) -> str:
    module = test.__class__.__module__.removeprefix("test_")
    return f"{module}.{test._testMethodName.removeprefix('test_')}"


def one_line(err: ExcInfo) -> str:
    kind, value, _ = err
    text = str(value).strip().splitlines()
    return f"{kind.__name__}: {text[0]}" if text else kind.__name__


class LineResult(unittest.TestResult):
    """One line per test on stdout, whatever its subtests did."""

    def __init__(self) -> None:
        super().__init__()
        self.problem: str | None = None
        self.passed = self.failed = 0

    def startTest(self, test: unittest.TestCase) -> None:
        super().startTest(test)
        self.problem = None

    def note(self, test: unittest.TestCase, err: ExcInfo, where: str = "") -> None:
        if self.problem is None:
            self.problem = where + one_line(err)
        print(f"--- {test}", file=sys.stderr)
        traceback.print_exception(*err, file=sys.stderr)

    def addFailure(self, test: unittest.TestCase, err: ExcInfo) -> None:  # type: ignore[override]
        super().addFailure(test, err)
        self.note(test, err)

    def addError(self, test: unittest.TestCase, err: ExcInfo) -> None:  # type: ignore[override]
        super().addError(test, err)
        # setUpClass and the like fail as a unittest _ErrorHolder, which
        # typeshed does not describe: no TestCase.
        if not isinstance(cast(object, test), unittest.TestCase):
            print(f"host: {test} ... FAIL: {one_line(err)}")
            self.failed += 1
            return
        self.note(test, err)

    def addSubTest(self, test: unittest.TestCase,  # type: ignore[override]
                   subtest: unittest.TestCase, err: ExcInfo | None) -> None:
        super().addSubTest(test, subtest, err)
        if err is not None:
            # A unittest _SubTest, which typeshed does not describe.
            self.note(test, err, f"{subtest._subDescription()}: ")  # type: ignore[attr-defined]

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        super().addSkip(test, reason)
        self.problem = f"skipped ({reason})"

    def stopTest(self, test: unittest.TestCase) -> None:
        if self.problem is None:
            print(f"host: {test_name(test)} ... ok")
            self.passed += 1
        else:
            print(f"host: {test_name(test)} ... FAIL: {self.problem}")
            self.failed += 1
        sys.stdout.flush()
        super().stopTest(test)


def main() -> int:
    ensure_matplotlib()
    sys.dont_write_bytecode = True      # no __pycache__ in the source tree
    sys.path[:0] = [HERE, HOST_TOOLS]       # the tests' helpers, the benchtools package
    suite = unittest.defaultTestLoader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    result = LineResult()
    suite.run(result)
    print(f"host tests: {result.passed} passed, {result.failed} failed", file=sys.stderr)
    return 0 if result.passed and not result.failed else 1


if __name__ == "__main__":
    sys.exit(main())
