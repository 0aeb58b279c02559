"""A model of one's own, imported from a mirror, works by name in every command, in a workspace and
outside one: one resolver for zoo, sample and own models, and a run folder is a run anywhere."""
import json
import shutil
from pathlib import Path

import pytest
import yaml

from bddet.workspace import MANIFEST_NAME
from tests.fixtures.own_models import export_demo_mirror, own_models_workspace

DEMO = Path(__file__).resolve().parents[2] / "configs/demo"
NAME = "my_tiny"
CPU = ["--device", "cpu", "--score-thr", "0"]
ONE_EPOCH = ["--cfg-options", "train_cfg.max_epochs=1", "train_dataloader.batch_size=2",
             "train_dataloader.num_workers=0", "train_dataloader.persistent_workers=False", "--device", "cpu"]


@pytest.fixture(scope="module")
def share(tmp_path_factory):
    return export_demo_mirror(tmp_path_factory.mktemp("exporter"), NAME, ap_val=29.1)


@pytest.fixture
def ws(tmp_path, share, monkeypatch):
    yield from own_models_workspace(tmp_path, monkeypatch)


def ok(result):
    assert result.exit_code == 0, result.output
    return result


def test_every_command_takes_an_own_models_name(cli, ws, share, tmp_path):
    ok(cli("models", "import", share))
    assert f"{NAME} (yours)" in ok(cli("models")).stdout
    # download: the cached weights gone, `bddet download` fetches them again from the model's mirror
    (tmp_path / "cache" / "det" / "models" / f"{NAME}.pth").unlink()
    fetched = ok(cli("download", NAME))
    assert "verified" in fetched.stdout and str(share) in fetched.stdout
    ok(cli("infer", NAME, "--set", "val", *CPU))
    scored = ok(cli("eval", "--set", "val"))
    assert f"{NAME}: recorded val AP 29.10" in scored.stdout
    gallery = ok(cli("vis", "infer-1", "--errors"))
    assert (ws / "runs" / "infer").exists() and "pictures in" in gallery.stderr
    ok(cli("infer", NAME, "--set", "val", *CPU, "--cfg-options", "model.test_cfg.score_thr=0.5"))
    compared = ok(cli("compare", "infer-1", "infer-2", "--bootstrap", "20"))
    assert "infer-2" in compared.stdout
    trained = ok(cli("train", NAME, *ONE_EPOCH))
    assert "recorded as train-1" in trained.stderr
    manifest = yaml.safe_load((ws / MANIFEST_NAME).read_text())
    assert manifest["train_runs"]["train-1"]["model"] == NAME and manifest["current"]["model"] == NAME


def test_outside_a_workspace_an_own_model_infers_and_its_run_folder_is_a_run(cli, ws, share, tmp_path, monkeypatch):
    from bddet.data.sample_dataset import make_sample_video

    ok(cli("models", "import", share, "--user"))
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    monkeypatch.chdir(outside)
    make_sample_video(outside / "drive.mp4", n_frames=6, seed=3)
    ok(cli("infer", NAME, "--images", outside / "drive.mp4", *CPU, "--out", outside / "o"))
    drawn = ok(cli("vis", "o", "--video"))  # a folder holding det.json and videos.json: that run
    video = outside / "o" / "vis" / "videos" / "drive.mp4"
    assert video.is_file() and video.read_bytes()[4:8] == b"ftyp" and "1 annotated video" in drawn.stderr
    shutil.copytree(tmp_path / "bdd100k" / "images" / "100k" / "val", outside / "imgs")
    ok(cli("infer", NAME, "--images", outside / "imgs", *CPU, "--out", outside / "p"))
    gt = tmp_path / "bdd100k" / "labels" / "det_20" / "det_val.json"
    scored = ok(cli("eval", "--preds", outside / "p", "--gt", gt, "--json"))
    assert json.loads(scored.stdout)["preds"].endswith("p/det.json")
    ok(cli("compare", outside / "p", outside / "p" / "det.json", "--gt", gt, "--bootstrap", "0"))
    ok(cli("vis", "p"))
    assert (outside / "p" / "vis" / "index.html").is_file()
