"""report.md's instructions per operation: icount p50 minus the harness's
own calib.empty p50, per mode, only for deterministic runs."""

import unittest

import fake_dump
from benchtools import benchlog
from benchtools import instructions
from benchtools import results
from benchtools import variants

ICOUNT_HZ = 1_000_000_000       # shift 0: a nanosecond, a cycle, an instruction


def rows(with_harness: bool = True) -> list[results.Row]:
    made = [fake_dump.FakeSeries("slab.pair", "kmalloc", 1, [46] * 50, params={"size": 64}),
            fake_dump.FakeSeries("slab.pair", "kfree", 1, [47] * 50, params={"size": 64}),
            fake_dump.FakeSeries("frame.repeat", "alloc", 1, [77] * 50, params={"order": 0}),
            fake_dump.FakeSeries("slab.pair", "kmalloc", 2, [60] * 50, params={"size": 64}),
            fake_dump.FakeSeries("slab.bulk", "kmalloc", 1, [80] * 50, params={"size": 64})]
    if with_harness:
        made.append(fake_dump.FakeSeries("calib.empty", "timer", 1, [7] * 50))
    lines = fake_dump.dump_lines(variants.DEFAULT, made, tsc_hz=ICOUNT_HZ)
    return results.collect([benchlog.parse_bytes(fake_dump.log_bytes(lines), "q.log")])[0]


class TestInstructions(unittest.TestCase):
    def test_net_of_the_harness(self) -> None:
        got = {(suite, op): (mode, own, around, net)
               for _, suite, op, _, mode, own, around, net in instructions.table(rows())}
        self.assertEqual(got, {("slab.pair", "kmalloc"): ("each", "46", "7", "39"),
                               ("slab.pair", "kfree"): ("each", "47", "7", "40"),
                               ("frame.repeat", "alloc"): ("each", "77", "7", "70")})

    def test_only_deterministic_runs(self) -> None:
        self.assertEqual(instructions.markdown(rows(), {"accel": "tcg"}), [])
        text = instructions.markdown(rows(), {"accel": "icount"})
        self.assertEqual(text[0], "## Instructions per operation")
        self.assertIn(f"| {variants.DEFAULT} | slab.pair | kmalloc | size=64 | each | 46 | 7 | 39 |",
                      text)

    def test_no_harness_no_row(self) -> None:
        self.assertEqual(instructions.table(rows(with_harness=False)), [])
        self.assertEqual(instructions.markdown(rows(with_harness=False), {"accel": "icount"}), [])


if __name__ == "__main__":
    unittest.main()
