"""The one checkpoint loader: weights_only with a named allow-list, strict fitting, clear refusals."""
import os

import pytest
import torch

from bddet.zoo.checkpoint import CheckpointError, load_checkpoint_file, load_weights_strictly, state_dict_of


class _RunsCode:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return os.system, (f"touch {self.path}",)


def test_a_2x_checkpoint_loads_and_fits_a_model_strictly(tmp_path):
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
    torch.save({"meta": {"mmdet_version": "2.25.0", "epoch": 12}, "state_dict": model.state_dict()}, tmp_path / "w.pth")
    ckpt = load_checkpoint_file(tmp_path / "w.pth")
    assert ckpt["meta"]["epoch"] == 12 and set(state_dict_of(ckpt)) == set(model.state_dict())
    other = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
    load_weights_strictly(other, ckpt, "w.pth")
    assert torch.equal(other[0].weight, model[0].weight)


def test_weights_of_another_model_name_the_first_mismatching_parameters(tmp_path):
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3))
    wrong = {"state_dict": {"0.weight": torch.zeros(8, 3, 3, 3), "0.bias": torch.zeros(8), "1.weight": torch.zeros(1)}}
    with pytest.raises(CheckpointError, match=r"does not fit the model .*0\.weight") as err:
        load_weights_strictly(model, wrong, "other.pth")
    assert "1.weight" in str(err.value)


def test_a_checkpoint_that_would_run_code_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    torch.save({"state_dict": {}, "meta": _RunsCode(marker)}, tmp_path / "evil.pth")
    with pytest.raises(CheckpointError, match="refused"):
        load_checkpoint_file(tmp_path / "evil.pth")
    assert not marker.exists()
    (tmp_path / "notes.json").write_text("{}")
    with pytest.raises(CheckpointError, match="not a PyTorch checkpoint"):
        load_checkpoint_file(tmp_path / "notes.json")
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint_file(tmp_path / "missing.pth")
