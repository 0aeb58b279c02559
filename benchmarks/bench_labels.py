"""Label loading: bddet's reader vs scalabel.label.io.load on a det_train-sized file.

    .venv/bin/python benchmarks/bench_labels.py [--frames 70000] [--repeat 3]

Generates a deterministic det_20-style file (70,000 frames, about 1.3M boxes, like
det_train.json), then times, each in a fresh process: scalabel's load (what the official
toolkit and the original zoo used), bddet.data.det_labels.read_det_labels, and the full
BDD100KDetDataset as training builds it (serialised, as MMEngine does by default; a sample of its
frames is read back to check the boxes are there). Prints medians and the ratio.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

CODE = {
    "scalabel load": "from scalabel.label.io import load; f = load({p!r}).frames; print(sum(len(x.labels or []) for x in f))",
    "bddet read_det_labels": "from bddet.data.det_labels import read_det_labels; print(len(read_det_labels({p!r}, predictions=False)))",
    "bddet dataset": ("from bddet.mm.dataset import BDD100KDetDataset as D; "
                           "d = D(ann_file={p!r}, data_prefix=dict(img=''), pipeline=[]); "
                           "print(sum(len(d.get_data_info(i)['instances']) for i in range(0, len(d), 100)))"),
}


def timed(code: str) -> tuple[float, str]:
    wrapper = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, check=True).stdout.split()
    return float(out[-1]), out[-2]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=70000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--path", type=Path, default=Path("/tmp/bddet-bench-labels/det_train.json"))
    args = ap.parse_args()
    if not args.path.exists():
        from bddet.data.synthetic_labels import make_det_frames

        args.path.parent.mkdir(parents=True, exist_ok=True)
        gt, _ = make_det_frames(args.frames, seed=7, gt_per_frame=18.5, fp_per_frame=0)
        args.path.write_text(json.dumps(gt))
    print(f"{args.path}: {args.path.stat().st_size / 2**20:.0f} MiB")
    results = {}
    for _ in range(args.repeat):
        for name, code in CODE.items():
            seconds, count = timed(code.format(p=str(args.path)))
            results.setdefault(name, []).append(seconds)
            results[name + " boxes"] = count
    for name in CODE:
        print(f"{name:24s} median {statistics.median(results[name]):7.2f} s  ({results[name + ' boxes']} boxes; "
              f"runs {', '.join(f'{t:.2f}' for t in results[name])})")
    base = statistics.median(results["scalabel load"])
    for name in list(CODE)[1:]:
        print(f"{name} is {base / statistics.median(results[name]):.1f}x faster than scalabel load")


if __name__ == "__main__":
    main()
