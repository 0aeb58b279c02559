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
from numba import njit, prange

from ..data.categories import CLASSES
from .coco_match import AREA_LABELS, IOU_THRESHOLDS, RECALL_THRESHOLDS
from .metrics import METRIC_SPECS


@njit(cache=True, parallel=True)
def _weighted_accumulate(weights, det_start, det_img, det_tp, det_ig, gt_count, recall_thresholds,
                         ap_out, rec_out):  # pragma: no cover - compiled
    """For each resample b, class k and threshold t: mean interpolated precision and final recall.

    det_* are concatenated per class (det_start offsets), each class's detections in score order;
    det_tp/det_ig are (n, T), so one pass over a class's detections serves every threshold.
    gt_count is (K, images): non-ignored ground truth per image. Writes NaN where a class has
    no (weighted) ground truth, as COCO's -1.
    """
    n_res = weights.shape[0]
    n_cls = det_start.shape[0] - 1
    n_thr = det_tp.shape[1]
    n_rec = recall_thresholds.shape[0]
    longest = 0
    for k in range(n_cls):
        longest = max(longest, det_start[k + 1] - det_start[k])
    eps = np.spacing(1)
    for b in prange(n_res):
        w = weights[b]
        rc = np.empty((longest, n_thr))
        pr = np.empty((longest, n_thr))
        tp = np.empty(n_thr)
        fp = np.empty(n_thr)
        cnt = np.empty(n_thr, dtype=np.int64)
        for k in range(n_cls):
            npig = 0.0
            for i in range(gt_count.shape[1]):
                npig += w[i] * gt_count[k, i]
            if npig == 0:
                for t in range(n_thr):
                    ap_out[b, k, t] = np.nan
                    rec_out[b, k, t] = np.nan
                continue
            tp[:] = 0.0
            fp[:] = 0.0
            cnt[:] = 0
            for d in range(det_start[k], det_start[k + 1]):
                wd = w[det_img[d]]
                if wd == 0:
                    continue
                for t in range(n_thr):
                    if det_ig[d, t]:
                        continue
                    if det_tp[d, t]:
                        tp[t] += wd
                    else:
                        fp[t] += wd
                    j = cnt[t]
                    rc[j, t] = tp[t] / npig
                    pr[j, t] = tp[t] / (fp[t] + tp[t] + eps)
                    cnt[t] = j + 1
            for t in range(n_thr):
                n = cnt[t]
                rec_out[b, k, t] = rc[n - 1, t] if n else 0.0
                for j in range(n - 2, -1, -1):  # interpolated precision: the max to the right
                    if pr[j + 1, t] > pr[j, t]:
                        pr[j, t] = pr[j + 1, t]
                total = 0.0
                j = 0
                for r in range(n_rec):
                    while j < n and rc[j, t] < recall_thresholds[r]:
                        j += 1
                    if j < n:
                        total += pr[j, t]
                ap_out[b, k, t] = total / n_rec


def class_scores(matching, metric: str, weights: np.ndarray) -> np.ndarray:
    """``metric`` per resample and class, (B, K) in percent, NaN where the class has no ground truth.

    ``weights`` is (B, images): how often each image is drawn in each resample.
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
    det_tp = np.ascontiguousarray(m.dt_matched[a][:, order].T)
    det_ig = np.ascontiguousarray(m.dt_ignored[a][:, order].T)
    gt_count = np.zeros((n_cls, m.n_images))
    keep = ~m.gt_ignored[a]
    np.add.at(gt_count, (m.g_cls[keep], m.g_img[keep]), 1.0)
    B = weights.shape[0]
    ap = np.empty((B, n_cls, n_thr))
    rec = np.empty((B, n_cls, n_thr))
    _weighted_accumulate(np.ascontiguousarray(weights, dtype=np.float64), np.asarray(starts, dtype=np.int64),
                         np.ascontiguousarray(m.d_img[order]), det_tp, det_ig, gt_count, RECALL_THRESHOLDS, ap, rec)
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
    weights = np.zeros((n_resamples, n_images), dtype=np.float64)
    for b in range(n_resamples):
        weights[b] = np.bincount(pool[rng.integers(0, len(pool), len(pool))], minlength=n_images)
    return weights


__all__ = ["class_scores", "overall", "resample_weights"]
