"""bddet eval vs the official evaluator on a val-sized synthetic set: wall time, peak memory, parity.

    .venv/bin/python benchmarks/bench_eval.py [--frames 10000] [--repeat 3] [--workdir /tmp/bddet-bench-eval]

Generates ground truth and predictions deterministically (about 180K boxes and 385K
predictions for 10,000 frames), then runs each evaluator as its own process, `repeat`
times alternately, measuring wall time and peak RSS (/usr/bin/time -v if present, else
getrusage of the child). Prints medians, the ratios and whether every number agrees.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path


def run(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr.read().decode()[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/bddet-bench-eval"))
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    gt, pred = args.workdir / "det_val.json", args.workdir / "det.json"
    if not gt.exists():
        from bddet.data.synthetic_labels import make_det_frames

        gt_frames, pred_frames = make_det_frames(args.frames, seed=2026)
        gt.write_text(json.dumps(gt_frames))
        pred.write_text(json.dumps(pred_frames))
    n_gt = sum(len(f["labels"]) for f in json.loads(gt.read_text()))
    n_pred = sum(len(f["labels"]) for f in json.loads(pred.read_text()))
    print(f"set: {args.frames} frames, {n_gt} ground-truth boxes, {n_pred} predictions "
          f"({gt.stat().st_size / 2**20:.0f} + {pred.stat().st_size / 2**20:.0f} MiB JSON)")

    bddet = Path(sys.executable).with_name("bddet")
    ours_out, theirs_out = args.workdir / "ours.json", args.workdir / "official.json"
    cmds = {
        "official": [sys.executable, "-m", "bdd100k.eval.run", "-t", "det", "-g", str(gt), "-r", str(pred),
                     "--out-file", str(theirs_out)],
        "bddet": [str(bddet), "eval", "--gt", str(gt), "--preds", str(pred), "--out", str(ours_out)],
    }
    run(cmds["bddet"])  # warm numba's on-disk cache, as any second use would find it
    times: dict[str, list[float]] = {k: [] for k in cmds}
    mems: dict[str, list[float]] = {k: [] for k in cmds}
    for _ in range(args.repeat):
        for name, cmd in cmds.items():
            wall, rss = run(cmd)
            times[name].append(wall)
            mems[name].append(rss)
    for name in cmds:
        print(f"{name:9s} median {statistics.median(times[name]):7.2f} s   peak RSS {max(mems[name]):7.0f} MiB   "
              f"runs {', '.join(f'{t:.2f}' for t in times[name])}")
    speed = statistics.median(times["official"]) / statistics.median(times["bddet"])
    mem = max(mems["bddet"]) / max(mems["official"])
    print(f"bddet is {speed:.1f}x faster, with {mem:.2f}x the official's peak memory")
    a, b = json.loads(theirs_out.read_text()), json.loads(ours_out.read_text())
    worst, exact, total = 0.0, 0, 0
    for metric, (per_class, overall) in a.items():
        for theirs, mine in ((per_class, b[metric][0]), (overall, b[metric][1])):
            for key, x in theirs.items():
                y = mine[key]
                total += 1
                if (math.isnan(x) and math.isnan(y)) or x == y:
                    exact += 1
                elif not (math.isnan(x) or math.isnan(y)):
                    worst = max(worst, abs(x - y))
                else:
                    worst = math.inf
    print(f"numbers: {exact}/{total} bit-identical, largest difference {worst:g}")


if __name__ == "__main__":
    main()
