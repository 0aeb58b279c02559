"""The TIDE error breakdown equals the tidecv package's on generated sets."""
from pathlib import Path

import pytest

from bddet.data.det_labels import parse_det_frames
from bddet.data.synthetic_labels import make_det_frames
from bddet.evaluation.tide import ERROR_TYPES, error_breakdown


def tidecv_breakdown(gt, pred):
    from tidecv import TIDE, Data

    def xywh(b):
        return [float(b[0]), float(b[1]), float(b[2] - b[0] + 1), float(b[3] - b[1] + 1)]

    truth, dets = Data("gt"), Data("pred")
    gb, pb = gt.frame_bounds(), pred.frame_bounds()
    for i, name in enumerate(gt.names):
        truth.add_image(i, name)
        for j in range(gb[i], gb[i + 1]):
            if gt.ignore[j]:  # crowd and ignored objects: ignore regions of their class
                truth.add_ignore_region(i, int(gt.cls[j]), xywh(gt.box[j]))
            else:
                truth.add_ground_truth(i, int(gt.cls[j]), xywh(gt.box[j]))
        pf = pred.frame_index.get(name)
        if pf is not None:
            for j in range(pb[pf], pb[pf + 1]):
                dets.add_detection(i, int(pred.cls[j]), float(pred.score[j]), xywh(pred.box[j]))
    tide = TIDE()
    tide.evaluate(truth, dets, mode=TIDE.BOX)
    run = next(iter(tide.runs.values()))
    errors = next(iter(tide.get_main_errors().values()))
    counts = {e.short_name: len(v) for e, v in run.error_dict.items()}
    return run.ap, errors, counts


@pytest.mark.parametrize("seed, n_frames, duplicates", [(21, 60, False), (22, 150, True)])
def test_breakdown_equals_tidecv(seed, n_frames, duplicates):
    gt_frames, pred_frames = make_det_frames(n_frames, seed=seed)
    if duplicates:  # second detections of the same objects, so every error type occurs
        for frame in pred_frames[::3]:
            frame["labels"] += [dict(lb, id=lb["id"] + "d", score=lb["score"] * 0.5) for lb in frame["labels"][:4]]
    gt = parse_det_frames(gt_frames, Path("gt.json"), predictions=False)
    pred = parse_det_frames(pred_frames, Path("pred.json"), predictions=True)
    ours = error_breakdown(gt, pred)
    ap, theirs, counts = tidecv_breakdown(gt, pred)
    assert ours.ap50 == pytest.approx(ap, abs=1e-9)
    for kind in ERROR_TYPES:  # tolerance: float summation order only
        assert ours.main[kind] == pytest.approx(theirs[kind], abs=1e-9), kind
        assert ours.counts[kind] == counts[kind], kind
    assert sum(ours.counts.values()) > 0 and all(v >= 0 for v in ours.main.values())
    if duplicates:
        assert ours.counts["Dupe"] > 0
