"""What happened to each box: true positive, false positive or ignored, missed ground truth, and
the class confusion matrix, at IoU 0.5 with the evaluator's IoU (coco_match.box_iou).

The drawings of `bddet vis --errors` colour boxes by these outcomes; the HTML report shows the
confusion matrix. Neither is an official metric: the official numbers come from metrics.py.
"""
from __future__ import annotations

import numpy as np

from ..data.categories import CLASSES
from . import _coco_kernels
from .coco_match import c_array, coco_xywh, frame_order, iou_matrix

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
    n_cls = len(CLASSES)
    out = np.zeros((n_cls + 1, n_cls + 1), dtype=np.int64)
    p_off, p_ord = frame_order(gt, pred, min_score=score_thr)
    real = ~gt.ignore
    g_bounds = np.r_[0, np.cumsum(np.bincount(gt.frame[real], minlength=len(gt.names)))].astype(np.int64)
    # the greedy per frame is C (_coco_kernels.confusion): a Python loop per detection took seconds
    _coco_kernels.confusion(p_off, p_ord, c_array(coco_xywh(pred.box), np.float64), c_array(pred.cls, np.int64),
                            g_bounds, c_array(coco_xywh(gt.box[real]), np.float64), c_array(gt.cls[real], np.int64),
                            float(iou_thr), n_cls, out)
    return out
