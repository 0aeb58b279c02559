"""Drawing throughput: bddet vis vs scalabel's LabelViewer (the zoo README's snippet).

    .venv/bin/python benchmarks/bench_vis.py [--images 40] [--workers 2]

Makes 1280x720 images and predictions (about 40 boxes each, score >= 0.3), then renders
them with `bddet vis` (Pillow, worker processes) and with scalabel.vis.label.LabelViewer
(matplotlib, one process, draw + save per frame, as the README snippet does). Prints
images/s of both and the ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=40)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    import numpy as np
    from PIL import Image

    from bddet.data.synthetic_labels import make_det_frames

    work = Path(tempfile.mkdtemp(prefix="bddet-bench-vis-"))
    (work / "imgs").mkdir()
    _, preds = make_det_frames(args.images, seed=3, gt_per_frame=20, fp_per_frame=20)
    preds = [f for f in preds if not f["name"].startswith("unlabelled")][: args.images]
    for f in preds:
        f["labels"] = [lb for lb in f["labels"] if lb["score"] >= 0.3]
    rng = np.random.default_rng(0)
    for f in preds:
        Image.fromarray(rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8)).save(work / "imgs" / f["name"])
    (work / "preds.json").write_text(json.dumps(preds))
    n = len(preds)

    bddet = str(Path(sys.executable).with_name("bddet"))
    t = time.perf_counter()
    subprocess.run([bddet, "vis", str(work / "ours"), "--preds", str(work / "preds.json"), "--images",
                    str(work / "imgs"), "--workers", str(args.workers)], check=True, capture_output=True)
    ours = time.perf_counter() - t

    code = f"""
import os, time, numpy as np
from PIL import Image
from scalabel.label.io import load
from scalabel.vis.label import LabelViewer
t = time.perf_counter()
frames = load({str(work / 'preds.json')!r}).frames
viewer = LabelViewer()
os.makedirs({str(work / 'theirs')!r}, exist_ok=True)
for frame in frames:
    img = np.array(Image.open(os.path.join({str(work / 'imgs')!r}, frame.name)))
    viewer.draw(img, frame)
    viewer.save(os.path.join({str(work / 'theirs')!r}, frame.name))
print(time.perf_counter() - t)
"""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=dict(os.environ, MPLBACKEND="Agg"))
    theirs = time.perf_counter() - t
    print(f"{n} images of 1280x720, {sum(len(f['labels']) for f in preds) / n:.0f} boxes each")
    print(f"scalabel LabelViewer: {theirs:6.1f} s  {n / theirs:6.2f} img/s (one process)")
    print(f"bddet vis           : {ours:6.1f} s  {n / ours:6.2f} img/s ({args.workers} workers, process start included)")
    print(f"bddet vis is {theirs / ours:.1f}x the throughput of LabelViewer")


if __name__ == "__main__":
    main()
