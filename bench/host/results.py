"""Dumps -> summary.csv / histograms.csv / meta.json rows, and reading them back.

One Row per measured series (variant, suite, op, params, cpus), with its
histogram attached. summary.csv starts with the contract's columns (LEADING),
then one column per suite parameter (empty where a suite lacks it), then
TAIL. Cycles become nanoseconds through the tsc_hz of the dump that measured
them. Reading back validates everything, so replot and compare can trust
what they get without the raw logs.
"""

import csv
import io
import json
import os
import re
from dataclasses import dataclass, field

import benchlog
import hist
from fsutil import sha256_bytes

LEADING = ["variant", "suite", "op", "cpus", "samples", "mean_ns", "p50_ns", "p90_ns",
           "p99_ns", "p999_ns", "max_ns", "ops_per_sec"]
# Per-op counters are empty when the series had no such counter. min/max
# cycles are kept so percentiles can be re-estimated (clamped) from the
# histograms alone.
TAIL = ["ipis_per_op", "rounds_per_op", "flushes_per_op", "tsc_hz", "min_cycles", "max_cycles"]
HIST_COLUMNS = ["variant", "suite", "op", "cpus", "params", "bucket", "low_cycles",
                "high_cycles", "count"]
PERCENTILES = {"p50_ns": 50, "p90_ns": 90, "p99_ns": 99, "p999_ns": 99.9}
PER_OP = {"ipis_per_op": "ipis_sent", "rounds_per_op": "rounds", "flushes_per_op": "flushes"}
INT_COLUMNS = {"cpus", "samples", "tsc_hz", "min_cycles", "max_cycles"}
NAME_RE = re.compile(r"[A-Za-z0-9_.,:/+-]+\Z")
VARIANT_RE = re.compile(r"[A-Za-z0-9_.,:/+]+-[A-Za-z0-9_.,:/+]+-[A-Za-z0-9_.,:/+]+\Z")


class ResultsError(Exception):
    """A results file that is missing, truncated or corrupted."""

    def __init__(self, path, problem, line=None):
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {problem}")
        self.path = path


@dataclass
class Row:
    """One series of one variant: the summary.csv row and its histogram."""
    variant: str
    suite: str
    op: str
    cpus: int
    samples: int
    mean_ns: float
    p50_ns: float
    p90_ns: float
    p99_ns: float
    p999_ns: float
    max_ns: float
    ops_per_sec: float
    params: dict
    ipis_per_op: float = None
    rounds_per_op: float = None
    flushes_per_op: float = None
    tsc_hz: int = 0
    min_cycles: int = 0
    max_cycles: int = 0
    buckets: dict = field(default_factory=dict)

    def key(self):
        return (self.variant, self.suite, self.op, params_text(self.params), self.cpus)

    def group(self):
        """What the variants are compared on: the key without the variant."""
        return self.key()[1:]


def params_text(params):
    """Parameters as one stable string: "k=v;k=v", keys sorted."""
    return ";".join(f"{k}={params[k]}" for k in sorted(params))


def parse_params_text(text):
    return dict(item.split("=", 1) for item in text.split(";")) if text else {}


def natural(value):
    """Sort key that puts 2 before 10."""
    return (0, int(value), "") if value.isdigit() else (1, 0, value)


def group_sort_key(group):
    suite, op, ptext, cpus = group
    params = parse_params_text(ptext)
    return (suite, op, [(k, natural(params[k])) for k in sorted(params)], cpus)


def row_sort_key(row):
    return (row.variant,) + group_sort_key(row.group())


# ---- dumps -> rows ----------------------------------------------------------

def row_from_series(variant, tsc_hz, s):
    """A Row from one parsed Series measured on a machine running at tsc_hz."""
    def ns(cycles):
        return cycles * 1e9 / tsc_hz

    percentiles = {column: ns(hist.percentile(p, s.buckets, s.samples, s.min, s.max))
                   for column, p in PERCENTILES.items()}
    per_op = {column: s.counters[counter] / s.samples
              for column, counter in PER_OP.items() if counter in s.counters}
    return Row(variant, s.suite, s.op, s.cpus, s.samples,
               mean_ns=ns(hist.mean(s.sum, s.samples)), max_ns=ns(s.max),
               ops_per_sec=s.samples * tsc_hz / s.wall, params=dict(s.params),
               tsc_hz=tsc_hz, min_cycles=s.min, max_cycles=s.max,
               buckets=dict(s.buckets), **percentiles, **per_op)


def describe(key):
    variant, suite, op, ptext, cpus = key
    return f"{variant} {suite} {op}{' ' + ptext if ptext else ''} cpus={cpus}"


def collect(dumps):
    """Rows of all dumps, and the duplicates dropped. The same series can
    come from two boots of one variant (say --smp 2 and --smp 4 both run
    it on 1 CPU); the boot with more CPUs online wins, and the choice is
    returned for meta.json rather than made silently."""
    chosen = {}
    duplicates = []
    for dump in dumps:
        for s in dump.series:
            row = row_from_series(dump.variant, dump.tsc_hz, s)
            new = (row, dump)
            old = chosen.setdefault(row.key(), new)
            if old is new:
                continue
            keep, drop = (old, new) if old[1].header["cpus"] >= dump.header["cpus"] else (new, old)
            chosen[row.key()] = keep
            duplicates.append({"series": describe(row.key()),
                               "kept": keep[1].path, "dropped": drop[1].path})
    return sorted((r for r, _ in chosen.values()), key=row_sort_key), duplicates


# ---- summary.csv ------------------------------------------------------------

def param_keys(rows):
    return sorted({k for r in rows for k in r.params})


def _cell(value, digits):
    return "" if value is None else f"{value:.{digits}f}"


def summary_text(rows):
    params = param_keys(rows)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(LEADING + params + TAIL)
    for r in rows:
        w.writerow([r.variant, r.suite, r.op, r.cpus, r.samples]
                   + [_cell(getattr(r, c), 2) for c in LEADING[5:11]]
                   + [_cell(r.ops_per_sec, 1)]
                   + [r.params.get(k, "") for k in params]
                   + [_cell(getattr(r, c), 4) for c in PER_OP]
                   + [r.tsc_hz, r.min_cycles, r.max_cycles])
    return out.getvalue()


def _read_csv(path):
    """A csv file's lines as lists, checked for truncation. Returns
    (header, [(line, fields)], sha256 of the file)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise ResultsError(path, f"cannot read: {e.strerror}") from None
    if not data:
        raise ResultsError(path, "truncated: the file is empty")
    if not data.endswith(b"\n"):
        raise ResultsError(path, "truncated: the last line has no newline")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ResultsError(path, f"corrupted: not UTF-8 (byte {e.start})") from None
    reader = csv.reader(io.StringIO(text))
    try:
        lines = [(reader.line_num, fields) for fields in reader]
    except csv.Error as e:
        raise ResultsError(path, f"corrupted: {e}", reader.line_num) from None
    for number, fields in lines[1:]:
        if len(fields) != len(lines[0][1]):
            raise ResultsError(path, f"corrupted or truncated: {len(fields)} fields, the "
                                     f"header has {len(lines[0][1])}", number)
    return lines[0][1], lines[1:], sha256_bytes(data)


def _check_sha(path, actual, recorded):
    """After the content checks (their errors say more): a file that parses
    but differs from what was written is still rejected."""
    if recorded and actual != recorded:
        raise ResultsError(path, "corrupted or changed since it was written: its sha256 "
                                 "is not the one meta.json records")


def _convert(path, number, column, text, optional=False):
    if optional and text == "":
        return None
    try:
        if column in INT_COLUMNS:
            value = int(text)
            bad = value < (1 if column in ("cpus", "samples", "tsc_hz") else 0)
        else:
            value = float(text)
            bad = not value >= 0          # also rejects nan
    except ValueError:
        bad = True
    if bad:
        raise ResultsError(path, f"corrupted: {column}='{text}' is not a valid value", number)
    return value


def load_summary(path, sha256=None):
    """Read summary.csv back into Rows (without buckets)."""
    header, lines, actual = _read_csv(path)
    if header[:len(LEADING)] != LEADING:
        raise ResultsError(path, f"not a summary.csv: the header must start with "
                                 f"{','.join(LEADING)}", 1)
    missing = [c for c in TAIL if c not in header]
    if missing:
        raise ResultsError(path, f"not a summary.csv: no column {', '.join(missing)}", 1)
    if len(set(header)) != len(header):
        raise ResultsError(path, "corrupted: a column name appears twice", 1)
    params = [c for c in header[len(LEADING):] if c not in TAIL]
    rows, seen = [], set()
    for number, fields in lines:
        row = _summary_row(path, number, dict(zip(header, fields)), params)
        if row.key() in seen:
            raise ResultsError(path, f"corrupted: {describe(row.key())} appears twice", number)
        seen.add(row.key())
        rows.append(row)
    _check_sha(path, actual, sha256)
    return rows


def _summary_row(path, number, cells, params):
    for column in ("variant", "suite", "op"):
        regex = VARIANT_RE if column == "variant" else NAME_RE
        if not regex.match(cells[column]):
            raise ResultsError(path, f"corrupted: {column}='{cells[column]}'", number)
    for k in params:
        if cells[k] and not NAME_RE.match(cells[k]):
            raise ResultsError(path, f"corrupted: {k}='{cells[k]}'", number)
    values = {c: _convert(path, number, c, cells[c], optional=c in PER_OP)
              for c in LEADING[3:] + TAIL}
    return Row(cells["variant"], cells["suite"], cells["op"],
               params={k: cells[k] for k in params if cells[k]}, **values)


# ---- histograms.csv ---------------------------------------------------------

def histograms_text(rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HIST_COLUMNS)
    for r in rows:
        for b in sorted(r.buckets):
            w.writerow([r.variant, r.suite, r.op, r.cpus, params_text(r.params), b,
                        hist.bucket_low(b), hist.bucket_high(b), r.buckets[b]])
    return out.getvalue()


def load_histograms(path, sha256=None):
    """Read histograms.csv back: {series key: {bucket: count}}."""
    header, lines, actual = _read_csv(path)
    if header != HIST_COLUMNS:
        raise ResultsError(path, f"not a histograms.csv: the header must be "
                                 f"{','.join(HIST_COLUMNS)}", 1)
    hists = {}
    for number, f in lines:
        try:
            cpus, bucket, low, high, count = (int(x) for x in (f[3],) + tuple(f[5:]))
            valid = (count > 0 and low == hist.bucket_low(bucket)
                     and high == hist.bucket_high(bucket))
        except ValueError:
            valid = False
        if not valid:
            raise ResultsError(path, "corrupted: bad bucket, bounds or count", number)
        buckets = hists.setdefault((f[0], f[1], f[2], f[4], cpus), {})
        if bucket <= next(reversed(buckets), -1):
            raise ResultsError(path, f"corrupted: bucket {bucket} out of order", number)
        buckets[bucket] = count
    _check_sha(path, actual, sha256)
    return hists


def attach_histograms(rows, hists, summary_path, hist_path):
    """Give each row its buckets, checking the two files agree."""
    for r in rows:
        buckets = hists.pop(r.key(), None)
        if buckets is None:
            raise ResultsError(hist_path, f"no buckets for {describe(r.key())} "
                                          f"of {summary_path}")
        if sum(buckets.values()) != r.samples:
            raise ResultsError(hist_path, f"bucket counts of {describe(r.key())} do not "
                                          f"add up to its {r.samples} samples")
        r.buckets = buckets
    if hists:
        raise ResultsError(hist_path, f"buckets for {describe(next(iter(hists)))}, a "
                                      f"series that is not in {summary_path}")


# ---- meta.json --------------------------------------------------------------

KNOWN_HEADER = frozenset(benchlog.HEADER_REQUIRED)


def dump_info(dump, log, sha256):
    """What meta.json records about one valid dump."""
    h = dump.header
    return {
        "log": log, "sha256": sha256, "variant": h["variant"], "commit": h["commit"],
        "cpus": h["cpus"], "tsc_hz": h["tsc_hz"], "hypervisor": h["hypervisor"],
        "debug": h["debug"], "mem_mib": h["mem_mib"], "timer_min": h["timer_min"],
        "timer_median": h["timer_median"], "suites_selected": h["suites"],
        "suites": dump.suites, "status": dump.status, "series": len(dump.series),
        "header_extra": {k: v for k, v in h.items() if k not in KNOWN_HEADER},
    }


def _one_or_all(values):
    """A single value when the dumps agree, else the sorted list of them."""
    distinct = sorted(set(values), key=str)
    return distinct[0] if len(distinct) == 1 else distinct


def incomplete_reasons(caller, infos, rejected):
    reasons = list(caller.get("incomplete_reasons", []))
    reasons += [f"log rejected: {r['log']}{':' + str(r['line']) if r['line'] else ''}: "
                f"{r['problem']}" for r in rejected]
    for info in infos:
        if info["status"] != "ok":
            reasons.append(f"{info['log']}: the dump ended with status={info['status']}")
        for suite in info["suites_selected"]:
            status = info["suites"].get(suite, {}).get("status")
            if status is None:
                reasons.append(f"{info['log']}: suite {suite} was selected but never reported")
            elif status == "failed":
                reason = info["suites"][suite].get("reason", "no reason given")
                reasons.append(f"{info['log']}: suite {suite} failed ({reason})")
    found = {i["variant"] for i in infos}
    for variant in caller.get("variants", []):
        if variant not in found:
            reasons.append(f"variant {variant} was run but no valid dump has it")
    return reasons


def build_meta(caller, infos, rejected, duplicates, run_id):
    """meta.json: the caller's facts (date, QEMU, accel, host...) merged with
    what the dumps say. The caller's commit wins (it describes the tree the
    run was made from); the dumps' variants replace the caller's list, which
    is kept as variants_requested when it was given."""
    meta = dict(caller)
    meta.setdefault("run_id", run_id)
    if "variants" in caller:
        meta["variants_requested"] = caller["variants"]
    meta["variants"] = sorted({i["variant"] for i in infos})
    meta["dumps"] = infos
    meta["rejected"] = rejected
    meta["duplicates"] = duplicates
    if infos:
        meta.setdefault("commit", _one_or_all(i["commit"] for i in infos))
        meta["tsc_hz"] = _one_or_all(i["tsc_hz"] for i in infos)
        meta["cpus_online"] = sorted({i["cpus"] for i in infos})
        meta["hypervisor"] = _one_or_all(i["hypervisor"] for i in infos)
        meta["debug"] = any(i["debug"] for i in infos)
        meta["timer_overhead_cycles"] = {
            "min": min(i["timer_min"] for i in infos),
            "median_min": min(i["timer_median"] for i in infos),
            "median_max": max(i["timer_median"] for i in infos),
        }
        if "accel" not in caller and meta["hypervisor"] in ("kvm", "tcg"):
            meta["accel"] = meta["hypervisor"]
    reasons = incomplete_reasons(caller, infos, rejected)
    meta["complete"] = not reasons
    meta["incomplete_reasons"] = reasons
    return meta


def meta_text(meta):
    return json.dumps(meta, indent=2, sort_keys=True) + "\n"


def load_meta(path):
    try:
        with open(path, "rb") as f:
            meta = json.loads(f.read().decode("utf-8"))
    except OSError as e:
        raise ResultsError(path, f"cannot read: {e.strerror}") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise ResultsError(path, f"corrupted or truncated: not valid JSON ({e})") from None
    if not isinstance(meta, dict):
        raise ResultsError(path, "corrupted: not a JSON object")
    return meta


def emulation(meta):
    """How the timings were made, when they are not native: '' under KVM."""
    accel = meta.get("accel")
    if accel == "icount":
        return "emulated (TCG, icount: cycles count guest instructions)"
    if accel == "tcg":
        return "emulated (TCG)"
    return ""


# ---- a results directory ----------------------------------------------------

SUMMARY, HISTOGRAMS, META = "summary.csv", "histograms.csv", "meta.json"


def load_results(results_dir, with_histograms=True):
    """Rows (with buckets when asked) and meta of a results directory.
    meta.json is optional for reading rows; when present, the hashes it
    records must match the csv files."""
    meta_path = os.path.join(results_dir, META)
    meta = load_meta(meta_path) if os.path.exists(meta_path) else {}
    files = meta.get("files", {})
    summary_path = os.path.join(results_dir, SUMMARY)
    rows = load_summary(summary_path, files.get(SUMMARY))
    if with_histograms:
        hist_path = os.path.join(results_dir, HISTOGRAMS)
        hists = load_histograms(hist_path, files.get(HISTOGRAMS))
        attach_histograms(rows, hists, summary_path, hist_path)
    return rows, meta
