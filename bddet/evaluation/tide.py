"""Why is AP low? The TIDE error breakdown (Bolya et al., ECCV 2020) on Scalabel det files.

Each false positive at IoU 0.5 is put into one of five bins, and each missed object into a
sixth; an error type's weight is the AP50 gained by fixing only that type:
- Cls: localised right (IoU >= 0.5) on an object of another class; fixed by the right class.
- Loc: the right class, 0.1 <= IoU <= 0.5; fixed by a perfect box.
- Both: neither class nor box right, but touching an object (IoU > 0.1); removed.
- Dupe: the right class on an object already matched by a higher-scoring detection; removed.
- Bkg: IoU <= 0.1 with every object; removed.
- Miss: an object no detection found or came close to; fixed by not counting it.
A Cls or Loc fix turns the best-scoring such detection of an object into a true positive and
removes the others. The rules, the greedy matching (highest score first, argmax IoU) and the
101-point AP follow the tidecv package (tests/evaluation/test_tide.py checks the numbers against it);
the per-image work is C (_coco_kernels.c), not tidecv's per-annotation Python.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import _coco_kernels
from .coco_match import c_array, coco_xywh, frame_order, group_order, threads
from ..data.categories import CLASSES

ERROR_TYPES = ("Cls", "Loc", "Both", "Dupe", "Bkg", "Miss")
POS_THRESHOLD, BG_THRESHOLD, MAX_DETS = 0.5, 0.1, 100


@dataclass
class ErrorBreakdown:
    """AP50 and the AP50 each error type costs, overall (mean over classes) and per class."""

    ap50: float
    main: dict[str, float]                          # error type -> AP50 gained by fixing it
    per_class_ap50: dict[str, float]
    per_class: dict[str, dict[str, float]]          # class -> error type -> AP50 of that class gained
    counts: dict[str, int]                          # error type -> how many
    frames_by_error: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # worst frames first


def _ap(positives: np.ndarray, n_gt: float) -> float:
    """tidecv's AP of detections in score order (highest first, ties as given): precision
    without epsilon, the max to the right, 101 recall points."""
    if n_gt <= 0:
        return 0.0
    tp = np.cumsum(positives)
    fp = np.cumsum(~positives)
    precision = tp / np.maximum(tp + fp, 1)
    recall = tp / n_gt
    n = len(precision)
    if n == 0:
        return 0.0
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    idx = np.searchsorted(recall, np.arange(101) / 100, side="left")
    return float(np.where(idx < n, precision[np.minimum(idx, n - 1)], 0.0).sum() / 101 * 100)


_KINDS = ("Cls", "Loc", "Both", "Dupe", "Bkg")   # codes 0..4 of the kernel's kind array


def error_breakdown(gt, pred) -> ErrorBreakdown:
    """The TIDE breakdown of ``pred`` (DetLabels with scores) against ``gt`` (DetLabels)."""
    n_cls = len(CLASSES)
    gt_bounds = np.asarray(gt.frame_bounds(), dtype=np.int64)
    # each ground-truth frame's predictions, highest score first, at most MAX_DETS
    p_off, p_ord = frame_order(gt, pred, max_per_frame=MAX_DETS)
    n = len(p_ord)
    state = np.zeros(n, dtype=np.int8)
    kind = np.full(n, -1, dtype=np.int8)
    target = np.full(n, -1, dtype=np.int64)
    gt_used = np.zeros(len(gt), dtype=np.bool_)
    # per image, tidecv's greedy matching, ignore regions and error bins (_coco_kernels.c): per
    # slot, state 1 true positive, 0 false positive, 2 ignored; kind 0..4 (_KINDS) or -1; the
    # target ground truth of a Cls or Loc error (-1 if none); and gt_used per ground truth
    _coco_kernels.tide_classify(p_off, p_ord, c_array(coco_xywh(pred.box), np.float64), c_array(pred.cls, np.int64),
                                gt_bounds, c_array(coco_xywh(gt.box), np.float64), c_array(gt.cls, np.int64),
                                c_array(gt.ignore, bool), POS_THRESHOLD, BG_THRESHOLD, state, kind, target,
                                gt_used.view(np.uint8), threads())
    slot_frame = np.repeat(np.arange(len(gt.names)), np.diff(p_off))
    p_cls, p_score = pred.cls[p_ord], pred.score[p_ord]
    real = ~gt.ignore
    gt_pos = np.bincount(gt.cls[real], minlength=n_cls).astype(np.float64)

    # Cls/Loc errors on an object no detection took: the first (highest score) of each object is fixed
    fixable = ((kind == 0) | (kind == 1)) & (target >= 0)
    fixable[fixable] &= ~gt_used[target[fixable]]
    slots = np.flatnonzero(fixable)
    _, first = np.unique(target[slots], return_index=True)
    best = np.zeros(n, dtype=bool)
    best[slots[first]] = True
    usable = np.zeros(len(gt), dtype=bool)
    usable[target[slots]] = True
    missed = np.flatnonzero(real & ~gt_used & ~usable)

    points = state != 2                     # ignored detections have no AP data point
    negatives = state != 1                  # every negative is an error (in slot order, as tidecv's list)
    correct = state == 1

    def class_aps(cls, score, tp, positives) -> np.ndarray:
        """AP50 per class; NaN for a class with neither ground truth nor detections (not in the mean)."""
        # each class's detections by score, ties in the order given (a stable sort), in one pass
        order = group_order(cls, score, n_cls)
        bounds = np.r_[0, np.cumsum(np.bincount(cls, minlength=n_cls))]
        present = (positives > 0) | (np.diff(bounds) > 0)
        return np.array([_ap(tp[order[bounds[k]:bounds[k + 1]]], positives[k]) if present[k] else np.nan
                         for k in range(n_cls)])

    base = class_aps(p_cls[points], p_score[points], correct[points], gt_pos)
    base_map = float(np.nanmean(base)) if np.any(~np.isnan(base)) else 0.0
    main, per_class = {}, {c: {} for c in CLASSES}
    for name in ERROR_TYPES:
        positives = gt_pos.copy()
        if name == "Miss":
            positives -= np.bincount(gt.cls[missed], minlength=n_cls)
            err_keep = negatives & points
            err_cls, err_tp = p_cls, np.zeros(n, dtype=bool)
        else:
            code = _KINDS.index(name)
            this = kind == code
            # a fixed data set is, as tidecv builds it, every error's point (fixed, or as it was) in
            # error order, then the true positives: among equal scores that order decides the AP
            err_keep = negatives & ((~this & points) | (this & best))
            err_cls = np.where(this & (kind == 0), gt.cls[np.maximum(target, 0)], p_cls)
            err_tp = this & best
        cls = np.concatenate([err_cls[err_keep], p_cls[correct]])
        score = np.concatenate([p_score[err_keep], p_score[correct]])
        tp = np.concatenate([err_tp[err_keep], np.ones(int(correct.sum()), dtype=bool)])
        fixed = class_aps(cls, score, tp, positives)
        fixed_map = float(np.nanmean(fixed)) if np.any(~np.isnan(fixed)) else 0.0
        main[name] = max(fixed_map - base_map, 0.0)  # tidecv floors a negative change (binning) at 0
        for k, c in enumerate(CLASSES):
            gain = fixed[k] - base[k] if not (np.isnan(fixed[k]) or np.isnan(base[k])) else 0.0
            per_class[c][name] = max(float(gain), 0.0)
    counts = {name: int(np.count_nonzero(kind == _KINDS.index(name))) for name in _KINDS}
    counts["Miss"] = len(missed)
    frame_counts = {name: np.bincount(slot_frame[kind == _KINDS.index(name)], minlength=len(gt.names))
                    for name in _KINDS}
    frame_counts["Miss"] = np.bincount(gt.frame[missed], minlength=len(gt.names))
    worst = {name: [(gt.names[f], int(c[f])) for f in np.lexsort((np.arange(len(c)), -c)) if c[f] > 0]
             for name, c in frame_counts.items()}
    return ErrorBreakdown(base_map, main, {c: float(base[k]) for k, c in enumerate(CLASSES)}, per_class,
                          {name: counts[name] for name in ERROR_TYPES}, worst)
