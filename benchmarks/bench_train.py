"""Training overhead: `bddet train` vs MMDetection's own tools/train.py, same config, CPU.

    .venv/bin/python benchmarks/bench_train.py [--epochs 3]

Uses the demo's tiny RetinaNet on the synthetic sample (made on the fly), runs each
trainer alternately twice, and compares the median per-iteration `time` MMEngine logs
(data loading and the step; start-up excluded). The ratio should be ~1.0: bddet runs the
same Runner and adds nothing per iteration.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import mmdet

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "configs" / "demo" / "retinanet_tiny_sample.py"


def iter_times(log_text: str) -> list[float]:
    return [float(t) for t in re.findall(r"Epoch\(train\).*?\stime: ([0-9.]+)", log_text)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args()
    from bddet.data.sample_dataset import make_sample_dataset

    work = Path(tempfile.mkdtemp(prefix="bddet-bench-train-"))
    data = make_sample_dataset(work / "data", n_train=96, n_val=8, n_test=1)
    opts = [f"train_cfg.max_epochs={args.epochs}", f"train_cfg.val_interval={args.epochs + 1}",
            "default_hooks.logger.interval=1", "randomness.seed=0"]
    env = dict(os.environ, BDDET_OFFLINE="1")
    bddet = str(Path(sys.executable).with_name("bddet"))
    subprocess.run([bddet, "init", str(work / "ws"), "--data-root", str(data)], check=True, capture_output=True)
    tools_train = Path(mmdet.__file__).parent / ".mim" / "tools" / "train.py"
    times: dict[str, list[float]] = {"bddet train": [], "mmdet tools/train.py": []}
    for rep in range(2):
        wd = work / f"bddet-{rep}"
        cmd = [bddet, "train", str(CONFIG), "--device", "cpu", "--work-dir", str(wd), "--workspace", str(work / "ws")]
        for o in opts:
            cmd += ["--cfg-options", o]
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        times["bddet train"] += iter_times("".join(p.read_text() for p in wd.rglob("*.log")))
        wd = work / f"mmdet-{rep}"
        cmd = [sys.executable, str(tools_train), str(CONFIG), "--work-dir", str(wd), "--cfg-options", *opts,
               f"train_dataloader.dataset.data_root={data}", f"val_dataloader.dataset.data_root={data}",
               f"test_dataloader.dataset.data_root={data}",
               f"val_evaluator.ann_file={data}/labels/det_20/det_val.json"]
        subprocess.run(cmd, check=True, capture_output=True, env=dict(env, CUDA_VISIBLE_DEVICES=""))
        times["mmdet tools/train.py"] += iter_times("".join(p.read_text() for p in wd.rglob("*.log")))
    for name, ts in times.items():
        print(f"{name:22s} median iteration {statistics.median(ts):.4f} s over {len(ts)} iterations")
    ratio = statistics.median(times["bddet train"]) / statistics.median(times["mmdet tools/train.py"])
    print(f"bddet / mmdet iteration time: {ratio:.3f}")


if __name__ == "__main__":
    main()
