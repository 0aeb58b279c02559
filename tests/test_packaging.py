"""A wheel of bddet works outside the source tree: the configs travel inside the package."""
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

CHECK = """
import bddet, sys
from pathlib import Path
from bddet.zoo.config_files import config_path, load_config
from bddet.zoo.catalogue import list_models, sample_models
assert Path(bddet.__file__).is_relative_to(sys.argv[1]), bddet.__file__
paths = [config_path(m) for m in list_models()] + [config_path(m) for m in sample_models()]
missing = [str(p) for p in paths if not p.is_file()]
assert not missing, missing
cfg = load_config(config_path(next(m for m in list_models() if m.name.startswith('cascade_rcnn_swin-t'))), '/data')
assert cfg.model.backbone.type == 'SwinTransformer' and cfg.val_dataloader.dataset.data_root == '/data'
print(len(paths), 'configs')
"""


def test_a_wheel_carries_every_config_and_an_installed_bddet_loads_them(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(REPO, src, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".whl", "tests", "benchmarks", "docs", "build", "__pycache__", "*.egg-info", ".pytest_cache",
        "out", "runs", "demo-workspace"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp_path / "dist"),
                    str(src)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("bddet-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "bddet/zoo/zoo.yaml" in names and "bddet/configs/det/_base_/default_runtime.py" in names
    assert "bddet/configs/demo/mirror/models/retinanet_tiny_sample.pth" in names  # data, not only .py files
    assert sum(n.startswith("bddet/configs/det/") and n.count("/") == 3 for n in names) == 64
    subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target", str(tmp_path / "site"), str(wheel)],
                   check=True, capture_output=True)
    shutil.rmtree(src)  # nothing may come from the source tree
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "site"))
    done = subprocess.run([sys.executable, "-c", CHECK, str(tmp_path / "site")], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "65 configs"
