"""Inference throughput: `bddet infer` vs MMDetection's DetInferencer, same model, weights, images.

    .venv/bin/python benchmarks/bench_infer.py [--images 24] [--model retinanet_r50_fpn_1x] [--device cpu]

Makes 1280x720 images and a checkpoint of the zoo model with seeded random weights (the zoo's
real weights are offline), then times each end to end in its own process: `bddet infer
--images` (writes det.json) and DetInferencer over the same files (writes its per-image
predictions, no visualisation). Prints images/s and the ratio. On a GPU pass --device cuda
and --batch-size to see batching.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=24)
    ap.add_argument("--model", default="retinanet_r50_fpn_1x")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch-size", type=int, default=1)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()
    import torch
    from mmdet.utils import register_all_modules

    from bddet.config import config_path, load_config
    from bddet.zoo import resolve_model_name

    from bddet.data.sample import make_sample_dataset

    work = Path(tempfile.mkdtemp(prefix="bddet-bench-infer-"))
    # road scenes at BDD100K's 1280x720 (decoding random noise would measure the JPEG decoder instead)
    make_sample_dataset(work / "data", n_train=0, n_val=0, n_test=args.images, size=(1280, 720), max_objects=8)
    (work / "data" / "images" / "100k" / "test").rename(work / "imgs")
    model = resolve_model_name(args.model)
    register_all_modules()
    from mmdet.registry import MODELS

    torch.manual_seed(0)
    detector = MODELS.build(load_config(config_path(model)).model)
    torch.save({"state_dict": detector.state_dict(), "meta": {}}, work / "w.pth")

    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bddet", "infer", model.name, "--weights", str(work / "w.pth"), "--images", str(work / "imgs"),
                    "--device", args.device, "--batch-size", str(args.batch_size), "--workers", str(args.workers),
                    "--out", str(work / "ours")],
                   check=True, capture_output=True)
    ours = time.perf_counter() - t
    code = f"""
from mmdet.apis import DetInferencer
import glob
inf = DetInferencer(model={str(config_path(model))!r}, weights={str(work / 'w.pth')!r}, device={args.device!r},
                    show_progress=False)
inf(sorted(glob.glob({str(work / 'imgs' / '*.jpg')!r})), batch_size={args.batch_size}, out_dir={str(work / 'theirs')!r},
    no_save_vis=True, return_vis=False)
"""
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, env=dict(os.environ))
    theirs = time.perf_counter() - t
    n = args.images
    print(f"{n} images 1280x720, {model.name}, {args.device}, batch {args.batch_size}")
    print(f"DetInferencer: {theirs:6.1f} s  {n / theirs:5.2f} img/s (end to end, model load included)")
    print(f"bddet infer  : {ours:6.1f} s  {n / ours:5.2f} img/s (end to end, model load included)")
    print(f"bddet / DetInferencer throughput: {theirs / ours:.2f}x")


if __name__ == "__main__":
    main()
