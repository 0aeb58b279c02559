"""Deterministic synthetic BDD100K det labels and predictions.

Used by the tests and benchmarks (evaluator parity, label loading) and shaped to exercise
every rule of the official evaluator: mapped and ignored category names, crowd boxes,
boxes exactly on the area-range borders, score ties, more than 100 detections of a class
in one image, frames without predictions, predicted frames absent from the labels, and
classes present on only one side.
"""
from __future__ import annotations

import numpy as np

from .categories import CLASSES

IMAGE_W, IMAGE_H = 1280, 720
# GT category names as they appear in det_20 files, with mapped and ignored ones mixed in.
_GT_NAMES = ("car", "car", "car", "car", "traffic sign", "traffic sign", "traffic light", "traffic light",
             "pedestrian", "pedestrian", "truck", "bus", "rider", "bicycle", "motorcycle",
             "bike", "person", "van", "motor", "caravan", "other vehicle", "other person", "trailer")
_WEATHER = ("clear", "overcast", "rainy", "snowy", "partly cloudy", "foggy", "undefined")
_SCENE = ("city street", "highway", "residential", "parking lot", "tunnel")
_TIMEOFDAY = ("daytime", "night", "dawn/dusk")


def _box(rng: np.random.Generator) -> dict:
    kind = rng.random()
    if kind < 0.04:
        w = h = 31.0  # area 32*32 with the +1 convention: on the small/medium border
    elif kind < 0.06:
        w = h = 95.0  # the medium/large border
    else:
        w = float(np.exp(rng.uniform(np.log(3), np.log(500))))
        h = float(w * rng.uniform(0.4, 2.0))
    x1 = float(rng.uniform(0, IMAGE_W - w)) if w < IMAGE_W else 0.0
    y1 = float(rng.uniform(0, max(IMAGE_H - h, 1)))
    return {"x1": round(x1, 3), "y1": round(y1, 3), "x2": round(x1 + w, 3), "y2": round(y1 + h, 3)}


def make_det_frames(n_frames: int, seed: int = 0, gt_per_frame: float = 18.0,
                    fp_per_frame: float = 24.0) -> tuple[list[dict], list[dict]]:
    """(ground-truth frames, prediction frames) in Scalabel det format."""
    rng = np.random.default_rng(seed)
    gt_frames, pred_frames = [], []
    names = [f"{rng.integers(1 << 40):010x}-{i:06d}.jpg" for i in range(n_frames)]
    label_id = 0
    for i, name in enumerate(names):
        labels, preds = [], []
        for _ in range(rng.poisson(gt_per_frame)):
            label_id += 1
            cat = _GT_NAMES[rng.integers(len(_GT_NAMES))]
            box = _box(rng)
            attrs = {"occluded": bool(rng.random() < 0.3), "truncated": False}
            if rng.random() < 0.03:
                attrs["crowd"] = True
            labels.append({"id": str(label_id), "category": cat, "attributes": attrs, "box2d": box})
            if rng.random() < 0.8:  # a detection near it
                jitter = {k: round(v + float(rng.normal(0, 3 + 0.05 * (box["x2"] - box["x1"]))), 3)
                          for k, v in box.items()}
                jitter["x2"] = max(jitter["x2"], jitter["x1"])
                jitter["y2"] = max(jitter["y2"], jitter["y1"])
                pred_cat = cat if rng.random() < 0.85 else CLASSES[rng.integers(len(CLASSES))]
                preds.append({"category": pred_cat, "box2d": jitter, "score": round(float(rng.random()), 2)})
        for _ in range(rng.poisson(fp_per_frame)):
            preds.append({"category": CLASSES[rng.integers(len(CLASSES))], "box2d": _box(rng),
                          "score": round(float(rng.random() * 0.6), 2)})
        if i % 97 == 5:  # more than maxDets=100 detections of one class in one image
            for _ in range(120):
                preds.append({"category": "car", "box2d": _box(rng), "score": round(float(rng.random()), 3)})
        rng.shuffle(preds)
        for k, p in enumerate(preds):
            p["id"] = f"{i}-{k}"
        attributes = {"weather": _WEATHER[rng.integers(len(_WEATHER))], "scene": _SCENE[rng.integers(len(_SCENE))],
                      "timeofday": _TIMEOFDAY[rng.integers(len(_TIMEOFDAY))]}
        gt_frames.append({"name": name, "attributes": attributes, "timestamp": 10000, "labels": labels})
        if i % 23 != 7:  # some labelled frames get no predictions
            pred_frames.append({"name": name, "labels": preds})
    for j in range(max(1, n_frames // 50)):  # predictions for frames that are not labelled
        pred_frames.append({"name": f"unlabelled-{j}.jpg", "labels": [
            {"id": f"u{j}", "category": "car", "box2d": _box(rng), "score": 0.9}]})
    rng.shuffle(pred_frames)
    return gt_frames, pred_frames
