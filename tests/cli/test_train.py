"""bddet train on CPU with a synthetic BDD100K-layout data root: real MMEngine runs, tiny sizes."""
from pathlib import Path

import pytest
import yaml

from bddet.workspace import MANIFEST_NAME, init_workspace
from tests.fixtures.datasets import tiny_data_root

O = "--cfg-options"
# small images, batches of 2, no loader workers, one epoch
TINY = [O, "train_dataloader.dataset.pipeline.2.scale=(160,96)", O, "val_dataloader.dataset.pipeline.1.scale=(160,96)",
        O, "test_dataloader.dataset.pipeline.1.scale=(160,96)", O, "train_dataloader.batch_size=2",
        O, "train_dataloader.num_workers=0", O, "val_dataloader.num_workers=0", O, "train_cfg.max_epochs=1",
        "--device", "cpu"]
SCRATCH = [O, "model.backbone.init_cfg=None"]


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.setenv("BDDET_OFFLINE", "1")  # nothing but mirrors: the original hosts are not for tests
    init_workspace(tmp_path, tiny_data_root(tmp_path / "bdd100k", n_train=4, n_val=2))
    return tmp_path


def manifest(root):
    return yaml.safe_load((root / MANIFEST_NAME).read_text())


def test_two_stage_one_epoch_then_resume_to_a_second_then_infer_with_the_run(cli, ws):
    result = cli("train", "faster_rcnn_r50_fpn_1x", *TINY, *SCRATCH)
    assert result.exit_code == 0, result.output
    run = manifest(ws)["train_runs"]["train-1"]
    assert run["epoch"] == 1 and run["last_checkpoint"].endswith("epoch_1.pth") and Path(run["last_checkpoint"]).is_file()
    assert run["work_dir"] == str(ws / "runs" / "train" / "faster_rcnn_r50_fpn_1x-1")
    log = next(Path(run["work_dir"]).rglob("*.log")).read_text()
    assert "BDD100K detection (official metrics)" in log and "traffic sign" in log  # validation each epoch
    resumed = cli("train", "faster_rcnn_r50_fpn_1x", "--resume", *TINY, *SCRATCH, O, "train_cfg.max_epochs=2")
    assert resumed.exit_code == 0, resumed.output
    assert "resuming from the last checkpoint" in resumed.stderr
    run = manifest(ws)["train_runs"]["train-1"]  # the same run, now at epoch 2
    assert run["epoch"] == 2 and len(manifest(ws)["train_runs"]) == 1
    inferred = cli("infer", "--weights", "train-1", "--device", "cpu", O, "test_dataloader.dataset.pipeline.1.scale=(160,96)")
    assert inferred.exit_code == 0, inferred.output
    assert manifest(ws)["infer_runs"]["infer-1"]["trained"] is True


def test_one_stage_with_its_pretrained_backbone_served_by_a_mirror(cli, ws, file_server, monkeypatch):
    import torch
    import torchvision

    torch.save(torchvision.models.resnet50().state_dict(), file_server.root / "resnet50-0676ba61.pth")
    (file_server.root / "pretrained").mkdir()
    (file_server.root / "resnet50-0676ba61.pth").rename(file_server.root / "pretrained" / "resnet50-0676ba61.pth")
    monkeypatch.setenv("BDDET_MIRRORS", file_server.url)
    result = cli("train", "retinanet_r50_fpn_1x", *TINY, "--auto-scale-lr")
    assert result.exit_code == 0, result.output
    assert "lr x 0.0625" in result.stderr  # batch 2 against the recipe's 8 x 4
    assert ("/pretrained/resnet50-0676ba61.pth", None) in file_server.requests
    assert (ws / "cache" / "det" / "pretrained" / "resnet50-0676ba61.pth").is_file()


def test_offline_pretrained_backbone_is_one_line_with_the_ways_out(cli, ws):
    result = cli("train", "retinanet_r50_fpn_1x", *TINY)
    assert result.exit_code == 1
    assert result.stderr.count("error:") == 1 and "Traceback" not in result.output
    for needle in ("https://download.pytorch.org/models/resnet50-0676ba61.pth",
                   "model.backbone.init_cfg.checkpoint=PATH", "model.backbone.init_cfg=None"):
        assert needle in result.stderr


def test_two_processes_on_cpu(cli, ws):
    result = cli("train", "retinanet_r50_fpn_1x", *TINY, *SCRATCH, "--gpus", "2", "--master-port", "29644")
    assert result.exit_code == 0, result.output
    run = manifest(ws)["train_runs"]["train-1"]
    assert run["processes"] == 2 and run["epoch"] == 1


def test_a_user_config_inheriting_ours(cli, ws):
    from bddet.zoo.config_files import CONFIG_DIR

    mine = ws / "my_retinanet.py"
    mine.write_text(f"_base_ = '{CONFIG_DIR / 'retinanet_r50_fpn_1x_det_bdd100k.py'}'\n"
                    "model = dict(backbone=dict(init_cfg=None), bbox_head=dict(stacked_convs=2))\n")
    result = cli("train", str(mine), *TINY)
    assert result.exit_code == 0, result.output
    run = manifest(ws)["train_runs"]["train-1"]
    assert run["model"] is None and run["config"] == str(mine) and run["epoch"] == 1
    assert "stacked_convs=2" in next(Path(run["work_dir"]).glob("*.py")).read_text()


def test_bad_train_inputs(cli, ws):
    unknown = cli("train", "nosuchmodel", *TINY)
    assert unknown.exit_code == 1 and "no zoo model is called 'nosuchmodel'" in unknown.stderr
    resume = cli("train", "atss_r50_fpn_1x", "--resume", *TINY)
    assert resume.exit_code == 2 and "no earlier training run" in resume.output
    amp = cli("train", "atss_r50_fpn_1x", "--amp", *TINY, *SCRATCH)
    assert amp.exit_code == 1 and "--amp needs a GPU" in amp.stderr
