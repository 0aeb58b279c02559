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


# error_model="numpy": a zero union (boxes of zero or negative extent, which the official
# evaluator scores) divides to inf/nan as in maskApi.c, where Python's model would raise.
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
            ga = gw * gh
            for i in range(nd):
                dx, dy, dw, dh = dt_xywh[ds + i, 0], dt_xywh[ds + i, 1], dt_xywh[ds + i, 2], dt_xywh[ds + i, 3]
                da = dw * dh
                w = min(dw + dx, gw + gx) - max(dx, gx)
                if w <= 0:
                    continue
                h = min(dh + dy, gh + gy) - max(dy, gy)
                if h <= 0:
                    continue
                inter = w * h
                union = da if gt_crowd[gs + j] else da + ga - inter
                ious[i, j] = inter / union
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


def accumulate(n_classes, gt_cls, gt_ignored, dt_cls, dt_rank, dt_score, dt_matched, dt_ignored):
    """pycocotools COCOeval.accumulate: precision (T,R,K,A,M) and recall (T,K,A,M), -1 where undefined.

    Dets must be in image order, then by rank within their (image, class) group.
    """
    T, R, A, M = len(IOU_THRESHOLDS), len(RECALL_THRESHOLDS), len(AREA_RANGES), len(MAX_DETS)
    precision = -np.ones((T, R, n_classes, A, M))
    recall = -np.ones((T, n_classes, A, M))
    eps = np.spacing(1)
    for k in range(n_classes):
        gt_k = gt_cls == k
        dt_k = dt_cls == k
        for m_i, max_det in enumerate(MAX_DETS):
            sel = np.flatnonzero(dt_k & (dt_rank < max_det))
            order = np.argsort(-dt_score[sel], kind="mergesort")
            picked = sel[order]
            for a in range(A):
                npig = int(np.count_nonzero(~gt_ignored[a][gt_k]))
                if npig == 0:
                    continue
                dtm = dt_matched[a][:, picked]
                dtig = dt_ignored[a][:, picked]
                tp_sum = np.cumsum(dtm & ~dtig, axis=1).astype(dtype=float)
                fp_sum = np.cumsum(~dtm & ~dtig, axis=1).astype(dtype=float)
                nd = len(picked)
                for t in range(T):
                    tp = tp_sum[t]
                    fp = fp_sum[t]
                    rc = tp / npig
                    pr = tp / (fp + tp + eps)
                    recall[t, k, a, m_i] = rc[-1] if nd else 0
                    q = np.zeros(R)
                    if nd:
                        pr = np.maximum.accumulate(pr[::-1])[::-1]
                        inds = np.searchsorted(rc, RECALL_THRESHOLDS, side="left")
                        ok = inds < nd
                        q[ok] = pr[inds[ok]]
                    precision[t, :, k, a, m_i] = q
    return precision, recall
