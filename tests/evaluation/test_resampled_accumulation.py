"""The bootstrap's weighted accumulation: an image drawn w times scores as w copies of it would."""
import numpy as np
import pytest

from bddet.data.det_labels import read_det_labels
from bddet.data.synthetic_labels import make_det_frames
from bddet.evaluation.metrics import evaluate_labels, match_labels
from bddet.evaluation.resampled_accumulation import class_scores, resample_weights
from tests.fixtures.datasets import write_labels as write


@pytest.mark.parametrize("metric", ["AP", "AP50", "AP75", "APs", "APl", "AR1", "AR100", "ARm"])
def test_weighted_scores_equal_the_metrics_of_the_resampled_set_written_out(tmp_path, metric):
    rng = np.random.default_rng(7)
    gt_frames, pred_frames = make_det_frames(40, seed=21)
    # distinct scores: with ties, w copies in w images interleave with other images' boxes of the
    # same score, where the weighted sum keeps a box's copies together (both are valid orders)
    scores = rng.permutation(sum(len(f["labels"]) for f in pred_frames)) / 1e5
    it = iter(scores.tolist())
    for f in pred_frames:
        for label in f["labels"]:
            label["score"] = 0.5 + next(it)
    gt_path, pred_path = write(tmp_path / "gt.json", gt_frames), write(tmp_path / "pred.json", pred_frames)
    gt, pred = read_det_labels(gt_path, predictions=False), read_det_labels(pred_path, predictions=True)
    matching = match_labels(gt, pred)
    weights = resample_weights(matching.n_images, 4, seed=3)
    ours = class_scores(matching, metric, weights)
    by_name = {f["name"]: f for f in pred_frames}
    for b, draw in enumerate(weights):
        copies_gt, copies_pred = [], []
        for image, fi in enumerate(matching.image_frames):  # images: the frames sorted by name
            name = gt.names[fi]
            for c in range(int(draw[image])):
                frame = next(f for f in gt_frames if f["name"] == name)
                copies_gt.append(dict(frame, name=f"{name}#{c}"))
                if name in by_name:
                    copies_pred.append(dict(by_name[name], name=f"{name}#{c}"))
        g = write(tmp_path / f"gt{b}.json", copies_gt)
        p = write(tmp_path / f"pred{b}.json", copies_pred)
        theirs = evaluate_labels(read_det_labels(g, predictions=False), read_det_labels(p, predictions=True))
        for k, (cls, value) in enumerate(theirs.per_class[metric].items()):
            if np.isnan(value):
                assert np.isnan(ours[b, k]), (b, cls)
            else:
                assert ours[b, k] == pytest.approx(value, rel=1e-12, abs=1e-12), (b, cls)
