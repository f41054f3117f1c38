"""benchtools.callgrind: instruction totals and atomic counts from a
callgrind profile, and its refusals."""

import os
import shutil
import subprocess
import tempfile
import textwrap
import unittest

from benchtools import callgrind
from benchtools.callgrind import CallgrindError, Disassembly

PROFILE = textwrap.dedent("""\
    # callgrind format
    version: 1
    positions: instr
    events: Ir
    summary: 18

    ob=/bin/prog
    fl=prog.c
    fn=loop
    0x100 2
    0x104 2
    cob=/lib/liba.so
    cfi=a.c
    cfn=f
    calls=2 0x2000
    0x104 40
    0x108 2

    ob=/lib/liba.so
    fl=a.c
    fn=f
    0x2000 2
    0x2003 2
    0x2007 2
    0x200a 2
    0x200d 2

    ob=???
    fl=???
    fn=0x0000000000009000
    0x9000 2
    """)


def disassembly(obj: str) -> Disassembly:
    return {
        "/bin/prog": Disassembly({0x100, 0x104, 0x108}, set()),
        "/lib/liba.so": Disassembly({0x2000, 0x2003, 0x2007, 0x200a, 0x200d}, {0x2003, 0x200a}),
    }[obj]


class TestCallgrind(unittest.TestCase):
    def test_totals_skip_inclusive_call_costs(self) -> None:
        p = callgrind.parse(PROFILE.splitlines())
        self.assertEqual(p.total, 18)
        self.assertEqual(p.by_object["/bin/prog"], {0x100: 2, 0x104: 2, 0x108: 2})

    def test_atomics_counted_where_the_file_has_them(self) -> None:
        self.assertEqual(callgrind.atomic_count(callgrind.parse(PROFILE.splitlines()), disassembly), 4)

    def test_address_outside_the_file_is_refused(self) -> None:
        p = callgrind.parse(PROFILE.replace("0x200d 2", "0x200e 2").splitlines())
        with self.assertRaisesRegex(CallgrindError, r"/lib/liba.so: 1 counted addresses \(first 0x200e\)"):
            callgrind.atomic_count(p, disassembly)

    def test_compressed_output_is_refused(self) -> None:
        with self.assertRaisesRegex(CallgrindError, "compressed positions"):
            callgrind.parse(PROFILE.replace("0x104 2\n", "+4 2\n").splitlines())
        with self.assertRaisesRegex(CallgrindError, "compressed names"):
            callgrind.parse(PROFILE.replace("ob=/lib/liba.so\n", "ob=(1) /lib/liba.so\n").splitlines())
        with self.assertRaisesRegex(CallgrindError, "want instr only"):
            callgrind.parse(PROFILE.replace("positions: instr", "positions: instr line").splitlines())
        with self.assertRaisesRegex(CallgrindError, "no 'positions: instr' line"):
            callgrind.parse(["summary: 3", "ob=/bin/prog", "0x1 3"], "x.out")

    def test_is_atomic(self) -> None:
        self.assertTrue(callgrind.is_atomic("lock cmpxchg %rcx,(%rdx)"))
        self.assertTrue(callgrind.is_atomic("xchg   %eax,0x8(%rdi)"))
        self.assertFalse(callgrind.is_atomic("xchg   %ax,%ax"))
        self.assertFalse(callgrind.is_atomic("mov    %rax,(%rdi)"))

    @unittest.skipUnless(shutil.which("gcc") and shutil.which("objdump"), "needs gcc and objdump")
    def test_objdump_finds_a_compiled_atomic(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            src, obj = os.path.join(d, "a.c"), os.path.join(d, "a.o")
            with open(src, "w") as f:
                f.write("int add(int *p) { return __atomic_fetch_add(p, 1, __ATOMIC_SEQ_CST); }\n"
                        "int get(int *p) { return *p; }\n")
            subprocess.run(["gcc", "-O2", "-c", src, "-o", obj], check=True)
            self.assertEqual(len(callgrind.objdump(obj).atomic), 1)


if __name__ == "__main__":
    unittest.main()
