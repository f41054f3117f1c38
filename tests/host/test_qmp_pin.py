"""vCPU pinning: the plan (never more vCPUs than cores), the QMP exchange
against a fake QEMU, and the host topology summary."""

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from benchtools import qmp_pin

QMP_PIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "host",
                       "qmp_pin.py")

HWLOC_XML = """<?xml version="1.0" encoding="UTF-8"?>
<topology version="2.0"><object type="Machine" os_index="0">
 <object type="Package" os_index="0">
  <object type="Core" os_index="0">
   <object type="PU" os_index="0"/><object type="PU" os_index="4"/></object>
  <object type="Core" os_index="1">
   <object type="PU" os_index="1"/><object type="PU" os_index="5"/></object>
 </object>
 <object type="Package" os_index="1">
  <object type="Core" os_index="0"><object type="PU" os_index="2"/></object>
 </object>
</object></topology>"""


class TestPlan(unittest.TestCase):
    def test_refuses_more_vcpus_than_cores(self) -> None:
        with self.assertRaises(qmp_pin.PinError) as e:
            qmp_pin.plan([(0, 100), (1, 101), (2, 102)], host_cores=2)
        self.assertIn("refusing to pin 3 vCPUs on 2 cores", str(e.exception))
        with self.assertRaises(qmp_pin.PinError):
            qmp_pin.plan([(0, 100), (1, 101)], host_cores=8, cores=[3])

    def test_vcpu_i_to_core_i(self) -> None:
        self.assertEqual(qmp_pin.plan([(1, 11), (0, 10)], host_cores=2),
                         [(0, 10, 0), (1, 11, 1)])
        self.assertEqual(qmp_pin.plan([(0, 10), (1, 11)], host_cores=4, cores=[3, 2]),
                         [(0, 10, 3), (1, 11, 2)])

    def test_cores_must_exist(self) -> None:
        with self.assertRaises(qmp_pin.PinError) as e:
            qmp_pin.plan([(0, 10)], host_cores=2, cores=[5])
        self.assertIn("core 5 does not exist", str(e.exception))

    def test_parse_cores(self) -> None:
        self.assertEqual(qmp_pin.parse_cores("0,1,3"), [0, 1, 3])
        for bad in ("a", "1,1", "-1", ""):
            self.assertRaises(qmp_pin.PinError, qmp_pin.parse_cores, bad)


class TestTopology(unittest.TestCase):
    def test_from_hwloc_xml(self) -> None:
        t = qmp_pin.topology_from_xml(HWLOC_XML, "test")
        self.assertEqual((t["packages"], t["cores"], t["pus"], t["source"]), (2, 3, 5, "test"))

    def test_fallback_and_host(self) -> None:
        for t in (qmp_pin.topology_from_cpuinfo(), qmp_pin.host_topology()):
            self.assertGreaterEqual(t["cores"], 1)
            self.assertGreaterEqual(t["pus"], t["cores"])
            self.assertTrue(t["source"])
        self.assertIn("no hwloc", qmp_pin.topology_from_cpuinfo()["source"])

    def test_allowed_cpus_follow_the_affinity_mask(self) -> None:
        """One CPU per core, all of them allowed; with the mask cut to one
        CPU (as a Slurm task or taskset would), only that one."""
        allowed = qmp_pin.allowed_cpus()
        self.assertTrue(allowed)
        self.assertLessEqual(set(allowed), os.sched_getaffinity(0))
        self.assertEqual(len(set(allowed)), len(allowed))
        last = max(os.sched_getaffinity(0))
        out = subprocess.run(["taskset", "-c", str(last), sys.executable, QMP_PIN,
                              "--allowed-cpus"], capture_output=True, text=True, check=True)
        self.assertEqual(out.stdout.strip(), str(last))


class FakeQemu(threading.Thread):
    """A QMP server that answers like QEMU, after a delay (QEMU starting)."""

    def __init__(self, path: str, delay: float) -> None:
        super().__init__(daemon=True)
        self.path, self.delay = path, delay
        self.commands: list[str] = []

    def run(self) -> None:
        time.sleep(self.delay)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(self.path)
        server.listen(1)
        conn, _ = server.accept()
        f = conn.makefile("rwb")

        def send(obj: object) -> None:
            f.write(json.dumps(obj).encode() + b"\r\n")
            f.flush()

        send({"QMP": {"version": {"qemu": {"major": 7}}, "capabilities": []}})
        for line in f:
            cmd = json.loads(line)["execute"]
            self.commands.append(cmd)
            if cmd == "query-cpus-fast":
                send({"event": "RESUME", "timestamp": {"seconds": 0, "microseconds": 0}})
                send({"return": [{"cpu-index": 1, "thread-id": 4321, "target": "x86_64"},
                                 {"cpu-index": 0, "thread-id": 4320, "target": "x86_64"}]})
            else:
                send({"return": {}})
        conn.close()
        server.close()


class TestQmp(unittest.TestCase):
    def test_query_vcpu_threads_after_qemu_starts(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "qmp.sock")
            fake = FakeQemu(path, delay=0.3)
            fake.start()
            qmp = qmp_pin.Qmp(path, timeout=5)
            threads = qmp_pin.vcpu_threads(qmp)
            qmp.close()
            fake.join(5)
        self.assertEqual(sorted(threads), [(0, 4320), (1, 4321)])
        self.assertEqual(fake.commands, ["qmp_capabilities", "query-cpus-fast"])

    def test_no_socket(self) -> None:
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(qmp_pin.PinError) as e:
                qmp_pin.Qmp(os.path.join(d, "none.sock"), timeout=0.2)
        self.assertIn("cannot connect to QMP after 0.2 s", str(e.exception))
