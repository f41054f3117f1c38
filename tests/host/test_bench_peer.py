"""bench/host/bench_peer.c, the user-space allocators' side of make
bench-host-callgrind: it builds warning-free, says which library its
malloc came from, runs its loop and refuses bad arguments; under valgrind
(when installed) callgrind_count.py reads its profile."""

import os
import shutil
import subprocess
import tempfile
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOURCE = os.path.join(REPO, "bench", "host", "bench_peer.c")
CC = shutil.which("gcc") or shutil.which("cc")


def build(directory: str, name: str, libs: list[str]) -> str:
    assert CC is not None
    out = os.path.join(directory, f"bench-peer-{name}")
    subprocess.run([CC, "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-pthread", "-O2",
                    "-o", out, SOURCE] + libs, check=True, capture_output=True, text=True)
    return out


@unittest.skipUnless(CC, "needs a C compiler")
class TestBenchPeer(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.dir)

    def test_glibc_loop_runs_and_names_libc(self) -> None:
        peer = build(self.dir, "glibc", [])
        which = subprocess.run([peer, "--which"], capture_output=True, text=True, check=True)
        self.assertRegex(which.stdout, r"/libc\.so\.6\n\Z")
        subprocess.run([peer, "--callgrind", "kmalloc64", "1000"], check=True)

    def test_bad_arguments_refused(self) -> None:
        peer = build(self.dir, "glibc", [])
        bad: list[list[str]] = [["--callgrind", "kmalloc65", "10"], ["--callgrind", "kmalloc64", "0"],
                                ["--callgrind", "kmalloc64", "1x"], ["--rows", "extra"], []]
        for args in bad:
            with self.subTest(args=args):
                p = subprocess.run([peer] + args, capture_output=True, text=True)
                self.assertEqual(p.returncode, 2)
                self.assertTrue(p.stderr)

    @unittest.skipUnless(os.path.exists("/usr/include/jemalloc/jemalloc.h"),
                         "needs libjemalloc-dev (scripts/deps.sh)")
    def test_linked_library_provides_malloc(self) -> None:
        peer = build(self.dir, "jemalloc", ["-ljemalloc"])
        which = subprocess.run([peer, "--which"], capture_output=True, text=True, check=True)
        self.assertIn("libjemalloc", which.stdout)

    @unittest.skipUnless(shutil.which("valgrind"), "needs valgrind (scripts/deps.sh)")
    def test_callgrind_count_of_the_loop(self) -> None:
        peer = build(self.dir, "glibc", [])
        out = os.path.join(self.dir, "cg.out")
        subprocess.run(["valgrind", "--tool=callgrind", "--toggle-collect=bench_callgrind_loop",
                        "--dump-instr=yes", "--dump-line=no", "--compress-pos=no",
                        "--compress-strings=no", f"--callgrind-out-file={out}",
                        peer, "--callgrind", "kmalloc64", "2000"], check=True, capture_output=True)
        count = subprocess.run([os.path.join(REPO, "bench", "host", "callgrind_count.py"), out, "2000"],
                               capture_output=True, text=True, check=True).stdout.split()
        instructions, atomics = float(count[0]), float(count[1])
        # glibc's tcache pair is some tens of instructions, with no locked one.
        self.assertGreater(instructions, 20)
        self.assertLess(instructions, 1000)
        self.assertEqual(atomics, 0)


if __name__ == "__main__":
    unittest.main()
