"""The variant table (variants.txt) is the one source of the variant set.

bench/host/benchtools/variants.py, make (`make print-variants`, and the make fragments
tests/hosted/hosted.mk and bench/host/bench.mk used alone) and run_bench.sh
(its --help, its validation of --variants and the variants of --rivals)
must all say what the table says; a variant added to a copy of the table,
named by VARIANTS_TABLE, must reach every one of them; and a table with no
rival works everywhere.
"""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

from benchtools import variants

REPO = variants.REPO
RUN_BENCH = os.path.join(REPO, "run_bench.sh")
FLAVOURS = ("asan", "tsan", "asan-debug")      # tests/hosted/hosted.mk
# Nothing of a calling make or of the caller's choice of variant leaks in.
DROP = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEFILES", "VARIANTS_TABLE", "O",
        "FRAME", "SLAB", "SHOOTDOWN", "DEBUG")


def env(table: str | None = None) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if k not in DROP}
    e["PYTHONPATH"] = variants.HOST
    if table:
        e["VARIANTS_TABLE"] = table
    return e


def run(argv: list[str], table: str | None = None, stdin: str | None = None,
        **more_env: str) -> tuple[int, str]:
    """(status, stdout + stderr) of a command run at the repository's root."""
    p = subprocess.run(argv, cwd=REPO, env=env(table) | more_env, input=stdin,
                       capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout + p.stderr


def make_vars(*args: str, table: str | None = None) -> dict[str, list[str]]:
    """make -s print-variants: its 'NAME = value' lines as NAME -> words."""
    rc, out = run(["make", "-s", "O=/nonexistent/o", *args, "print-variants"], table)
    if rc != 0:
        raise AssertionError(f"make print-variants failed ({rc}): {out}")
    found = {}
    for line in out.splitlines():
        if not line.startswith("#"):
            name, sep, value = line.partition(" = ")
            if not sep:
                raise AssertionError(f"make print-variants printed '{line}'")
            found[name] = value.split()
    return found


def fragment_var(fragment: str, name: str, table: str | None = None) -> list[str]:
    """A variable of a make fragment used alone (make -f FRAGMENT)."""
    rc, out = run(["make", "-s", "-f", fragment, "-f", "-", "O=/nonexistent/o", "print-it"], table,
                  stdin=f"print-it:\n\t@echo '$({name})'\n")
    if rc != 0:
        raise AssertionError(f"make -f {fragment} failed ({rc}): {out}")
    return out.split()


def hosted_runners(t: variants.Table) -> list[str]:
    """The runner names tests/hosted/hosted.mk is to build for table t."""
    pair = f"{t.defaults['frame']}-{t.defaults['slab']}"
    names = [f"runner-{fl}-{f}-{s}" for fl in FLAVOURS
             for f in t.variants["frame"] for s in t.variants["slab"]]
    names += [f"runner-{fl}-{pair}-{d}" for d in t.variants["shootdown"]
              if d != t.defaults["shootdown"] for fl in FLAVOURS]
    return sorted(names)


def bench_host_variants(t: variants.Table) -> list[str]:
    """bench/host/bench.mk's order: default, baseline, the others."""
    def ordered(m: str) -> list[str]:
        first = [t.defaults[m], t.baselines[m]]
        return first + [v for v in t.variants[m] if v not in first]
    return [f"{f}-{s}" for f in ordered("frame") for s in ordered("slab")]


def rival_variants(t: variants.Table) -> list[str]:
    """What --rivals runs: the design, then each mechanism's rival in the
    table's order of mechanisms, spelt out here rather than through
    Table.rival_variant."""
    return [t.default] + ["-".join(t.rivals[m] if m == mechanism else t.defaults[m]
                                   for m in t.mechanisms)
                          for mechanism in t.mechanisms if mechanism in t.rivals]


def sets_line(t: variants.Table) -> str:
    return ", ".join(f"{m}: {' '.join(t.variants[m])}" for m in t.mechanisms)


class Consumers(unittest.TestCase):
    """Checks that every consumer agrees with table t (read from path)."""

    def check_make(self, t: variants.Table, path: str | None = None) -> dict[str, list[str]]:
        v = make_vars(table=path)
        self.assertEqual(v["MM_MECHANISMS"], list(t.mechanisms))
        self.assertEqual(v["MM_VARIABLES"], [m.upper() for m in t.mechanisms])
        for m in t.mechanisms:
            with self.subTest(mechanism=m):
                self.assertEqual(v[f"{m.upper()}_VARIANTS"], t.variants[m])
                self.assertEqual(v[f"{m.upper()}_DEFAULT"], [t.defaults[m]])
                self.assertEqual(v[f"{m.upper()}_BASELINE"], [t.baselines[m]])
                self.assertEqual(v[f"{m.upper()}_RIVAL"], [t.rivals[m]] if m in t.rivals else [])
        self.assertEqual(v["MM_DEFAULT_VARIANT"], [t.default])
        self.assertEqual(v["MM_BASELINE_VARIANTS"], [t.baseline_variant(m) for m in t.mechanisms])
        self.assertEqual(v["MM_RIVAL_VARIANTS"], rival_variants(t)[1:])
        pairs = [f"{f}-{s}" for f in t.variants["frame"] for s in t.variants["slab"]]
        self.assertEqual(v["TEST_VARIANTS"], pairs)
        pair = f"{t.defaults['frame']}-{t.defaults['slab']}"
        other_shootdowns = [d for d in t.variants["shootdown"] if d != t.defaults["shootdown"]]
        # The rivals in the design boot at the design's CPU counts.
        rivals = {r.rsplit("-", 1)[0] for r in rival_variants(t)[1:]
                  if r.endswith("-" + t.defaults["shootdown"])}
        self.assertEqual(v["VARIANT_DIRS"],
                         [f"/nonexistent/o/variants/{p}" + (":1,2,4,8" if p in rivals else "")
                          for p in pairs if p != pair]
                         + [f"/nonexistent/o/variants/{pair}-debug"]
                         + [f"/nonexistent/o/variants/shootdown-{d}:2,4,8" for d in other_shootdowns])
        self.assertEqual(sorted(os.path.basename(r) for r in v["HOSTED_RUNNERS"]), hosted_runners(t))
        self.assertEqual(v["BENCH_HOST_VARIANTS"], bench_host_variants(t))
        # The default build: every mm/*.c that is no variant's, then one
        # file per mechanism, its default.
        chosen = [f"mm/{m}_{t.defaults[m]}.c" for m in t.mechanisms]
        self.assertEqual(v["MM_SRCS"][-len(chosen):], chosen)
        common = v["MM_SRCS"][:-len(chosen)]
        everything = sorted(os.path.relpath(f, REPO) for f in glob.glob(os.path.join(REPO, "mm/*.c")))
        self.assertEqual(common, [f for f in everything
                                  if not any(f.startswith(f"mm/{m}_") for m in t.mechanisms)])
        # The make fragments used alone read the same table.
        self.assertEqual(sorted(os.path.basename(r) for r in
                                fragment_var("tests/hosted/hosted.mk", "HOSTED_RUNNERS", path)),
                         hosted_runners(t))
        self.assertEqual(fragment_var("bench/host/bench.mk", "BENCH_HOST_VARIANTS", path),
                         bench_host_variants(t))
        return v

    def check_run_bench(self, t: variants.Table, path: str | None = None) -> None:
        rc, out = run([RUN_BENCH, "--help"], path)
        self.assertEqual(rc, 0, out)
        self.assertIn("comma-separated variants <frame>-<slab>-<shootdown>, with\n"
                      f"                   {sets_line(t)}\n", out)
        defaults = " ".join([t.default] + [t.baseline_variant(m) for m in t.mechanisms])
        self.assertIn(defaults, " ".join(out.split()))
        # Every variant the table allows passes the check of --variants
        # (which comes before that of --mem), and nothing else does.
        rc, out = run([RUN_BENCH, "--no-deps", "--variants", ",".join(t.all_variants()),
                       "--mem", "bogus"], path)
        self.assertEqual(rc, 2, out)
        self.assertIn("--mem wants a size", out)
        bad = f"{t.default}-x"
        rc, out = run([RUN_BENCH, "--no-deps", "--variants", bad, "--mem", "bogus"], path)
        self.assertEqual(rc, 2, out)
        self.assertIn(f"unknown variant '{bad}': a variant is <frame>-<slab>-<shootdown> with "
                      + ", ".join(f"{m} in {{{' '.join(t.variants[m])}}}" for m in t.mechanisms)
                      + f" (e.g. {t.default})", out)
        self.check_rivals(t, path)

    def check_rivals(self, t: variants.Table, path: str | None = None) -> None:
        """--rivals: its help, and the variants it chooses, seen through
        --no-build in an empty build directory, which names every variant
        it lacks (QEMU=true: any QEMU passes the check that comes first)."""
        rc, out = run([RUN_BENCH, "--help"], path)
        chosen = rival_variants(t)
        here = " ".join(chosen) if t.rivals else "none: no mechanism has a rival"
        self.assertIn(f"report.md compares them (here: {here})", " ".join(out.split()))
        with tempfile.TemporaryDirectory() as build:
            rc, out = run([RUN_BENCH, "--rivals", "--no-deps", "--no-build", "--build", build],
                          path, QEMU="true")
        self.assertEqual(rc, 2, out)
        if t.rivals:
            self.assertIn(f"error: not built in {build}/bench-variants/: {', '.join(chosen)} "
                          f"(run without --no-build", out)
        else:
            self.assertIn(f"error: --rivals: {path or REPO + '/variants.txt'} gives no "
                          f"mechanism a rival", out)

    def check_python(self, t: variants.Table, path: str) -> None:
        """variants.py imported afresh with VARIANTS_TABLE=path."""
        code = ("import json; from benchtools import variants as v; print(json.dumps(["
                "v.DEFAULT, v.BASELINES, v.RIVALS, v.TABLE.variants, v.TABLE.all_variants()]))")
        rc, out = run([sys.executable, "-B", "-c", code], path)
        self.assertEqual(rc, 0, out)
        default, baselines, rivals, sets, names = json.loads(out)
        self.assertEqual(default, t.default)
        self.assertEqual(baselines, {m: t.baseline_variant(m) for m in t.mechanisms})
        self.assertEqual(list(rivals.values()), rival_variants(t)[1:])
        self.assertEqual(sets, t.variants)
        self.assertEqual(names, t.all_variants())


class TestVariants(Consumers):
    def test_table(self) -> None:
        """The table as variants.py reads it, and the files it names."""
        t = variants.load(os.path.join(REPO, "variants.txt"))
        self.assertEqual(t, variants.TABLE)
        self.assertEqual(t.mechanisms, ("frame", "slab", "shootdown"))
        self.assertEqual(variants.DEFAULT, "pcp-magazine-batched")
        self.assertEqual(t.rivals, {"frame": "llfree", "slab": "slub"})
        self.assertEqual(variants.RIVALS, {"frame": "llfree-magazine-batched",
                                           "slab": "pcp-slub-batched"})
        self.assertEqual(variants.rival("frame.bulk"), "llfree-magazine-batched")
        self.assertEqual(variants.rival("slab.pair"), "pcp-slub-batched")
        self.assertIsNone(variants.rival("shootdown.unmap"))
        self.assertEqual(variants.label("llfree-magazine-batched", "frame.rand"),
                         "llfree-magazine-batched (frame rival)")
        self.assertEqual(variants.label("llfree-magazine-batched", "slab.pair"),
                         "llfree-magazine-batched")
        self.assertEqual(variants.order(["llfree-magazine-batched", "pcp-locked-batched",
                                         "buddy-magazine-batched", variants.DEFAULT], "frame.bulk"),
                         [variants.DEFAULT, "buddy-magazine-batched", "llfree-magazine-batched",
                          "pcp-locked-batched"])
        self.assertEqual(set(variants.PREFIX_MECHANISM.values()), set(t.mechanisms))
        for r in t.rows:
            self.assertTrue(r.description, f"{r.mechanism} {r.name} has no description")
        # Each variant has its file, and each file that make leaves out of
        # the common sources is a variant.
        named = {f"mm/{m}_{v}.c" for m in t.mechanisms for v in t.variants[m]}
        found = {os.path.relpath(f, REPO) for m in t.mechanisms
                 for f in glob.glob(os.path.join(REPO, f"mm/{m}_*.c"))}
        self.assertEqual(found, named)

    def test_python_tools(self) -> None:
        self.check_python(variants.TABLE, os.path.join(REPO, "variants.txt"))

    def test_make(self) -> None:
        self.check_make(variants.TABLE)

    def test_make_refuses_unknown_variant(self) -> None:
        rc, out = run(["make", "-s", "FRAME=fake", "print-variants"])
        self.assertNotEqual(rc, 0)
        self.assertIn("FRAME=fake: expected one of " + " ".join(variants.TABLE.variants["frame"]), out)

    def test_run_bench(self) -> None:
        self.check_run_bench(variants.TABLE)

    def test_run_bench_rivals_stands_alone(self) -> None:
        rc, out = run([RUN_BENCH, "--rivals", "--variants", variants.DEFAULT])
        self.assertEqual(rc, 2, out)
        self.assertIn("--rivals chooses the variants: give it or --variants, not both", out)

    def test_added_variant_reaches_every_consumer(self) -> None:
        """One line each in a copy of the table: a frame and a slab
        variant, and a shootdown variant as the shootdown's rival."""
        with open(os.path.join(REPO, "variants.txt")) as f:
            text = f.read()
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "variants.txt")
            with open(path, "w") as f:
                f.write(text + "frame fakeframe - a test's variant\n"
                               "shootdown fakedown rival a rival\n"
                               "slab fakeslab - another\n")
            t = variants.load(path)
            self.assertEqual(t.variants["frame"][-1], "fakeframe")
            self.assertEqual(rival_variants(t), [t.default, "llfree-magazine-batched",
                                                 "pcp-slub-batched", "pcp-magazine-fakedown"])
            v = self.check_make(t, path)
            self.assertIn("fakeframe-magazine", v["TEST_VARIANTS"])
            self.assertIn("/nonexistent/o/variants/shootdown-fakedown:2,4,8", v["VARIANT_DIRS"])
            self.assertIn("runner-asan-pcp-magazine-fakedown",
                          [os.path.basename(r) for r in v["HOSTED_RUNNERS"]])
            self.assertIn("mm/frame_fakeframe.c",
                          make_vars("FRAME=fakeframe", table=path)["MM_SRCS"])
            self.check_run_bench(t, path)
            rc, out = run([RUN_BENCH, "--help"], path)
            self.assertIn("frame: " + " ".join(t.variants["frame"]) + ",", out)
            self.assertIn(" fakeframe,", out)
            self.check_python(t, path)

    def test_table_without_rival_works_everywhere(self) -> None:
        """No mechanism with a rival (the rival's line made role -)."""
        with open(os.path.join(REPO, "variants.txt")) as f:
            text = re.sub(r"(?m)^(\w+\s+\w+\s+)rival(?=\s)", r"\1-    ", f.read())
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "variants.txt")
            with open(path, "w") as f:
                f.write(text)
            t = variants.load(path)
            self.assertEqual(t.rivals, {})
            self.assertEqual(t.variants, variants.TABLE.variants)
            v = self.check_make(t, path)
            self.assertEqual(v["MM_RIVAL_VARIANTS"], [])
            self.check_run_bench(t, path)
            self.check_python(t, path)

    def test_bad_table_refused_everywhere(self) -> None:
        """Each consumer refuses each table with the same words; {path}
        stands for the table's path."""
        with tempfile.TemporaryDirectory() as tmp:
            for name, text, message in (
                    ("two defaults", "frame a default x\nframe b default y\nframe c baseline z\n",
                     "default"),
                    ("no baseline", "frame a default x\n", "baseline"),
                    ("bad role", "frame a best x\n", "not a line"),
                    ("dash in a name", "frame a-b default x\nframe c baseline y\n", "not a line"),
                    ("two rivals", "frame a default x\nframe b baseline y\n# a comment\n"
                                   "frame c rival z\nslab d default x\nslab e baseline y\n"
                                   "slab f rival z\nframe g rival w\n",
                     "{path}:8: a second rival frame variant, g (at most one per mechanism)")):
                with self.subTest(table=name):
                    path = os.path.join(tmp, re.sub(r"\W", "_", name))
                    message = message.format(path=path)
                    with open(path, "w") as f:
                        f.write(text)
                    with self.assertRaisesRegex(ValueError, re.escape(message)):
                        variants.load(path)
                    rc, out = run(["make", "-s", "print-variants"], path)
                    self.assertNotEqual(rc, 0, out)
                    self.assertIn(message, out)
                    rc, out = run([RUN_BENCH, "--help"], path)
                    self.assertEqual(rc, 1, out)
                    self.assertIn(message, out)


if __name__ == "__main__":
    unittest.main()
