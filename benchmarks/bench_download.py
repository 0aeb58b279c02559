"""bddet download vs curl: one large file from a loopback HTTP server.

    .venv/bin/python benchmarks/bench_download.py [--size-mb 1024] [--repeat 3]

Serves a mirror folder with Python's ThreadingHTTPServer on 127.0.0.1 (the same server for
both clients), then alternately runs `curl -s -o FILE URL` and `bddet download NAME --mirror
URL --force` (which also fetches the .md5 and verifies the file). Prints median wall time
and throughput of each, and the ratio. `curl + md5sum` is shown too, since bddet verifies.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

NAME = "faster_rcnn_r50_fpn_1x_det_bdd100k"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def timed(cmd: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if not shutil.which("curl"):
        raise SystemExit("curl is needed for this benchmark")
    work = Path(tempfile.mkdtemp(prefix="bddet-bench-dl-"))
    served = work / "mirror"
    (served / "models").mkdir(parents=True)
    payload = served / "models" / f"{NAME}.pth"
    digest = hashlib.md5()
    with open(payload, "wb") as f:
        block = os.urandom(1 << 20)
        for i in range(args.size_mb):
            chunk = block[i % 997:] + block[:i % 997]  # distinct blocks without 1 GB of urandom
            f.write(chunk)
            digest.update(chunk)
    (served / "models" / f"{NAME}.md5").write_text(digest.hexdigest() + "\n")

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(served)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    env = dict(os.environ, BDDET_CACHE=str(work / "cache"), BDDET_MIRRORS="", NO_COLOR="1")
    bddet = str(Path(sys.executable).with_name("bddet"))
    out = work / "curl.pth"
    cmds = {
        "curl": ["curl", "-s", "-o", str(out), base + f"models/{NAME}.pth"],
        "curl + md5sum": ["sh", "-c", f"curl -s -o {out} {base}models/{NAME}.pth && md5sum {out}"],
        "bddet download": [bddet, "download", NAME, "--mirror", base, "--force", "--workspace", str(work)],
    }
    (work / "bddet.yaml").write_text("version: 1\n")
    times: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(args.repeat):
        for name, cmd in cmds.items():
            times[name].append(timed(cmd, env))
    server.shutdown()
    mb = args.size_mb
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:15s} median {med:6.2f} s  {mb / med:7.0f} MiB/s   runs {', '.join(f'{t:.2f}' for t in ts)}")
    ratio = statistics.median(times["curl"]) / statistics.median(times["bddet download"])
    ratio_v = statistics.median(times["curl + md5sum"]) / statistics.median(times["bddet download"])
    print(f"bddet throughput = {ratio:.2f}x curl's, {ratio_v:.2f}x curl+md5sum's")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
