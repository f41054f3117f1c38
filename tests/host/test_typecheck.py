"""tests/host/typecheck.sh: mypy with mypy.ini's strict settings passes
typed code and fails, naming the first error, on code that is not."""

import os
import subprocess
import tempfile
import unittest

TYPECHECK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "typecheck.sh")


def typecheck(source: str) -> tuple[int, str, str]:
    """typecheck.sh on a file holding source: (exit status, stdout, stderr)."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "sample.py")
        with open(path, "w") as f:
            f.write(source)
        p = subprocess.run([TYPECHECK, path], capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


class TestTypecheck(unittest.TestCase):
    def test_typed_code_passes(self) -> None:
        self.assertEqual(typecheck("def half(n: int) -> int:\n    return n // 2\n"),
                         (0, "host: mypy ... ok\n", ""))

    def test_type_error_fails(self) -> None:
        rc, out, err = typecheck("def half(n: int) -> int:\n    return n / 2\n")
        self.assertEqual(rc, 1)
        self.assertRegex(out, r'\Ahost: mypy \.\.\. FAIL: 1 error \(first: \S*sample\.py:2: '
                              r'Incompatible return value type \(got "float", expected "int"\)'
                              r'  \[return-value\]\)\n\Z')
        self.assertIn("Found 1 error in 1 file", err)

    def test_untyped_function_fails(self) -> None:
        rc, out, _ = typecheck("def half(n):\n    return n // 2\n\n\nhalf(2)\n")
        self.assertEqual(rc, 1)
        self.assertRegex(out, r"\Ahost: mypy \.\.\. FAIL: 2 errors \(first: \S*sample\.py:1: "
                              r"Function is missing a type annotation")
