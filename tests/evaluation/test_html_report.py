"""The HTML report: its numbers are the official ones, and it opens cleanly in a real browser."""
from pathlib import Path

import numpy as np
import pytest

import bddet
from bddet.data.synthetic_labels import make_det_frames
from tests.fixtures.browser import chromium_driver
from tests.fixtures.datasets import write_labels as write


def test_pr_curve_data_equals_the_official_precision_arrays(tmp_path):
    """pycocotools' COCOeval on scalabel's own COCO conversion: the arrays the official metric is read from."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    from scalabel.label.io import load
    from scalabel.label.to_coco import scalabel2coco_detection
    from bdd100k.common.utils import load_bdd100k_config
    from bdd100k.label.to_scalabel import bdd100k_to_scalabel

    from bddet.data.det_labels import read_det_labels
    from bddet.evaluation.metrics import evaluate_labels

    gt_frames, pred_frames = make_det_frames(40, seed=31)
    gt_path, pred_path = write(tmp_path / "gt.json", gt_frames), write(tmp_path / "pred.json", pred_frames)
    config = load_bdd100k_config("det")
    gts = bdd100k_to_scalabel(load(str(gt_path)).frames, config)
    preds = bdd100k_to_scalabel(load(str(pred_path)).frames, config)
    gts = sorted(gts, key=lambda f: f.name)
    names = {f.name for f in gts}
    by_name = {f.name: f for f in preds}
    preds = [by_name[f.name] if f.name in by_name else f.copy(update={"labels": None}) for f in gts]
    coco_gt, coco_dt = COCO(), COCO()
    coco_gt.dataset = scalabel2coco_detection(gts, config.scalabel)
    coco_gt.createIndex()
    dt = scalabel2coco_detection(preds, config.scalabel)
    coco_dt = coco_gt.loadRes(dt["annotations"])
    ev = COCOeval(coco_gt, coco_dt, "bbox")
    ev.evaluate()
    ev.accumulate()
    ours = evaluate_labels(read_det_labels(gt_path, predictions=False), read_det_labels(pred_path, predictions=True))
    assert names and ours.precision.shape == ev.eval["precision"].shape
    np.testing.assert_array_equal(ours.precision, ev.eval["precision"])


def test_report_of_eval_and_compare_opens_in_a_browser_with_every_image_loaded(tmp_path):
    gt_frames, pred_frames = make_det_frames(60, seed=32)
    for f in gt_frames:
        f.setdefault("attributes", {})
    gt, pred = write(tmp_path / "gt.json", gt_frames), write(tmp_path / "pred.json", pred_frames)
    other = write(tmp_path / "other.json", [dict(f, labels=f["labels"][::2]) for f in pred_frames])
    gallery = tmp_path / "vis"
    report = bddet.evaluate(pred, gt=gt, report=tmp_path / "report", gallery=gallery)
    assert report.report_index == tmp_path / "report" / "index.html"
    assert report.errors.ap50 == pytest.approx(report.metrics.overall["AP50"], abs=5)  # TIDE's own AP50, close
    compared = bddet.compare([pred, other], gt=gt, bootstrap=50, report=tmp_path / "cmp")
    assert set(compared.errors) == {"pred.json", "other.json"}
    driver = chromium_driver()
    try:
        for page in (report.report_index, compared.report_index):
            text = page.read_text()
            assert "http://" not in text and "https://" not in text and "<script" not in text  # self-contained
            driver.get(page.as_uri())
            charts = driver.find_elements("css selector", "figure > svg")
            assert len(charts) >= 7
            for chart in charts:  # drawn: a size on the page, and marks in it (bars, curves, cells)
                box = driver.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.width, r.height]",
                                            chart)
                assert box[0] > 100 and box[1] > 100
                assert chart.find_elements("css selector", "rect, polyline")
            assert "car" in charts[0].text  # the curves' panels are titled by class
            errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
            assert errors == []
    finally:
        driver.quit()
    html = report.report_index.read_text()  # the worst frames link into the gallery
    worst = report.errors.frames_by_error["Bkg"][0][0]
    assert f'href="../vis/{Path(worst).with_suffix(".jpg")}"' in html
