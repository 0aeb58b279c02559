"""bddet export: real MMDetection models traced to ONNX, run by ONNX Runtime through `bddet infer`,
held against PyTorch by the parity gate; refusals in one line with nothing written."""
import json
from pathlib import Path

import pytest

pytest.importorskip("onnxruntime", reason="the export extra (pip install 'bddet[export]') is part of make install")

from bddet.data.sample_dataset import make_sample_dataset  # noqa: E402
from bddet.deploy.export import export_onnx  # noqa: E402
from bddet.deploy.graphs import ExportError  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DEMO_WEIGHTS = REPO / "configs" / "demo" / "mirror" / "models" / "retinanet_tiny_sample.pth"

# A Faster R-CNN of the zoo's structure (RPN, FPN RoIAlign, Shared2FC head, per-class boxes and
# NMS) at a small size, so that a CPU traces and runs it in seconds.
TINY_FASTER = """
_base_ = ['{det}/faster_rcnn_r50_fpn_1x_det_bdd100k.py']
model = dict(
    backbone=dict(depth=18, base_channels=16, init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=32),
    rpn_head=dict(in_channels=32, feat_channels=32),
    roi_head=dict(bbox_roi_extractor=dict(out_channels=32),
                  bbox_head=dict(in_channels=32, fc_out_channels=64)),
    test_cfg=dict(rpn=dict(nms_pre=300, max_per_img=150)))
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(320, 180), keep_ratio=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
"""


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    root = tmp_path_factory.mktemp("sample")
    return make_sample_dataset(root, n_train=0, n_val=3, n_test=0, size=(640, 360), max_objects=4, seed=3,
                               grain=6.0)  # texture, as real frames have: flat regions tie scores


@pytest.fixture(scope="module")
def tiny_faster(tmp_path_factory):
    """The config and a checkpoint of seeded random weights, spread so that scores rarely tie."""
    import torch
    from mmdet.registry import MODELS

    from bddet.zoo.config_files import prepare_model_config

    folder = tmp_path_factory.mktemp("faster")
    config = folder / "tiny_faster.py"
    config.write_text(TINY_FASTER.replace("{det}", str(REPO / "configs" / "det")))
    cfg = prepare_model_config(config)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "fc_cls" in name or "rpn_cls" in name:
                p.add_(torch.randn_like(p) * 0.3)
    weights = folder / "tiny_faster.pth"
    torch.save({"state_dict": model.state_dict()}, weights)
    return config, weights


def images_of(sample):
    return [str(sample / "images" / "100k" / "val")]


def test_the_demo_retinanet_exports_and_runs_as_pytorch_runs_it(tmp_path, sample):
    result = export_onnx("retinanet_tiny_sample", weights=DEMO_WEIGHTS, out=tmp_path / "deploy",
                          images=images_of(sample), check=3)
    assert result.onnx == tmp_path / "deploy" / "retinanet_tiny_sample.onnx" and result.onnx.is_file()
    meta = json.loads(result.metadata.read_text())
    assert meta["input_shape"] == [1, 3, 192, 320] and meta["frame_size"] == [320, 180]
    assert meta["preprocessor"]["mean"] == [123.675, 116.28, 103.53] and meta["classes"][2] == "car"
    assert meta["weights"]["md5"] == result.weights_md5 and len(result.weights_md5) == 32
    p = result.parity
    assert p.passed and p.images == 3 and p.boxes_pytorch > 50 and p.matched == p.boxes_pytorch == p.boxes_onnx
    assert p.max_coord_diff < 0.01 and p.max_score_diff < 1e-4
    assert meta["parity"]["matched"] == p.matched
    assert sorted(q.name for q in (tmp_path / "deploy").iterdir()) == ["retinanet_tiny_sample.json",
                                                                       "retinanet_tiny_sample.onnx"]


def test_a_two_stage_model_exports_and_passes_the_gate(tmp_path, sample, tiny_faster):
    config, weights = tiny_faster
    result = export_onnx(str(config), weights=weights, out=tmp_path, images=images_of(sample), check=3)
    p = result.parity
    assert p.passed and p.boxes_pytorch > 20 and p.matched >= p.boxes_pytorch - p.ties_at_cap
    assert p.max_coord_diff < 0.05 and p.max_score_diff < 1e-4


def test_infer_on_the_onnx_file_in_two_processes_gives_the_det_json_of_one(tmp_path, sample, monkeypatch):
    from typer.testing import CliRunner

    from bddet.cli.app import app

    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    result = export_onnx("retinanet_tiny_sample", weights=DEMO_WEIGHTS, out=tmp_path, check=0)
    assert json.loads(result.metadata.read_text())["parity"] == {"checked": False, "why": "--no-check"}
    runner = CliRunner()
    outs = {}
    for n in (1, 2):
        res = runner.invoke(app, ["infer", str(result.onnx), "--images", images_of(sample)[0], "--device", "cpu",
                                  "--gpus", str(n), "--out", str(tmp_path / f"run{n}")])
        assert res.exit_code == 0, res.output
        outs[n] = (tmp_path / f"run{n}" / "det.json").read_bytes()
        record = json.loads((tmp_path / f"run{n}" / "run.json").read_text())
        assert record["backend"] == "onnxruntime" and record["processes"] == n
    assert outs[1] == outs[2] and json.loads(outs[1])[0]["labels"]


def test_weights_changed_after_tracing_are_caught_and_nothing_is_written(tmp_path, sample, monkeypatch):
    import torch

    import bddet.deploy.graphs as graphs

    real = graphs.graph_for

    def perturbed(model, *args):
        graph = real(model, *args)
        with torch.no_grad():
            model.bbox_head.retina_reg.weight.mul_(1.5)  # the traced file now boxes differently
        return graph

    monkeypatch.setattr(graphs, "graph_for", perturbed)
    with pytest.raises(ExportError, match="parity check failed, nothing written: .* boxes without a twin"):
        export_onnx("retinanet_tiny_sample", weights=DEMO_WEIGHTS, out=tmp_path / "deploy", images=images_of(sample),
                     check=2)
    assert list((tmp_path / "deploy").iterdir()) == []


def test_a_model_whose_export_would_fail_is_refused_in_one_line(tmp_path, tiny_faster):
    from typer.testing import CliRunner

    from bddet.cli.app import app

    config, weights = tiny_faster
    soft = tmp_path / "soft.py"
    soft.write_text(f"_base_ = [{str(config)!r}]\nmodel = dict(test_cfg=dict(rcnn=dict(nms=dict(type='soft_nms'))))\n")
    res = CliRunner().invoke(app, ["export", str(soft), "--weights", str(weights), "--out", str(tmp_path / "out")])
    assert res.exit_code == 1
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "soft_nms, which has no ONNX operator" in lines[0] and "Traceback" not in res.output
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_an_onnx_file_not_from_bddet_is_refused_before_anything_runs(tmp_path):
    import onnx
    from onnx import TensorProto, helper

    from bddet.engine.onnx_backend import OnnxError, read_onnx_export

    node = helper.make_node("Identity", ["x"], ["y"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    path = tmp_path / "other.onnx"
    onnx.save(helper.make_model(graph), str(path))
    with pytest.raises(OnnxError, match="was not written by `bddet export`"):
        read_onnx_export(path)
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    with pytest.raises(OnnxError, match="is not an ONNX model file"):
        read_onnx_export(tmp_path / "junk.onnx")


def test_cli_export_then_a_video_through_onnx_runtime_gives_pytorchs_boxes_and_evaluates(tmp_path, sample):
    from typer.testing import CliRunner

    from bddet.cli.app import app
    from bddet.data.det_labels import read_det_labels
    from bddet.data.sample_dataset import make_sample_video
    from bddet.evaluation.det_diff import diff_detections

    runner = CliRunner()
    res = runner.invoke(app, ["export", "retinanet_tiny_sample", "--weights", str(DEMO_WEIGHTS), "--out",
                              str(tmp_path / "deploy"), "--images", images_of(sample)[0], "--check", "2", "--json"])
    assert res.exit_code == 0, res.output
    shown = json.loads(res.stdout)
    assert shown["parity"]["passed"] and shown["opset"] == 19 and shown["input_shape"] == [1, 3, 192, 320]
    clip = tmp_path / "clip" / "drive.mp4"
    labels = make_sample_video(clip, n_frames=8, size=(320, 180), fps=10, max_objects=3, seed=5)
    (tmp_path / "gt.json").write_text(json.dumps(labels))
    for name, model in (("onnx", [shown["onnx"]]), ("torch", ["retinanet_tiny_sample", "--weights", str(DEMO_WEIGHTS)])):
        res = runner.invoke(app, ["infer", *model, "--images", str(clip), "--device", "cpu", "--out",
                                  str(tmp_path / name)])
        assert res.exit_code == 0, res.output
    a = read_det_labels(tmp_path / "torch" / "det.json", predictions=True)
    b = read_det_labels(tmp_path / "onnx" / "det.json", predictions=True)
    diff = diff_detections(a, b, iou_min=0.99, score_tol=1e-3)
    assert diff.frames == 8 and diff.boxes_a > 0 and diff.matched == diff.boxes_a == diff.boxes_b
    assert (tmp_path / "onnx" / "videos.json").is_file()
    res = runner.invoke(app, ["eval", "--preds", str(tmp_path / "onnx"), "--gt", str(tmp_path / "gt.json"), "--json"])
    assert res.exit_code == 0, res.output


def test_a_frame_of_another_size_is_refused_with_the_export_that_fits_it(tmp_path, sample):
    from typer.testing import CliRunner

    from bddet.cli.app import app

    result = export_onnx("retinanet_tiny_sample", weights=DEMO_WEIGHTS, out=tmp_path, check=0)
    odd = tmp_path / "odd"
    make_sample_dataset(odd, n_train=0, n_val=1, n_test=0, size=(400, 400), max_objects=2, seed=1)
    res = CliRunner().invoke(app, ["infer", str(result.onnx), "--images", str(odd / "images" / "100k" / "val"),
                                   "--device", "cpu", "--out", str(tmp_path / "run")])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "export one for this size with `bddet export --input-size 400x400`" in res.output
    assert not (tmp_path / "run" / "det.json").exists()


def test_in_a_workspace_export_checks_on_its_val_set_and_infer_backend_onnxruntime_runs_it(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from bddet.cli.app import app
    from bddet.workspace import Workspace, init_workspace, record_weights

    data = make_sample_dataset(tmp_path / "bdd100k", n_train=0, n_val=2, n_test=0, size=(640, 360), max_objects=4,
                               seed=4, grain=6.0)
    init_workspace(tmp_path / "ws", data)
    ws = Workspace(tmp_path / "ws")
    record_weights(ws, "retinanet_tiny_sample", DEMO_WEIGHTS, None, True)
    monkeypatch.chdir(tmp_path / "ws")
    runner = CliRunner()
    res = runner.invoke(app, ["export"])  # the current model, checked on the workspace's val set, with its AP
    assert res.exit_code == 0, res.output
    assert "parity on 2 images" in res.output and (tmp_path / "ws" / "exports" / "retinanet_tiny_sample.onnx").is_file()
    meta = json.loads((tmp_path / "ws" / "exports" / "retinanet_tiny_sample.json").read_text())
    assert meta["parity"]["ap_pytorch"] == meta["parity"]["ap_onnx"] and meta["parity"]["images"] == 2
    res = runner.invoke(app, ["infer", "--backend", "onnxruntime", "--device", "cpu"])
    assert res.exit_code == 0, res.output
    record = list(ws.read()["infer_runs"].values())[-1]
    assert record["backend"] == "onnxruntime" and record["weights"].endswith("exports/retinanet_tiny_sample.onnx")
    assert "-onnx-val-" in record["output"]
    res = runner.invoke(app, ["eval", "--set", "val", "--json"])  # the current run: the ONNX one
    assert res.exit_code == 0, res.output
    assert round(json.loads(res.stdout)["metrics"]["AP"][1]["OVERALL"], 6) == round(meta["parity"]["ap_onnx"], 6)


def test_an_export_whose_metadata_names_unknown_transforms_or_files_is_refused(tmp_path):
    import onnx

    from bddet.engine.onnx_backend import METADATA_KEY, OnnxError, read_onnx_export

    result = export_onnx("retinanet_tiny_sample", weights=DEMO_WEIGHTS, out=tmp_path, check=0)
    proto = onnx.load(str(result.onnx))
    meta = json.loads(next(p.value for p in proto.metadata_props if p.key == METADATA_KEY))

    def written(name: str, change) -> Path:
        data = json.loads(json.dumps(meta))
        change(data)
        copy = onnx.ModelProto()
        copy.CopyFrom(proto)
        next(p for p in copy.metadata_props if p.key == METADATA_KEY).value = json.dumps(data)
        path = tmp_path / f"{name}.onnx"
        onnx.save(copy, str(path))
        return path

    cases = {
        "a transform imported by name": (lambda d: d["pipeline"].insert(1, {"type": "os.system"}),
                                         "names 'os.system', which bddet does not run from a file"),
        "a setting that names a file": (lambda d: d["pipeline"][0].update(file_client_args={"backend": "petrel"}),
                                        "LoadImageFromFile has settings bddet does not take from a file"),
        "other classes": (lambda d: d.update(classes=["cat", "dog"]), "its classes are not BDD100K's ten"),
        "shapes that do not fit": (lambda d: d.update(img_shape=[999, 320]), "input shapes that do not fit"),
    }
    for name, (change, message) in cases.items():
        with pytest.raises(OnnxError, match=message):
            read_onnx_export(written(name.replace(" ", "_"), change))
    external = tmp_path / "external.onnx"  # tensors in a file beside it: a path that could name any file
    onnx.save(proto, str(external), save_as_external_data=True, location="external.bin", size_threshold=0)
    with pytest.raises(OnnxError, match="keeps weights in external files"):
        read_onnx_export(external)
    assert read_onnx_export(result.onnx).input_shape == (1, 3, 192, 320)


@pytest.mark.parametrize("args, message", [
    (["--images", "/no/such/folder"], "--images /no/such/folder: no such file or folder"),
    (["--set", "val"], "--set val: outside a workspace there is no set"),
    (["--opset", "17"], "--opset 17: bddet exports at opset 19 to 21"),
    (["--input-size", "wide"], "--input-size wide: give WIDTHxHEIGHT"),
])
def test_bad_options_are_one_line_before_anything_is_traced_or_written(tmp_path, args, message):
    from typer.testing import CliRunner

    from bddet.cli.app import app

    res = CliRunner().invoke(app, ["export", "retinanet_tiny_sample", "--weights", str(DEMO_WEIGHTS), "--out",
                                   str(tmp_path / "out"), *args])
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert res.exit_code == 1 and len(lines) == 1 and message in lines[0], res.output
    assert not (tmp_path / "out").exists()
