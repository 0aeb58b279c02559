"""COCO-style box matching and accumulation, bit for bit as pycocotools 2.0 does it.

The official BDD100K evaluator runs pycocotools' COCOeval: a Python loop per image, class,
area range, IoU threshold and detection. Here the same greedy matching and accumulation are C
(_coco_kernels.c), spread over the cores: every floating-point operation in pycocotools' order
(IoU as maskApi.c's ``bbIou``, precision as ``tp / (fp + tp + eps)``), no fused multiply-add, so
the numbers are identical, not merely close. The same C file holds the bootstrap's and TIDE's
loops and the one IoU all of them use.
"""
from __future__ import annotations

import os

import numpy as np

from . import _coco_kernels

# pycocotools Params for bbox evaluation.
IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
RECALL_THRESHOLDS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
AREA_RANGES = np.array([[0, 1e5 ** 2], [0, 32 ** 2], [32 ** 2, 96 ** 2], [96 ** 2, 1e5 ** 2]], dtype=np.float64)
AREA_LABELS = ("all", "small", "medium", "large")
MAX_DETS = (1, 10, 100)

_threads: int | None = None


def set_threads(n: int | None) -> None:
    """Threads for the compiled loops (`bddet eval --nproc`); None: the cores this process may use."""
    global _threads
    _threads = n


def threads() -> int:
    """The threads the compiled loops use: set_threads', else every core this process may run on."""
    if _threads:
        return max(1, int(_threads))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def c_array(a, dtype) -> np.ndarray:
    """``a`` as the C-contiguous array of ``dtype`` a kernel reads (bool as uint8, no copy when it is one)."""
    a = np.ascontiguousarray(a)
    if dtype is bool:
        return a.view(np.uint8) if a.dtype == np.bool_ else a.astype(np.uint8)
    return a if a.dtype == dtype else a.astype(dtype)


def coco_xywh(box: np.ndarray) -> np.ndarray:
    """Scalabel's inclusive [x1, y1, x2, y2] as COCO [x, y, w, h]: w = x2 - x1 + 1, in the order
    of scalabel's converter (box2d_to_bbox), so the floats are the official ones."""
    out = np.empty(box.shape, dtype=np.float64)
    out[:, :2] = box[:, :2]
    np.subtract(box[:, 2:], box[:, :2], out=out[:, 2:])
    out[:, 2:] += 1  # (x2 - x1) + 1, as box2d_to_bbox computes it
    return out


def iou_matrix(dets: np.ndarray, gts: np.ndarray, crowd: np.ndarray) -> np.ndarray:
    """(detections, ground truths) IoU of Scalabel [x1, y1, x2, y2] boxes, as the evaluator computes it."""
    out = np.zeros((len(dets), len(gts)))
    if len(dets) and len(gts):
        _coco_kernels.iou_matrix(c_array(coco_xywh(np.asarray(dets, dtype=np.float64)), np.float64),
                                 c_array(coco_xywh(np.asarray(gts, dtype=np.float64)), np.float64),
                                 c_array(crowd, bool), out)
    return out


def group_order(keys: np.ndarray, scores: np.ndarray, n_keys: int) -> np.ndarray:
    """The order of detections by (image, class) group, then score, highest first, ties in file
    order: ``np.lexsort((-scores, keys))``, as COCOeval's per-image mergesort orders them."""
    order = np.empty(len(keys), dtype=np.int64)
    _coco_kernels.group_order(c_array(keys, np.int64), c_array(scores, np.float64), int(n_keys), order)
    return order


def frame_order(gt, pred, min_score: float | None = None, max_per_frame: int | None = None):
    """Each ground-truth frame's predictions, highest score first, ties in file order (a stable
    sort): ``(offsets, order)``, frame f's being ``order[offsets[f]:offsets[f + 1]]``, frames in
    ``gt``'s order. Predictions of frames the labels lack are left out, as are those scoring
    below ``min_score``; each frame keeps at most ``max_per_frame``."""
    fi = np.array([gt.frame_index.get(n, -1) for n in pred.names], dtype=np.int64)
    p_frame = fi[pred.frame] if len(pred) else np.zeros(0, dtype=np.int64)
    n_frames = len(gt.names)
    key = np.where(p_frame >= 0, p_frame, n_frames)
    if min_score is not None and len(pred):
        key = np.where(pred.score >= min_score, key, n_frames)
    kept = int(np.count_nonzero(key < n_frames))
    order = group_order(key, pred.score if len(pred) else np.zeros(0), n_frames + 1)[:kept]
    counts = np.bincount(key[order], minlength=n_frames)
    if max_per_frame is not None and (counts > max_per_frame).any():
        rank = np.arange(kept) - np.repeat(np.cumsum(counts) - counts, counts)
        order = order[rank < max_per_frame]
        counts = np.minimum(counts, max_per_frame)
    return np.r_[0, np.cumsum(counts)].astype(np.int64), order


def match_groups(gt_start, gt_xywh, gt_crowd, dt_start, dt_xywh, area_ranges, iou_thresholds,
                 dt_matched, dt_ignored, gt_ignored) -> None:
    """Greedy matching per (image, class) group, for every area range and IoU threshold.

    Groups are contiguous slices: gts in file order, dets sorted by score (stable) and cut
    to maxDets[-1]. Writes dt_matched/dt_ignored (A, n_dt, T) and gt_ignored (A, n_gt), bool.
    """
    for out in (dt_matched, dt_ignored, gt_ignored):
        if out.dtype != np.bool_ or not out.flags.c_contiguous:
            raise ValueError("match_groups writes C-contiguous bool arrays")
    _coco_kernels.match_groups(c_array(gt_start, np.int64), c_array(gt_xywh, np.float64), c_array(gt_crowd, bool),
                               c_array(dt_start, np.int64), c_array(dt_xywh, np.float64),
                               c_array(area_ranges, np.float64), c_array(iou_thresholds, np.float64),
                               dt_matched.view(np.uint8), dt_ignored.view(np.uint8), gt_ignored.view(np.uint8),
                               threads())


def accumulate(n_classes, gt_cls, gt_ignored, dt_cls, dt_rank, dt_score, dt_matched, dt_ignored):
    """pycocotools COCOeval.accumulate: precision (T,R,K,A,M) and recall (T,K,A,M), -1 where undefined.

    Dets must be in image order, then by rank within their (image, class) group. The per-class
    orders are numpy's (a stable sort by score, as COCOeval's mergesort); the loop runs in C,
    with every float operation in pycocotools' order, so the arrays are identical.
    """
    T, R, A, M = len(IOU_THRESHOLDS), len(RECALL_THRESHOLDS), len(AREA_RANGES), len(MAX_DETS)
    precision = -np.ones((T, R, n_classes, A, M))
    recall = -np.ones((T, n_classes, A, M))
    parts, offsets = [], np.zeros((n_classes, M + 1), dtype=np.int64)
    total = 0
    # each class's detections by score, ties in image order (a stable sort, as COCOeval's
    # mergesort); the max-dets subsets keep that order, as sorting each subset would give it
    by_class = group_order(dt_cls, dt_score, n_classes)
    class_start = np.r_[0, np.cumsum(np.bincount(dt_cls, minlength=n_classes))]
    for k in range(n_classes):
        dt_k = by_class[class_start[k]:class_start[k + 1]]
        for m_i, max_det in enumerate(MAX_DETS):
            offsets[k, m_i] = total
            picked = dt_k[dt_rank[dt_k] < max_det] if max_det < MAX_DETS[-1] else dt_k
            parts.append(picked)
            total += len(picked)
        offsets[k, M] = total
    # the slice of class k, max dets m is order[offsets[k, m]:offsets[k, m + 1]] (M consecutive per class)
    order = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
    npig = np.zeros((n_classes, A), dtype=np.int64)
    for a in range(A):
        npig[:, a] = np.bincount(gt_cls[~gt_ignored[a]], minlength=n_classes)
    _coco_kernels.accumulate(order, offsets, c_array(npig, np.float64), c_array(dt_matched, bool),
                             c_array(dt_ignored, bool), RECALL_THRESHOLDS, precision, recall, n_classes, M, A, T,
                             threads())
    return precision, recall
