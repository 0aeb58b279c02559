"""Inference throughput: `bddet infer` vs MMDetection's DetInferencer, same model, weights, images.

    .venv/bin/python benchmarks/bench_infer.py [--images 24] [--model retinanet_r50_fpn_1x] [--device cpu]
        [--batch-size 1] [--workers 4] [--fp16] [--repeat 3] [--onnx]

Makes 1280x720 images and a checkpoint of the zoo model with seeded random weights (the zoo's
real weights are offline), then runs each side in its own process, alternating, ``--repeat``
times: `bddet infer --images` (writes det.json) and DetInferencer over the same files (writes
its per-image predictions, no visualisation). Each is timed from the outside, as a user would,
on all the images and on the first one alone. Two figures per side, medians:

- end to end: the whole process for N images, Python start and imports included;
- per image once started: (N - 1) / (time for N images - time for 1 image), which leaves out
  what a run pays once (imports, building the model, loading the weights, the GPU's start-up)
  the same way for both sides.

``--onnx`` adds a third side: the model exported once with `bddet export` (unchecked: the
tests and the README's family table check parity) and run by `bddet infer model.onnx`, ONNX
Runtime in bddet's own loop (the CPU provider, or CUDA's with ``--device cuda``).

``--fp16`` applies to bddet only (DetInferencer has no such switch). On a GPU pass
``--device cuda``, a ``--batch-size`` and enough images that start-up does not hide the loop.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

THEIRS = """
import glob
from mmdet.apis import DetInferencer
inf = DetInferencer(model={config!r}, weights={weights!r}, device={device!r}, show_progress=False)
inf(sorted(glob.glob({pattern!r})), batch_size={batch}, out_dir={out!r}, no_save_vis=True, return_vis=False)
"""


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=24)
    ap.add_argument("--model", default="retinanet_r50_fpn_1x")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch-size", type=int, default=1)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--fp16", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--onnx", action="store_true", help="also time `bddet infer <export>.onnx` (ONNX Runtime)")
    args = ap.parse_args()
    import torch
    from mmdet.utils import register_all_modules

    from bddet.zoo.config_files import config_path, load_config
    from bddet.data.sample_dataset import make_sample_dataset
    from bddet.zoo.catalogue import resolve_model_name

    work = Path(tempfile.mkdtemp(prefix="bddet-bench-infer-"))
    # road scenes at BDD100K's 1280x720 (decoding random noise would measure the JPEG decoder instead)
    make_sample_dataset(work / "data", n_train=0, n_val=0, n_test=args.images, size=(1280, 720), max_objects=8)
    (work / "data" / "images" / "100k" / "test").rename(work / "imgs")
    (work / "one").mkdir()
    shutil.copy(sorted((work / "imgs").glob("*.jpg"))[0], work / "one")
    model = resolve_model_name(args.model)
    register_all_modules()
    from mmdet.registry import MODELS

    torch.manual_seed(0)
    detector = MODELS.build(load_config(config_path(model)).model)
    torch.save({"state_dict": detector.state_dict(), "meta": {}}, work / "w.pth")
    del detector

    def ours(folder: str) -> list[str]:
        return [sys.executable, "-m", "bddet", "infer", model.name, "--weights", str(work / "w.pth"),
                "--images", str(work / folder), "--device", args.device, "--batch-size", str(args.batch_size),
                "--workers", str(args.workers), "--out", str(work / f"ours-{folder}")] + (["--fp16"] if args.fp16 else [])

    def theirs(folder: str) -> list[str]:
        return [sys.executable, "-c", THEIRS.format(config=str(config_path(model)), weights=str(work / "w.pth"),
                                                    device=args.device, pattern=str(work / folder / "*.jpg"),
                                                    batch=args.batch_size, out=str(work / f"theirs-{folder}"))]

    sides = [("theirs", theirs, "DetInferencer"), ("ours", ours, "bddet infer")]
    if args.onnx:
        from bddet.deploy.export import export_onnx

        exported = export_onnx(model.name, weights=work / "w.pth", out=work / "onnx", check=0).onnx

        def onnx_side(folder: str) -> list[str]:
            return [sys.executable, "-m", "bddet", "infer", str(exported), "--images", str(work / folder),
                    "--device", args.device, "--batch-size", str(args.batch_size), "--workers", str(args.workers),
                    "--out", str(work / f"onnx-{folder}")]

        sides.append(("onnx", onnx_side, "bddet onnxrt"))
    n = args.images
    walls: dict[str, list[float]] = {side: [] for side, _, _ in sides}
    rates: dict[str, list[float]] = {side: [] for side, _, _ in sides}
    for _ in range(args.repeat):
        for side, cmd, _ in sides:
            full, single = timed(cmd("imgs")), timed(cmd("one"))
            walls[side].append(full)
            rates[side].append((n - 1) / (full - single))
    print(f"{n} images 1280x720, {model.name}, {args.device}, batch {args.batch_size}, bddet workers "
          f"{args.workers}{', bddet fp16' if args.fp16 else ''}; medians of {args.repeat} alternating runs")
    print(f"{'':14} {'end to end':>22} {'once started':>14}")
    med = {side: (statistics.median(walls[side]), statistics.median(rates[side])) for side in walls}
    for side, _, label in sides:
        wall, rate = med[side]
        print(f"{label:14} {wall:7.1f} s {n / wall:7.2f} img/s {rate:8.2f} img/s")
    for side, _, label in sides[1:]:
        print(f"{label} / DetInferencer throughput: {med['theirs'][0] / med[side][0]:.2f}x end to end, "
              f"{med[side][1] / med['theirs'][1]:.2f}x once started")


if __name__ == "__main__":
    main()
