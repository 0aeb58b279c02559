"""Models of one's own: `bddet models add/export/import`, then used by name like a zoo model."""
import json
import shutil
from pathlib import Path

import pytest
import yaml

from bddet.workspace import MANIFEST_NAME, init_workspace
from tests.fixtures.own_models import own_models_workspace

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "configs/demo/retinanet_tiny_sample.py"
O = "--cfg-options"
ONE_EPOCH = [O, "train_cfg.max_epochs=1", "train_dataloader.batch_size=2", "train_dataloader.num_workers=0",
             "train_dataloader.persistent_workers=False", "--device", "cpu"]
INFER = ["--device", "cpu", "--score-thr", "0"]


@pytest.fixture
def ws(tmp_path, monkeypatch):
    yield from own_models_workspace(tmp_path, monkeypatch)


def det(path):
    return json.loads(Path(path).read_text())


def test_a_trained_run_becomes_a_named_model_that_infers_exported_and_imported(cli, ws, tmp_path, file_server,
                                                                              monkeypatch):
    assert cli("train", DEMO_CONFIG, *ONE_EPOCH).exit_code == 0
    assert cli("infer", "--weights", "train-1", *INFER, "--out", "by-run").exit_code == 0
    evaluated = cli("eval", "--set", "val", "--json")
    assert evaluated.exit_code == 0
    ap = json.loads(evaluated.stdout)["metrics"]["AP"][1]["OVERALL"]

    added = cli("models", "add", "my_retina", "--from-run", "train-1")
    assert added.exit_code == 0, added.output
    entry = yaml.safe_load((ws / MANIFEST_NAME).read_text())["models"][0]
    assert entry["name"] == "my_retina" and entry["network"] == "RetinaNet" and entry["params"] == 1158542
    assert entry["ap_val"] == pytest.approx(round(ap, 4)) and len(entry["md5"]) == 32
    frozen = Path(entry["config_file"]).read_text()
    assert "_base_ =" not in frozen and "max_epochs=1" in frozen and "work_dir" not in frozen

    listed = cli("models", "retina", "--json")
    sources = {m["name"]: m["source"] for m in json.loads(listed.stdout)}
    assert sources["my_retina"] == "user" and sources["retinanet_r50_fpn_1x_det_bdd100k"] == "published"
    assert "my_retina (yours)" in cli("models").stdout

    # the same numbers by name as by run id (run side by side: the first inference in a process after
    # training differs from later ones around the 8th digit, as oneDNN picks its kernels)
    assert cli("infer", "--weights", "train-1", *INFER, "--out", "by-run").exit_code == 0
    assert cli("infer", "my_retina", *INFER, "--out", "by-name").exit_code == 0
    assert det(ws / "by-name/det.json") == det(ws / "by-run/det.json")
    scored = cli("eval", "--set", "val")
    assert "my_retina: recorded val AP" in scored.stdout

    # share: export, serve over HTTP, import into a second workspace with its own cache and catalogue
    exported = cli("models", "export", "my_retina", tmp_path / "share")
    assert exported.exit_code == 0, exported.output
    assert sorted(p.relative_to(tmp_path / "share").as_posix() for p in (tmp_path / "share").rglob("*")
                  if p.is_file()) == ["catalogue.yaml", "configs/my_retina.json", "models/my_retina.md5",
                                      "models/my_retina.pth"]
    shutil.copytree(tmp_path / "share", file_server.root, dirs_exist_ok=True)
    monkeypatch.setenv("BDDET_CACHE", str(tmp_path / "cache2"))
    monkeypatch.setenv("BDDET_USER_MODELS", str(tmp_path / "user2" / "models.yaml"))
    ws2 = tmp_path / "ws2"
    init_workspace(ws2, tmp_path / "bdd100k")
    monkeypatch.chdir(ws2)
    imported = cli("models", "import", file_server.url)
    assert imported.exit_code == 0, imported.output
    assert any(path.endswith("my_retina.pth") for path, _ in file_server.requests)
    assert cli("infer", "my_retina", *INFER, "--out", "imported").exit_code == 0
    assert det(ws2 / "imported/det.json") == det(ws / "by-run/det.json")
    # a folder works as a mirror too, and a clash with what is there is one line
    clash = cli("models", "import", tmp_path / "share")
    assert clash.exit_code == 1 and "'my_retina' is taken" in clash.stderr and clash.stderr.count("error:") == 1


def test_bad_registrations_are_one_line_and_leave_nothing(cli, ws, tmp_path):
    import torch

    from bddet.zoo.cache import cached_path

    with open(ws / MANIFEST_NAME) as f:
        manifest = f.read()
    manifest = manifest.replace("train_runs: {}", "train_runs:\n  train-1: {config: " + str(DEMO_CONFIG)
                                + ", work_dir: runs/train/x, last_checkpoint: null}")
    (ws / MANIFEST_NAME).write_text(manifest)
    broken = tmp_path / "broken.py"
    broken.write_text(f"_base_ = '{DEMO_CONFIG}'\nmodel = dict(backbone=dict(type='NoSuchBackbone'))\n")
    wrong = tmp_path / "wrong.pth"
    torch.save({"state_dict": {"backbone.conv1.weight": torch.zeros(3)}}, wrong)
    demo_weights = DEMO_CONFIG.parent / "mirror/models/retinanet_tiny_sample.pth"
    cases = [
        (["mine", "--from-run", "train-1"], "has no checkpoint"),
        (["mine", "--config", broken, "--weights", demo_weights], "the model does not build"),
        (["mine", "--config", DEMO_CONFIG, "--weights", wrong], "does not fit the model"),
        (["retinanet_r50_fpn_1x", "--config", DEMO_CONFIG, "--weights", demo_weights], "published zoo model's"),
        (["Mine!", "--config", DEMO_CONFIG, "--weights", demo_weights], "use lower-case letters"),
    ]
    for args, needle in cases:
        result = cli("models", "add", *args)
        assert result.exit_code == 1 and needle in result.stderr, (args, result.output)
        assert result.stderr.count("error:") == 1 and "Traceback" not in result.output
    assert not cached_path("configs/mine.py").exists() and not cached_path("models/mine.pth").exists()
    assert "models" not in yaml.safe_load((ws / MANIFEST_NAME).read_text())
    ok = cli("models", "add", "mine", "--config", DEMO_CONFIG, "--weights", demo_weights, "--ap-val", "29.1")
    assert ok.exit_code == 0, ok.output
    again = cli("models", "add", "mine", "--config", DEMO_CONFIG, "--weights", demo_weights)
    assert again.exit_code == 1 and "'mine' is taken" in again.stderr
    user = cli("models", "add", "mine2", "--config", DEMO_CONFIG, "--weights", demo_weights, "--user")
    assert user.exit_code == 0
    assert yaml.safe_load((tmp_path / "user/models.yaml").read_text())["models"][0]["name"] == "mine2"
