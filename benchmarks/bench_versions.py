"""Two checkouts of bddet side by side: `bddet --help` start-up and `bddet eval` wall time.

    .venv/bin/python benchmarks/bench_versions.py --before /tmp/orig --after . [--repeat 5]
        [--workdir /tmp/bddet-bench-eval]

Both run with this venv's Python, each selected by PYTHONPATH (a `git worktree add /tmp/orig
COMMIT` gives the before). Samples alternate between the two, so load on the machine hits
both alike; medians and their ratio are printed, and whether both versions' eval numbers agree.
The eval set is bench_eval.py's (generated there, 10,000 frames, seed 2026).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str], checkout: Path) -> float:
    # from a neutral folder: `python -m` puts the current folder before PYTHONPATH on sys.path
    start = time.perf_counter()
    subprocess.run(cmd, env={**os.environ, "PYTHONPATH": str(checkout)}, capture_output=True, check=True,
                   cwd=tempfile.gettempdir())
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", type=Path, required=True)
    ap.add_argument("--after", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/bddet-bench-eval"))
    args = ap.parse_args()
    gt, pred = args.workdir / "det_val.json", args.workdir / "det.json"
    if not gt.exists():
        raise SystemExit(f"{gt}: run benchmarks/bench_eval.py once to generate the set")
    versions = {"before": args.before.resolve(), "after": args.after.resolve()}
    help_cmd = [sys.executable, "-m", "bddet", "--help"]
    evals = {k: [sys.executable, "-m", "bddet", "eval", "--gt", str(gt), "--preds", str(pred), "--out",
                 str(args.workdir / f"versions-{k}.json")] for k in versions}
    for k, path in versions.items():  # numba's on-disk cache, as any second use finds it
        timed(evals[k], path)
    samples = {f"{what} {k}": [] for what in ("help", "eval") for k in versions}
    for _ in range(args.repeat):
        for k, path in versions.items():
            for _ in range(3):
                samples[f"help {k}"].append(timed(help_cmd, path))
            samples[f"eval {k}"].append(timed(evals[k], path))
    for name, values in samples.items():
        print(f"{name:12s} median {statistics.median(values):6.3f} s")
    for what in ("help", "eval"):
        ratio = statistics.median(samples[f"{what} after"]) / statistics.median(samples[f"{what} before"])
        print(f"{what}: after/before {ratio:.3f}")
    same = [json.loads((args.workdir / f"versions-{k}.json").read_text()) for k in versions]
    print("eval numbers identical:", json.dumps(same[0], sort_keys=True) == json.dumps(same[1], sort_keys=True))


if __name__ == "__main__":
    main()
