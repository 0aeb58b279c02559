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
101-point AP follow the tidecv package (tests/test_tide.py checks the numbers against it);
the per-image work is NumPy, not tidecv's per-annotation Python.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .data.categories import CLASSES

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


def _xywh(box: np.ndarray) -> np.ndarray:
    return np.stack([box[:, 0], box[:, 1], box[:, 2] - box[:, 0] + 1, box[:, 3] - box[:, 1] + 1], axis=1)


def _iou(d: np.ndarray, g: np.ndarray, crowd: bool = False) -> np.ndarray:
    """maskApi bbIou on [x, y, w, h] boxes: (len(d), len(g)); ``crowd`` divides by the detection's area."""
    if len(d) == 0 or len(g) == 0:
        return np.zeros((len(d), len(g)))
    w = np.minimum((d[:, 0] + d[:, 2])[:, None], (g[:, 0] + g[:, 2])[None]) - np.maximum(d[:, 0][:, None], g[:, 0][None])
    h = np.minimum((d[:, 1] + d[:, 3])[:, None], (g[:, 1] + g[:, 3])[None]) - np.maximum(d[:, 1][:, None], g[:, 1][None])
    ok = (w > 0) & (h > 0)
    inter = np.where(ok, w * h, 0.0)
    da = (d[:, 2] * d[:, 3])[:, None]
    union = da if crowd else da + (g[:, 2] * g[:, 3])[None] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ok, inter / union, 0.0)


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


def error_breakdown(gt, pred) -> ErrorBreakdown:
    """The TIDE breakdown of ``pred`` (DetLabels with scores) against ``gt`` (DetLabels)."""
    gt_bounds, pred_bounds = gt.frame_bounds(), pred.frame_bounds()
    g_xywh, p_xywh = _xywh(gt.box), _xywh(pred.box)
    # AP data points: (pred index, class, score, positive); ignored predictions have none
    point_cls, point_score, point_tp, point_pred = [], [], [], []
    gt_pos = np.zeros(len(CLASSES))
    errors: list[tuple[int, str, int]] = []        # (pred index or -1, type, gt index or -1)
    best_for_gt: dict[int, tuple[float, int]] = {}  # gt -> (score, pred) of the best Cls/Loc error on it
    gt_usable = np.zeros(len(gt), dtype=bool)
    missed_candidates: list[int] = []
    error_frames: dict[str, dict[int, int]] = {t: {} for t in ERROR_TYPES}
    for fi, name in enumerate(gt.names):
        g_idx = np.arange(gt_bounds[fi], gt_bounds[fi + 1])
        real, ignore = g_idx[~gt.ignore[g_idx]], g_idx[gt.ignore[g_idx]]
        np.add.at(gt_pos, gt.cls[real], 1)
        pf = pred.frame_index.get(name)
        p_idx = np.arange(pred_bounds[pf], pred_bounds[pf + 1]) if pf is not None else np.zeros(0, dtype=int)
        if len(p_idx) == 0:
            for g in real:
                errors.append((-1, "Miss", int(g)))
                error_frames["Miss"][fi] = error_frames["Miss"].get(fi, 0) + 1
            continue
        p_idx = p_idx[np.argsort(-pred.score[p_idx], kind="stable")][:MAX_DETS]
        ious = _iou(p_xywh[p_idx], g_xywh[real])
        same = pred.cls[p_idx][:, None] == gt.cls[real][None]
        cls_iou = ious * same
        buffer = cls_iou.copy()
        used = np.zeros(len(p_idx), dtype=object)     # True, False, or None (ignored)
        used[:] = False
        gt_used = np.zeros(len(real), dtype=bool)
        matched_with = np.full(len(real), -1)
        for i in range(len(p_idx)):
            if len(real) == 0:
                break
            j = int(np.argmax(buffer[i]))
            if buffer[i, j] >= POS_THRESHOLD:
                used[i] = True
                gt_used[j] = True
                matched_with[j] = i
                buffer[:, j] = 0
        if len(ignore):
            crowd = _iou(p_xywh[p_idx], g_xywh[ignore], crowd=True)
            same_ig = pred.cls[p_idx][:, None] == gt.cls[ignore][None]
            hit = ((crowd > POS_THRESHOLD) & same_ig).any(axis=1)
            for i in np.flatnonzero(hit):
                if used[i] is False:
                    used[i] = None
        for i, p in enumerate(p_idx):
            if used[i] is not None:
                point_pred.append(int(p))
                point_cls.append(int(pred.cls[p]))
                point_score.append(float(pred.score[p]))
                point_tp.append(bool(used[i]))
        if len(real) == 0:
            for i, p in enumerate(p_idx):
                if not used[i]:
                    errors.append((int(p), "Bkg", -1))
                    error_frames["Bkg"][fi] = error_frames["Bkg"].get(fi, 0) + 1
            continue
        noncls_iou = ious * ~same
        used_cls = cls_iou * gt_used[None]
        for i, p in enumerate(p_idx):
            if used[i]:
                continue
            score = float(pred.score[p])
            j = int(np.argmax(cls_iou[i]))
            kind, target = None, -1
            if BG_THRESHOLD <= cls_iou[i, j] <= POS_THRESHOLD:
                kind, target = "Loc", j
            else:
                j = int(np.argmax(noncls_iou[i]))
                if noncls_iou[i, j] >= POS_THRESHOLD:
                    kind, target = "Cls", j
                else:
                    j = int(np.argmax(used_cls[i]))
                    if used_cls[i, j] >= POS_THRESHOLD:
                        kind = "Dupe"
                    elif ious[i].max() <= BG_THRESHOLD:
                        kind = "Bkg"
                    else:
                        kind = "Both"
            g = int(real[target]) if target >= 0 else -1
            if kind in ("Cls", "Loc") and not gt_used[target]:
                gt_usable[g] = True
                if g not in best_for_gt or best_for_gt[g][0] < score:
                    best_for_gt[g] = (score, int(p))
            errors.append((int(p), kind, g if kind in ("Cls", "Loc") and not gt_used[target] else -1))
            error_frames[kind][fi] = error_frames[kind].get(fi, 0) + 1
        missed_candidates += [int(g) for g, u in zip(real, gt_used) if not u]
    for g in missed_candidates:
        if not gt_usable[g]:
            errors.append((-1, "Miss", g))
            fi = int(gt.frame[g])
            error_frames["Miss"][fi] = error_frames["Miss"].get(fi, 0) + 1

    point_pred_arr = np.asarray(point_pred, dtype=np.int64)
    base_cls = np.asarray(point_cls, dtype=np.int64)
    base_score = np.asarray(point_score, dtype=np.float64)
    base_tp = np.asarray(point_tp, dtype=bool)

    def class_aps(cls, score, tp, positives) -> np.ndarray:
        """AP50 per class; NaN for a class with neither ground truth nor detections (not in the mean)."""
        present = (positives > 0) | (np.bincount(cls, minlength=len(CLASSES)) > 0)
        return np.array([_ap(score[cls == k], tp[cls == k], positives[k]) if present[k] else np.nan
                         for k in range(len(CLASSES))])

    base = class_aps(base_cls, base_score, base_tp, gt_pos)
    base_map = float(np.nanmean(base)) if np.any(~np.isnan(base)) else 0.0
    # A fixed data set is, as tidecv builds it, every error's point (fixed, or as it was) in error
    # order, then the true positives: among equal scores that order decides the AP.
    row_of_pred = {int(p): r for r, p in enumerate(point_pred_arr)}
    correct = np.flatnonzero(base_tp)
    main, per_class = {}, {c: {} for c in CLASSES}
    for kind in ERROR_TYPES:
        cls, score, tp = [], [], []
        positives = gt_pos.copy()
        for p, k, g in errors:
            if k == "Miss":
                if kind == "Miss":
                    positives[gt.cls[g]] -= 1
                continue
            if k == kind:
                if k in ("Cls", "Loc") and g >= 0 and best_for_gt.get(g, (0, -1))[1] == p:
                    cls.append(int(gt.cls[g]) if k == "Cls" else int(pred.cls[p]))
                    score.append(float(pred.score[p]))
                    tp.append(True)
                continue  # removed
            row = row_of_pred.get(p)
            if row is not None:  # as it was (an ignored detection has no point)
                cls.append(int(base_cls[row]))
                score.append(float(base_score[row]))
                tp.append(False)
        cls = np.concatenate([np.asarray(cls, dtype=np.int64), base_cls[correct]])
        score = np.concatenate([np.asarray(score, dtype=np.float64), base_score[correct]])
        tp = np.concatenate([np.asarray(tp, dtype=bool), base_tp[correct]])
        fixed_aps = class_aps(cls, score, tp, positives)
        fixed_map = float(np.nanmean(fixed_aps)) if np.any(~np.isnan(fixed_aps)) else 0.0
        # tidecv floors a negative change (binning) at 0
        main[kind] = max(fixed_map - base_map, 0.0)
        for k, c in enumerate(CLASSES):
            gain = fixed_aps[k] - base[k] if not (np.isnan(fixed_aps[k]) or np.isnan(base[k])) else 0.0
            per_class[c][kind] = max(float(gain), 0.0)
    counts = {kind: sum(1 for _, k, _ in errors if k == kind) for kind in ERROR_TYPES}
    worst = {kind: sorted(((gt.names[fi], n) for fi, n in frames.items()), key=lambda x: (-x[1], x[0]))
             for kind, frames in error_frames.items()}
    return ErrorBreakdown(base_map, main, {c: (float(base[k]) if not np.isnan(base[k]) else float("nan"))
                                           for k, c in enumerate(CLASSES)}, per_class, counts, worst)
