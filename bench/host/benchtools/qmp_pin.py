"""Pin QEMU's vCPU threads to host cores through QMP, and describe the host.

vCPU i goes to the i-th core given (default: cores 0, 1, ...), with
`hwloc-bind --tid TID core:N` or, without hwloc, sched_setaffinity on the
core's first processing unit; or, with --cpus, to the i-th host CPU (OS
number) given, by sched_setaffinity. More vCPUs than cores is refused: two
vCPUs on one core would distort every timing.

The CPUs a run may use are those of its affinity mask, one per core
(allowed_cpus): under a Slurm task or `taskset` that is the task's share
of the host, so runs side by side on one host keep to their own cores.

    qmp_pin.py SOCKET [--cores 0,1 | --cpus 2,3] [--timeout SEC]   pin, print it
    qmp_pin.py --topology       print the host topology (JSON)
    qmp_pin.py --allowed-cpus   print the first allowed CPU of each core
                                this process may run on, comma-separated
"""

import argparse
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from typing import Any

# What meta.json records of the host: packages, cores, PUs, model, source,
# hypervisor.
Topology = dict[str, Any]


class PinError(Exception):
    """Pinning cannot be done as asked."""


# ---- host topology ----------------------------------------------------------

def topology_from_xml(text: str, source: str) -> Topology:
    """Count packages, cores and PUs in hwloc's XML topology."""
    root = ET.fromstring(text)
    count = {t: 0 for t in ("Package", "Core", "PU")}
    for obj in root.iter("object"):
        kind = obj.get("type", "")
        if kind in count:
            count[kind] += 1
    # hwloc shows a machine without package/core info as PUs only.
    return {"packages": count["Package"] or 1, "cores": count["Core"] or count["PU"],
            "pus": count["PU"], "source": source, "model": cpu_model()}


def cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def topology_from_cpuinfo() -> Topology:
    """Packages and cores from /proc/cpuinfo's physical id / core id; PUs
    from os.cpu_count(). A guest without those fields counts as one core
    per PU."""
    packages: set[str] = set()
    cores: set[tuple[str | None, str]] = set()
    pus = 0
    package = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = (s.strip() for s in line.partition(":"))
                if key == "processor":
                    pus += 1
                elif key == "physical id":
                    package = value
                    packages.add(value)
                elif key == "core id":
                    cores.add((package, value))
    except OSError:
        pass
    n = os.cpu_count() or pus or 1
    return {"packages": len(packages) or 1, "cores": len(cores) or n, "pus": n,
            "source": "/proc/cpuinfo and os.cpu_count() (no hwloc)", "model": cpu_model()}


def host_hypervisor() -> str:
    """'none' on bare metal, else the hypervisor the host itself runs under
    (lscpu's vendor, or 'unknown'): "native" figures from a virtual
    machine's cores share them with its neighbours."""
    try:
        with open("/proc/cpuinfo") as f:
            flags: list[str] = next((line.split(":", 1)[1].split() for line in f
                                     if line.startswith("flags")), [])
    except OSError:
        return "unknown"
    if "hypervisor" not in flags:
        return "none"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
    except (subprocess.SubprocessError, OSError):
        out = ""
    return next((line.split(":", 1)[1].strip() for line in out.splitlines()
                 if line.startswith("Hypervisor vendor:")), "unknown")


def host_topology() -> Topology:
    """The host's packages, cores and PUs for meta.json, saying where they
    came from (hwloc-ls or lstopo-no-graphics XML, else /proc/cpuinfo), and
    whether the host is itself a virtual machine."""
    topology = None
    for tool in ("hwloc-ls", "lstopo-no-graphics"):
        if not shutil.which(tool):
            continue
        try:
            out = subprocess.run([tool, "--of", "xml"], capture_output=True, text=True,
                                 timeout=20, check=True).stdout
            topology = topology_from_xml(out, f"{tool} --of xml")
            break
        except (subprocess.SubprocessError, OSError, ET.ParseError):
            continue
    topology = topology or topology_from_cpuinfo()
    topology["hypervisor"] = host_hypervisor()
    return topology


def core_first_pus(allowed: set[int] | None = None) -> list[int]:
    """OS CPU number of each core's first PU, in core order (for the
    sched_setaffinity fallback: hwloc's core:N is the N-th core, not CPU N);
    given allowed, only those CPUs count."""
    cores: dict[tuple[int, int], int] = {}
    for path in glob.glob("/sys/devices/system/cpu/cpu[0-9]*/topology/core_id"):
        cpu = int(path.split("/")[-3][3:])
        if allowed is not None and cpu not in allowed:
            continue
        try:
            with open(path) as f:
                core = int(f.read())
            with open(os.path.join(os.path.dirname(path), "physical_package_id")) as f:
                package = int(f.read())
        except (OSError, ValueError):
            continue
        cores[(package, core)] = min(cpu, cores.get((package, core), cpu))
    if not cores:
        return sorted(allowed) if allowed is not None else list(range(os.cpu_count() or 1))
    return [cores[k] for k in sorted(cores)]


def allowed_cpus() -> list[int]:
    """The first CPU of each core that this process's affinity mask allows
    (OS numbers, in core order): one CPU per core, so that a vCPU never
    shares a core with another through its hyperthread sibling."""
    return core_first_pus(os.sched_getaffinity(0))


# ---- the plan ----------------------------------------------------------------

def parse_cores(text: str) -> list[int]:
    """"0,1,3" -> [0, 1, 3]."""
    try:
        cores = [int(c) for c in text.split(",")]
    except ValueError:
        raise PinError(f"--cores wants comma-separated core numbers, got '{text}'") from None
    if any(c < 0 for c in cores) or len(set(cores)) != len(cores):
        raise PinError(f"--cores wants distinct non-negative core numbers, got '{text}'")
    return cores


def plan(vcpus: list[tuple[int, int]], host_cores: int,
         cores: list[int] | None = None) -> list[tuple[int, int, int]]:
    """[(vcpu index, thread id, core)] pinning vCPU i to cores[i].
    vcpus: [(index, thread id)]; host_cores: how many cores the host has;
    cores: the cores to use (default 0..host_cores-1)."""
    cores = list(range(host_cores)) if cores is None else cores
    beyond = [c for c in cores if c >= host_cores]
    if beyond:
        raise PinError(f"core {beyond[0]} does not exist: the host has {host_cores} "
                       f"core{'s' * (host_cores != 1)} (0-{host_cores - 1})")
    if len(vcpus) > len(cores):
        raise PinError(f"refusing to pin {len(vcpus)} vCPUs on {len(cores)} core"
                       f"{'s' * (len(cores) != 1)}: vCPUs sharing a core distort the "
                       f"timings; run QEMU with -smp {len(cores)} or fewer")
    ordered = sorted(vcpus)
    return [(index, tid, cores[i]) for i, (index, tid) in enumerate(ordered)]


# ---- QMP ----------------------------------------------------------------------

class Qmp:
    """A minimal QMP client: one command at a time, events skipped."""

    def __init__(self, path: str, timeout: float = 10.0) -> None:
        self.sock = connect(path, timeout)
        self.file = self.sock.makefile("rwb")
        try:
            if "QMP" not in self.read():
                raise PinError(f"{path}: not a QMP socket (no QMP greeting)")
            self.command("qmp_capabilities")
        except BaseException:
            self.close()
            raise

    def read(self) -> dict[str, Any]:
        line = self.file.readline()
        if not line:
            raise PinError("QMP: QEMU closed the connection")
        try:
            message: dict[str, Any] = json.loads(line)
            return message
        except ValueError:
            raise PinError(f"QMP: not JSON: {line[:80]!r}") from None

    def command(self, name: str, **arguments: object) -> Any:
        msg: dict[str, object] = {"execute": name}
        if arguments:
            msg["arguments"] = arguments
        self.file.write(json.dumps(msg).encode() + b"\r\n")
        self.file.flush()
        while True:
            reply = self.read()
            if "return" in reply:
                return reply["return"]
            if "error" in reply:
                raise PinError(f"QMP {name}: {reply['error'].get('desc', reply['error'])}")

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def connect(path: str, timeout: float) -> socket.socket:
    """Connect to the QMP socket, retrying while QEMU is still starting."""
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(path)
            return sock
        except OSError as e:
            sock.close()
            if time.monotonic() >= deadline:
                raise PinError(f"{path}: cannot connect to QMP after {timeout:g} s "
                               f"({e.strerror})") from None
            time.sleep(0.1)


def vcpu_threads(qmp: Qmp) -> list[tuple[int, int]]:
    """[(vcpu index, host thread id)] from query-cpus-fast."""
    return [(cpu["cpu-index"], cpu["thread-id"]) for cpu in qmp.command("query-cpus-fast")]


# ---- pinning -------------------------------------------------------------------

def pin(tid: int, core: int, first_pus: list[int]) -> str:
    """Pin one thread; returns how it was done."""
    if shutil.which("hwloc-bind"):
        subprocess.run(["hwloc-bind", "--tid", str(tid), f"core:{core}"], check=True,
                       capture_output=True, timeout=20)
        return "hwloc-bind"
    os.sched_setaffinity(tid, {first_pus[core]})
    return f"sched_setaffinity to CPU {first_pus[core]} (hwloc-bind is missing)"


def pin_all(socket_path: str, cores: list[int] | None = None,
            timeout: float = 10.0,
            cpus: list[int] | None = None) -> list[tuple[int, int, int, str]]:
    """Pin every vCPU of the QEMU behind socket_path to cores (hwloc's core
    numbers) or, given cpus, to those host CPUs (OS numbers, one per core);
    returns the plan and how each was pinned."""
    qmp = Qmp(socket_path, timeout)
    try:
        threads = vcpu_threads(qmp)
    finally:
        qmp.close()
    first_pus = core_first_pus()
    if cpus is not None:
        assignments = plan(threads, max(cpus) + 1, cpus)
    else:
        assignments = plan(threads, host_topology()["cores"], cores)
    done: list[tuple[int, int, int, str]] = []
    for index, tid, core in assignments:
        try:
            if cpus is not None:
                os.sched_setaffinity(tid, {core})
                how = "sched_setaffinity"
            else:
                how = pin(tid, core, first_pus)
        except (subprocess.SubprocessError, OSError) as e:
            raise PinError(f"pinning vCPU {index} (thread {tid}) to core {core}: {e}") from None
        done.append((index, tid, core, how))
    return done


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="qmp_pin.py",
        description="Pin each vCPU thread of a running QEMU to its own host core "
                    "(vCPU i -> the i-th core), using QMP query-cpus-fast for the "
                    "thread ids. QEMU must run with -qmp unix:SOCKET,server,nowait. "
                    "Refuses to pin more vCPUs than cores.")
    ap.add_argument("socket", nargs="?", metavar="SOCKET", help="QMP unix socket path")
    ap.add_argument("--cores", metavar="LIST",
                    help="comma-separated host cores for vCPU 0, 1, ... (default 0,1,...)")
    ap.add_argument("--cpus", metavar="LIST",
                    help="comma-separated host CPUs (OS numbers) for vCPU 0, 1, ..., "
                         "instead of --cores")
    ap.add_argument("--allowed-cpus", action="store_true",
                    help="print the first CPU of each core this process may run on and exit")
    ap.add_argument("--timeout", type=float, default=10.0, metavar="SEC",
                    help="how long to retry connecting while QEMU starts (default 10)")
    ap.add_argument("--topology", action="store_true",
                    help="print the host topology as JSON (for meta.json) and exit")
    args = ap.parse_args(argv)
    if args.topology:
        print(json.dumps(host_topology(), indent=2))
        return 0
    if args.allowed_cpus:
        print(",".join(map(str, allowed_cpus())))
        return 0
    if not args.socket:
        ap.error("SOCKET is required (or --topology, --allowed-cpus)")
    if args.cores and args.cpus:
        ap.error("give --cores or --cpus, not both")
    try:
        cores = parse_cores(args.cores) if args.cores else None
        cpus = parse_cores(args.cpus) if args.cpus else None
    except PinError as e:
        ap.error(str(e))
    try:
        for index, tid, core, how in pin_all(args.socket, cores, args.timeout, cpus):
            print(f"qmp_pin.py: vCPU {index} (thread {tid}) -> core {core} ({how})")
    except PinError as e:
        print(f"qmp_pin.py: error: {e}", file=sys.stderr)
        return 1
    return 0
