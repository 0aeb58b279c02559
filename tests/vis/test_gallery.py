"""bddet.visualize as a library: explicit paths in, a gallery out."""
import json

import bddet
from tests.fixtures.datasets import tiny_data_root


def test_visualize_explicit_paths_returns_the_gallery_and_its_pictures(tmp_path):
    data = tiny_data_root(tmp_path / "bdd100k", n_train=1, n_val=3, n_test=1)
    gt = data / "labels/det_20/det_val.json"
    preds = tmp_path / "det.json"
    frames = json.loads(gt.read_text())
    preds.write_text(json.dumps([{"name": f["name"], "labels": [dict(lb, score=0.9) for lb in f["labels"]
                                                                 if "box2d" in lb]} for f in frames]))
    report = bddet.visualize(preds, images=data / "images/100k/val", gt=gt, out=tmp_path / "vis", errors=True)
    assert isinstance(report, bddet.VisReport)
    assert report.index == tmp_path / "vis" / "index.html" and "<figure" in report.index.read_text()
    assert len(report.pictures) == 3 and all(p.is_file() and p.stat().st_size > 0 for p in report.pictures)
    assert all(item.false_positives == 0 for item in report.items)  # predictions equal to the ground truth
