"""Fixtures of the inference tests (images and videos): a seeded RetinaNet and a workspace with its weights."""
import pytest

from bddet.workspace import Workspace, init_workspace, record_weights
from tests.fixtures.datasets import tiny_data_root

MODEL = "retinanet_r50_fpn_1x_det_bdd100k"


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    """A RetinaNet checkpoint with seeded random weights, saved as mmdet 2.x did."""
    import torch
    from mmdet.utils import register_all_modules

    from bddet.zoo.config_files import config_path, load_config
    from bddet.zoo.catalogue import resolve_model_name

    register_all_modules()
    from mmdet.registry import MODELS

    torch.manual_seed(0)
    model = MODELS.build(load_config(config_path(resolve_model_name(MODEL))).model)
    path = tmp_path_factory.mktemp("weights") / "retinanet.pth"
    torch.save({"meta": {"mmdet_version": "2.25.0", "epoch": 12}, "state_dict": model.state_dict()}, path)
    return path


@pytest.fixture
def ws(tmp_path, weights, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # same threads in every process: bit-identical results
    data = tiny_data_root(tmp_path / "bdd100k", n_val=5)
    init_workspace(tmp_path, data)
    record_weights(Workspace(tmp_path), MODEL, weights, None, True)
    return tmp_path


@pytest.fixture(autouse=True)
def _restore_torch_threads():
    """Tests that pin torch to one thread (bit-identical runs) hand the setting back afterwards."""
    import torch

    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)
