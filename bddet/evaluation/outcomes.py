"""What happened to each box: true positive, false positive or ignored, missed ground truth, and
the class confusion matrix, at IoU 0.5 with the evaluator's IoU (coco_match.box_iou).

The drawings of `bddet vis --errors` colour boxes by these outcomes; the HTML report shows the
confusion matrix. Neither is an official metric: the official numbers come from metrics.py.
"""
from __future__ import annotations

import numpy as np

from ..data.categories import CLASSES
from .coco_match import iou_matrix

CONFUSION_SCORE = 0.3   # detections drawn by `bddet vis` by default; the confusion matrix counts these
CONFUSION_IOU = 0.5


def match_outcomes(det_box, det_cls, det_score, gt_box, gt_cls, gt_ignore, iou_thr: float = 0.5):
    """Per detection 'tp' | 'fp' | 'ignored', and per ground truth whether it was missed.

    Greedy by score within each class; a detection takes the best unmatched non-ignored box
    with IoU >= ``iou_thr``, else falls on an ignore region (ignored), else is a false positive.
    """
    outcome = np.array(["fp"] * len(det_cls), dtype=object)
    missed = ~gt_ignore.copy()
    for k in np.union1d(det_cls, gt_cls):
        d_idx = np.flatnonzero(det_cls == k)
        g_idx = np.flatnonzero(gt_cls == k)
        d_idx = d_idx[np.argsort(-det_score[d_idx], kind="mergesort")]
        ious = iou_matrix(det_box[d_idx], gt_box[g_idx], gt_ignore[g_idx])
        taken = np.zeros(len(g_idx), dtype=bool)
        for row, d in enumerate(d_idx):
            cand = (ious[row] >= iou_thr) & ~taken & ~gt_ignore[g_idx]
            if cand.any():
                j = int(np.argmax(np.where(cand, ious[row], -1)))
                taken[j] = True
                missed[g_idx[j]] = False
                outcome[d] = "tp"
            elif ((ious[row] >= iou_thr) & gt_ignore[g_idx]).any():
                outcome[d] = "ignored"
    return outcome, missed


def confusion_matrix(gt, pred, score_thr: float = CONFUSION_SCORE, iou_thr: float = CONFUSION_IOU) -> np.ndarray:
    """Counts of (true class, predicted class) at IoU >= ``iou_thr``, detections scoring >= ``score_thr``.

    Row K is background (a detection on nothing: a false positive), column K is background (an
    object no detection took: missed). Each image: detections in score order take the untaken
    object of any class with the highest IoU; crowd and ignored objects take no part.
    """
    k_bg = len(CLASSES)
    out = np.zeros((k_bg + 1, k_bg + 1), dtype=np.int64)
    gb, pb = gt.frame_bounds(), pred.frame_bounds()
    for fi, name in enumerate(gt.names):
        g = np.arange(gb[fi], gb[fi + 1])
        g = g[~gt.ignore[g]]
        pf = pred.frame_index.get(name)
        p = np.arange(pb[pf], pb[pf + 1]) if pf is not None else np.zeros(0, dtype=int)
        p = p[pred.score[p] >= score_thr]
        p = p[np.argsort(-pred.score[p], kind="stable")]
        ious = iou_matrix(pred.box[p], gt.box[g], np.zeros(len(g), dtype=bool))
        taken = np.zeros(len(g), dtype=bool)
        for i in range(len(p)):
            cand = np.where(taken, -1.0, ious[i]) if len(g) else np.zeros(0)
            j = int(np.argmax(cand)) if len(g) else -1
            if j >= 0 and cand[j] >= iou_thr:
                taken[j] = True
                out[gt.cls[g[j]], pred.cls[p[i]]] += 1
            else:
                out[k_bg, pred.cls[p[i]]] += 1
        np.add.at(out, (gt.cls[g[~taken]], k_bg), 1)
    return out
