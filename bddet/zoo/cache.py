"""The per-user cache of zoo artifacts, in the official layout (``<cache>/det/models/<name>.pth``),
so that a cache folder served over HTTP is itself a mirror; and the one file digest helper."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

CACHE_ENV = "BDDET_CACHE"
CHUNK_BYTES = 1 << 20


def cache_dir() -> Path:
    """The per-user cache: $BDDET_CACHE, else $XDG_CACHE_HOME/bddet, else ~/.cache/bddet."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "bddet"


def cached_path(relative: str) -> Path:
    """Where an artifact with official path ``relative`` (e.g. ``models/x.pth``) lives in the cache."""
    return cache_dir() / "det" / relative


def file_digest(path: str | os.PathLike[str], algorithm: str = "md5") -> str:
    """The hex digest of a file (MD5 for the zoo's published checksums, sha256 for configs)."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            h.update(chunk)
    return h.hexdigest()


def md5_of(path: str | os.PathLike[str]) -> str:
    """The MD5 of a file, as the zoo publishes it beside each checkpoint."""
    return file_digest(path, "md5")
