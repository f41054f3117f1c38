"""Atomic file writes and content hashes for the results directory.

Readers (replot, compare, a second process run) must never see a half
written summary.csv, so every file is written to a temporary name in the
same directory and renamed over the old one.
"""

import hashlib
import os
import tempfile


def atomic_write(path: str, data: str | bytes) -> None:
    """Write bytes or text to path by temp file + rename (same directory)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)     # mkstemp makes 0600; results are for everyone
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
