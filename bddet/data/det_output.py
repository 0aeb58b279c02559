"""Detections from MMDetection as Scalabel frames, the format the evaluator and test server take."""
from __future__ import annotations

import numpy as np

from .categories import CLASSES


def detections_to_frame(name: str, bboxes: np.ndarray, scores: np.ndarray, labels: np.ndarray) -> dict:
    """One Scalabel frame ``{name, labels: [{id, category, score, box2d}]}`` in original-image pixels,
    exactly as the original zoo's converter wrote it.

    That converter (bdd100k-models ``BDD100KDetDataset.convert_format``) did, per class,
    ``bbox_to_box2d(self.xyxy2xywh(bbox))``: mmdet 2.x's ``xyxy2xywh`` takes the float32 box to
    Python floats (``.tolist()``) and gives ``w = x2 - x1``; scalabel's ``bbox_to_box2d`` writes
    ``x2 = x1 + w - 1``. So box2d's x2 is ``x1 + (x2 - x1) - 1`` in float64, unclamped: a box
    under one pixel wide gets ``x2 < x1``, which the evaluator scores as its true width
    (``x2 - x1 + 1``). The labels go class by class, each class in the model's (score) order,
    as the per-class result arrays were walked. Label ids are filled in when the run's frames
    are merged (``number_labels``).
    """
    out = []
    if len(scores):
        order = np.argsort(labels, kind="stable")
        x1, y1, x2, y2 = (bboxes[order].astype(np.float64).T)
        rows = np.stack([x1, y1, x1 + (x2 - x1) - 1, y1 + (y2 - y1) - 1], axis=1).tolist()
        for (a, b, c, d), s, lbl in zip(rows, scores[order].astype(float).tolist(), labels[order].tolist()):
            out.append({"category": CLASSES[lbl], "score": s, "box2d": {"x1": a, "y1": b, "x2": c, "y2": d}})
    return {"name": name, "labels": out}


def number_labels(frames: list[dict]) -> list[dict]:
    """Give every label a run-wide unique string id (1, 2, ...), in frame order, in place."""
    n = 0
    for frame in frames:
        for label in frame["labels"]:
            n += 1
            label["id"] = str(n)
    return frames
