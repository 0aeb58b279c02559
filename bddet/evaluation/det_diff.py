"""How far apart two det.json files are, box for box: the same model run on two stacks (bddet and
the original mmdet 2.x zoo), or a PyTorch model and its ONNX export.

Boxes are matched one to one within each frame and class: each box of the first file, highest
score first, takes the box of the second with the highest IoU (the evaluator's IoU, +1 widths)
that is still free, if that IoU reaches ``iou_min`` and the scores are within ``score_tol``.
What is left on either side is unmatched; the figures are over the matched pairs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..data.categories import CLASSES

if TYPE_CHECKING:
    from ..data.det_labels import DetLabels


@dataclass(frozen=True)
class UnmatchedBox:
    """A box one file has and the other lacks (within the tolerances)."""

    frame: str
    category: str
    box: tuple[float, float, float, float]
    score: float


@dataclass
class DetectionDiff:
    """The match of two prediction files."""

    frames: int                       # frames the two files share
    boxes_a: int
    boxes_b: int
    matched: int
    max_coord_diff: float             # largest |Δ| of a coordinate over matched pairs (0 when none)
    max_score_diff: float
    unmatched_a: list[UnmatchedBox] = field(default_factory=list)
    unmatched_b: list[UnmatchedBox] = field(default_factory=list)
    frames_only_a: list[str] = field(default_factory=list)
    frames_only_b: list[str] = field(default_factory=list)

    @property
    def matched_share(self) -> float:
        """Matched boxes over the larger file's boxes: 1.0 when every box has its twin."""
        most = max(self.boxes_a, self.boxes_b)
        return self.matched / most if most else 1.0

    @property
    def identical(self) -> bool:
        """Every box matched and nothing moved at all."""
        return (self.matched == self.boxes_a == self.boxes_b and self.max_coord_diff == 0
                and self.max_score_diff == 0 and not self.frames_only_a and not self.frames_only_b)


def diff_detections(a: DetLabels, b: DetLabels, iou_min: float = 0.5, score_tol: float | None = None) -> DetectionDiff:
    """Match the boxes of ``a`` and ``b`` (DetLabels with scores) frame by frame and class by class."""
    import numpy as np

    from .coco_match import iou_matrix

    a_bounds, b_bounds = a.frame_bounds(), b.frame_bounds()
    shared = [n for n in a.names if n in b.frame_index]
    out = DetectionDiff(frames=len(shared), boxes_a=0, boxes_b=0, matched=0, max_coord_diff=0.0, max_score_diff=0.0,
                        frames_only_a=[n for n in a.names if n not in b.frame_index],
                        frames_only_b=[n for n in b.names if n not in a.frame_index])

    def box(labels, k) -> UnmatchedBox:
        return UnmatchedBox(labels.names[labels.frame[k]], CLASSES[labels.cls[k]],
                            tuple(float(v) for v in labels.box[k]), float(labels.score[k]))

    for name in shared:
        ia = np.arange(a_bounds[a.frame_index[name]], a_bounds[a.frame_index[name] + 1])
        ib = np.arange(b_bounds[b.frame_index[name]], b_bounds[b.frame_index[name] + 1])
        out.boxes_a += len(ia)
        out.boxes_b += len(ib)
        for k in np.union1d(a.cls[ia], b.cls[ib]):
            ka = ia[a.cls[ia] == k]
            kb = ib[b.cls[ib] == k]
            ka = ka[np.argsort(-a.score[ka], kind="stable")]
            ious = iou_matrix(a.box[ka], b.box[kb], np.zeros(len(kb), dtype=bool))
            free = np.ones(len(kb), dtype=bool)
            for row, i in enumerate(ka):
                ok = free & (ious[row] >= iou_min)
                if score_tol is not None:
                    ok &= np.abs(b.score[kb] - a.score[i]) <= score_tol
                if not ok.any():
                    out.unmatched_a.append(box(a, i))
                    continue
                j = int(np.argmax(np.where(ok, ious[row], -1.0)))
                free[j] = False
                out.matched += 1
                out.max_coord_diff = max(out.max_coord_diff, float(np.abs(a.box[i] - b.box[kb[j]]).max()))
                out.max_score_diff = max(out.max_score_diff, float(abs(a.score[i] - b.score[kb[j]])))
            out.unmatched_b += [box(b, j) for j in kb[free]]
    return out
