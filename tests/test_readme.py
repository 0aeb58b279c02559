"""The README's zoo table is the catalogue's, not a hand-kept copy."""
import re
from pathlib import Path

import pytest


def test_readme_zoo_table_is_generated_from_the_catalogue(cli):
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = re.search(r"<!-- zoo-table -->\n(.*?)<!-- /zoo-table -->", readme, re.S).group(1)
    assert table == cli("models", "--markdown").stdout, "run `make zoo-table`"


def test_the_python_api_example_runs_as_written(tmp_path, file_server, capsys):
    """The README's Python API block, run against the built-in sample and the demo model's mirror."""
    import shutil

    from bddet.data.sample_dataset import make_sample_dataset

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    code = re.search(r"<!-- python-api -->\n```python\n(.*?)```\n<!-- /python-api -->", readme, re.S).group(1)
    make_sample_dataset(tmp_path / "bdd100k", n_train=1, n_val=4, n_test=1)
    mirror = Path(__file__).resolve().parent.parent / "configs/demo/mirror"
    shutil.copytree(mirror, file_server.root, dirs_exist_ok=True)
    exec(compile(code, "README.md", "exec"), {"mirror_url": file_server.url})
    verified, images, run_id, ap, ap_car, index, pictures = capsys.readouterr().out.split()
    assert (verified, images, run_id) == ("True", "4", "infer-1")
    import json
    import subprocess
    import sys

    preds = next((tmp_path / "work" / "runs" / "infer").glob("*/det.json"))
    out = tmp_path / "official.json"
    subprocess.run([sys.executable, "-m", "bdd100k.eval.run", "-t", "det", "-g",
                    str(tmp_path / "bdd100k/labels/det_20/det_val.json"), "-r", str(preds), "--out-file", str(out),
                    "--nproc", "1"], check=True, capture_output=True)
    official = json.loads(out.read_text())
    assert float(ap) == pytest.approx(official["AP"][1]["OVERALL"], abs=1e-9) and float(ap) > 0
    assert float(ap_car) == pytest.approx(official["AP"][0]["car"], abs=1e-9, nan_ok=True)
    assert (tmp_path / index).resolve() == tmp_path / "vis" / "index.html" and int(pictures) == 4
    assert [line.split(":")[0] for line in (tmp_path / "work" / "bddet.yaml").read_text().splitlines()
            if line.startswith("  eval-")] == ["  eval-1"]
