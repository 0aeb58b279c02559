"""bddet infer on CPU: real MMDetection model, real images, real torchrun processes."""
import json
import os
import shutil

import yaml

from bddet.workspace import MANIFEST_NAME
from tests.cli.conftest import MODEL
from tests.fixtures.inference import SMALL, load_det, torch_threads

def current_predictions(root):
    m = yaml.safe_load((root / MANIFEST_NAME).read_text())
    return m["infer_runs"][m["current"]["run"]]["predictions"]


def test_infer_on_the_val_set_writes_scalabel_det_json_and_records_the_run(cli, ws):
    torch_threads(1)
    result = cli("infer", *SMALL)
    assert result.exit_code == 0, result.output
    det = load_det(current_predictions(ws))
    labels = json.loads((ws / "bdd100k/labels/det_20/det_val.json").read_text())
    assert [f["name"] for f in det] == [f["name"] for f in labels]  # one frame per image, label-file names
    first = det[0]["labels"][0]
    assert set(first) == {"id", "category", "score", "box2d"} and set(first["box2d"]) == {"x1", "y1", "x2", "y2"}
    xs = [lb["box2d"]["x2"] for f in det for lb in f["labels"]]
    assert max(xs) <= 128 and len(xs) == 5 * 100  # original-image pixels (128 wide), 100 per image
    ids = [lb["id"] for f in det for lb in f["labels"]]
    assert len(set(ids)) == len(ids)
    from scalabel.label.io import load

    assert len(load(current_predictions(ws)).frames) == 5
    run = yaml.safe_load((ws / MANIFEST_NAME).read_text())["infer_runs"]["infer-1"]
    assert run["model"] == MODEL and run["set"] == "val" and run["image_count"] == 5


def test_two_processes_give_the_same_det_json(cli, ws):
    torch_threads(1)
    assert cli("infer", *SMALL, "--out", "one").exit_code == 0
    result = cli("infer", *SMALL, "--gpus", "2", "--out", "two", "--master-port", "29611")
    assert result.exit_code == 0, result.output
    assert load_det(ws / "two" / "det.json") == load_det(ws / "one" / "det.json")
    assert not (ws / "two" / ".parts").exists()


def test_batched_detections_are_mmdetections_own_in_original_pixels(cli, ws, weights):
    """Batches of 2 through bddet's loader give what mmdet's inference_detector gives image by image."""
    import torch
    from mmdet.apis import inference_detector, init_detector

    from bddet.zoo.config_files import config_path
    from bddet.zoo.catalogue import resolve_model_name

    torch.set_num_threads(1)
    result = cli("infer", *SMALL, "--batch-size", "2", "--workers", "1", "--fp16", "--out", "b")
    assert result.exit_code == 0, result.output
    assert "--fp16 applies on a GPU only" in result.stderr  # and the numbers below are full precision
    det = load_det(ws / "b/det.json")
    model = init_detector(str(config_path(resolve_model_name(MODEL))), str(weights), device="cpu",
                          cfg_options={"test_dataloader.dataset.pipeline.1.scale": (192, 128)})
    val = ws / "bdd100k/images/100k/val"
    for frame, sample in zip(det, inference_detector(model, [str(val / f["name"]) for f in det])):
        pred = sample.pred_instances
        order = torch.argsort(pred.labels, stable=True)  # written class by class, as the original converter
        ours = torch.tensor([[lb["box2d"][k] for k in ("x1", "y1", "x2", "y2")] + [lb["score"]] for lb in frame["labels"]],
                            dtype=torch.float64)
        theirs = torch.cat([pred.bboxes, pred.scores[:, None]], 1)[order].double()
        theirs[:, 2:4] -= 1  # scalabel's inclusive x2, y2: x1 + (x2 - x1) - 1, unclamped
        assert len(frame["labels"]) == len(pred) > 0
        # MMDetection rescales by multiplying with 1 / scale, bddet divides as the 2.x stack did: last bits
        torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-3)
        from bddet.data.categories import CLASSES

        assert [lb["category"] for lb in frame["labels"]] == [CLASSES[k] for k in pred.labels[order].tolist()]


def test_folder_glob_and_file_inputs_name_frames_relative_to_their_folder(cli, ws):
    imgs = ws / "mine" / "drive"
    imgs.mkdir(parents=True)
    for name in ("b.jpg", "a.jpg"):
        shutil.copy(ws / "bdd100k/images/100k/val/val-0000.jpg", imgs / name)
    (imgs / "sub").mkdir()
    shutil.copy(ws / "bdd100k/images/100k/val/val-0001.jpg", imgs / "sub" / "c.png.jpg")
    assert cli("infer", *SMALL, "--images", str(ws / "mine"), "--out", "f").exit_code == 0
    assert [f["name"] for f in load_det(ws / "f/det.json")] == ["drive/a.jpg", "drive/b.jpg", "drive/sub/c.png.jpg"]
    assert cli("infer", *SMALL, "--images", str(imgs / "*.jpg"), "--out", "g").exit_code == 0
    assert [f["name"] for f in load_det(ws / "g/det.json")] == ["a.jpg", "b.jpg"]
    assert cli("infer", *SMALL, "--images", str(imgs / "b.jpg"), "--out", "h").exit_code == 0
    assert [f["name"] for f in load_det(ws / "h/det.json")] == ["b.jpg"]


def test_resume_skips_what_a_killed_run_finished(cli, ws):
    assert cli("infer", *SMALL, "--out", "full").exit_code == 0
    full = load_det(ws / "full/det.json")
    # what a run killed after two images leaves behind: two finished frames and a line cut short
    parts = ws / "partial" / ".parts"
    parts.mkdir(parents=True)
    done = [dict(full[0], labels=full[0]["labels"][:1]), dict(full[1], labels=[])]  # marked to tell them apart
    lines = [json.dumps({"i": i, "frame": f}) + "\n" for i, f in enumerate(done)]
    (parts / "part-0-of-1-99.jsonl").write_text("".join(lines) + '{"i": 2, "fra')
    assert cli("infer", *SMALL, "--out", "partial", "--resume").exit_code == 0
    resumed = load_det(ws / "partial/det.json")
    assert len(resumed) == 5 and len(resumed[0]["labels"]) == 1 and resumed[1]["labels"] == []
    strip = [[{k: v for k, v in lb.items() if k != "id"} for lb in f["labels"]] for f in resumed[2:]]
    assert strip == [[{k: v for k, v in lb.items() if k != "id"} for lb in f["labels"]] for f in full[2:]]


class _Evil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return os.system, (f"touch {self.path}",)


def test_a_checkpoint_that_would_run_code_is_refused(cli, ws):
    marker = ws / "pwned"
    import torch

    torch.save({"state_dict": {}, "meta": _Evil(marker)}, ws / "evil.pth")  # how such a file is made
    result = cli("infer", *SMALL, "--weights", str(ws / "evil.pth"), "--out", "e")
    assert result.exit_code == 1 and "refused" in result.stderr and "imports posix.system" in result.stderr
    assert result.stderr.count("error:") == 1
    assert not marker.exists() and not (ws / "e" / "det.json").exists()


def test_corrupt_images_are_named_or_skipped(cli, ws):
    imgs = ws / "mine"
    imgs.mkdir()
    shutil.copy(ws / "bdd100k/images/100k/val/val-0000.jpg", imgs / "good.jpg")
    (imgs / "broken.jpg").write_bytes(b"not a jpeg at all")
    failed = cli("infer", *SMALL, "--images", str(imgs), "--out", "c")
    assert failed.exit_code == 1 and "broken.jpg" in failed.stderr and "--skip-unreadable" in failed.stderr
    assert not (ws / "c" / "det.json").exists()
    ok = cli("infer", *SMALL, "--images", str(imgs), "--out", "c", "--skip-unreadable")
    assert ok.exit_code == 0 and "skipped unreadable image" in ok.stderr and "broken.jpg" in ok.stderr
    assert [f["name"] for f in load_det(ws / "c/det.json")] == ["good.jpg"]


def test_bad_inputs(cli, ws, tmp_path):
    (ws / "empty").mkdir()
    for args, needle in ((["--images", str(ws / "empty")], "no images in this folder"),
                         (["--images", str(ws / "nope")], "no such file or folder"),
                         (["--images", str(ws / "*.png")], "matches no image"),
                         (["--images", str(ws / "bddet.yaml")], "bddet.yaml: not an image file"),
                         (["yolo"], "no zoo model is called 'yolo'"),
                         (["faster_rcnn_r50_fpn_1x"], "no weights for faster_rcnn_r50_fpn_1x"),
                         (["--weights", str(ws / "missing.pth")], "no such file")):
        result = cli("infer", *SMALL, *args, "--out", "x")
        assert result.exit_code == 1, (args, result.output)
        assert needle in result.stderr and result.stderr.count("error:") == 1, result.stderr
        assert "Traceback" not in result.output and not (ws / "x").exists()  # the output folder untouched
    # weights of another model: the first mismatching parameters are named
    import torch

    torch.save({"state_dict": {"backbone.conv1.weight": torch.zeros(1)}}, ws / "other.pth")
    result = cli("infer", *SMALL, "--weights", str(ws / "other.pth"), "--out", "x")
    assert result.exit_code == 1 and "does not fit the model" in result.stderr and "conv1.weight" in result.stderr
    assert not (ws / "x").exists()


def test_mmdet_cfg_options_several_pairs_after_one_flag(cli, ws):
    result = cli("infer", "--cfg-options", "test_dataloader.dataset.pipeline.1.scale=(192,128)",
                 "model.test_cfg.max_per_img=3", "model.test_cfg.nms.iou_threshold=0.4", "--score-thr", "0",
                 "--device", "cpu", "--out", "m")
    assert result.exit_code == 0, result.output
    det = load_det(ws / "m/det.json")
    assert len(det) == 5 and all(len(f["labels"]) == 3 for f in det)  # max_per_img took effect
    bad = cli("infer", *SMALL, "--cfg-options", "model.test_cfg.max_per_img", "--out", "n")
    assert bad.exit_code == 1 and bad.stderr.count("error:") == 1
    assert "'model.test_cfg.max_per_img' is not KEY=VALUE" in bad.stderr and not (ws / "n").exists()


def test_empty_truncated_and_non_image_files_are_named_in_plain_words(cli, ws):
    imgs = ws / "mine"
    imgs.mkdir()
    good = (ws / "bdd100k/images/100k/val/val-0000.jpg").read_bytes()
    (imgs / "a-empty.jpg").write_bytes(b"")
    (imgs / "b-cut.jpg").write_bytes(good[: len(good) // 2])
    (imgs / "c-text.jpg").write_bytes(b"hello, not a picture")
    (imgs / "d-good.jpg").write_bytes(good)
    for name, words in (("a-empty.jpg", "an empty file (0 bytes)"), ("b-cut.jpg", "a truncated JPEG"),
                        ("c-text.jpg", "not an image")):
        result = cli("infer", *SMALL, "--images", str(imgs / name), "--images", str(imgs / "d-good.jpg"), "--out", "x")
        assert result.exit_code == 1 and result.stderr.count("error:") == 1, result.output
        assert name in result.stderr and words in result.stderr and "Assertion" not in result.stderr
        assert not (ws / "x" / "det.json").exists()
    ok = cli("infer", *SMALL, "--images", str(imgs), "--out", "y", "--skip-unreadable")
    assert ok.exit_code == 0 and ok.stderr.count("skipped unreadable image") == 3
    assert [f["name"] for f in load_det(ws / "y/det.json")] == ["d-good.jpg"]


def test_resume_matches_finished_images_by_name_when_the_folder_changed(cli, ws):
    imgs = ws / "drive"
    imgs.mkdir()
    val = sorted((ws / "bdd100k/images/100k/val").iterdir())
    for k, src in enumerate(val[:4]):
        shutil.copy(src, imgs / f"f{k + 1}.jpg")
    assert cli("infer", *SMALL, "--images", str(imgs), "--out", "full").exit_code == 0
    full = {f["name"]: f for f in load_det(ws / "full/det.json")}
    # a run killed after two images, then an image added that sorts first
    parts = ws / "partial" / ".parts"
    parts.mkdir(parents=True)
    done = [dict(full["f1.jpg"], labels=full["f1.jpg"]["labels"][:1]), dict(full["f2.jpg"], labels=[])]
    (parts / "part-0-of-1-99.jsonl").write_text("".join(json.dumps({"frame": f}) + "\n" for f in done))
    shutil.copy(val[4], imgs / "f0.jpg")
    assert cli("infer", *SMALL, "--images", str(imgs), "--out", "partial", "--resume").exit_code == 0
    resumed = load_det(ws / "partial/det.json")
    assert [f["name"] for f in resumed] == ["f0.jpg", "f1.jpg", "f2.jpg", "f3.jpg", "f4.jpg"]  # each exactly once
    assert len(resumed[1]["labels"]) == 1 and resumed[2]["labels"] == []  # the finished ones kept
    assert len(resumed[0]["labels"]) == 100 and len(resumed[3]["labels"]) == 100  # the new and the rest run


def test_default_run_folders_are_unique_within_one_second(ws):
    from bddet.engine.infer import _unique_run_dir

    runs = ws / "runs" / "infer"
    made = [_unique_run_dir(runs, "m-val-20260101-000000") for _ in range(3)]
    assert [p.name for p in made] == ["m-val-20260101-000000", "m-val-20260101-000000-2", "m-val-20260101-000000-3"]
