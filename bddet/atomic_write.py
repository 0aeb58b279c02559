"""Writing files a user keeps: a temp file in the same folder, then os.replace.

A reader (or a crash) never sees a half-written file at the final path, because
os.replace within one filesystem is atomic. The file gets the mode a plain open() would give
(0666 less the umask), or keeps the mode of the file it replaces: mkstemp's private 0600
must not leak into det.json or bddet.yaml.
"""
from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterator


def _umask() -> int:
    """The process umask; Linux shows it in /proc without the set-and-restore race of os.umask."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def final_mode(final: Path) -> int:
    """The mode ``final`` should have: its current one when it exists, else 0666 & ~umask."""
    try:
        return stat.S_IMODE(os.stat(final).st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


@contextlib.contextmanager
def atomic_path(final: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temp path beside ``final``; on success it replaces ``final``, on error it is removed."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, final_mode(final))
        os.replace(tmp_path, final)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def atomic_write_bytes(final: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``final`` atomically, flushed to disk before the rename."""
    with atomic_path(final) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())


def atomic_write_text(final: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` (UTF-8) to ``final`` atomically, flushed to disk before the rename."""
    atomic_write_bytes(final, text.encode("utf-8"))


def strict_json_value(data):
    """``data`` with every NaN and infinity as None: strict JSON has no NaN (jq, JSON.parse)."""
    import math

    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: strict_json_value(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [strict_json_value(v) for v in data]
    return data


def atomic_write_json(final: str | os.PathLike[str], data, indent: int = 2) -> None:
    """Write ``data`` as strict JSON (NaN and infinities as null) to ``final`` atomically."""
    import json

    atomic_write_text(final, json.dumps(strict_json_value(data), indent=indent, allow_nan=False))
