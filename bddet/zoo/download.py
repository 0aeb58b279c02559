"""Zoo artifacts into a per-user cache: mirrors, HTTP Range resume, MD5, atomic rename.

No printing here: progress goes to an optional callback, failures raise DownloadError.
The cache mirrors the official layout (``<cache>/det/models/<name>.pth``), so a cache
folder served over HTTP is itself a mirror.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from filelock import FileLock

from ..callbacks import ByteProgressCallback
from ..errors import DownloadError, IntegrityError
from .cache import CHUNK_BYTES, cached_path, md5_of
from .catalogue import ZooModel, official_base_url

MIRRORS_ENV = "BDDET_MIRRORS"
# BDDET_OFFLINE=1: contact mirrors only, never the official or original hosts (air-gapped clusters).
OFFLINE_ENV = "BDDET_OFFLINE"
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 30.0
FLUSH_BYTES = 8 << 20
# Retries only for failures after a server answered (dropped body, 5xx, read timeout);
# a host that does not answer at all is skipped at once so a dead mirror costs seconds.
# The budget counts consecutive attempts that added nothing: a mirror that drops every
# 30 MB but always advances is followed to the end.
RETRY_DELAYS_S = (0.5, 1.0, 2.0)
_MD5_RE = re.compile(r"^\s*([0-9a-fA-F]{32})")


def source_bases(cli_mirrors: Sequence[str] = (), manifest_mirrors: Sequence[str] = ()) -> list[str]:
    """Base URLs in the order they are tried: --mirror, $BDDET_MIRRORS, the manifest, the official host."""
    env = [m.strip() for m in os.environ.get(MIRRORS_ENV, "").split(",") if m.strip()]
    bases: list[str] = []
    official = () if offline() else (official_base_url(),)
    for base in (*cli_mirrors, *env, *manifest_mirrors, *official):
        base = base.rstrip("/") + "/"
        if base not in bases:
            bases.append(base)
    return bases


def offline() -> bool:
    """Whether $BDDET_OFFLINE forbids contacting anything but mirrors."""
    return os.environ.get(OFFLINE_ENV, "") not in ("", "0")


@dataclass(frozen=True)
class DownloadResult:
    """What ``download_artifact`` produced."""

    name: str
    kind: str
    path: Path
    md5: str | None
    verified: bool
    source: str  # the URL it came from, "cache" or the imported file's path
    fetched_bytes: int


class _SourceFailed(Exception):
    """One URL could not deliver; the message says why, for the final error."""


def _session():
    import requests  # only commands that download pay for importing requests

    s = requests.Session()
    s.headers["User-Agent"] = "bddet"
    return s


class _BackgroundMD5:
    """MD5 of a byte stream, computed on a second thread while the next chunk downloads.

    hashlib releases the GIL on large buffers, so hashing overlaps the network reads and a
    verified download costs about what an unverified one does.
    """

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self._md5 = hashlib.md5()
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._pending = None

    def update(self, chunk: bytes) -> None:
        if self._pending is not None:
            self._pending.result()  # keep the order of chunks
        self._pending = self._pool.submit(self._md5.update, chunk)

    def hexdigest(self) -> str:
        if self._pending is not None:
            self._pending.result()
        self._pool.shutdown()
        return self._md5.hexdigest()


def _fetch_md5(session, urls: Sequence[str]) -> tuple[str | None, list[str]]:
    """The first 32 hex digits of the first .md5 any URL serves, and why each earlier one failed."""
    import requests

    failures = []
    for url in urls:
        try:
            r = session.get(url, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
        except requests.RequestException as e:
            failures.append(f"{url} ({_reason(e)})")
            continue
        if r.status_code != 200:
            failures.append(f"{url} (HTTP {r.status_code})")
            continue
        m = _MD5_RE.match(r.text)
        if not m:
            failures.append(f"{url} (not an MD5 digest)")
            continue
        return m.group(1).lower(), failures
    return None, failures


def _reason(exc: Exception) -> str:
    import requests

    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.ReadTimeout):
        return "no connection"
    if isinstance(exc, requests.Timeout):
        return "timed out"
    return type(exc).__name__


def _stream_to_part(session, url: str, part: Path, label: str,
                    on_progress: ByteProgressCallback | None, max_bytes: int | None = None) -> tuple[int, str]:
    """Fetch ``url`` into ``part``, resuming from its current size; return (bytes received, MD5 of the file).

    ``max_bytes`` bounds the file: a server that announces or sends more is refused with an
    IntegrityError (an endless body is cut off there).

    Once the server has answered, failures (dropped body, read timeout, 5xx) are retried
    with backoff, each retry resuming with a Range request; an attempt that added bytes to
    ``part`` resets the retry budget. Raises _SourceFailed for a host that does not answer, an
    HTTP error, or after len(RETRY_DELAYS_S) + 1 attempts in a row without progress (``part``
    is kept).
    """
    import requests
    import urllib3

    received = 0
    answered = False
    why = ""
    stalled = 0  # consecutive failed attempts that added nothing to the part
    while True:
        offset = part.stat().st_size if part.exists() else 0
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        try:
            with session.get(url, headers=headers, stream=True, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S)) as r:
                answered = True
                if r.status_code == 416 and offset:
                    return received, md5_of(part)  # the part already holds the whole file
                if r.status_code >= 500:
                    raise _Retryable(f"HTTP {r.status_code}")
                if r.status_code not in (200, 206):
                    raise _SourceFailed(f"{url} (HTTP {r.status_code})")
                if r.status_code == 200:
                    offset = 0  # the server ignored Range: start over
                length = r.headers.get("Content-Length")
                total = offset + int(length) if length is not None else None
                if max_bytes is not None and total is not None and total > max_bytes:
                    raise IntegrityError(f"{url}: announces {total} bytes, more than the {max_bytes} expected; refused")
                if on_progress:
                    on_progress(label, offset, total)
                done = offset
                digest = _BackgroundMD5()
                with open(part, "r+b" if offset else "wb") as f:
                    while offset and f.tell() < offset:  # the part kept from before: hash it first
                        digest.update(f.read(min(CHUNK_BYTES, offset - f.tell())))
                    f.seek(offset)
                    f.truncate()
                    # read1 hands over whatever has arrived, so a dropped connection loses
                    # nothing already received and the resume starts exactly where it broke.
                    buffer = bytearray()
                    try:
                        while chunk := r.raw.read1(CHUNK_BYTES, decode_content=True):
                            buffer += chunk
                            done += len(chunk)
                            received += len(chunk)
                            if max_bytes is not None and done > max_bytes:
                                raise IntegrityError(f"{url}: sends more than the {max_bytes} bytes expected; "
                                                     "refused")
                            if len(buffer) >= FLUSH_BYTES:  # few large writes and hash updates
                                f.write(buffer)
                                digest.update(buffer)
                                buffer = bytearray()
                                if on_progress:
                                    on_progress(label, done, total)
                    finally:  # what arrived before a drop is kept for the resume
                        f.write(buffer)
                        digest.update(buffer)
                    if on_progress:
                        on_progress(label, done, total)
                if total is not None and done < total:
                    digest.hexdigest()  # let its thread finish
                    raise _Retryable("connection dropped")
                return received, digest.hexdigest()
        except requests.RequestException as e:
            if not answered:  # refused, unresolvable or silent host: next source at once
                raise _SourceFailed(f"{url} ({_reason(e)})") from None
            why = "timed out" if isinstance(e, requests.Timeout) else "connection dropped"
        except urllib3.exceptions.HTTPError:
            why = "connection dropped"
        except _Retryable as e:
            why = str(e)
        advanced = part.exists() and part.stat().st_size > offset
        stalled = 0 if advanced else stalled + 1
        if stalled > len(RETRY_DELAYS_S):
            raise _SourceFailed(f"{url} ({why}; {stalled} attempts in a row without progress)")
        if stalled:  # after progress, straight back; after none, back off
            time.sleep(RETRY_DELAYS_S[stalled - 1])


class _Retryable(Exception):
    """A failure after the server answered: worth another, resuming, attempt."""


def fetch_file(url: str, part: Path, *, session=None, max_bytes: int | None = None,
               on_progress: ByteProgressCallback | None = None) -> tuple[int, str]:
    """Fetch one URL into ``part`` with the downloads' resume and retries: (bytes received, MD5).

    ``session`` (e.g. mirror.same_origin_session) decides which redirects are followed.
    Raises DownloadError when the URL cannot deliver, IntegrityError past ``max_bytes``.
    """
    try:
        return _stream_to_part(session or _session(), url, part, part.name, on_progress, max_bytes)
    except _SourceFailed as e:
        raise DownloadError(f"could not download {e}") from None


def _verify(path: Path, expected: str, origin: str, actual: str | None = None) -> None:
    """Delete ``path`` and raise IntegrityError unless its MD5 (``actual`` when known) is ``expected``."""
    actual = actual or md5_of(path)
    if actual != expected:
        path.unlink(missing_ok=True)
        raise IntegrityError(f"MD5 mismatch for {origin}: expected {expected} (published), got {actual}; "
                             "the file was deleted")


def download_artifact(model: ZooModel, kind: str = "weights", *, mirrors: Sequence[str] = (),
                      manifest_mirrors: Sequence[str] = (), force: bool = False, no_verify: bool = False,
                      from_file: str | os.PathLike[str] | None = None, expected_md5: str | None = None,
                      on_progress: ByteProgressCallback | None = None, session=None,
                      max_bytes: int | None = None) -> DownloadResult:
    """Put one zoo artifact in the cache and return where it is.

    ``expected_md5`` (a user catalogue's) replaces fetching the published ``.md5``; ``session``
    (mirror.same_origin_session for models of one's own) decides which redirects are followed,
    and ``max_bytes`` bounds what a server may send.

    Weights are checked against the published ``.md5``: a mismatch deletes the file and
    raises IntegrityError; with no ``.md5`` available it raises unless ``no_verify``.
    A file already cached and verified is returned without any network access unless
    ``force``. ``from_file`` imports a local copy instead of downloading. Concurrent
    calls for the same file wait for each other (a lock beside it) and fetch it once.
    """
    rel = model.artifact_path(kind)
    final = cached_path(rel)
    digest_file = final.with_name(final.name + ".md5")  # the verified digest, written after a check
    bases = source_bases(mirrors, manifest_mirrors)
    checksummed = kind == "weights"
    final.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(final) + ".lock"):
        if force:
            final.unlink(missing_ok=True)
            digest_file.unlink(missing_ok=True)
        if final.exists() and from_file is None and (not checksummed or digest_file.exists()):
            md5 = digest_file.read_text().strip() if digest_file.exists() else None
            return DownloadResult(model.name, kind, final, md5, md5 is not None, "cache", 0)

        session = session or _session()
        expected, md5_failures = (None, [])
        if checksummed and expected_md5:
            expected = expected_md5
        elif checksummed:
            expected, md5_failures = _fetch_md5(session, [b + model.artifact_path("md5") for b in bases])
            if expected is None and not no_verify and from_file is None:
                raise DownloadError(f"no MD5 for {model.name} could be fetched, so its weights cannot be verified; "
                                    f"tried {', '.join(md5_failures)}; pass --mirror URL, or --no-verify to "
                                    "accept unverified weights")

        if from_file is not None:
            src = Path(from_file).expanduser()
            if not src.is_file():
                raise DownloadError(f"--from-file {src}: no such file")
            part = final.with_name(final.name + ".part")
            shutil.copyfile(src, part)
            if expected:
                _verify(part, expected, str(src))
            os.replace(part, final)
            _record_digest(digest_file, expected)
            return DownloadResult(model.name, kind, final, expected, expected is not None, str(src), 0)

        if final.exists():  # present but never verified (an earlier --no-verify): check it now
            if expected and md5_of(final) == expected:
                _record_digest(digest_file, expected)
                return DownloadResult(model.name, kind, final, expected, True, "cache", 0)
            if not expected and no_verify:
                return DownloadResult(model.name, kind, final, None, False, "cache", 0)
            final.unlink()

        part = final.with_name(final.name + ".part")
        failures: list[str] = []
        for base in bases:
            url = base + rel
            try:
                fetched, actual = _stream_to_part(session, url, part, final.name, on_progress, max_bytes)
            except _SourceFailed as e:
                failures.append(str(e))
                continue
            except IntegrityError:  # more than the file can be: nothing of it is kept
                part.unlink(missing_ok=True)
                raise
            if expected:
                _verify(part, expected, url, actual)
            os.replace(part, final)
            _record_digest(digest_file, expected)
            return DownloadResult(model.name, kind, final, expected, expected is not None, url, fetched)
        tried = "; ".join(failures) or "no source (BDDET_OFFLINE is set and no mirror is configured)"
        raise DownloadError(f"could not download {model.name} {kind}: tried {tried}. "
                            "Give a working mirror with --mirror URL (or BDDET_MIRRORS), or import a copy "
                            "with --from-file PATH")


def _record_digest(digest_file: Path, md5: str | None) -> None:
    if md5:
        digest_file.write_text(md5 + "\n")
    else:
        digest_file.unlink(missing_ok=True)


def fetch_pretrained(url: str, mirrors: Sequence[str] = (), manifest_mirrors: Sequence[str] = (),
                     on_progress: ByteProgressCallback | None = None) -> Path:
    """A backbone checkpoint at ``url`` through the same cache and mirrors as the zoo weights.

    It is cached as ``<cache>/det/pretrained/<file name>``; a mirror serves it at
    ``<mirror>/pretrained/<file name>``, tried before the original URL. Raises DownloadError
    naming the URL and the ways around it when no source has it.
    """
    filename = url.rstrip("/").rsplit("/", 1)[-1]
    final = cached_path(f"pretrained/{filename}")
    if final.exists():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    urls = [b + f"pretrained/{filename}" for b in source_bases(mirrors, manifest_mirrors)
            if b != official_base_url()]
    if not offline():
        urls.append(url)
    session = _session()
    failures: list[str] = []
    with FileLock(str(final) + ".lock"):
        if final.exists():
            return final
        part = final.with_name(final.name + ".part")
        for candidate in urls:
            try:
                _stream_to_part(session, candidate, part, filename, on_progress)
            except _SourceFailed as e:
                failures.append(str(e))
                continue
            os.replace(part, final)
            return final
    tried = "; ".join(failures) or "nothing (BDDET_OFFLINE is set and no mirror is configured)"
    raise DownloadError(f"cannot fetch the pretrained backbone {url}: tried {tried}. Serve it from a mirror "
                        f"(BDDET_MIRRORS, as pretrained/{filename}), point at a local copy with --cfg-options "
                        "model.backbone.init_cfg.checkpoint=PATH, or train from scratch with --cfg-options "
                        "model.backbone.init_cfg=None")


def download(model: str | ZooModel, kind: str = "weights", *, workspace=None, mirrors: Sequence[str] = (),
             force: bool = False, no_verify: bool = False, from_file: str | os.PathLike[str] | None = None,
             on_progress: ByteProgressCallback | None = None) -> DownloadResult:
    """Fetch one artifact of a zoo model (name, alias or prefix) into the per-user cache.

    Mirrors are tried in order: ``mirrors``, then $BDDET_MIRRORS, then the workspace's
    ``mirrors:``, then the official host. Weights are MD5-checked (see download_artifact) and,
    with a workspace, recorded there and made the current model, so ``infer`` finds them.
    A model of your own (bddet.user_models) comes from the mirror it was imported from, checked
    against its catalogue's MD5.
    """
    from ..workspace import record_weights
    from .catalogue import resolve_model

    zoo_model = model if isinstance(model, ZooModel) else resolve_model(model, workspace)
    manifest_mirrors = workspace.read()["mirrors"] if workspace is not None else []
    expected_md5, session, max_bytes = None, None, None
    if zoo_model.source == "user":
        from .mirror import Mirror, same_origin_session

        if kind != "weights":
            raise DownloadError(f"{zoo_model.name} is a model of your own: it has weights and a config only")
        expected_md5, max_bytes = zoo_model.md5, zoo_model.size
        if zoo_model.mirror and zoo_model.mirror.startswith(("http://", "https://")):
            mirrors, session = [*mirrors, zoo_model.mirror], same_origin_session()
        elif zoo_model.mirror and from_file is None and not (cached_path(zoo_model.artifact_path(kind)).exists()
                                                             and not force):
            from_file = Mirror(zoo_model.mirror).local_file(zoo_model.artifact_path(kind))
    result = download_artifact(zoo_model, kind, mirrors=mirrors, manifest_mirrors=manifest_mirrors, force=force,
                               no_verify=no_verify, from_file=from_file, expected_md5=expected_md5,
                               on_progress=on_progress, session=session, max_bytes=max_bytes)
    if workspace is not None and kind == "weights":
        record_weights(workspace, zoo_model.name, result.path, result.md5, result.verified)
    return result
