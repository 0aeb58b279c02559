"""Shared fixtures: an isolated environment, a CLI runner, and a real HTTP file server."""
from __future__ import annotations

import hashlib
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner


def closed_port_url() -> str:
    """A loopback URL where nothing listens: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Every test gets its own cache, no mirrors from the environment, no workspace from above,
    and an official host that refuses connections (the real one is down and must not be reached)."""
    monkeypatch.setenv("BDDET_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("BDDET_MIRRORS", "")
    monkeypatch.setenv("BDDET_OFFICIAL_BASE", closed_port_url())
    monkeypatch.delenv("BDDET_WORKSPACE", raising=False)
    monkeypatch.delenv("BDDET_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture
def cli():
    """Invoke `bddet ...` in-process; returns typer's Result (exit_code, stdout, stderr)."""
    from bddet.cli._options import normalize_argv
    from bddet.cli.app import app

    runner = CliRunner()

    def invoke(*args: str, **kw):
        # as main() does for the console script: mmdet's `--cfg-options a=1 b=2`, `models` listing
        return runner.invoke(app, normalize_argv([str(a) for a in args]), catch_exceptions=False, **kw)

    return invoke


@dataclass
class FileServer:
    """A ThreadingHTTPServer on 127.0.0.1 serving ``root`` with Range support.

    ``drop_after``: for the next ``drops`` body responses, close the connection after this
    many bytes (a dropped download). ``requests`` logs (path, Range header) of every request.
    ``routes`` maps a path to a function of the request handler that answers it instead (a
    redirect, an endless body: the hostile mirrors of the tests).
    """

    root: Path
    url: str = ""
    requests: list = field(default_factory=list)
    drop_after: int | None = None
    drops: int = 0
    delay_per_chunk: float = 0.0
    ignore_range: bool = False
    routes: dict = field(default_factory=dict)

    def add(self, relative: str, data: bytes, md5: str | None = "auto") -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if md5 is not None and relative.endswith(".pth"):
            digest = hashlib.md5(data).hexdigest() if md5 == "auto" else md5
            path.with_suffix(".md5").write_text(f"{digest}  {path.name}\n")
        return path


@pytest.fixture
def file_server(tmp_path):
    import time

    state = FileServer(root=tmp_path / "served")
    state.root.mkdir()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):  # keep test output clean
            pass

        def do_GET(self):
            state.requests.append((self.path, self.headers.get("Range")))
            if self.path in state.routes:
                state.routes[self.path](self)
                return
            path = state.root / self.path.lstrip("/")
            if not path.is_file():
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = path.read_bytes()
            start = 0
            rng = self.headers.get("Range")
            if rng and not state.ignore_range:
                start = int(rng.split("=")[1].split("-")[0])
                if start >= len(data):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(data)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            else:
                self.send_response(200)
            body = data[start:]
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            with lock:
                drop = state.drops > 0 and state.drop_after is not None and path.suffix == ".pth"
                if drop:
                    state.drops -= 1
            if drop:
                self.wfile.write(body[: state.drop_after])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            for i in range(0, len(body), 65536):
                self.wfile.write(body[i:i + 65536])
                if state.delay_per_chunk:
                    time.sleep(state.delay_per_chunk)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
