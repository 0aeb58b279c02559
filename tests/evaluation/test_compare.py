"""bddet compare: official point estimates, paired-bootstrap intervals that mean what they say."""
import json
import math

import numpy as np
import pytest

import bddet
from bddet.data.synthetic_labels import make_det_frames
from tests.fixtures.datasets import write_labels as write
from tests.fixtures.official import official


def test_a_run_compared_with_itself_differs_by_exactly_zero(tmp_path):
    gt_frames, pred_frames = make_det_frames(80, seed=11)
    gt, pred = write(tmp_path / "gt.json", gt_frames), write(tmp_path / "pred.json", pred_frames)
    copy = write(tmp_path / "copy.json", pred_frames)
    report = bddet.compare([pred, copy], gt=gt, bootstrap=200, seed=3, by=["weather"])
    for table in (report.table, *report.by["weather"].values()):
        for row, d in table.differences["copy.json"].items():
            if math.isnan(d.estimate):
                assert row == "train"  # no train ground truth: NaN, as the official
                continue
            assert (d.estimate, d.low, d.high) == (0.0, 0.0, 0.0) and not d.significant


def test_point_estimates_are_the_official_numbers_for_every_metric(tmp_path):
    gt_frames, pred_frames = make_det_frames(60, seed=12)
    gt, pred = write(tmp_path / "gt.json", gt_frames), write(tmp_path / "pred.json", pred_frames)
    theirs = official(gt, pred, tmp_path)
    for metric in ("AP", "AP50", "AR100", "APs"):
        report = bddet.compare([pred, pred], gt=gt, metric=metric, bootstrap=0)
        ours = report.table.values["pred.json"] if "pred.json" in report.table.values else \
            report.table.values[report.runs[0]]
        for cls, value in theirs[metric][0].items():
            assert (math.isnan(value) and math.isnan(ours[cls])) or ours[cls] == pytest.approx(value, abs=1e-9)
        assert ours["OVERALL"] == pytest.approx(theirs[metric][1]["OVERALL"], abs=1e-9)


def test_a_run_better_on_one_class_only_is_significant_there_and_nowhere_else(tmp_path):
    rng = np.random.default_rng(5)
    gt_frames, pred_frames = make_det_frames(300, seed=13)
    better = json.loads(json.dumps(pred_frames))
    gt_by_name = {f["name"]: f for f in gt_frames}
    for frame in better:  # exact boxes with top scores for every car: car AP up, the rest untouched
        cars = [lb for lb in gt_by_name.get(frame["name"], {}).get("labels", []) if lb["category"] == "car"]
        frame["labels"] = [lb for lb in frame["labels"] if lb["category"] != "car"] + [
            {"id": f"c{k}", "category": "car", "score": float(0.99 - 0.01 * rng.random()), "box2d": lb["box2d"]}
            for k, lb in enumerate(cars)]
    gt = write(tmp_path / "gt.json", gt_frames)
    a, b = write(tmp_path / "a.json", pred_frames), write(tmp_path / "b.json", better)
    report = bddet.compare([a, b], gt=gt, bootstrap=300, seed=1)
    diffs = report.table.differences["b.json"]
    assert diffs["car"].significant and diffs["car"].estimate > 10 and diffs["car"].low > 0
    assert diffs["OVERALL"].significant
    for cls, d in diffs.items():
        if cls not in ("car", "OVERALL") and not math.isnan(d.estimate):
            assert d.estimate == 0.0 and not d.significant, cls
    # the same numbers as JSON from the CLI, strict (NaN as null), with the intervals
    from typer.testing import CliRunner

    from bddet.cli.app import app

    result = CliRunner().invoke(app, ["compare", str(a), str(b), "--gt", str(gt), "--bootstrap", "300", "--seed", "1",
                                      "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    car = data["table"]["differences"]["b.json"]["car"]
    assert car["significant"] is True and car["low"] == pytest.approx(diffs["car"].low)
    assert data["table"]["values"]["a.json"]["train"] is None
    table = CliRunner().invoke(app, ["compare", str(a), str(b), "--gt", str(gt), "--bootstrap", "50"])
    car_line = next(line for line in table.stdout.splitlines() if line.strip().startswith("car"))
    assert car_line.rstrip().endswith("*")
