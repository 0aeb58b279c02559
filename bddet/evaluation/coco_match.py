"""COCO-style box matching and accumulation, bit-for-bit as pycocotools 2.0 does it.

The official BDD100K evaluator runs pycocotools' COCOeval: a Python loop per image, class,
area range, IoU threshold and detection. Here the same greedy matching is one numba kernel
over (image, class) groups, and the accumulation is vectorised per class. Every floating
point operation is kept in pycocotools' order (IoU as in maskApi.c ``bbIou``, precision as
``tp / (fp + tp + eps)``), so the numbers are identical, not merely close.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

# pycocotools Params for bbox evaluation.
IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
RECALL_THRESHOLDS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
AREA_RANGES = np.array([[0, 1e5 ** 2], [0, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e5 ** 2]], dtype=np.float64)
AREA_LABELS = ("all", "small", "medium", "large")
MAX_DETS = (1, 10, 100)


def coco_xywh(box: np.ndarray) -> np.ndarray:
    """Scalabel's inclusive [x1, y1, x2, y2] as COCO [x, y, w, h]: w = x2 - x1 + 1, in the order
    of scalabel's converter (box2d_to_bbox), so the floats are the official ones."""
    return np.stack([box[:, 0], box[:, 1], box[:, 2] - box[:, 0] + 1, box[:, 3] - box[:, 1] + 1], axis=1)


# error_model="numpy": a zero union (boxes of zero or negative extent, which the official
# evaluator scores) divides to inf/nan as in maskApi.c, where Python's model would raise.
@njit(cache=True, error_model="numpy")
def box_iou(dx, dy, dw, dh, gx, gy, gw, gh, crowd):  # pragma: no cover - compiled
    """IoU of a detection and a ground-truth box, both COCO [x, y, w, h], as maskApi.c's bbIou:
    over the detection's area alone when the ground truth is a crowd region. The one IoU of
    bddet: matching, TIDE, outcomes and the confusion matrix all call it."""
    w = min(dw + dx, gw + gx) - max(dx, gx)
    if w <= 0:
        return 0.0
    h = min(dh + dy, gh + gy) - max(dy, gy)
    if h <= 0:
        return 0.0
    inter = w * h
    da = dw * dh
    union = da if crowd else da + gw * gh - inter
    return inter / union


@njit(cache=True, error_model="numpy")
def _iou_matrix(d_xywh, g_xywh, crowd, out):  # pragma: no cover - compiled
    for i in range(d_xywh.shape[0]):
        for j in range(g_xywh.shape[0]):
            out[i, j] = box_iou(d_xywh[i, 0], d_xywh[i, 1], d_xywh[i, 2], d_xywh[i, 3],
                                g_xywh[j, 0], g_xywh[j, 1], g_xywh[j, 2], g_xywh[j, 3], crowd[j])


def iou_matrix(dets: np.ndarray, gts: np.ndarray, crowd: np.ndarray) -> np.ndarray:
    """(detections, ground truths) IoU of Scalabel [x1, y1, x2, y2] boxes, as the evaluator computes it."""
    out = np.zeros((len(dets), len(gts)))
    if len(dets) and len(gts):
        _iou_matrix(np.ascontiguousarray(coco_xywh(np.asarray(dets, dtype=np.float64))),
                    np.ascontiguousarray(coco_xywh(np.asarray(gts, dtype=np.float64))),
                    np.ascontiguousarray(crowd, dtype=np.bool_), out)
    return out


@njit(cache=True, parallel=True, error_model="numpy")
def match_groups(gt_start, gt_xywh, gt_crowd, dt_start, dt_xywh, area_ranges, iou_thresholds,
                 dt_matched, dt_ignored, gt_ignored):  # pragma: no cover - compiled
    """Greedy matching per (image, class) group, for every area range and IoU threshold.

    Groups are contiguous slices: gts in file order, dets sorted by score (stable) and cut
    to maxDets[-1]. Writes dt_matched/dt_ignored (A, T, n_dt) and gt_ignored (A, n_gt).
    """
    n_groups = len(gt_start) - 1
    n_areas = area_ranges.shape[0]
    n_thr = len(iou_thresholds)
    for g in prange(n_groups):
        gs = gt_start[g]
        ng = gt_start[g + 1] - gs
        ds = dt_start[g]
        nd = dt_start[g + 1] - ds
        ious = np.zeros((nd, ng))
        for j in range(ng):
            gx, gy, gw, gh = gt_xywh[gs + j, 0], gt_xywh[gs + j, 1], gt_xywh[gs + j, 2], gt_xywh[gs + j, 3]
            for i in range(nd):
                ious[i, j] = box_iou(dt_xywh[ds + i, 0], dt_xywh[ds + i, 1], dt_xywh[ds + i, 2], dt_xywh[ds + i, 3],
                                     gx, gy, gw, gh, gt_crowd[gs + j])
        order = np.empty(ng, dtype=np.int64)
        ig = np.empty(ng, dtype=np.bool_)
        gt_taken = np.empty(ng, dtype=np.bool_)
        for a in range(n_areas):
            lo = area_ranges[a, 0]
            hi = area_ranges[a, 1]
            # gt order: not ignored first, each part in file order (np.argsort kind='mergesort')
            k = 0
            for want in (False, True):
                for j in range(ng):
                    area = gt_xywh[gs + j, 2] * gt_xywh[gs + j, 3]
                    flag = gt_crowd[gs + j] or area < lo or area > hi
                    if flag == want:
                        order[k] = j
                        ig[k] = flag
                        k += 1
            for j in range(ng):
                gt_ignored[a, gs + order[j]] = ig[j]
            for t in range(n_thr):
                gt_taken[:] = False
                for i in range(nd):
                    best = min(iou_thresholds[t], 1 - 1e-10)
                    m = -1
                    for j in range(ng):
                        if gt_taken[j] and not gt_crowd[gs + order[j]]:
                            continue
                        if m > -1 and not ig[m] and ig[j]:
                            break
                        if ious[i, order[j]] < best:
                            continue
                        best = ious[i, order[j]]
                        m = j
                    if m == -1:
                        continue
                    dt_ignored[a, t, ds + i] = ig[m]
                    dt_matched[a, t, ds + i] = True
                    gt_taken[m] = True
                for i in range(nd):
                    if not dt_matched[a, t, ds + i]:
                        da = dt_xywh[ds + i, 2] * dt_xywh[ds + i, 3]
                        if da < lo or da > hi:
                            dt_ignored[a, t, ds + i] = True


@njit(cache=True, parallel=True)
def _accumulate_kernel(order, offsets, npig, dt_matched, dt_ignored, recall_thresholds,
                       precision, recall):  # pragma: no cover - compiled
    """pycocotools' accumulate loop for every (class, max dets) slice of ``order`` (see accumulate)."""
    n_cls, n_m = offsets.shape[0], offsets.shape[1] - 1
    n_area, n_thr = dt_matched.shape[0], dt_matched.shape[1]
    n_rec = recall_thresholds.shape[0]
    eps = np.spacing(1)
    for k in prange(n_cls):
        for m_i in range(n_m):
            lo = offsets[k, m_i]
            hi = offsets[k, m_i + 1]
            nd = hi - lo
            rc = np.empty(nd)
            pr = np.empty(nd)
            for a in range(n_area):
                if npig[k, a] == 0:
                    continue
                for t in range(n_thr):
                    tp = 0.0
                    fp = 0.0
                    for i in range(nd):
                        d = order[lo + i]
                        if not dt_ignored[a, t, d]:
                            if dt_matched[a, t, d]:
                                tp += 1.0
                            else:
                                fp += 1.0
                        rc[i] = tp / npig[k, a]
                        pr[i] = tp / (fp + tp + eps)
                    recall[t, k, a, m_i] = rc[nd - 1] if nd else 0.0
                    for i in range(nd - 2, -1, -1):  # np.maximum.accumulate from the right
                        if pr[i + 1] > pr[i]:
                            pr[i] = pr[i + 1]
                    j = 0
                    for r in range(n_rec):  # np.searchsorted(rc, thresholds, side="left")
                        while j < nd and rc[j] < recall_thresholds[r]:
                            j += 1
                        precision[t, r, k, a, m_i] = pr[j] if j < nd else 0.0


def accumulate(n_classes, gt_cls, gt_ignored, dt_cls, dt_rank, dt_score, dt_matched, dt_ignored):
    """pycocotools COCOeval.accumulate: precision (T,R,K,A,M) and recall (T,K,A,M), -1 where undefined.

    Dets must be in image order, then by rank within their (image, class) group. The per-class
    orders are numpy's (a stable sort by score, as COCOeval's mergesort); the loop runs compiled,
    with every float operation in pycocotools' order, so the arrays are identical.
    """
    T, R, A, M = len(IOU_THRESHOLDS), len(RECALL_THRESHOLDS), len(AREA_RANGES), len(MAX_DETS)
    precision = -np.ones((T, R, n_classes, A, M))
    recall = -np.ones((T, n_classes, A, M))
    parts, offsets = [], np.zeros((n_classes, M + 1), dtype=np.int64)
    total = 0
    for k in range(n_classes):
        dt_k = np.flatnonzero(dt_cls == k)
        for m_i, max_det in enumerate(MAX_DETS):
            offsets[k, m_i] = total
            sel = dt_k[dt_rank[dt_k] < max_det]
            picked = sel[np.argsort(-dt_score[sel], kind="mergesort")]
            parts.append(picked)
            total += len(picked)
        offsets[k, M] = total
    # the slice of class k, max dets m is order[offsets[k, m]:offsets[k, m + 1]] (M consecutive per class)
    order = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
    npig = np.zeros((n_classes, A), dtype=np.int64)
    for a in range(A):
        npig[:, a] = np.bincount(gt_cls[~gt_ignored[a]], minlength=n_classes)
    _accumulate_kernel(order, offsets, npig.astype(np.float64), np.ascontiguousarray(dt_matched),
                       np.ascontiguousarray(dt_ignored), RECALL_THRESHOLDS, precision, recall)
    return precision, recall
