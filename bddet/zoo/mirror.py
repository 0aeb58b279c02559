"""Reading a mirror of models another bddet user exported: a folder, or an HTTP(S) base URL.

Everything a mirror sends is bounded and stays inside it. A file is read only below the mirror
folder (a name with '..' or a link out of the folder is refused); an HTTP answer is taken only
from the mirror's own scheme, host and port (a redirect anywhere else, file:// included, is
refused); nothing is read past the bytes the caller allows (an endless body is cut off and
refused). Its catalogue is YAML read as plain data: no aliases, shallow, small, and every
entry's fields checked before a name or path in it is used.
"""
from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yaml

from .catalogue import UserModelError, ZooModel

CATALOGUE_NAME = "catalogue.yaml"
MAX_CATALOGUE_BYTES = 1 << 20
MAX_CATALOGUE_DEPTH = 6
MAX_ENTRIES = 1000
CONNECT_TIMEOUT_S, READ_TIMEOUT_S = 5.0, 30.0
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,127}$")
_MD5_RE = re.compile(r"^[0-9a-f]{32}$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
# What an entry of a mirror's catalogue may hold, and the type of each value. 'source' and
# 'mirror' are the importing side's to set.
_TEXT = ("family", "network", "backbone", "schedule")
_FLAGS = ("ms_train", "fp16", "strong", "tricks")


class MirrorError(UserModelError):
    """A mirror that sends something bddet refuses: one line, and nothing written."""


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of a URL, the port made explicit, so equal origins compare equal."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def same_origin_session():
    """A requests session that follows a redirect only to the origin (scheme, host, port) of the URL
    that answered with it; a redirect elsewhere, file:// included, raises MirrorError."""
    import requests

    class SameOriginSession(requests.Session):
        def get_redirect_target(self, resp):
            target = super().get_redirect_target(resp)
            if target is not None:
                absolute = urljoin(resp.url, target)
                if origin(absolute) != origin(resp.url):
                    raise MirrorError(f"{resp.url}: redirects to {absolute}, another host or scheme; a mirror must "
                                      "serve its own files (refused)")
            return target

    session = SameOriginSession()
    session.headers["User-Agent"] = "bddet"
    session.max_redirects = 5
    return session


class Mirror:
    """One mirror: ``source`` is a folder or an http(s):// base URL in the layout export writes."""

    def __init__(self, source: str) -> None:
        self.is_http = source.startswith(("http://", "https://"))
        if self.is_http:
            self.source = source.rstrip("/") + "/"
        elif "://" in source:
            raise MirrorError(f"{source}: a mirror is a folder or an http(s):// URL")
        else:
            self.source = str(Path(source).expanduser().resolve())
        self._session = None

    def where(self, rel: str) -> str:
        """The file's URL or path, for messages."""
        return self.source + rel if self.is_http else str(Path(self.source) / rel)

    def _local(self, rel: str) -> Path:
        root = Path(self.source)
        path = (root / rel).resolve()
        if rel.startswith("/") or ".." in Path(rel).parts or not path.is_relative_to(root):
            raise MirrorError(f"{self.where(rel)}: outside the mirror folder {root}; refused")
        return path

    def session(self):
        if self._session is None:
            self._session = same_origin_session()
        return self._session

    def read(self, rel: str, max_bytes: int) -> bytes:
        """A small file of the mirror (catalogue, config), refused when larger than ``max_bytes``."""
        if not self.is_http:
            path = self._local(rel)
            if not path.is_file():
                raise MirrorError(f"{path}: no such file (is {self.source} a folder that `bddet models export` "
                                  "wrote?)")
            if path.stat().st_size > max_bytes:
                raise MirrorError(f"{path}: {path.stat().st_size} bytes, more than the {max_bytes} allowed; refused")
            return path.read_bytes()
        import requests

        url = self.where(rel)
        try:
            with self.session().get(url, stream=True, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S)) as r:
                if r.status_code != 200:
                    raise MirrorError(f"{url}: HTTP {r.status_code}")
                body = bytearray()
                for chunk in r.iter_content(64 << 10):
                    body += chunk
                    if len(body) > max_bytes:
                        raise MirrorError(f"{url}: sends more than the {max_bytes} bytes allowed; refused")
                return bytes(body)
        except requests.RequestException as e:
            raise MirrorError(f"{url}: cannot be fetched ({type(e).__name__})") from None

    def local_file(self, rel: str) -> Path:
        """A file of a folder mirror, checked to lie inside it."""
        path = self._local(rel)
        if not path.is_file():
            raise MirrorError(f"{path}: no such file in the mirror")
        return path


class _DataLoader(yaml.SafeLoader):
    """YAML as plain data: an alias (the 'billion laughs' of YAML) is refused, not expanded."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.events.AliasEvent):
            event = self.peek_event()
            raise yaml.YAMLError(f"an alias (*{event.anchor}) at line {event.start_mark.line + 1}; a catalogue is "
                                 "plain data")
        return super().compose_node(parent, index)


def _depth(node) -> int:
    deepest, stack = 0, [(node, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack += [(v, depth + 1) for v in item.values()]
        elif isinstance(item, list):
            stack += [(v, depth + 1) for v in item]
    return deepest


def parse_catalogue(raw: bytes, where: str) -> list[dict]:
    """The entries of a mirror's catalogue.yaml, read as bounded plain data."""
    if len(raw) > MAX_CATALOGUE_BYTES:
        raise MirrorError(f"{where}: {len(raw)} bytes, more than a catalogue's {MAX_CATALOGUE_BYTES}; refused")
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_DataLoader)  # noqa: S506 - a SafeLoader without aliases
    except RecursionError:
        raise MirrorError(f"{where}: nested too deeply to be a catalogue; refused") from None
    except UnicodeDecodeError:
        raise MirrorError(f"{where}: not UTF-8 text, so not a catalogue") from None
    except yaml.YAMLError as e:
        raise MirrorError(f"{where}: not a YAML catalogue ({str(e).splitlines()[0]})") from None
    entries = data.get("models") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise MirrorError(f"{where}: not a bddet catalogue (expected 'models:' with an entry per model)")
    if len(entries) > MAX_ENTRIES:
        raise MirrorError(f"{where}: {len(entries)} entries, more than {MAX_ENTRIES}; refused")
    if _depth(data) > MAX_CATALOGUE_DEPTH:
        raise MirrorError(f"{where}: nested deeper than a catalogue ({MAX_CATALOGUE_DEPTH} levels); refused")
    return entries


def entry_model(entry: dict, where: str) -> ZooModel:
    """A mirror's catalogue entry as a model of one's own, every field's type and form checked.

    Its name must be a plain file name and its config exactly ``configs/<name>.json``: nothing
    in an entry can point outside the mirror or the cache.
    """
    name = entry.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise MirrorError(f"{where}: model name {name!r} is not a plain lower-case name (letters, digits, _ . -); "
                          "refused")
    known = {f.name for f in fields(ZooModel)} - {"source", "mirror"}
    unknown = sorted(set(entry) - known, key=str)
    if unknown:
        raise MirrorError(f"{where}: {name}: unknown fields {', '.join(map(str, unknown))}")

    def bad(field: str, want: str) -> MirrorError:
        return MirrorError(f"{where}: {name}: '{field}' must be {want}, found {entry.get(field)!r}")

    for key in _TEXT:
        if key in entry and not isinstance(entry[key], str):
            raise bad(key, "text")
    for key in _FLAGS:
        if key in entry and not isinstance(entry[key], bool):
            raise bad(key, "true or false")
    for key in ("ap_val", "ap_test"):
        if entry.get(key) is not None and (isinstance(entry[key], bool) or not isinstance(entry[key], (int, float))):
            raise bad(key, "a number")
    for key in ("params", "proposals"):
        if entry.get(key) is not None and (isinstance(entry[key], bool) or not isinstance(entry[key], int)
                                           or entry[key] < 0):
            raise bad(key, "a whole number")
    md5 = entry.get("md5")
    if not isinstance(md5, str) or not _MD5_RE.match(md5.lower()):
        raise bad("md5", "the weights' MD5 (32 hex digits)")
    sha = entry.get("config_sha256")
    if not isinstance(sha, str) or not _SHA256_RE.match(sha.lower()):
        raise bad("config_sha256", "the config's SHA-256 (64 hex digits; mirrors from `bddet models export` "
                                   "carry it)")
    size = entry.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        raise bad("size", "the weights' size in bytes")
    if entry.get("config_file") != f"configs/{name}.json":
        raise bad("config_file", f"configs/{name}.json (a mirror's config is JSON data in its configs/ folder)")
    defaults = dict(family="user", network="", backbone="", schedule="", ms_train=False, fp16=False, strong=False,
                    ap_val=None, ap_test=None)
    values = {**defaults, **entry, "md5": md5.lower(), "config_sha256": sha.lower(), "source": "user"}
    return ZooModel(**values)
