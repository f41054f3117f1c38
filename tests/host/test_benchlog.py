"""The serial-log parser: valid dumps (versions 1 to 4) round-trip, and every
kind of bad dump is rejected with the file, the line and the problem."""

import os
import tempfile
import unittest
from collections.abc import Callable

import fake_dump
from fake_dump import reseal
from benchtools import benchlog

VARIANT = "pcp-magazine-batched"
# Changes the clean lines in place; returns the index of the line the
# error must name.
Mutation = Callable[[list[str]], int]


# 3 whole huge frames of 2^9 in 5000 free frames, after frame.bulk at 1 CPU.
FRAG = fake_dump.FakeFrag("frame.bulk", 1, 5000, 3)
# 1 of 2 CPUs held an object sharing a 64-byte line with the other's.
SHARE = fake_dump.FakeShare("frame.bulk", 2, 1)


def clean_lines() -> list[str]:
    return fake_dump.dump_lines(VARIANT, fake_dump.standard_series(VARIANT), frags=[FRAG],
                                shares=[SHARE])


def find(lines: list[str], start: str, nth: int = 0) -> int:
    """Index of the nth line that starts with `start`."""
    hits = [i for i, line in enumerate(lines) if line.startswith(start)]
    return hits[nth]


class TestParse(unittest.TestCase):
    def check_dump(self, dump: benchlog.Dump, series: list[fake_dump.FakeSeries]) -> None:
        suites = list(dict.fromkeys(s.suite for s in series))
        self.assertIn("calib.work", suites)
        self.assertEqual(dump.variant, VARIANT)
        self.assertEqual(dump.tsc_hz, 2_000_000_000)
        self.assertEqual(dump.header["cpus"], 2)
        self.assertEqual(dump.header["suites"], suites)
        self.assertEqual(dump.status, "ok")
        self.assertEqual(set(dump.suites), set(suites))
        self.assertEqual(len(dump.series), len(series))
        by_key = {s.key(): s for s in dump.series}
        for f in series:
            params = {k: str(v) for k, v in f.params.items()}
            got = by_key[(f.suite, f.op, tuple(sorted(params.items())), f.cpus, f.mode)]
            self.assertEqual(got.params, params)
            self.assertEqual((got.samples, got.min, got.max, got.sum),
                             (len(f.values), min(f.values), max(f.values), sum(f.values)))
            self.assertEqual((got.mode, got.ops), (f.mode, f.total_ops()))
            self.assertEqual(got.buckets, f.buckets())
            self.assertEqual(got.counters, f.counters)

    def test_round_trip(self) -> None:
        series = fake_dump.standard_series(VARIANT)
        data = fake_dump.log_bytes(fake_dump.dump_lines(VARIANT, series))
        self.check_dump(benchlog.parse_bytes(data, "x.log"), series)

    def test_all_suites_are_those_reported(self) -> None:
        series = fake_dump.standard_series(VARIANT)
        lines = fake_dump.dump_lines(VARIANT, series, suites="all")
        self.assertIn(" suites=all ", lines[0])
        self.check_dump(benchlog.parse_bytes(fake_dump.log_bytes(lines), "x.log"), series)

    def test_a_family_in_the_header_is_its_suites_reported(self) -> None:
        series = fake_dump.standard_series(VARIANT)
        families = list(dict.fromkeys(s.suite.split(".")[0] for s in series))
        lines = fake_dump.dump_lines(VARIANT, series, suites=",".join(families))
        self.assertIn(f" suites={families[0]},", lines[0])
        self.check_dump(benchlog.parse_bytes(fake_dump.log_bytes(lines), "x.log"), series)

    def test_version_4_header(self) -> None:
        lines = fake_dump.dump_lines(VARIANT, fake_dump.standard_series(VARIANT),
                                     target="hosted", repeat=3)
        h = benchlog.parse_bytes(fake_dump.log_bytes(lines)).header
        self.assertEqual((h["version"], h["target"], h["repeat"], h["hypervisor"]),
                         (4, "hosted", 3, "none"))
        self.assertEqual(h["modes"], ["each", "sample", "batch"])
        self.assertEqual((h["sample_period"], h["batch"]),
                         (fake_dump.SAMPLE_PERIOD, fake_dump.BATCH))

    def test_frag_records(self) -> None:
        frags = [FRAG, fake_dump.FakeFrag("frame.bulk", 2, 4096, 8, mode="sample"),
                 fake_dump.FakeFrag("frame.bulk", 2, 0, 0)]
        lines = fake_dump.dump_lines(VARIANT, fake_dump.standard_series(VARIANT), frags=frags)
        dump = benchlog.parse_bytes(fake_dump.log_bytes(lines))
        self.assertEqual([(f.key(), f.free_frames, f.free_huge, f.huge_order, f.share())
                          for f in dump.frags],
                         [(("frame.bulk", 1, "each"), 5000, 3, 9, 3 * 512 / 5000),
                          (("frame.bulk", 2, "sample"), 4096, 8, 9, 1.0),
                          (("frame.bulk", 2, "each"), 0, 0, 9, 0.0)])
        self.assertEqual(len(dump.series), len(fake_dump.standard_series(VARIANT)))

    def test_share_records(self) -> None:
        shares = [SHARE, fake_dump.FakeShare("frame.bulk", 2, 2, mode="sample", line=128),
                  fake_dump.FakeShare("frame.bulk", 1, 0)]
        lines = fake_dump.dump_lines(VARIANT, fake_dump.standard_series(VARIANT), shares=shares)
        dump = benchlog.parse_bytes(fake_dump.log_bytes(lines))
        self.assertEqual([(sh.key(), sh.shared, sh.line_bytes) for sh in dump.shares],
                         [(("frame.bulk", 2, "each"), 1, 64),
                          (("frame.bulk", 2, "sample"), 2, 128),
                          (("frame.bulk", 1, "each"), 0, 64)])
        self.assertEqual(len(dump.series), len(fake_dump.standard_series(VARIANT)))

    def test_version_3_has_no_share(self) -> None:
        lines = fake_dump.dump_lines(VARIANT, fake_dump.standard_series(VARIANT), version=3,
                                     frags=[FRAG])
        dump = benchlog.parse_bytes(fake_dump.log_bytes(lines))
        self.assertEqual((dump.header["version"], len(dump.frags), dump.shares), (3, 1, []))

    def test_version_2_has_no_frag(self) -> None:
        lines = fake_dump.dump_lines(VARIANT, fake_dump.standard_series(VARIANT), version=2)
        dump = benchlog.parse_bytes(fake_dump.log_bytes(lines))
        self.assertEqual((dump.header["version"], dump.frags), (2, []))

    def test_version_1_means_each_mode_in_qemu(self) -> None:
        series = [s for s in fake_dump.standard_series(VARIANT) if s.mode == "each"]
        lines = fake_dump.dump_lines(VARIANT, series, version=1)
        self.assertNotIn("mode=", "".join(lines))
        dump = benchlog.parse_bytes(fake_dump.log_bytes(lines))
        self.assertEqual({k: dump.header[k] for k in benchlog.HEADER_V2}, benchlog.V1_HEADER)
        self.assertEqual(dump.header["version"], 1)
        self.assertEqual(len(dump.series), len(series))
        for got in dump.series:
            self.assertEqual((got.mode, got.ops), ("each", got.samples))

    def test_version_1_has_no_mode_or_ops(self) -> None:
        # In version 1 they would be suite parameters, whose names they may not take.
        s = fake_dump.FakeSeries("frame.bulk", "alloc", 1, [50], {"mode": "each"})
        lines = fake_dump.dump_lines(VARIANT, [s], version=1)
        with self.assertRaises(benchlog.DumpError) as e:
            benchlog.parse_bytes(fake_dump.log_bytes(lines), "v1.log")
        self.assertIn("v1.log:2: malformed: parameter 'mode' clashes", str(e.exception))

    def test_noise_and_carriage_returns_ignored(self) -> None:
        series = fake_dump.standard_series(VARIANT)
        data = fake_dump.log_bytes(fake_dump.dump_lines(VARIANT, series), noise=True, crlf=True)
        self.assertIn(b"\r\n", data)
        self.assertIn(b"smp: 2 CPUs online", data)
        self.check_dump(benchlog.parse_bytes(data, "x.log"), series)

    def test_parse_log_reads_a_file(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            path = fake_dump.write_standard_logs(d, variants=[VARIANT])[0]
            self.assertEqual(benchlog.parse_log(path).variant, VARIANT)
            with self.assertRaises(benchlog.DumpError) as e:
                benchlog.parse_log(os.path.join(d, "missing.log"))
            self.assertIn("missing.log: cannot read", str(e.exception))

    def test_unknown_keys_kept(self) -> None:
        lines = clean_lines()
        i = find(lines, "BENCH begin")
        lines[i] = reseal(lines[i], "debug=0", "debug=0 host_note=abc")
        i = find(lines, "BENCH hist")
        lines[i] = reseal(lines[i], "order=0", "order=0 batch=32")
        dump = benchlog.parse_bytes(fake_dump.log_bytes(lines))
        self.assertEqual(dump.header["host_note"], "abc")
        self.assertEqual(dump.series[0].params, {"order": "0", "batch": "32"})

    def test_saturated_sum(self) -> None:
        s = fake_dump.FakeSeries("frame.huge", "alloc", 1, [2 ** 62 + i for i in range(8)],
                                 wall=2 ** 63)
        dump = benchlog.parse_bytes(fake_dump.log_bytes(fake_dump.dump_lines(VARIANT, [s])))
        self.assertEqual(dump.series[0].sum, 2 ** 64 - 1)

    def test_failed_status(self) -> None:
        s = fake_dump.FakeSeries("frame.bulk", "alloc", 1, [50])
        lines = fake_dump.dump_lines(VARIANT, [s], end_status="failed",
                                     statuses={"frame.bulk": "ok", "slab.x": "failed"})
        dump = benchlog.parse_bytes(fake_dump.log_bytes(lines))
        self.assertEqual(dump.status, "failed")
        self.assertEqual(dump.suites["slab.x"], {"status": "failed"})


# Each case: (name, mutation of the clean lines returning the index of the
# line the error must name, words the message must contain).
def edit(start: str, old: str, new: str, nth: int = 0) -> Mutation:
    def mutate(lines: list[str]) -> int:
        i = find(lines, start, nth)
        lines[i] = reseal(lines[i], old, new)
        return i
    return mutate


def set_field(start: str, key: str, value: object, nth: int = 0) -> Mutation:
    """Set key=... of the nth record starting with `start`, whatever it was."""
    def mutate(lines: list[str]) -> int:
        i = find(lines, start, nth)
        old = lines[i].split(f" {key}=")[1].split(" ")[0]
        lines[i] = reseal(lines[i], f" {key}={old}", f" {key}={value}")
        return i
    return mutate


def at_last_bk(mutate: Callable[[list[str]], object]) -> Mutation:
    """For errors found when the first hist's buckets are complete."""
    def wrapped(lines: list[str]) -> int:
        mutate(lines)
        return find(lines, "BENCH hist", 1) - 1
    return wrapped


def flip_byte(lines: list[str]) -> int:
    i = find(lines, "BENCH bk", 2)
    line = bytearray(lines[i].encode())
    line[12] ^= 0x01
    lines[i] = line.decode()
    return i


def cut_at_line(lines: list[str]) -> int:
    i = find(lines, "BENCH suite", 1)
    del lines[i:]
    return len(lines) - 1      # the error names the log's last line


def cut_mid_line(lines: list[str]) -> int:
    i = find(lines, "BENCH hist", 3)
    lines[i] = lines[i][:40]
    del lines[i + 1:]
    return i


def drop_line(lines: list[str]) -> int:
    i = find(lines, "BENCH suite")
    del lines[i]
    return find(lines, "BENCH end")


def records_count(lines: list[str]) -> int:
    i = find(lines, "BENCH end")
    n = lines[i].split("records=")[1].split(" ")[0]
    lines[i] = reseal(lines[i], f"records={n}", f"records={int(n) + 1}")
    return i


@at_last_bk
def bucket_count(lines: list[str]) -> None:
    i = find(lines, "BENCH bk")
    first = lines[i].split(" ")[2]
    b, c = first.split(":")
    lines[i] = reseal(lines[i], f" {first}", f" {b}:{int(c) + 1}")


def nbk(delta: int) -> Mutation:
    def mutate(lines: list[str]) -> int:
        i = find(lines, "BENCH hist")
        n = lines[i].split("nbk=")[1].split(" ")[0]
        lines[i] = reseal(lines[i], f"nbk={n}", f"nbk={int(n) + delta}")
        last_bk = find(lines, "BENCH hist", 1) - 1
        return last_bk + 1 if delta > 0 else last_bk
    return mutate


def swap_buckets(lines: list[str]) -> int:
    i = find(lines, "BENCH bk")
    pairs = lines[i].split(" *")[0].split(" ")[2:]
    lines[i] = reseal(lines[i], f"{pairs[0]} {pairs[1]}", f"{pairs[1]} {pairs[0]}")
    return i


def insert(where: str, record: str) -> Mutation:
    def mutate(lines: list[str]) -> int:
        i = find(lines, where) + 1
        lines.insert(i, record)
        return i
    return mutate


def prepend(lines: list[str]) -> int:
    lines.insert(0, fake_dump.record("suite", {"name": "early", "status": "ok"}))
    return 0


def append_after_end(lines: list[str]) -> int:
    lines.append(fake_dump.record("suite", {"name": "late", "status": "ok"}))
    return len(lines) - 1


def too_many_pairs(lines: list[str]) -> int:
    i = find(lines, "BENCH bk")
    lines[i] = reseal(lines[i], "BENCH bk ", "BENCH bk " + "0:1 " * 13)
    return i


def mode_not_announced(lines: list[str]) -> int:
    i = find(lines, "BENCH begin")
    lines[i] = reseal(lines[i], "modes=each,sample,batch", "modes=each,batch")
    return next(i for i, line in enumerate(lines) if " mode=sample " in line)


def in_version(rtype: str, version: int) -> Mutation:
    """A record of type rtype in a dump that says an older version."""
    def mutate(lines: list[str]) -> int:
        i = find(lines, "BENCH begin")
        lines[i] = reseal(lines[i], "version=4", f"version={version}")
        return find(lines, f"BENCH {rtype} ")
    return mutate


def twice(rtype: str) -> Mutation:
    """A record of type rtype given a second time, right after the first."""
    def mutate(lines: list[str]) -> int:
        i = find(lines, f"BENCH {rtype} ") + 1
        lines.insert(i, lines[i - 1])
        return i
    return mutate


def only_noise(lines: list[str]) -> int:
    del lines[:]
    return 0


REJECTIONS = [
    ("corrupted_byte", flip_byte, "corrupted: CRC"),
    ("cut_at_line_boundary", cut_at_line, "truncated: the dump begun at line 1 has no 'BENCH end'"),
    ("cut_mid_line", cut_mid_line, "corrupted"),
    ("lost_line", drop_line, "truncated: end says records="),
    ("records_count_mismatch", records_count, "truncated: end says records="),
    ("bucket_sum_mismatch", bucket_count, "add up to"),
    ("nbk_too_large", nbk(+1), "nbk mismatch"),
    ("nbk_too_small", nbk(-1), "nbk mismatch"),
    ("unknown_record_type", edit("BENCH suite", "BENCH suite", "BENCH suitx"),
     "unknown record type 'suitx'"),
    ("missing_header_key", edit("BENCH begin", " tsc_hz=2000000000", ""), "without 'tsc_hz='"),
    ("missing_hist_key", edit("BENCH hist", " samples=", " s="), "without 'samples='"),
    ("bad_version", edit("BENCH begin", "version=4", "version=5"),
     "version=5, this parser reads versions 1, 2, 3 and 4"),
    ("v2_key_in_v1", edit("BENCH begin", "version=4", "version=1"),
     "'target=' in a version 1 dump"),
    ("frag_in_version_2", in_version("frag", 2),
     "malformed: frag record in a version 2 dump (it came with version 3)"),
    ("frag_missing_key", edit("BENCH frag", " free_huge=3", ""),
     "malformed: frag record without 'free_huge='"),
    ("frag_unknown_key", edit("BENCH frag", "huge_order=9", "huge_order=9 order=0"),
     "malformed: frag record with unknown key 'order'"),
    ("frag_not_an_integer", edit("BENCH frag", "free_frames=5000", "free_frames=5k"),
     "malformed: free_frames=5k is not a decimal integer"),
    ("frag_cpus_zero", edit("BENCH frag", "cpus=1", "cpus=0"),
     "malformed: frag record with cpus=0"),
    ("frag_huge_order_too_large", edit("BENCH frag", "huge_order=9", "huge_order=31"),
     "malformed: frag huge_order=31 is above 30"),
    ("frag_more_huge_than_free", edit("BENCH frag", "free_huge=3", "free_huge=10"),
     "inconsistent: frag free_huge=10 blocks of 2^9 frames are more than free_frames=5000"),
    ("frag_mode_not_in_begin", edit("BENCH frag", "mode=each", "mode=every"),
     "inconsistent: frag mode=every is not among the modes=each,sample,batch"),
    ("frag_twice", twice("frag"), "malformed: frag of frame.bulk cpus=1 mode=each given twice "
                                  "(first at line"),
    ("share_in_version_3", in_version("share", 3),
     "malformed: share record in a version 3 dump (it came with version 4)"),
    ("share_missing_key", edit("BENCH share", " shared=1", ""),
     "malformed: share record without 'shared='"),
    ("share_unknown_key", edit("BENCH share", "line=64", "line=64 size=8"),
     "malformed: share record with unknown key 'size'"),
    ("share_not_an_integer", edit("BENCH share", "shared=1", "shared=one"),
     "malformed: shared=one is not a decimal integer"),
    ("share_cpus_zero", edit("BENCH share", "cpus=2", "cpus=0"),
     "malformed: share record with cpus=0"),
    ("share_more_than_cpus", edit("BENCH share", "shared=1", "shared=3"),
     "inconsistent: share shared=3 CPUs of cpus=2"),
    ("share_line_zero", edit("BENCH share", "line=64", "line=0"),
     "malformed: share record with line=0"),
    ("share_mode_not_in_begin", edit("BENCH share", "mode=each", "mode=every"),
     "inconsistent: share mode=every is not among the modes=each,sample,batch"),
    ("share_twice", twice("share"), "malformed: share of frame.bulk cpus=2 mode=each given "
                                    "twice (first at line"),
    ("missing_target", edit("BENCH begin", " target=qemu", ""), "without 'target='"),
    ("missing_modes", edit("BENCH begin", " modes=each,sample,batch", ""), "without 'modes='"),
    ("bad_target", edit("BENCH begin", "target=qemu", "target=kvm"), "target=kvm, expected"),
    ("hosted_under_a_hypervisor", edit("BENCH begin", "target=qemu", "target=hosted"),
     "target=hosted with hypervisor=tcg"),
    ("unknown_mode", edit("BENCH begin", "modes=each,", "modes=each,every,"),
     "'every' is not one of each, sample, batch"),
    ("repeat_zero", edit("BENCH begin", "repeat=1", "repeat=0"), "repeat=0 is outside 1.."),
    ("batch_zero", set_field("BENCH begin", "batch", 0), "batch=0 is outside 1.."),
    ("missing_mode", edit("BENCH hist", " mode=each", ""), "hist record without 'mode='"),
    ("missing_ops", edit("BENCH hist", " ops=400", ""), "hist record without 'ops='"),
    ("ops_below_samples", edit("BENCH hist", "ops=400", "ops=399"),
     "ops=399 < samples=400"),
    ("mode_not_in_begin", mode_not_announced, "mode=sample is not among the modes=each,batch"),
    ("joined_op_outside_batch", edit("BENCH hist suite=slab.pair", "mode=batch", "mode=each"),
     "op=kmalloc+kfree joins two operations"),
    ("non_increasing_buckets", swap_buckets, "buckets must increase"),
    ("bk_outside_hist", insert("BENCH suite", fake_dump.seal("BENCH bk 3:1")),
     "bk record outside a hist"),
    ("second_begin", insert("BENCH begin", fake_dump.record("begin", {})), "second 'begin'"),
    ("record_before_begin", prepend, "'suite' record before 'BENCH begin'"),
    ("record_after_end", append_after_end, "after the dump's end"),
    ("not_an_integer", edit("BENCH hist", "cpus=1", "cpus=one"),
     "cpus=one is not a decimal integer"),
    ("bad_key_value", edit("BENCH hist", "op=alloc", "op"), "'op' is not key=value"),
    ("bad_variant", edit("BENCH begin", "variant=pcp-magazine-batched", "variant=pcp"),
     "not <frame>-<slab>-<shootdown>"),
    ("min_not_in_first_bucket", at_last_bk(set_field("BENCH hist", "min", 1)), "do not hold min=1"),
    ("sum_below_min", set_field("BENCH hist", "sum", 5), "sum=5 is not between"),
    ("duplicate_series", edit("BENCH hist", "op=free", "op=alloc", nth=1), "measured twice"),
    ("bad_suite_status", edit("BENCH suite", "status=ok", "status=fine"), "status=fine"),
    ("too_many_pairs", too_many_pairs, "pairs (1 to 12 allowed)"),
    ("line_too_long", edit("BENCH begin", "commit=abc1234", "commit=" + "a" * 490),
     "longer than 500"),
    ("no_dump_at_all", only_noise, "no 'BENCH begin'"),
]


def make_rejection_test(mutate: Mutation, words: str) -> Callable[[unittest.TestCase], None]:
    def test(self: unittest.TestCase) -> None:
        lines = clean_lines()
        index = mutate(lines)
        data = fake_dump.log_bytes(lines)
        with self.assertRaises(benchlog.DumpError) as caught:
            benchlog.parse_bytes(data, "run/x.log")
        message = str(caught.exception)
        # log_bytes puts record i on line i + 1 (or one past the end).
        expected_line = index + 1 if lines else 1
        self.assertTrue(message.startswith(f"run/x.log:{expected_line}: "),
                        f"wrong place: {message}")
        self.assertIn(words, message)
    return test


class TestRejects(unittest.TestCase):
    pass


for _name, _mutate, _words in REJECTIONS:
    setattr(TestRejects, f"test_{_name}", make_rejection_test(_mutate, _words))
