"""bddet.train as a library: a typed result, the run recorded, resume under weights_only."""
from pathlib import Path

import pytest

import bddet
from tests.fixtures.datasets import tiny_data_root

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "configs/demo/retinanet_tiny_sample.py"
ONE_EPOCH = {"train_cfg.max_epochs": 1, "train_dataloader.batch_size": 2, "train_dataloader.num_workers": 0,
             "train_dataloader.persistent_workers": False}


def test_train_returns_the_checkpoint_and_resumes_to_a_further_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("BDDET_OFFLINE", "1")
    ws = bddet.Workspace.create(tmp_path / "ws", tiny_data_root(tmp_path / "bdd100k", n_train=4, n_val=1))
    result = bddet.train(str(DEMO_CONFIG), workspace=ws, device="cpu", cfg_options=ONE_EPOCH)
    assert isinstance(result, bddet.TrainResult)
    assert result.epoch == 1 and result.checkpoint.name == "epoch_1.pth" and result.checkpoint.is_file()
    assert result.run_id == "train-1" and result.work_dir == tmp_path / "ws/runs/train/retinanet_tiny_sample-1"
    again = bddet.train(str(DEMO_CONFIG), workspace=ws, device="cpu", resume=True,
                        cfg_options={**ONE_EPOCH, "train_cfg.max_epochs": 2})
    assert again.epoch == 2 and again.run_id == "train-1" and again.work_dir == result.work_dir
    with pytest.raises(bddet.BddetError, match="give the data root"):
        bddet.train(str(DEMO_CONFIG), device="cpu", work_dir=tmp_path / "w")
