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
the per-image work is NumPy, not tidecv's per-annotation Python.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit

from .coco_match import box_iou, coco_xywh
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


def _ap(scores: np.ndarray, positives: np.ndarray, n_gt: float) -> float:
    """tidecv's AP: precision without epsilon, the max to the right, 101 recall points."""
    if n_gt <= 0:
        return 0.0
    order = np.argsort(-scores, kind="stable")
    tp = np.cumsum(positives[order])
    fp = np.cumsum(~positives[order])
    precision = tp / np.maximum(tp + fp, 1)
    recall = tp / n_gt
    n = len(precision)
    if n == 0:
        return 0.0
    precision = np.maximum.accumulate(precision[::-1])[::-1]
    idx = np.searchsorted(recall, np.arange(101) / 100, side="left")
    return float(np.where(idx < n, precision[np.minimum(idx, n - 1)], 0.0).sum() / 101 * 100)


_KINDS = ("Cls", "Loc", "Both", "Dupe", "Bkg")   # codes 0..4 of the kernel's kind array


@njit(cache=True, error_model="numpy")
def _iou(a, i, b, j, crowd):  # pragma: no cover - compiled
    """box_iou of row i of ``a`` (detections) and row j of ``b`` (ground truth), [x, y, w, h] rows."""
    return box_iou(a[i, 0], a[i, 1], a[i, 2], a[i, 3], b[j, 0], b[j, 1], b[j, 2], b[j, 3], crowd)


@njit(cache=True, error_model="numpy")
def _classify(p_off, p_ord, p_xywh, p_cls, g_bounds, g_xywh, g_cls, g_ignore, pos, bg,
              state, kind, target, gt_used):  # pragma: no cover - compiled
    """Per image: tidecv's greedy matching, ignore regions and error bins, for every prediction.

    Predictions of image f are p_ord[p_off[f]:p_off[f+1]] (score order, at most 100). Writes, per
    such slot: state 1 true positive, 0 false positive, 2 ignored; kind 0..4 (_KINDS) or -1; the
    target ground truth of a Cls or Loc error (-1 if none); and gt_used per ground truth.
    """
    for f in range(len(p_off) - 1):
        lo, hi = p_off[f], p_off[f + 1]
        n = hi - lo
        real = np.empty(g_bounds[f + 1] - g_bounds[f], dtype=np.int64)
        ign = np.empty(g_bounds[f + 1] - g_bounds[f], dtype=np.int64)
        nr = 0
        ni = 0
        for g in range(g_bounds[f], g_bounds[f + 1]):
            if g_ignore[g]:
                ign[ni] = g
                ni += 1
            else:
                real[nr] = g
                nr += 1
        ious = np.zeros((n, nr))
        for i in range(n):
            for j in range(nr):
                ious[i, j] = _iou(p_xywh, p_ord[lo + i], g_xywh, real[j], False)
        buffer = np.zeros((n, nr))
        for i in range(n):
            for j in range(nr):
                if p_cls[p_ord[lo + i]] == g_cls[real[j]]:
                    buffer[i, j] = ious[i, j]
        cls_iou = buffer.copy()
        used = np.zeros(nr, dtype=np.bool_)
        for i in range(n):
            state[lo + i] = 0
            kind[lo + i] = -1
            target[lo + i] = -1
            if nr == 0:
                continue
            best = 0
            for j in range(1, nr):  # np.argmax: the first of equal maxima
                if buffer[i, j] > buffer[i, best]:
                    best = j
            if buffer[i, best] >= pos:
                state[lo + i] = 1
                used[best] = True
                for r in range(n):
                    buffer[r, best] = 0.0
        for i in range(n):  # ignore regions: crowd IoU > pos with a region of the same class
            if state[lo + i] != 0:
                continue
            for q in range(ni):
                if g_cls[ign[q]] == p_cls[p_ord[lo + i]] and \
                        _iou(p_xywh, p_ord[lo + i], g_xywh, ign[q], True) > pos:
                    state[lo + i] = 2
                    break
        for j in range(nr):
            gt_used[real[j]] = used[j]
        for i in range(n):
            if state[lo + i] == 1:
                continue
            if nr == 0:
                kind[lo + i] = 4
                continue
            a = 0
            for j in range(1, nr):
                if cls_iou[i, j] > cls_iou[i, a]:
                    a = j
            if bg <= cls_iou[i, a] <= pos:
                kind[lo + i] = 1
                target[lo + i] = real[a]
                continue
            a = -1
            for j in range(nr):
                v = 0.0 if p_cls[p_ord[lo + i]] == g_cls[real[j]] else ious[i, j]
                if a < 0 or v > (0.0 if p_cls[p_ord[lo + i]] == g_cls[real[a]] else ious[i, a]):
                    a = j
            if (0.0 if p_cls[p_ord[lo + i]] == g_cls[real[a]] else ious[i, a]) >= pos:
                kind[lo + i] = 0
                target[lo + i] = real[a]
                continue
            dupe = 0.0
            top = 0.0
            for j in range(nr):
                if used[j] and cls_iou[i, j] > dupe:
                    dupe = cls_iou[i, j]
                if ious[i, j] > top:
                    top = ious[i, j]
            if dupe >= pos:
                kind[lo + i] = 3
            elif top <= bg:
                kind[lo + i] = 4
            else:
                kind[lo + i] = 2


def error_breakdown(gt, pred) -> ErrorBreakdown:
    """The TIDE breakdown of ``pred`` (DetLabels with scores) against ``gt`` (DetLabels)."""
    n_cls = len(CLASSES)
    gt_bounds = np.asarray(gt.frame_bounds(), dtype=np.int64)
    pred_bounds = pred.frame_bounds()
    # each ground-truth frame's predictions, highest score first, at most MAX_DETS
    parts, offsets = [], [0]
    for name in gt.names:
        pf = pred.frame_index.get(name)
        idx = np.arange(pred_bounds[pf], pred_bounds[pf + 1]) if pf is not None else np.zeros(0, dtype=np.int64)
        idx = idx[np.argsort(-pred.score[idx], kind="stable")][:MAX_DETS]
        parts.append(idx)
        offsets.append(offsets[-1] + len(idx))
    p_ord = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
    p_off = np.asarray(offsets, dtype=np.int64)
    n = len(p_ord)
    state = np.zeros(n, dtype=np.int8)
    kind = np.full(n, -1, dtype=np.int8)
    target = np.full(n, -1, dtype=np.int64)
    gt_used = np.zeros(len(gt), dtype=np.bool_)
    _classify(p_off, p_ord, np.ascontiguousarray(coco_xywh(pred.box)), pred.cls, gt_bounds,
              np.ascontiguousarray(coco_xywh(gt.box)), gt.cls, gt.ignore, POS_THRESHOLD, BG_THRESHOLD,
              state, kind, target, gt_used)
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
        present = (positives > 0) | (np.bincount(cls, minlength=n_cls) > 0)
        return np.array([_ap(score[cls == k], tp[cls == k], positives[k]) if present[k] else np.nan
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
