"""Resampled COCO accumulation: per-class AP and AR for many image weightings at once (the
bootstrap behind `bddet compare`'s intervals).

A bootstrap resample draws images with replacement; an image drawn w times counts w times.
Duplicated images put w copies of each of their detections next to each other in the score
order (same score), so the accumulation is a weighted cumulative sum: each detection adds w to
the true or false positives, each non-ignored ground truth w to the positives. The matching
itself (metrics.match_labels) is done once; only this part repeats.
"""
from __future__ import annotations

import numpy as np

from ..data.categories import CLASSES
from . import _coco_kernels
from .coco_match import AREA_LABELS, IOU_THRESHOLDS, RECALL_THRESHOLDS, c_array, threads
from .metrics import METRIC_SPECS


def class_scores(matching, metric: str, weights: np.ndarray) -> np.ndarray:
    """``metric`` per resample and class, (B, K) in percent, NaN where the class has no ground truth.

    ``weights`` is (B, images): how often each image is drawn in each resample (whole counts).
    """
    kind, iou, area, max_det = METRIC_SPECS[metric]
    thr = None if iou is None else int(np.flatnonzero(np.isclose(IOU_THRESHOLDS, iou))[0])
    a = AREA_LABELS.index(area)
    n_cls, n_thr = len(CLASSES), len(IOU_THRESHOLDS)
    m = matching
    order_parts, starts = [], [0]
    for k in range(n_cls):
        sel = np.flatnonzero((m.d_cls == k) & (m.d_rank < max_det))
        sel = sel[np.argsort(-m.d_score[sel], kind="mergesort")]  # as accumulate's order
        order_parts.append(sel)
        starts.append(starts[-1] + len(sel))
    order = np.concatenate(order_parts) if order_parts else np.zeros(0, dtype=np.int64)
    det_tp = m.dt_matched[a][order]  # (n, T), a detection's thresholds together
    det_ig = m.dt_ignored[a][order]
    keep = ~m.gt_ignored[a]
    gt_count = np.bincount(m.g_cls[keep] * m.n_images + m.g_img[keep],
                           minlength=n_cls * m.n_images).astype(np.int64).reshape(n_cls, m.n_images)
    counts = np.asarray(weights).astype(np.int32)
    if not np.array_equal(counts, weights) or (counts < 0).any():
        raise ValueError("resample weights are draw counts: whole numbers, 0 or more")
    B = counts.shape[0]
    ap = np.empty((B, n_cls, n_thr))
    rec = np.empty((B, n_cls, n_thr))
    # per resample, class and threshold: mean interpolated precision and final recall, each
    # detection adding its image's weight (_coco_kernels.c); NaN where a class has no ground truth
    _coco_kernels.weighted_accumulate(c_array(counts, np.int32), np.asarray(starts, dtype=np.int64),
                                      c_array(m.d_img[order], np.int64), c_array(det_tp, bool), c_array(det_ig, bool),
                                      gt_count, RECALL_THRESHOLDS, ap, rec, B, m.n_images, n_cls, n_thr, threads())
    # with no detections at all this is 0 where there is ground truth: scalabel's empty result
    values = ap if kind == "precision" else rec
    per_thr = values if thr is None else values[:, :, thr:thr + 1]
    with np.errstate(invalid="ignore"):
        return per_thr.mean(axis=2) * 100


def overall(scores: np.ndarray) -> np.ndarray:
    """OVERALL from per-class scores (B, K): the mean over classes that have ground truth."""
    valid = ~np.isnan(scores)
    counts = valid.sum(axis=1)
    total = np.where(valid, scores, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, total / np.maximum(counts, 1), np.nan)


def resample_weights(n_images: int, n_resamples: int, seed: int, subset: np.ndarray | None = None) -> np.ndarray:
    """(B, images) draw counts: each resample draws len(subset) images with replacement from ``subset``."""
    rng = np.random.default_rng(seed)
    pool = np.arange(n_images) if subset is None else np.asarray(subset)
    weights = np.zeros((n_resamples, n_images), dtype=np.int32)
    for b in range(n_resamples):
        weights[b] = np.bincount(pool[rng.integers(0, len(pool), len(pool))], minlength=n_images)
    return weights


__all__ = ["class_scores", "overall", "resample_weights"]
