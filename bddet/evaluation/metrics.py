"""The official BDD100K detection metrics, bit for bit: COCO matching per image, accumulation,
and scalabel's summary of every metric per class and OVERALL.

Reproduces what ``python -m bdd100k.eval.run -t det`` (bdd100k 1.0.1 / scalabel 0.3.1 /
pycocotools) computes once its files are read: the same frame matching (ground-truth frames
sorted by name, predictions for unknown frames dropped, frames without predictions counted as
misses), the same ignore regions, the same empty-prediction shortcut, and identical numbers
(coco_match.py keeps pycocotools' floating-point order).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..data.categories import CLASSES, FRAME_CONDITIONS
from ..errors import OptionsError

if TYPE_CHECKING:  # annotations only: NumPy loads inside the functions, keeping `import bddet` light
    import numpy as np

    from ..data.det_labels import DetLabels

METRICS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl")
OVERALL = "OVERALL"
# The columns of the per-class tables (terminal, report, training log): AR1/AR10 and the AR by
# size are in every result, but seven columns fit a terminal.
TABLE_METRICS = ("AP", "AP50", "AP75", "APs", "APm", "APl", "AR100")
# metric -> (array, IoU threshold or None for all, area range, max detections), as scalabel's COCOevalV2.
METRIC_SPECS = {
    "AP": ("precision", None, "all", 100), "AP50": ("precision", 0.5, "all", 100),
    "AP75": ("precision", 0.75, "all", 100), "APs": ("precision", None, "small", 100),
    "APm": ("precision", None, "medium", 100), "APl": ("precision", None, "large", 100),
    "AR1": ("recall", None, "all", 1), "AR10": ("recall", None, "all", 10), "AR100": ("recall", None, "all", 100),
    "ARs": ("recall", None, "small", 100), "ARm": ("recall", None, "medium", 100),
    "ARl": ("recall", None, "large", 100),
}




def check_conditions(by) -> tuple[str, ...]:
    """The `--by` frame attributes, each once, in order; an unknown one is a usage error."""
    by = tuple(dict.fromkeys(by or ()))
    for cond in by:
        if cond not in FRAME_CONDITIONS:
            raise OptionsError(f"--by {cond}: choose from {', '.join(FRAME_CONDITIONS)}")
    return by


def check_metric(metric: str) -> str:
    """An official metric's name (AP, AP50, ... ARl); another is a usage error."""
    if metric not in METRIC_SPECS:
        raise OptionsError(f"--metric {metric}: choose from {', '.join(METRIC_SPECS)}")
    return metric


@dataclass
class DetMetrics:
    """Every metric per class and OVERALL, in percent; NaN where the official gives NaN."""

    per_class: dict[str, dict[str, float]]   # metric -> class -> value
    overall: dict[str, float]                # metric -> value
    n_frames: int = 0
    n_gt: int = 0
    n_pred: int = 0
    # pycocotools' precision array (T, R, K, A, M), -1 where undefined; None for empty predictions
    precision: "np.ndarray | None" = field(default=None, repr=False)

    def to_official(self) -> dict[str, list[dict[str, float]]]:
        """The shape of the official ``--out-file``: {metric: [{class: v, ...}, {"OVERALL": v}]}."""
        return {m: [dict(self.per_class[m]), {OVERALL: self.overall[m]}] for m in METRICS}

    def rows(self, metrics: tuple[str, ...] = TABLE_METRICS) -> list[tuple[str, list[float]]]:
        """The per-class table: (class, values of ``metrics``) for each class, then OVERALL."""
        return [(c, [self.per_class[m][c] for m in metrics]) for c in CLASSES] + \
            [(OVERALL, [self.overall[m] for m in metrics])]


def _summarise(precision: np.ndarray, recall: np.ndarray) -> tuple[dict, dict]:
    """scalabel's COCOevalV2.get_score for every metric (the same slicing, hence the same sums)."""
    import numpy as np

    from .coco_match import AREA_LABELS, IOU_THRESHOLDS, MAX_DETS

    arrays = {"precision": precision, "recall": recall}
    cat_ids = np.arange(1, len(CLASSES) + 1, dtype=np.int32)

    def score(metric: str, cat_id: int | None) -> float:
        kind, iou_thr, area, max_det = METRIC_SPECS[metric]
        aind = [i for i, lbl in enumerate(AREA_LABELS) if lbl == area]
        mind = [i for i, m in enumerate(MAX_DETS) if m == max_det]
        s = arrays[kind]
        if iou_thr is not None:
            s = s[np.where(iou_thr == IOU_THRESHOLDS)[0]]
        if kind == "precision":
            s = s[:, :, np.where(cat_id == cat_ids)[0], aind, mind] if cat_id is not None else s[:, :, :, aind, mind]
        else:
            s = s[:, np.where(cat_id == cat_ids)[0], aind, mind] if cat_id is not None else s[:, :, aind, mind]
        valid = s[s > -1]
        return float((np.mean(valid) if len(valid) else float("nan")) * 100)

    per_class = {m: {c: score(m, i + 1) for i, c in enumerate(CLASSES)} for m in METRICS}
    overall = {m: score(m, None) for m in METRICS}
    return per_class, overall


def _empty_metrics(gt_classes: np.ndarray) -> tuple[dict, dict]:
    """scalabel's DetResult.empty: 0 for classes with any ground truth, NaN otherwise."""
    present = set(gt_classes.tolist())
    per_class = {m: {c: 0.0 if i in present else float("nan") for i, c in enumerate(CLASSES)} for m in METRICS}
    overall = {m: 0.0 if present else float("nan") for m in METRICS}
    return per_class, overall


@dataclass
class Matching:
    """COCO's per-image matching of one prediction set, done once: everything accumulation needs.

    Images are the kept ground-truth frames sorted by name (the official image ids). Ground
    truth and detections are sorted by (image, class); detections by score within, cut to
    100 per (image, class). ``dt_matched``/``dt_ignored`` are (areas, dets, IoU thresholds),
    ``gt_ignored`` (areas, gts), in coco_match's AREA_RANGES and IOU_THRESHOLDS order.
    """

    n_images: int
    n_pred: int
    g_img: "np.ndarray"
    g_cls: "np.ndarray"
    g_xywh: "np.ndarray"
    g_crowd: "np.ndarray"
    gt_ignored: "np.ndarray"
    d_img: "np.ndarray"
    d_cls: "np.ndarray"
    d_rank: "np.ndarray"
    d_score: "np.ndarray"
    d_xywh: "np.ndarray"
    dt_matched: "np.ndarray"
    dt_ignored: "np.ndarray"
    image_frames: list[int]      # ground-truth frame index of each image


def match_labels(gt: DetLabels, pred: DetLabels, frames: np.ndarray | None = None) -> Matching:
    """Match predictions to ground truth as pycocotools does, on all or some ground-truth frames.

    ``frames`` lists ground-truth frame indices to keep; predictions for other frames are
    dropped, exactly as the official evaluator does for frames absent from the labels.
    """
    import numpy as np

    from .coco_match import AREA_RANGES, IOU_THRESHOLDS, MAX_DETS, coco_xywh, group_order, match_groups

    n_classes = len(CLASSES)
    keep = np.arange(len(gt.names)) if frames is None else np.asarray(frames, dtype=np.int64)
    # image ids follow the ground truth's frame names, sorted (scalabel evaluate_det)
    by_name = sorted(keep.tolist(), key=gt.names.__getitem__)
    image_of_frame = np.full(len(gt.names), -1, dtype=np.int64)
    image_of_frame[by_name] = np.arange(len(by_name))

    n_keys = len(by_name) * n_classes
    # Every box gets its (image, class) key; boxes of frames left out get the key past the last,
    # so that one counting sort (group_order) orders the kept ones and puts the others at the end.
    g_img = image_of_frame[gt.frame]
    g_kept = int(np.count_nonzero(g_img >= 0))
    g_key = np.where(g_img >= 0, g_img * n_classes + gt.cls, n_keys)
    g_order = group_order(g_key, np.zeros(len(g_key)), n_keys + 1)[:g_kept]  # stable: file order within
    g_key, g_cls, g_crowd, g_xywh = g_key[g_order], gt.cls[g_order], gt.ignore[g_order], coco_xywh(gt.box[g_order])

    gt_frame_of_pred = np.array([gt.frame_index.get(n, -1) for n in pred.names], dtype=np.int64)
    p_gtframe = gt_frame_of_pred[pred.frame] if len(pred) else np.zeros(0, dtype=np.int64)
    p_img = np.where(p_gtframe >= 0, image_of_frame[np.maximum(p_gtframe, 0)], -1)
    n_pred = int(np.count_nonzero(p_img >= 0))  # predictions for frames the labels have
    d_key = np.where(p_img >= 0, p_img * n_classes + pred.cls, n_keys)
    # by group, then score, highest first, ties in label order: np.lexsort((-score, key))
    d_order = group_order(d_key, pred.score if len(pred) else np.zeros(0), n_keys + 1)[:n_pred]
    d_key = d_key[d_order]
    d_count = np.bincount(d_key, minlength=n_keys)
    d_rank = np.arange(len(d_key)) - np.repeat(np.cumsum(d_count) - d_count, d_count)
    top = d_rank < MAX_DETS[-1]  # COCOeval keeps maxDets[-1] per (image, class)
    if not top.all():
        d_order, d_key, d_rank = d_order[top], d_key[top], d_rank[top]
        d_count = np.minimum(d_count, MAX_DETS[-1])
    d_cls, d_score = pred.cls[d_order], pred.score[d_order] if len(pred) else np.zeros(0)
    d_xywh = coco_xywh(pred.box[d_order])

    # the (image, class) groups with a box on either side, and where each starts on both sides
    g_count = np.bincount(g_key, minlength=n_keys)
    groups = np.flatnonzero((g_count > 0) | (d_count > 0))
    gt_start = np.r_[0, np.cumsum(g_count)][np.r_[groups, n_keys]].astype(np.int64)
    dt_start = np.r_[0, np.cumsum(d_count)][np.r_[groups, n_keys]].astype(np.int64)
    A, T = len(AREA_RANGES), len(IOU_THRESHOLDS)
    dt_matched = np.zeros((A, len(d_key), T), dtype=bool)
    dt_ignored = np.zeros((A, len(d_key), T), dtype=bool)
    gt_ignored = np.zeros((A, len(g_key)), dtype=bool)
    if len(d_key):
        match_groups(gt_start, np.ascontiguousarray(g_xywh), g_crowd, dt_start, np.ascontiguousarray(d_xywh),
                     AREA_RANGES, IOU_THRESHOLDS, dt_matched, dt_ignored, gt_ignored)
    return Matching(len(by_name), n_pred, g_key // n_classes, g_cls, g_xywh, g_crowd, gt_ignored,
                    d_key // n_classes, d_cls, d_rank, d_score, d_xywh, dt_matched, dt_ignored, by_name)


def subset_matching(m: Matching, images) -> Matching:
    """The matching restricted to some of its images (indices into its images).

    COCO matches each image on its own, so a subset's matching is the whole one's, filtered;
    the relative order of images, and so every tie between equal scores, stays as it is.
    """
    import numpy as np

    keep = np.zeros(m.n_images, dtype=bool)
    keep[np.asarray(images, dtype=np.int64)] = True
    renumber = np.cumsum(keep) - 1
    g, d = keep[m.g_img], keep[m.d_img]
    return Matching(int(keep.sum()), int(d.sum()), renumber[m.g_img[g]], m.g_cls[g], m.g_xywh[g], m.g_crowd[g],
                    m.gt_ignored[:, g], renumber[m.d_img[d]], m.d_cls[d], m.d_rank[d], m.d_score[d], m.d_xywh[d],
                    m.dt_matched[:, d], m.dt_ignored[:, d],
                    [f for f, k in zip(m.image_frames, keep) if k])


def images_by_condition(gt: DetLabels, m: Matching, cond: str) -> dict[str, list[int]]:
    """The matching's images grouped by their frame's value of ``cond``, values sorted; a frame
    without the attribute is "undefined"."""
    groups: dict[str, list[int]] = {}
    for image, frame in enumerate(m.image_frames):
        groups.setdefault(str(gt.attributes[frame].get(cond, "undefined")), []).append(image)
    return dict(sorted(groups.items()))


def metrics_by_condition(gt: DetLabels, m: Matching, cond: str) -> dict[str, DetMetrics]:
    """The metrics on each group of frames sharing a value of ``cond`` (weather, scene, timeofday)."""
    groups = images_by_condition(gt, m, cond)
    return dict(zip(groups, metrics_of_groups(m, list(groups.values()))))


def metrics_of_groups(m: Matching, groups: list) -> list[DetMetrics]:
    """``metrics_of(subset_matching(m, images))`` for each list of images in ``groups`` (which
    do not overlap), in one accumulation: each (group, class) is accumulated as a class of its
    own, with the detections in the same relative order as in the subset, so the arrays and
    every number are the same, without copying the matching per group."""
    import numpy as np

    from .coco_match import accumulate

    n_cls, n_groups = len(CLASSES), len(groups)
    group_of = np.full(m.n_images, -1, dtype=np.int64)
    for g, images in enumerate(groups):
        group_of[np.asarray(images, dtype=np.int64)] = g
    g_group, d_group = group_of[m.g_img], group_of[m.d_img]
    gk, dk = g_group >= 0, d_group >= 0
    n_gt = np.bincount(g_group[gk], minlength=n_groups)
    n_det = np.bincount(d_group[dk], minlength=n_groups)
    if n_det.any():
        def kept(a, mask, axis=0):  # no copy when every image is in a group (a partition)
            return a if mask.all() else np.compress(mask, a, axis=axis)

        precision, recall = accumulate(n_groups * n_cls, kept(g_group * n_cls + m.g_cls, gk), kept(m.gt_ignored, gk, 1),
                                       kept(d_group * n_cls + m.d_cls, dk), kept(m.d_rank, dk), kept(m.d_score, dk),
                                       kept(m.dt_matched, dk, 1), kept(m.dt_ignored, dk, 1))
    out = []
    for g, images in enumerate(groups):
        if n_det[g] == 0:
            per_class, overall = _empty_metrics(m.g_cls[g_group == g])
            out.append(DetMetrics(per_class, overall, len(images), int(n_gt[g]), 0))
            continue
        p = np.ascontiguousarray(precision[:, :, g * n_cls:(g + 1) * n_cls])
        r = np.ascontiguousarray(recall[:, g * n_cls:(g + 1) * n_cls])
        per_class, overall = _summarise(p, r)
        out.append(DetMetrics(per_class, overall, len(images), int(n_gt[g]), int(n_det[g]), precision=p))
    return out


def metrics_of(m: Matching) -> DetMetrics:
    """The official metrics of a matching (pycocotools' accumulate and scalabel's summary)."""
    from .coco_match import accumulate

    if m.n_pred == 0:
        per_class, overall = _empty_metrics(m.g_cls)
        return DetMetrics(per_class, overall, m.n_images, len(m.g_cls), 0)
    precision, recall = accumulate(len(CLASSES), m.g_cls, m.gt_ignored, m.d_cls, m.d_rank, m.d_score,
                                   m.dt_matched, m.dt_ignored)
    per_class, overall = _summarise(precision, recall)
    return DetMetrics(per_class, overall, m.n_images, len(m.g_cls), m.n_pred, precision=precision)


def evaluate_labels(gt: DetLabels, pred: DetLabels, frames: np.ndarray | None = None) -> DetMetrics:
    """Evaluate predictions against ground truth, optionally on a subset of ground-truth frames.

    ``frames`` lists ground-truth frame indices to keep; predictions for other frames are
    dropped, exactly as the official evaluator does for frames absent from the labels.
    """
    return metrics_of(match_labels(gt, pred, frames))


def write_official_json(metrics: DetMetrics, path: str | os.PathLike[str]) -> None:
    """Write the official ``--out-file`` JSON (NaN as bare NaN, as json.dump does), atomically."""
    import json

    from ..atomic_write import atomic_write_text

    atomic_write_text(path, json.dumps(metrics.to_official(), indent=2))
