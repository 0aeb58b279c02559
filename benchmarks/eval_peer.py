"""One COCO evaluator, run as its own process by bench_eval.py, on files converted as the official
BDD100K evaluator converts them.

    python benchmarks/eval_peer.py convert GT.json PRED.json GT_COCO.json DT_COCO.json
    python benchmarks/eval_peer.py {pycocotools,faster-coco-eval,hotcoco,ultrafast} GT_COCO.json DT_COCO.json OUT.json

``convert`` does what ``python -m bdd100k.eval.run -t det`` does before COCOeval: bdd100k's name
and ignore mappings, frames sorted by name, predictions reordered to the labels' frames, and
scalabel's ``scalabel2coco_detection`` for both (crowd and ignored boxes as ``iscrowd``). A peer
is then given those files and only those, as a user who converted once would give them; it
writes the 12 OVERALL numbers (percent, COCO's ``stats`` order) to OUT.json.
"""
from __future__ import annotations

import json
import sys

METRICS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")


def convert(gt_path: str, pred_path: str, gt_out: str, dt_out: str) -> None:
    from bdd100k.common.utils import load_bdd100k_config
    from bdd100k.label.to_scalabel import bdd100k_to_scalabel
    from scalabel.eval.detect import reorder_preds
    from scalabel.label.io import load
    from scalabel.label.to_coco import scalabel2coco_detection

    config = load_bdd100k_config("det")
    gts = sorted(bdd100k_to_scalabel(load(gt_path).frames, config), key=lambda f: f.name)
    preds = reorder_preds(gts, bdd100k_to_scalabel(load(pred_path).frames, config))
    with open(gt_out, "w") as f:
        json.dump(scalabel2coco_detection(gts, config.scalabel), f)
    with open(dt_out, "w") as f:
        json.dump(scalabel2coco_detection(preds, config.scalabel)["annotations"], f)


def evaluate(peer: str, gt_coco: str, dt_coco: str, out: str) -> None:
    if peer == "pycocotools":
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval
    elif peer == "faster-coco-eval":
        from faster_coco_eval import COCO
        from faster_coco_eval import COCOeval_faster as COCOeval
    elif peer == "hotcoco":
        from hotcoco import COCO, COCOeval
    elif peer == "ultrafast":
        from ultrafast_pycocotools import COCO, COCOeval
    else:
        raise SystemExit(f"unknown peer {peer}")
    gt = COCO(gt_coco)
    dt = gt.loadRes(dt_coco)
    ev = COCOeval(gt, dt, "bbox")
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    stats = [float(v) * 100 for v in list(ev.stats)[:12]]
    with open(out, "w") as f:
        json.dump(dict(zip(METRICS, stats)), f)


if __name__ == "__main__":
    if sys.argv[1] == "convert":
        convert(*sys.argv[2:6])
    else:
        evaluate(*sys.argv[1:5])
