"""bddet.infer as a library: typed results, no workspace needed, errors as BddetError."""
import json
from pathlib import Path

import pytest

import bddet
from tests.fixtures.datasets import tiny_data_root

DEMO = Path(__file__).resolve().parents[2] / "configs/demo"
DEMO_WEIGHTS = DEMO / "mirror/models/retinanet_tiny_sample.pth"


def test_infer_without_a_workspace_takes_paths_and_returns_a_result(tmp_path):
    data = tiny_data_root(tmp_path / "bdd100k", n_train=1, n_val=3, n_test=1)
    seen = []
    result = bddet.infer("retinanet_tiny_sample", weights=DEMO_WEIGHTS, images=[data / "images/100k/val"],
                         out=tmp_path / "preds", device="cpu", score_thr=0.0,
                         on_progress=lambda done, total: seen.append((done, total)))
    assert isinstance(result, bddet.InferResult)
    assert result.predictions == tmp_path / "preds" / "det.json" and result.run_id is None
    frames = json.loads(result.predictions.read_text())
    assert [f["name"] for f in frames] == ["val-0000.jpg", "val-0001.jpg", "val-0002.jpg"]
    assert result.images == 3 and result.detections == sum(len(f["labels"]) for f in frames) > 0
    assert result.model == "retinanet_tiny_sample" and result.device == "cpu" and result.processes == 1
    assert seen[-1] == (3, 3)


def test_infer_errors_are_bddet_errors_with_the_line_to_show(tmp_path):
    with pytest.raises(bddet.BddetError, match="say where the results go"):
        bddet.infer("retinanet_tiny_sample", weights=DEMO_WEIGHTS, images=[tmp_path], device="cpu")
    with pytest.raises(bddet.BddetError, match="no images in this folder"):
        bddet.infer("retinanet_tiny_sample", weights=DEMO_WEIGHTS, images=[tmp_path], out=tmp_path / "o",
                    device="cpu")
    with pytest.raises(bddet.BddetError, match="cfg_options must be a dict"):
        bddet.infer("retinanet_tiny_sample", weights=DEMO_WEIGHTS, images=[tmp_path], out=tmp_path / "o",
                    cfg_options=["a=1"])
    with pytest.raises(bddet.BddetError, match="no zoo model is called 'yolo'"):
        bddet.infer("yolo", weights=DEMO_WEIGHTS, images=[tmp_path], out=tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_import_bddet_loads_no_heavy_library():
    import subprocess
    import sys

    code = ("import sys, bddet; heavy = [m for m in ('torch', 'mmdet', 'mmengine', 'numpy', 'requests') "
            "if m in sys.modules]; print(heavy); assert callable(bddet.infer) and callable(bddet.evaluate)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
