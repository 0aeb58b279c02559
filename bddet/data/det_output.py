"""Detections from MMDetection as Scalabel frames, the format the evaluator and test server take."""
from __future__ import annotations

import numpy as np

from .categories import CLASSES


def detections_to_frame(name: str, bboxes: np.ndarray, scores: np.ndarray, labels: np.ndarray) -> dict:
    """One Scalabel frame ``{name, labels: [{id, category, score, box2d}]}`` in original-image pixels.

    MMDetection boxes are ``[x1, y1, x2, y2)`` with the +1 of scalabel's COCO conversion the
    zoo trained with, so box2d takes ``x2 - 1``, as the original zoo's converter did
    (``bbox_to_box2d``); a box under one pixel wide keeps ``x2 = x1``. Label ids are filled
    in when the run's frames are merged (``number_labels``).
    """
    out = []
    if len(scores):
        x2 = np.maximum(bboxes[:, 2] - 1, bboxes[:, 0])
        y2 = np.maximum(bboxes[:, 3] - 1, bboxes[:, 1])
        rows = np.stack([bboxes[:, 0], bboxes[:, 1], x2, y2], axis=1).astype(float).tolist()
        for (a, b, c, d), s, lbl in zip(rows, scores.astype(float).tolist(), labels.tolist()):
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
