"""det_diff: two det.json files matched box for box within frame and class."""
import json

import pytest

from bddet.data.det_labels import read_det_labels
from bddet.evaluation.det_diff import diff_detections


def labels(tmp_path, name, frames):
    path = tmp_path / name
    path.write_text(json.dumps(frames))
    return read_det_labels(path, predictions=True)


def box(cat, x1, y1, x2, y2, score):
    return {"category": cat, "score": score, "box2d": {"x1": x1, "y1": y1, "x2": x2, "y2": y2}}


def test_twins_are_matched_within_the_tolerances_and_the_rest_named(tmp_path):
    a = labels(tmp_path, "a.json", [
        {"name": "f1", "labels": [box("car", 10, 10, 110, 60, 0.9), box("car", 200, 10, 260, 50, 0.8),
                                  box("bus", 300, 300, 400, 380, 0.5)]},
        {"name": "f2", "labels": [box("rider", 5, 5, 50, 90, 0.7)]},
        {"name": "only-a", "labels": []}])
    b = labels(tmp_path, "b.json", [
        {"name": "f1", "labels": [box("car", 200.02, 10, 260, 50, 0.8004), box("car", 10, 10, 110.01, 60, 0.9),
                                  box("truck", 300, 300, 400, 380, 0.5)]},   # another class: no twin
        {"name": "f2", "labels": [box("rider", 5, 5, 50, 90, 0.702)]},       # the score moved too far
        {"name": "only-b", "labels": []}])
    d = diff_detections(a, b, iou_min=0.99, score_tol=1e-3)
    assert (d.frames, d.boxes_a, d.boxes_b, d.matched) == (2, 4, 4, 2)
    assert d.max_coord_diff == pytest.approx(0.02) and d.max_score_diff == pytest.approx(4e-4)
    assert {(u.frame, u.category) for u in d.unmatched_a} == {("f1", "bus"), ("f2", "rider")}
    assert {(u.frame, u.category) for u in d.unmatched_b} == {("f1", "truck"), ("f2", "rider")}
    assert d.frames_only_a == ["only-a"] and d.frames_only_b == ["only-b"]
    assert not d.identical and d.matched_share == 0.5
    same = diff_detections(a, a, iou_min=0.99, score_tol=0.0)
    assert same.identical and same.matched == 4


def test_each_box_takes_the_free_twin_of_highest_iou_highest_score_first(tmp_path):
    a = labels(tmp_path, "a.json", [{"name": "f", "labels": [box("car", 0, 0, 100, 100, 0.9),
                                                             box("car", 2, 0, 102, 100, 0.8)]}])
    b = labels(tmp_path, "b.json", [{"name": "f", "labels": [box("car", 2, 0, 102, 100, 0.85),
                                                             box("car", 0, 0, 100, 100, 0.85)]}])
    d = diff_detections(a, b, iou_min=0.9)
    assert d.matched == 2 and d.max_coord_diff == 0.0  # not the greedy 0.9 -> first box in b's order
