"""Parity with the official evaluator, run from the tests on generated sets."""
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from bddet.data.det_labels import LabelError
from bddet.data.synthetic_labels import make_det_frames
from bddet.evaluation.evaluate import evaluate_files
from bddet.evaluation.metrics import METRICS
from tests.fixtures.official import assert_same, official

CLASSES_PLUS = ("pedestrian", "rider", "car", "truck", "bus", "train", "motorcycle", "bicycle", "traffic light",
                "traffic sign")


def write(path: Path, frames) -> Path:
    path.write_text(json.dumps(frames))
    return path


@pytest.mark.parametrize("seed, n_frames", [(1, 40), (2, 120)])
def test_identical_to_the_official_evaluator_on_generated_sets(tmp_path, seed, n_frames):
    gt_frames, pred_frames = make_det_frames(n_frames, seed=seed)
    # classes on one side only: no 'train' ground truth exists, and no rider is ever predicted
    for f in pred_frames:
        f["labels"] = [lb for lb in f["labels"] if lb["category"] != "rider"]
    gt, pred = write(tmp_path / "gt.json", gt_frames), write(tmp_path / "pred.json", pred_frames)
    ours = evaluate_files(gt, pred).metrics.to_official()
    assert_same(official(gt, pred, tmp_path), ours)
    assert math.isnan(ours["AP"][0]["train"]) and ours["AP"][0]["rider"] == 0.0


def test_breakdown_by_weather_equals_the_official_on_each_subset(tmp_path):
    gt_frames, pred_frames = make_det_frames(60, seed=3)
    gt, pred = write(tmp_path / "gt.json", gt_frames), write(tmp_path / "pred.json", pred_frames)
    report = evaluate_files(gt, pred, by=("weather",))
    assert sum(m.n_frames for m in report.by["weather"].values()) == 60
    for value in ("clear", "rainy"):
        subset = write(tmp_path / f"gt-{value}.json", [f for f in gt_frames if f["attributes"]["weather"] == value])
        assert_same(official(subset, pred, tmp_path), report.by["weather"][value].to_official())


def test_empty_predictions_give_zeros_like_the_official(tmp_path):
    gt_frames, _ = make_det_frames(10, seed=4)
    gt = write(tmp_path / "gt.json", gt_frames)
    for name, content in (("empty-list.json", "[]"), ("frames-no-labels.json", json.dumps(
            [{"name": f["name"], "labels": []} for f in gt_frames]))):
        pred = tmp_path / name
        pred.write_text(content)
        report = evaluate_files(gt, pred)
        assert report.empty_predictions
        assert_same(official(gt, pred, tmp_path), report.metrics.to_official())
    assert report.metrics.overall["AP"] == 0.0 and math.isnan(report.metrics.per_class["AP"]["train"])


def test_crowd_ignored_and_mapped_names_by_hand(tmp_path):
    box = {"x1": 100, "y1": 100, "x2": 199, "y2": 199}
    gt = write(tmp_path / "gt.json", [
        {"name": "a.jpg", "labels": [
            {"id": "1", "category": "van", "box2d": box},                       # -> car
            {"id": "2", "category": "other person", "box2d": {"x1": 400, "y1": 100, "x2": 449, "y2": 199}},
            {"id": "3", "category": "pedestrian", "attributes": {"crowd": True},
             "box2d": {"x1": 600, "y1": 100, "x2": 799, "y2": 399}}]}])
    pred = write(tmp_path / "pred.json", [
        {"name": "a.jpg", "labels": [
            {"id": "p1", "category": "car", "score": 0.9, "box2d": box},
            {"id": "p2", "category": "person", "score": 0.8, "box2d": {"x1": 400, "y1": 100, "x2": 449, "y2": 199}},
            {"id": "p3", "category": "pedestrian", "score": 0.7, "box2d": {"x1": 650, "y1": 150, "x2": 700, "y2": 250}}]},
        {"name": "not-labelled.jpg", "labels": [{"id": "p4", "category": "car", "score": 1.0, "box2d": box}]}])
    report = evaluate_files(gt, pred)
    assert_same(official(gt, pred, tmp_path), report.metrics.to_official())
    assert report.metrics.per_class["AP"]["car"] == pytest.approx(100.0)
    # both pedestrian detections fall on ignore regions: no non-ignored pedestrian GT at all -> NaN
    assert math.isnan(report.metrics.per_class["AP"]["pedestrian"])
    assert report.predicted_frames_not_in_gt == 1


@pytest.mark.parametrize("label, problem", [
    ({"category": "dog", "score": 1, "box2d": {"x1": 0, "y1": 0, "x2": 1, "y2": 1}}, "unknown category 'dog'"),
    ({"category": "car", "score": float("nan"), "box2d": {"x1": 0, "y1": 0, "x2": 1, "y2": 1}}, "score is NaN"),
    ({"category": "car", "score": 0.5, "box2d": {"x1": 0, "y1": 0, "x2": float("inf"), "y2": 1}}, "infinite"),
    ({"category": "car", "box2d": {"x1": 0, "y1": 0, "x2": 1, "y2": 1}}, "no 'score'"),
])
def test_bad_predictions_name_the_frame_and_problem(tmp_path, label, problem):
    gt = write(tmp_path / "gt.json", [{"name": "a.jpg", "labels": []}])
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps([{"name": "a.jpg", "labels": [label]}]))
    with pytest.raises(LabelError, match=problem) as err:
        evaluate_files(gt, pred)
    assert "frame 'a.jpg'" in str(err.value)


def test_duplicate_frames_and_malformed_json_are_reported(tmp_path):
    gt = write(tmp_path / "gt.json", [{"name": "a.jpg"}, {"name": "a.jpg"}])
    pred = write(tmp_path / "pred.json", [])
    with pytest.raises(LabelError, match="'a.jpg' appears more than once"):
        evaluate_files(gt, pred)
    bad = tmp_path / "bad.json"
    bad.write_text('[{"name": "a.jpg",\n  "labels": [}]')
    with pytest.raises(LabelError, match=r"bad.json: malformed JSON at line 2, column 14: Expecting value"):
        evaluate_files(bad, pred)


def _degenerate(rng, box, kind):
    """``box`` made sub-pixel, zero-width, inverted on one axis or on both (BDD100K's inclusive +1 widths)."""
    x1, y1 = box["x1"], box["y1"]
    if kind == "subpixel":   # x1 - 1 < x2 < x1: less than one pixel wide, a valid box
        return dict(box, x2=x1 - float(rng.uniform(0.05, 0.95)))
    if kind == "zero":       # x2 - x1 + 1 == 0
        return dict(box, x2=x1 - 1)
    if kind == "inverted":   # negative width
        return dict(box, x2=x1 - float(rng.uniform(2, 30)))
    return dict(box, x2=x1 - float(rng.uniform(2, 30)), y2=y1 - float(rng.uniform(2, 30)))  # both: area > 0


@pytest.mark.parametrize("seed", [5, 6])
def test_sub_pixel_and_inverted_boxes_score_as_the_official_evaluator(tmp_path, seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    gt_frames, pred_frames = make_det_frames(60, seed=seed)
    kinds = ("subpixel", "zero", "inverted", "both")
    for frames, share in ((gt_frames, 0.15), (pred_frames, 0.2)):
        for f in frames:
            for lb in f["labels"]:
                if rng.random() < share:
                    lb["box2d"] = _degenerate(rng, lb["box2d"], kinds[int(rng.integers(len(kinds)))])
    # a prediction on top of a degenerate ground-truth box, and one sub-pixel box matching a sub-pixel gt
    g = {"x1": 50.0, "y1": 60.0, "x2": 49.5, "y2": 80.0}
    gt_frames[0]["labels"].append({"id": "sp", "category": "car", "box2d": g})
    pred_frames[0]["labels"].append({"id": "sp", "category": "car", "score": 0.99, "box2d": dict(g)})
    gt, pred = write(tmp_path / "gt.json", gt_frames), write(tmp_path / "pred.json", pred_frames)
    report = evaluate_files(gt, pred)
    assert_same(official(gt, pred, tmp_path), report.metrics.to_official())
    assert len(report.warnings) == 2 and "zero or negative width or height" in report.warnings[0]
    assert "gt.json" in report.warnings[0] and "pred.json" in report.warnings[1] and "label #" in report.warnings[1]


def test_only_sub_pixel_boxes_give_no_warning(tmp_path):
    gt = write(tmp_path / "gt.json", [{"name": "a.jpg", "labels": [
        {"id": "1", "category": "car", "box2d": {"x1": 10, "y1": 10, "x2": 9.5, "y2": 30}}]}])
    pred = write(tmp_path / "pred.json", [{"name": "a.jpg", "labels": [
        {"id": "1", "category": "car", "score": 0.9, "box2d": {"x1": 10, "y1": 10, "x2": 9.5, "y2": 30}}]}])
    report = evaluate_files(gt, pred)
    assert report.warnings == []
    assert_same(official(gt, pred, tmp_path), report.metrics.to_official())
    assert report.metrics.per_class["AP"]["car"] == pytest.approx(100.0)


def test_an_empty_predictions_file_is_refused_and_an_empty_list_is_not(tmp_path):
    gt_frames, _ = make_det_frames(5, seed=8)
    gt = write(tmp_path / "gt.json", gt_frames)
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    with pytest.raises(LabelError, match=r"empty.json: the file is empty \(0 bytes\), not a list of frames"):
        evaluate_files(gt, empty)
    # the official evaluator fails on it too
    failed = subprocess.run([sys.executable, "-m", "bdd100k.eval.run", "-t", "det", "-g", str(gt), "-r", str(empty)],
                            capture_output=True)
    assert failed.returncode != 0
    assert evaluate_files(gt, write(tmp_path / "list.json", [])).empty_predictions


def test_crowd_and_ignored_values_are_coerced_as_pydantic_v1_does_for_the_official(tmp_path):
    values = [True, False, "yes", "No", "0.0", 0.5, 1.5, "abc", "", 2, 1.0, 0, "t", " 1 ", "-0", "1e-3"]
    gt_frames, pred_frames = [], []
    for k, value in enumerate(values):
        box = {"x1": 10.0 + 60 * k, "y1": 10.0, "x2": 49.0 + 60 * k, "y2": 89.0}
        key = "crowd" if k % 2 else "ignored"
        gt_frames.append({"name": f"{k:02d}.jpg", "labels": [
            {"id": "g", "category": "car", "attributes": {key: value}, "box2d": box},
            {"id": "h", "category": "car", "box2d": {"x1": 5.0, "y1": 300.0, "x2": 104.0, "y2": 399.0}}]})
        pred_frames.append({"name": f"{k:02d}.jpg", "labels": [
            {"id": "p", "category": "car", "score": 0.9, "box2d": dict(box)},
            {"id": "q", "category": "car", "score": 0.8, "box2d": {"x1": 5.0, "y1": 300.0, "x2": 104.0, "y2": 399.0}}]})
    gt, pred = write(tmp_path / "gt.json", gt_frames), write(tmp_path / "pred.json", pred_frames)
    from bddet.data.det_labels import read_det_labels

    flags = read_det_labels(gt, predictions=False).ignore[0::2].tolist()
    assert flags == [True, False, True, False, False, False, True, True, False, True, True, False, True, True,
                     False, True]
    assert_same(official(gt, pred, tmp_path), evaluate_files(gt, pred).metrics.to_official())


def test_labels_without_id_are_scored_with_a_warning(tmp_path):
    gt = write(tmp_path / "gt.json", [{"name": "a.jpg", "labels": [
        {"category": "car", "box2d": {"x1": 10, "y1": 10, "x2": 59, "y2": 59}}]}])
    pred = write(tmp_path / "pred.json", [{"name": "a.jpg", "labels": [
        {"category": "car", "score": 0.9, "box2d": {"x1": 10, "y1": 10, "x2": 59, "y2": 59}}]}])
    report = evaluate_files(gt, pred)
    assert report.metrics.per_class["AP"]["car"] == pytest.approx(100.0)
    assert len(report.warnings) == 2 and all("have no 'id'" in w for w in report.warnings)


def test_the_compiled_fast_reader_and_the_general_reader_agree(tmp_path):
    import numpy as np
    import orjson

    from bddet.data.det_labels import _parse_fast, parse_det_frames

    gt_frames, pred_frames = make_det_frames(50, seed=41)
    gt_frames[0]["labels"][0]["attributes"] = {"crowd": "yes"}
    pred_frames[1]["labels"][0]["box2d"]["x2"] = pred_frames[1]["labels"][0]["box2d"]["x1"] - 3  # inverted
    del pred_frames[2]["labels"][0]["id"]
    for frames, predictions in ((gt_frames, False), (pred_frames, True)):
        raw = orjson.dumps(frames)
        fast = _parse_fast(raw, Path("x.json"), predictions)
        general = parse_det_frames(orjson.loads(raw), Path("x.json"), predictions=predictions)
        assert fast is not None
        for key in ("names", "attributes", "frame_index", "degenerate", "first_degenerate", "labels_without_id"):
            assert getattr(fast, key) == getattr(general, key), key
        for key in ("frame", "cls", "box", "ignore", "score"):
            a, b = getattr(fast, key), getattr(general, key)
            assert (a is None and b is None) or np.array_equal(a, b), key
    # what the compiled reader does not take goes to the general one: strings for numbers, {"frames": ...}
    odd = [{"name": "a.jpg", "labels": [{"id": "1", "category": "car", "score": "0.5",
                                         "box2d": {"x1": "1", "y1": 2, "x2": 30, "y2": 40}}]}]
    assert _parse_fast(orjson.dumps(odd), Path("x.json"), True) is None
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"frames": odd}))
    from bddet.data.det_labels import read_det_labels

    labels = read_det_labels(path, predictions=True)
    assert labels.score.tolist() == [0.5] and labels.box.tolist() == [[1.0, 2.0, 30.0, 40.0]]


def _as_videos(frames: list[dict], n_videos: int) -> dict[str, list[dict]]:
    """Frames regrouped as box_track_20 videos: names <video>-<index+1:07d>.jpg with videoName and frameIndex."""
    videos: dict[str, list[dict]] = {}
    for i, frame in enumerate(frames):
        video = f"vid{i % n_videos}"
        k = len(videos.setdefault(video, []))
        videos[video].append(dict(frame, name=f"{video}-{k + 1:07d}.jpg", videoName=video, frameIndex=k))
    return videos


def test_box_track_style_ground_truth_per_video_files_scores_as_the_official(tmp_path):
    gt_frames, pred_frames = make_det_frames(60, seed=5)
    gt_videos, pred_videos = _as_videos(gt_frames, 3), _as_videos(pred_frames, 3)
    gt_dir = tmp_path / "gt"
    gt_dir.mkdir()
    for video, frames in gt_videos.items():  # one file per video, as box_track_20 ships; one hidden file too
        write(gt_dir / f"{video}.json", frames)
    write(gt_dir / "notes.txt", [])
    merged = write(tmp_path / "pred.json", [f for frames in pred_videos.values() for f in frames])
    ours = evaluate_files(gt_dir, merged).metrics.to_official()
    assert_same(official(gt_dir, merged, tmp_path), ours)
    # and the other way round: merged ground truth, predictions one file per video
    pred_dir = tmp_path / "preds"
    pred_dir.mkdir()
    for video, frames in pred_videos.items():
        write(pred_dir / f"{video}.json", frames)
    merged_gt = write(tmp_path / "gt.json", [f for frames in gt_videos.values() for f in frames])
    assert_same(official(merged_gt, pred_dir, tmp_path), evaluate_files(merged_gt, pred_dir).metrics.to_official())
    assert ours["AP"][0]["car"] > 0


def test_a_label_folder_without_json_or_with_a_name_twice_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    pred = write(tmp_path / "p.json", [])
    with pytest.raises(LabelError, match="no .json files"):
        evaluate_files(tmp_path / "empty", pred)
    twice = tmp_path / "twice"
    twice.mkdir()
    frame = {"name": "v-0000001.jpg", "videoName": "v", "frameIndex": 0, "labels": []}
    write(twice / "a.json", [frame])
    write(twice / "b.json", [frame])
    with pytest.raises(LabelError, match="'v-0000001.jpg' is in both a.json and b.json"):
        evaluate_files(twice, pred)
